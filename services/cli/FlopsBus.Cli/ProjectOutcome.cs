using FlopsBus.Contracts;
using MassTransit;

namespace FlopsBus.Cli;

/// <summary>Listens for how one project ends: READY, FAILED or REJECTED (one of <see cref="ProjectStatuses"/>), with the reason.</summary>
public sealed class ProjectOutcome : IAsyncDisposable
{
    private readonly TaskCompletionSource<(string Status, string Reason)> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HostReceiveEndpointHandle _endpoint;

    private ProjectOutcome(IBus bus, Guid projectId)
    {
        _endpoint = bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition("flops-cli-watch"), DefaultEndpointNameFormatter.Instance, e =>
        {
            e.Handler<ProjectReady>(c => Settle(c.Message.ProjectId == projectId, ProjectStatuses.Ready, ""));
            e.Handler<ProjectFailed>(c => Settle(c.Message.ProjectId == projectId, ProjectStatuses.Failed, c.Message.Reason));
            e.Handler<ProjectRejected>(c => Settle(c.Message.ProjectId == projectId, ProjectStatuses.Rejected, c.Message.Reason));
        });
    }

    public Task<(string Status, string Reason)> Task => _outcome.Task;

    /// <summary>Starts listening; returns once the subscription is in place, so no outcome can slip by.</summary>
    public static async Task<ProjectOutcome> Listen(IBus bus, Guid projectId, CancellationToken cancellationToken)
    {
        var outcome = new ProjectOutcome(bus, projectId);
        try
        {
            await outcome._endpoint.Ready.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await outcome.DisposeAsync();
            throw;
        }
        return outcome;
    }

    private Task Settle(bool mine, string status, string reason)
    {
        if (mine) _outcome.TrySetResult((status, reason));
        return System.Threading.Tasks.Task.CompletedTask;
    }

    /// <summary>Stops listening; an endpoint the broker never let start is given up after a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await _endpoint.StopAsync(patience.Token); }
        catch (OperationCanceledException) { }
    }
}
