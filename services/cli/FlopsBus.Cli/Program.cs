using FlopsBus.Cli;
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
    c.AddCommand<SubmitCommand>("submit").WithDescription("Publish a ProjectSubmitted and print the project id.");
    c.AddCommand<StatusCommand>("status").WithDescription("Show a project's deployment as the status table.");
});
return await app.RunAsync(args);
