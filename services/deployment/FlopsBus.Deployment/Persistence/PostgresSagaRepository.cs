using FlopsBus.Contracts;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace FlopsBus.Deployment.Persistence;

/// <summary>
/// The saga repository on PostgreSQL through Npgsql and Dapper. MassTransit's own Dapper repository speaks
/// only SQL Server in the 8.x line this project can use, so this one plugs <see cref="ProjectDocumentWriter"/>
/// into MassTransit's repository pipeline: per message a read (usually from memory), the saga, then a change the
/// writer stores behind the message, which waits for it outside the partitioner (<see cref="AwaitProjectWrites{T}"/>).
/// </summary>
public sealed class PostgresSagaRepositoryContextFactory(
    ProjectDocumentWriter writer,
    ISagaConsumeContextFactory<ProjectDocumentWriter, ProjectDeploymentState> factory) :
    ISagaRepositoryContextFactory<ProjectDeploymentState>,
    ILoadSagaRepositoryContextFactory<ProjectDeploymentState>
{
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<ProjectDeploymentState, T>> next) where T : class
    {
        var repository = new PostgresSagaRepositoryContext<T>(writer, context, factory);
        try
        {
            await next.Send(repository);
        }
        catch
        {
            // Still inside the partitioner: the project's next message must not start from what this one half changed.
            repository.AbandonUnsettled();
            throw;
        }
    }

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<ProjectDeploymentState> query,
        IPipe<SagaRepositoryQueryContext<ProjectDeploymentState, T>> next) where T : class =>
        throw new NotSupportedException("Deployment sagas are correlated by project id; query correlation is not supported.");

    public Task<T> Execute<T>(Func<LoadSagaRepositoryContext<ProjectDeploymentState>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        asyncMethod(new PostgresLoadSagaRepositoryContext(writer, cancellationToken));

    public void Probe(ProbeContext context) => context.Add("persistence", "postgresql");
}

public sealed class PostgresSagaRepositoryContext<TMessage> :
    ConsumeContextScope<TMessage>,
    SagaRepositoryContext<ProjectDeploymentState, TMessage>
    where TMessage : class
{
    private readonly ProjectDocumentWriter writer;
    private readonly ConsumeContext<TMessage> consumeContext;
    private readonly ISagaConsumeContextFactory<ProjectDocumentWriter, ProjectDeploymentState> factory;
    /// <summary>The instance this message read and has not settled yet (its change taken, or none made).</summary>
    private ProjectDeploymentState? _unsettled;

    public PostgresSagaRepositoryContext(ProjectDocumentWriter writer, ConsumeContext<TMessage> consumeContext,
        ISagaConsumeContextFactory<ProjectDocumentWriter, ProjectDeploymentState> factory)
        : base(consumeContext, writer)
    {
        this.writer = writer;
        this.consumeContext = consumeContext;
        this.factory = factory;
    }

    public Task<SagaConsumeContext<ProjectDeploymentState, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> context, ProjectDeploymentState instance,
        SagaConsumeContextMode mode) where T : class =>
        factory.CreateSagaConsumeContext(writer, context, instance, mode);

    public Task<SagaConsumeContext<ProjectDeploymentState, TMessage>> Add(ProjectDeploymentState instance) =>
        factory.CreateSagaConsumeContext(writer, consumeContext, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<ProjectDeploymentState, TMessage>> Insert(ProjectDeploymentState instance)
    {
        await Stored(writer.Insert(instance));
        _unsettled = instance;
        return await factory.CreateSagaConsumeContext(writer, consumeContext, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<ProjectDeploymentState, TMessage>> Load(Guid correlationId)
    {
        // Only a status request shows the timeline; every other message only appends to it.
        var instance = await writer.Load(correlationId, withTimeline: typeof(TMessage) == typeof(GetProjectStatus), CancellationToken);
        _unsettled = instance;
        return instance is null ? null! : await factory.CreateSagaConsumeContext(writer, consumeContext, instance, SagaConsumeContextMode.Load);
    }

    public Task Save(SagaConsumeContext<ProjectDeploymentState> context) => Stored(writer.Insert(context.Saga));

    public Task Update(SagaConsumeContext<ProjectDeploymentState> context)
    {
        var stored = Stored(writer.Update(context.Saga));
        _unsettled = null;
        return stored;
    }

    public Task Delete(SagaConsumeContext<ProjectDeploymentState> context)
    {
        _unsettled = null;
        return writer.Delete(context.Saga, CancellationToken);
    }

    public Task Discard(SagaConsumeContext<ProjectDeploymentState> context) => Task.CompletedTask;

    /// <summary>A read-only message (a status request) read the database and changed nothing.</summary>
    public Task Undo(SagaConsumeContext<ProjectDeploymentState> context)
    {
        _unsettled = null;
        return Task.CompletedTask;
    }

    /// <summary>The message failed: an instance it read and did not settle is abandoned (<see cref="ProjectDocumentWriter.Abandon"/>).</summary>
    public void AbandonUnsettled()
    {
        if (_unsettled is { } instance) writer.Abandon(instance);
    }

    /// <summary>The message waits for its write outside the partitioner when it can (see <see cref="AwaitProjectWrites{T}"/>), here otherwise.</summary>
    private Task Stored(Task write)
    {
        if (!consumeContext.TryGetPayload<ProjectWritesInFlight>(out var writes)) return write;
        writes.Add(write);
        return Task.CompletedTask;
    }
}

public sealed class PostgresLoadSagaRepositoryContext(ProjectDocumentWriter writer, CancellationToken cancellationToken) :
    BasePipeContext(cancellationToken),
    LoadSagaRepositoryContext<ProjectDeploymentState>
{
    public Task<ProjectDeploymentState> Load(Guid correlationId) => writer.Load(correlationId, withTimeline: true, CancellationToken)!;
}

public static class PostgresSagaRepositoryRegistration
{
    public static ISagaRegistrationConfigurator<ProjectDeploymentState> PostgresRepository(
        this ISagaRegistrationConfigurator<ProjectDeploymentState> saga, string connectionString)
    {
        saga.Repository(r =>
        {
            r.TryAddSingleton(_ =>
            {
                DeploymentSchema.Migrate(connectionString);
                var source = new NpgsqlDataSourceBuilder(connectionString);
                // Every batch of writes runs the same two statements: prepared once per connection, Postgres parses and
                // plans them once (a plan made while the table was small is made again after autovacuum analyzes
                // it). Nothing changes a session's state, so a pooled connection needs no reset. The writes take
                // their rows as arrays, whose custom plans PostgreSQL judges cheaper than the generic one and so
                // would plan them on every batch (a quarter of its CPU under bench-saga): the generic plan it is. No JIT:
                // the actor gauge's sum over every live deployment passes its cost threshold at some 30,000 of them, and
                // would then compile itself with LLVM every interval: 340 ms at 20,000 deployments, against 58 without.
                var settings = source.ConnectionStringBuilder;
                if (settings.MaxAutoPrepare == 0) settings.MaxAutoPrepare = 16;
                settings.Options = $"{settings.Options} -c plan_cache_mode=force_generic_plan -c jit=off".Trim();
                settings.NoResetOnClose = true;
                return source.Build();
            });
            // Migrate at start-up, not at the first message, so a fresh database is ready before anything arrives.
            r.AddHostedService(sp => new DeploymentSchemaMigration(sp.GetRequiredService<NpgsqlDataSource>()));
            r.TryAddSingleton(_ => new SagaInstanceCache(SagaInstanceCache.DefaultCapacity));
            r.TryAddSingleton<ProjectDeploymentStore>();
            r.TryAddSingleton<ProjectDocumentWriter>();
            r.TryAddSingleton<IDeploymentQueries, PostgresDeploymentQueries>();
            r.RegisterLoadSagaRepository<ProjectDeploymentState, PostgresSagaRepositoryContextFactory>();
            r.RegisterSagaRepository<ProjectDeploymentState, ProjectDocumentWriter,
                SagaConsumeContextFactory<ProjectDocumentWriter, ProjectDeploymentState>, PostgresSagaRepositoryContextFactory>();
        });
        return saga;
    }
}

/// <summary>Resolving the data source runs the migrations; this makes it happen when the host starts.</summary>
internal sealed class DeploymentSchemaMigration(NpgsqlDataSource dataSource) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public NpgsqlDataSource DataSource { get; } = dataSource;
}
