using FlopsBus.Contracts;
using FlopsBus.Planner;

namespace FlopsBus.Tests;

/// <summary>The planner's parts wired as the host wires them, without a bus: node view, ledger and placer.</summary>
public sealed class PlannerUnderTest
{
    public PlannerUnderTest(PlannerOptions options, TimeProvider? clock = null)
    {
        Nodes = new NodeRegistry(options, clock ?? TimeProvider.System);
        Ledger = new ReservationLedger(Nodes);
        Placer = new ProjectPlacer(Nodes, Ledger, options);
    }

    public NodeRegistry Nodes { get; }
    public ReservationLedger Ledger { get; }
    public ProjectPlacer Placer { get; }

    public bool Observe(NodeSnapshot node) => Ledger.Observe(node);
    public PlacementDecision Place(ProjectSubmitted project) => Placer.Place(project);
    public PlacementDecision Replace(ReplaceActor replace) => Placer.Replace(replace);

    /// <summary>What the node a placed actor went to would report running.</summary>
    public static ActorSpec[] On(IEnumerable<PlacedActor> actors, string nodeId) => actors.Where(a => a.NodeId == nodeId).Select(a => a.Actor).ToArray();
}
