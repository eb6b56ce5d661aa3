using FlopsBus.Agent;

namespace FlopsBus.Tests.Agent;

public class DockerLogLinesTests
{
    [Fact]
    public void A_line_keeps_the_engine_s_time_to_the_tenth_of_a_microsecond()
    {
        var line = DockerLogLines.Parse("2026-11-29T10:00:01.123456789Z FLOPS-EVENT {\"event\":\"aggregator-connected\"}");

        Assert.Equal("FLOPS-EVENT {\"event\":\"aggregator-connected\"}", line.Text);
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 10, 0, 1, TimeSpan.Zero).AddTicks(1234567), line.At);
    }

    [Fact]
    public void An_empty_line_is_an_empty_text() => Assert.Equal("", DockerLogLines.Parse("2026-11-29T10:00:01.5Z").Text);

    [Fact]
    public void A_line_without_a_time_is_kept_whole() => Assert.Equal("epoch 1 done", DockerLogLines.Parse("epoch 1 done").Text);
}
