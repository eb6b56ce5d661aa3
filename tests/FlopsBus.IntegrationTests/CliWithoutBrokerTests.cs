using System.Net;
using System.Net.Sockets;

namespace FlopsBus.IntegrationTests;

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
}
