namespace FlopsBus.IntegrationTests;

/// <summary>`flops demo` (what `make run` runs) as a process: it needs no broker, only the .NET runtime and python3.</summary>
public sealed class CliDemoTests
{
    [Fact]
    public async Task Demo_prints_the_status_table_and_the_ready_line_and_exits_0()
    {
        var demo = await CliProcess.Run(new Dictionary<string, string?>(), "demo");

        Assert.True(demo.ExitCode == 0, demo.Error);
        Assert.Contains("Service Name", demo.Out);
        Assert.Contains("1 CONNECTED", demo.Out);
        Assert.Matches(@"tracking[0-9a-f]{12} .*0 RUNNING .*observatory ", demo.Out);
        Assert.Matches(@"project [0-9a-f-]{36} READY in \d+ ms", demo.Out);
    }
}
