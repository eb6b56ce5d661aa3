using System.Text.Json;
using System.Xml.Linq;
using FlopsBus.Cli;
using FlopsBus.Contracts;

namespace FlopsBus.Tests;

/// <summary>
/// <c>flops timeline</c> on a deployment with known timings: an aggregator ready at 3 s, learner 1 at 5 s, learner 2 at
/// 13 s after 9 s of fetching its data, so the project waited for learner 2's data.
/// </summary>
public sealed class DeploymentTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly ActorStatus _aggregator = Actor(ActorRoles.Aggregator, 0, "node-1");
    private readonly ActorStatus _learner1 = Actor(ActorRoles.Learner, 1, "node-2");
    private readonly ActorStatus _learner2 = Actor(ActorRoles.Learner, 2, "node-3");

    private static ActorStatus Actor(string role, int instance, string node) =>
        new() { ActorId = Guid.NewGuid(), Role = role, Instance = instance, NodeId = node, Status = ActorStatuses.Connected };

    private ProjectStatus Status => new()
    {
        ProjectId = Guid.NewGuid(), Status = ProjectStatuses.Ready, Actors = [_aggregator, _learner1, _learner2],
        Timeline =
        [
            At(0, "placed"),
            At(2, "image-pulled", _aggregator), At(3, "started", _aggregator),
            At(1, "image-pulled", _learner1), At(2, "started", _learner1), At(4, "data-fetched", _learner1), At(5, "connected", _learner1),
            At(2, "image-pulled", _learner2), At(3, "started", _learner2), At(12, "data-fetched", _learner2), At(13, "connected", _learner2),
            At(4, "started", _learner2),   // a repeated report: the first one counts
            At(13, "ready"),
        ],
    };

    private static ProjectEvent At(int seconds, string name, ActorStatus? actor = null) =>
        new() { At = T0.AddSeconds(seconds), Event = name, ActorId = actor?.ActorId };

    [Fact]
    public void The_critical_path_is_the_actor_done_last_and_its_longest_phase()
    {
        var timeline = DeploymentTimeline.From(Status);

        Assert.Equal(_learner2.ActorId, timeline.CriticalActorId);
        Assert.Equal(DeploymentTimeline.FetchingData, timeline.CriticalPhase);
        Assert.Equal(TimeSpan.FromSeconds(13), timeline.End - timeline.Start);
        Assert.Equal([2, 1], timeline.Actors[0].Phases.Select(p => (int)p.Duration.TotalSeconds));
        Assert.Equal([2, 1, 9, 1], timeline.Actors[2].Phases.Select(p => (int)p.Duration.TotalSeconds));
    }

    [Fact]
    public void The_terminal_chart_has_a_row_per_actor_and_names_the_critical_path()
    {
        var text = TimelineChart.Text(DeploymentTimeline.From(Status), width: 26);
        var rows = text.Split('\n');

        Assert.Single(rows, r => r.StartsWith("* learner 2 on node-3", StringComparison.Ordinal));
        Assert.Equal(3, rows.Count(r => r.Contains(" on node-", StringComparison.Ordinal) && r.Contains('|')));
        // 26 columns for 13 s, two a second: learner 2 pulls until 2 s, is created by 3 s, fetches its data until 12 s.
        Assert.Contains("|pppp" + "cc" + new string('d', 18) + "nn|", text);
        Assert.Contains("* critical path: learner 2 on node-3, longest in fetching data (9.0 s)", text);
    }

    [Fact]
    public void The_json_holds_the_same_phases_and_critical_path()
    {
        var json = JsonDocument.Parse(JsonSerializer.Serialize(DeploymentTimeline.From(Status), JsonSerializerOptions.Web)).RootElement;

        Assert.Equal("fetching data", json.GetProperty("criticalPhase").GetString());
        Assert.Equal(_learner2.ActorId, json.GetProperty("criticalActorId").GetGuid());
        Assert.Equal([2, 4, 4], json.GetProperty("actors").EnumerateArray().Select(a => a.GetProperty("phases").GetArrayLength()));
    }

    [Fact]
    public void The_svg_is_well_formed_with_one_bar_per_actor_phase()
    {
        var svg = XDocument.Parse(TimelineChart.Svg(DeploymentTimeline.From(Status)).ToString());

        var bars = svg.Descendants(XName.Get("rect", "http://www.w3.org/2000/svg")).Where(r => r.Attribute("data-phase") is not null).ToList();
        Assert.Equal(10, bars.Count);
        Assert.Equal(3, bars.Count(b => b.Attribute("data-phase")!.Value == DeploymentTimeline.Creating));
        Assert.Equal(2, bars.Count(b => b.Attribute("data-phase")!.Value == DeploymentTimeline.FetchingData));
        var bold = svg.Descendants(XName.Get("text", "http://www.w3.org/2000/svg")).Single(t => t.Attribute("font-weight") is not null);
        Assert.Equal("learner 2 on node-3", bold.Value);
    }
}
