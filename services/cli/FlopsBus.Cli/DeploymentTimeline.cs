using FlopsBus.Contracts;

namespace FlopsBus.Cli;

/// <summary>One stretch of an actor's way to ready, between two events the saga recorded.</summary>
public sealed record TimelinePhase(string Name, DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Duration => End - Start;
}

public sealed record TimelineActor(Guid ActorId, string Role, int Instance, string? NodeId, IReadOnlyList<TimelinePhase> Phases)
{
    public DateTimeOffset? Done => Phases.Count == 0 ? null : Phases[^1].End;
}

/// <summary>
/// Where a deployment spent its time: each actor's phases from its placement (pulling, creating, fetching data,
/// connecting), as the saga's timeline has them, and the critical path: the actor that was done last, which the project
/// waited for, and its longest phase.
/// </summary>
public sealed record DeploymentTimeline(Guid ProjectId, string Status, DateTimeOffset? Start, DateTimeOffset? End,
    IReadOnlyList<TimelineActor> Actors, Guid? CriticalActorId, string? CriticalPhase)
{
    public const string Pulling = "pulling", Creating = "creating", FetchingData = "fetching data", Connecting = "connecting";
    public static IReadOnlyList<string> PhaseNames { get; } = [Pulling, Creating, FetchingData, Connecting];

    public static DeploymentTimeline From(ProjectStatus status)
    {
        DateTimeOffset? First(string name, Guid? actorId = null) =>
            status.Timeline.Where(e => e.Event == name && (actorId is null || e.ActorId == actorId)).Select(e => (DateTimeOffset?)e.At).Min();
        var placed = First("placed");
        var actors = status.Actors.Select(a =>
        {
            // The phases between the checkpoints the actor reached, each from the one before it that is known.
            (string Phase, DateTimeOffset? At)[] checkpoints =
            [
                ("", First("replaced", a.ActorId) ?? placed), (Pulling, First("image-pulled", a.ActorId)), (Creating, First("started", a.ActorId)),
                (FetchingData, First("data-fetched", a.ActorId)), (Connecting, First("connected", a.ActorId)),
            ];
            var phases = new List<TimelinePhase>();
            DateTimeOffset? since = checkpoints[0].At;
            foreach (var (phase, at) in checkpoints.Skip(1))
            {
                if (at is null || since is null) continue;
                phases.Add(new TimelinePhase(phase, since.Value, at.Value));
                since = at;
            }
            return new TimelineActor(a.ActorId, a.Role, a.Instance, a.NodeId, phases);
        }).ToList();
        var critical = actors.Where(a => a.Done is not null).MaxBy(a => a.Done);
        var end = First("ready") ?? actors.Max(a => a.Done);
        return new DeploymentTimeline(status.ProjectId, status.Status, placed, end, actors,
            critical?.ActorId, critical?.Phases.MaxBy(p => p.Duration)?.Name);
    }
}
