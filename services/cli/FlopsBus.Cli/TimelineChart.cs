using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace FlopsBus.Cli;

/// <summary>A <see cref="DeploymentTimeline"/> drawn: a Gantt chart for the terminal, and the same as SVG for a report.</summary>
public static class TimelineChart
{
    private static readonly Dictionary<string, (char Mark, string Colour)> Phases = new()
    {
        [DeploymentTimeline.Pulling] = ('p', "#4e79a7"), [DeploymentTimeline.Creating] = ('c', "#f28e2b"),
        [DeploymentTimeline.FetchingData] = ('d', "#59a14f"), [DeploymentTimeline.Connecting] = ('n', "#b07aa1"),
    };

    private static string Label(TimelineActor a) => $"{a.Role} {a.Instance} on {a.NodeId}";

    /// <summary>One row per actor, a column per slice of the deployment's time; '*' marks the actor the project waited for.</summary>
    public static string Text(DeploymentTimeline timeline, int width = 60)
    {
        var text = new StringBuilder();
        if (timeline.Start is not { } start || timeline.End is not { } end || end <= start)
            return $"project {timeline.ProjectId} ({timeline.Status}): no actor has reached a phase yet\n";
        var span = (end - start).TotalMilliseconds;
        int Column(DateTimeOffset at) => Math.Clamp((int)Math.Round((at - start).TotalMilliseconds / span * width), 0, width);
        var labelWidth = timeline.Actors.Select(a => Label(a).Length).DefaultIfEmpty(0).Max() + 2;
        text.AppendLine(CultureInfo.InvariantCulture, $"project {timeline.ProjectId} ({timeline.Status}): {Seconds(end - start)} from placement to {(timeline.Status == "READY" ? "ready" : "its last event")}");
        foreach (var actor in timeline.Actors)
        {
            var bar = new char[width];
            Array.Fill(bar, ' ');
            foreach (var phase in actor.Phases)
            {
                // Every phase shows, a short one as one column at least.
                var (from, to) = (Math.Min(Column(phase.Start), width - 1), Column(phase.End));
                for (var c = from; c <= Math.Max(from, to - 1); c++) bar[c] = Phases[phase.Name].Mark;
            }
            var critical = actor.ActorId == timeline.CriticalActorId ? "*" : " ";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{critical} {Label(actor).PadRight(labelWidth)}|{new string(bar)}| {(actor.Done is { } done ? Seconds(done - start) : "-")}");
        }
        text.AppendLine(string.Join("  ", Phases.Select(p => $"{p.Value.Mark} {p.Key}")));
        if (timeline.Actors.FirstOrDefault(a => a.ActorId == timeline.CriticalActorId) is { } waitedFor)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"* critical path: {Label(waitedFor)}, longest in {timeline.CriticalPhase} ({Seconds(waitedFor.Phases.First(p => p.Name == timeline.CriticalPhase).Duration)})");
        return text.ToString();
    }

    /// <summary>The chart as SVG: a bar per actor phase, labelled rows, the critical actor's label in bold.</summary>
    public static XDocument Svg(DeploymentTimeline timeline)
    {
        XNamespace svg = "http://www.w3.org/2000/svg";
        const int labelWidth = 260, chartWidth = 600, row = 26, top = 30;
        var start = timeline.Start ?? DateTimeOffset.MinValue;
        var span = Math.Max(1, ((timeline.End ?? start) - start).TotalMilliseconds);
        double X(DateTimeOffset at) => labelWidth + (at - start).TotalMilliseconds / span * chartWidth;
        var height = top + row * (timeline.Actors.Count + 1) + 20;
        var root = new XElement(svg + "svg",
            new XAttribute("width", labelWidth + chartWidth + 20), new XAttribute("height", height),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", 12),
            new XElement(svg + "text", new XAttribute("x", 10), new XAttribute("y", 18),
                $"project {timeline.ProjectId} ({timeline.Status}), {(timeline.End is { } end ? Seconds(end - start) : "-")}"));
        for (var i = 0; i < timeline.Actors.Count; i++)
        {
            var actor = timeline.Actors[i];
            var y = top + i * row;
            var label = new XElement(svg + "text", new XAttribute("x", 10), new XAttribute("y", y + 16), Label(actor));
            if (actor.ActorId == timeline.CriticalActorId) label.Add(new XAttribute("font-weight", "bold"));
            root.Add(label);
            foreach (var phase in actor.Phases)
                root.Add(new XElement(svg + "rect",
                    new XAttribute("x", F(X(phase.Start))), new XAttribute("y", y + 4),
                    new XAttribute("width", F(Math.Max(1, X(phase.End) - X(phase.Start)))), new XAttribute("height", row - 8),
                    new XAttribute("fill", Phases[phase.Name].Colour), new XAttribute("data-phase", phase.Name),
                    new XElement(svg + "title", $"{Label(actor)}: {phase.Name}, {Seconds(phase.Duration)}")));
        }
        var legendY = top + timeline.Actors.Count * row + 14;
        var legendX = 10;
        foreach (var (name, (_, colour)) in Phases)
        {
            root.Add(new XElement(svg + "rect", new XAttribute("x", legendX), new XAttribute("y", legendY - 10), new XAttribute("width", 10),
                new XAttribute("height", 10), new XAttribute("fill", colour), new XAttribute("class", "legend")));
            root.Add(new XElement(svg + "text", new XAttribute("x", legendX + 14), new XAttribute("y", legendY), name));
            legendX += 120;
        }
        return new XDocument(root);
    }

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture);
    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
