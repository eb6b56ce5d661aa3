using System.Runtime.InteropServices;
using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Benchmarks;

/// <summary>
/// The events the saga consumes for a number of projects (1 aggregator + 10 learners each: placement, then every
/// actor's start, data and connection, in shuffled order), and how they are published: as agents publish, many side
/// by side. bench-saga and bench-system push them through the saga and, for the transport's ceiling, through
/// consumers that do nothing.
/// </summary>
public static class SagaEvents
{
    private const int Learners = 10;
    /// <summary>
    /// Each publisher waits for the broker's confirm before its next message, so they set the pace; at 16 the saga keeps
    /// up (READY trails the last event by about a second), while 64 leave the two cores short for it.
    /// </summary>
    private const int Publishers = 16;

    /// <summary>Per project, its events: its placement first.</summary>
    public static List<List<object>> Plan(int projects) => Enumerable.Range(0, projects).Select(_ => Project()).ToList();

    public static Guid ProjectOf(List<object> events) => ((ProjectPlaced)events[0]).ProjectId;

    /// <summary>Publishes every project's events, publishers side by side each taking whole projects, so consumers see many projects interleaved.</summary>
    public static async Task Publish(IBus bus, List<List<object>> plan, Action<Guid> starting, Action published)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Publishers).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < plan.Count)
            {
                starting(ProjectOf(plan[i]));
                foreach (var message in plan[i])
                {
                    await bus.Publish(message);
                    published();
                }
            }
        }));
    }

    private static List<object> Project()
    {
        var projectId = Guid.NewGuid();
        var actors = Enumerable.Range(0, Learners + 1).Select(i => new PlacedActor
        {
            Actor = new ActorSpec
            {
                ProjectId = projectId, ActorId = Guid.NewGuid(), Role = i == 0 ? ActorRoles.Aggregator : ActorRoles.Learner, Instance = Math.Max(0, i - 1),
                Image = "127.0.0.1:5000/flops/sample-learner:1",
            },
            NodeId = $"node-{i % 7}", Endpoint = "127.0.0.1:41000",
        }).ToList();
        var progress = new List<object>();
        foreach (var a in actors)
        {
            progress.Add(new ActorStarted { ProjectId = projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId, ContainerId = "c", Role = a.Actor.Role, StartedAt = DateTimeOffset.UtcNow });
            if (a.Actor.Role != ActorRoles.Learner) continue;
            progress.Add(new DataFetched { ProjectId = projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId, Samples = 600 });
            progress.Add(new AggregatorConnected { ProjectId = projectId, ActorId = a.Actor.ActorId, NodeId = a.NodeId, Aggregator = a.Endpoint });
        }
        Random.Shared.Shuffle(CollectionsMarshal.AsSpan(progress));
        return [new ProjectPlaced { ProjectId = projectId, CustomerId = "bench", Actors = actors }, .. progress];
    }
}
