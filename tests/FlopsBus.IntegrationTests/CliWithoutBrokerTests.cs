using System.Net;
using System.Net.Sockets;
using FlopsBus.Testing;

namespace FlopsBus.IntegrationTests;

/// <summary>The CLI says which part did not answer, or refused, and exits 3, instead of waiting or printing a stack trace.</summary>
public sealed class CliWithoutBrokerTests
{
    [Fact]
    public async Task A_command_whose_broker_does_not_answer_says_which_and_exits_3()
    {
        var nobody = new TcpListener(IPAddress.Loopback, 0);
        nobody.Start();
        var port = ((IPEndPoint)nobody.LocalEndpoint).Port;
        nobody.Stop();

        var result = await CliProcess.Run(new Dictionary<string, string?> { ["Bus:Host"] = "127.0.0.1", ["Bus:Port"] = port.ToString() }, "nodes");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"the broker at 127.0.0.1:{port} (virtual host /) did not let the CLI in", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task A_submission_the_accounts_rights_do_not_allow_says_so_and_exits_3()
    {
        await using var isolated = await IsolatedBrokerAndDatabase.Create("flops-cli-refused");
        // A node's account may not publish a submission.
        var settings = await isolated.NodeBusSettings("cli-refused");

        var result = await CliProcess.Run(settings, "submit", "--customer", "c", "--learners", "1", "--data-tags", "mnist",
            "--aggregator-image", TestEnvironment.AggregatorImage, "--learner-image", TestEnvironment.LearnerImage);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("the broker did not let the CLI listen for the project's outcome within 10 s", result.Error);
        Assert.Contains($"is {settings["Bus:Username"]} allowed to", result.Error);
    }
}
