using FlopsBus.Agent;

namespace FlopsBus.Tests;

public class ActorEventLineTests
{
    [Fact]
    public void Reads_a_data_fetched_line() =>
        Assert.Equal(new ActorEventLine("data-fetched", 600, null), ActorEventLine.TryParse("""FLOPS-EVENT {"event":"data-fetched","samples":600}"""));

    [Fact]
    public void Reads_a_failure_with_its_reason() =>
        Assert.Equal(new ActorEventLine("failed", null, "no data"), ActorEventLine.TryParse("""FLOPS-EVENT {"event":"failed","reason":"no data"}"""));

    [Theory]
    [InlineData("epoch 1 loss 0.3")]
    [InlineData("FLOPS-EVENT not json")]
    [InlineData("FLOPS-EVENT {\"samples\":3}")]
    [InlineData("FLOPS-EVENT [1,2]")]
    public void Anything_else_is_an_ordinary_log_line(string line) => Assert.Null(ActorEventLine.TryParse(line));
}
