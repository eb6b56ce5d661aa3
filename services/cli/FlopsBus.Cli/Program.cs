using FlopsBus.Cli;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(c =>
{
    c.SetApplicationName("flops");
    c.AddCommand<DemoCommand>("demo").WithDescription("Deploy a sample FL project on three simulated nodes, all in this process.");
    c.AddCommand<SubmitCommand>("submit").WithDescription("Publish a ProjectSubmitted and print the project id.");
    c.AddCommand<StatusCommand>("status").WithDescription("Show a project's deployment as the status table.");
});
return await app.RunAsync(args);
