using DbUp;

namespace FlopsBus.Deployment.Persistence;

/// <summary>Brings the database to the schema this build expects, with the migrations embedded in this assembly.</summary>
public static class DeploymentSchema
{
    public static void Migrate(string connectionString)
    {
        EnsureDatabase.For.PostgresqlDatabase(connectionString);
        var result = DeployChanges.To.PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(typeof(DeploymentSchema).Assembly)
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build()
            .PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException($"Migrating the deployment database failed at {result.ErrorScript?.Name}: {result.Error.Message}", result.Error);
    }
}
