using GitHubBot.App.Hosting;
using Microsoft.Extensions.Options;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace GitHubBot.App.Webhooks;

/// <summary>The result of asking Temporal for a workflow.</summary>
/// <param name="WorkflowId">The business-key ID.</param>
/// <param name="AlreadyFinished">True when a finished workflow with that ID had already handled the key.</param>
public sealed record StartedWorkflow(string WorkflowId, bool AlreadyFinished);

/// <summary>Temporal could not be reached or refused the start; GitHub should retry the delivery.</summary>
public sealed class TemporalUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Starts workflows idempotently by business key: a running workflow with the same ID is used as it is
/// (<see cref="WorkflowIdConflictPolicy.UseExisting"/>), and a finished one is never started again
/// (<see cref="WorkflowIdReusePolicy.RejectDuplicate"/>), so a redelivery never makes a second workflow.
/// </summary>
public sealed class WorkflowStarter(ITemporalClient client, IOptions<TemporalSettings> settings)
{
    /// <summary>How long one start may take before the delivery is answered 503.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    public async Task<StartedWorkflow> StartAsync(RouteDecision.Start start, string deliveryId, string eventKind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var options = new WorkflowOptions(start.WorkflowId, settings.Value.TaskQueue)
        {
            IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
            IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
            Memo = new Dictionary<string, object> { ["deliveryId"] = deliveryId, ["event"] = eventKind },
            Rpc = new RpcOptions { Timeout = StartTimeout, CancellationToken = cancellationToken },
        };

        try
        {
            var handle = await client.StartWorkflowAsync(start.WorkflowType, [start.Input], options);
            return new StartedWorkflow(handle.Id, AlreadyFinished: false);
        }
        catch (WorkflowAlreadyStartedException)
        {
            return new StartedWorkflow(start.WorkflowId, AlreadyFinished: true);
        }
        catch (RpcException ex)
        {
            throw new TemporalUnavailableException($"Temporal refused or did not answer the start ({ex.Code}): {ex.Message}", ex);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("connect", StringComparison.OrdinalIgnoreCase))
        {
            throw new TemporalUnavailableException($"Temporal is not reachable: {ex.Message}", ex);
        }
    }
}
