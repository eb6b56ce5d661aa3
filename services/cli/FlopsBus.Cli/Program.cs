using FlopsBus.Cli;
using MassTransit;
using Spectre.Console;
using Spectre.Console.Cli;

// Piped output (scripts, CI logs) would otherwise be cut to 80 columns and wrap the status table.
if (Console.IsOutputRedirected)
    AnsiConsole.Profile.Width = 120;

var app = new CommandApp();
app.Configure(c =>
{
    c.SetApplicationName("flops");
    c.AddCommand<DemoCommand>("demo").WithDescription("Deploy a sample FL project on three simulated nodes, all in this process.");
    c.AddCommand<SubmitCommand>("submit").WithDescription("Publish a ProjectSubmitted and print the project id; --wait until READY or FAILED.");
    c.AddCommand<StatusCommand>("status").WithDescription("Show a project's deployment as the status table, or list every deployment.");
    c.AddCommand<TimelineCommand>("timeline").WithDescription("Where a deployment spent its time: its actors' phases as a Gantt chart, the critical path marked; --json, --svg FILE.");
    c.AddCommand<WatchCommand>("watch").WithDescription("Follow a deployment live, one row per actor, until READY or FAILED.");
    c.AddCommand<CancelCommand>("cancel").WithDescription("Tear a project down.");
    c.AddCommand<NodesCommand>("nodes").WithDescription("List the worker nodes the planner knows.");
    c.AddBranch("node", node =>
    {
        node.SetDescription("Give a worker node its own broker account, or take it away (administrator credentials: BrokerAdmin:*).");
        node.AddCommand<NodeAddCommand>("add").WithDescription("Create the node's broker account and print its agent's settings.");
        node.AddCommand<NodeRemoveCommand>("remove").WithDescription("Delete the node's account and close its connections.");
    });
    c.AddBranch("errors", errors =>
    {
        errors.SetDescription("List what sits in the error queues with the fault's reason (BrokerAdmin:*); replay a queue once the cause is fixed.");
        errors.SetDefaultCommand<ErrorsCommand>();
        errors.AddCommand<ErrorsReplayCommand>("replay").WithDescription("Move an error queue's messages back to the queue they failed on.");
    });
    c.AddBranch("account", account =>
    {
        account.SetDescription("Give the planner, the saga host or the CLI its own broker account, or take it away (BrokerAdmin:*).");
        account.AddCommand<AccountAddCommand>("add").WithDescription("Create the service's broker account and print its settings.");
        account.AddCommand<AccountRemoveCommand>("remove").WithDescription("Delete the service's account and close its connections.");
    });
    // Errors go to standard error with an exit code of their own, not as a stack trace on standard output.
    c.SetExceptionHandler((exception, _) =>
    {
        Console.Error.WriteLine(exception switch
        {
            RequestTimeoutException => "no answer from FlopsBus: is the service behind that queue running and the broker reachable?",
            _ => exception.Message
        });
        return exception is RequestTimeoutException or ServiceUnreachableException ? 3 : 1;
    });
});
return await app.RunAsync(args);
