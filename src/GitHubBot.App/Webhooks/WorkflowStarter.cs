using GitHubBot.App.Hosting;
using GitHubBot.App.Inbox;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Converters;
using Temporalio.Exceptions;

namespace GitHubBot.App.Webhooks;

/// <summary>The result of asking Temporal for a workflow.</summary>
/// <param name="WorkflowId">The business-key ID.</param>
/// <param name="RunId">The run that owns the key (the existing one when it was already running); null when it had finished.</param>
/// <param name="AlreadyFinished">True when a finished workflow with that ID had already handled the key.</param>
public sealed record StartedWorkflow(string WorkflowId, string? RunId, bool AlreadyFinished);

/// <summary>Temporal could not be reached or refused the start; GitHub should retry the delivery.</summary>
public sealed class TemporalUnavailableException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>
    /// Whether Temporal was unreachable, too slow or busy (worth trying again later), rather than refusing this start
    /// (an invalid argument, a missing namespace).
    /// </summary>
    public bool Transient => InnerException is not RpcException rpc || WorkflowStarter.IsTransient(rpc);
}

/// <summary>
/// Starts workflows idempotently by business key: a running workflow with the same ID is used as it is
/// (<see cref="WorkflowIdConflictPolicy.UseExisting"/>), and a finished one is never started again
/// (<see cref="WorkflowIdReusePolicy.RejectDuplicate"/>), so a redelivery never makes a second workflow.
/// A start that Temporal cannot take is retried briefly, then reported so the delivery is answered 503.
/// Each start carries GitHubBot's search attributes (<see cref="StartAttributes"/>), or none where the cluster lacks them.
/// </summary>
public sealed partial class WorkflowStarter(ITemporalClient client, IOptions<TemporalSettings> settings, ILogger<WorkflowStarter> logger)
{
    /// <summary>How long one delivery may wait for Temporal before it is answered 503 (GitHub gives up after 10 s).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(5);

    // The SDK's own RPC retries ignore a per-call timeout, so they are off and the retry is here, bounded in time.
    private static readonly ResiliencePipeline StartPipeline = new ResiliencePipelineBuilder()
        .AddTimeout(StartTimeout)
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RpcException>(IsTransient).Handle<InvalidOperationException>(IsConnectFailure),
            MaxRetryAttempts = 6,
            Delay = TimeSpan.FromMilliseconds(100),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    public Task<StartedWorkflow> StartAsync(RouteDecision.Start start, string deliveryId, string eventKind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        return StartAsync(start.WorkflowType, start.WorkflowId, start.Input, StartAttributes.For(start.WorkflowType, start.Input, settings.Value), start.RestartFinished, deliveryId, eventKind, cancellationToken);
    }

    /// <summary>
    /// The start of a delivery the inbox journalled: its input is the payload Temporal's converter made of it when it
    /// arrived (passed through as it is, then through the codec like any payload).
    /// </summary>
    public Task<StartedWorkflow> StartAsync(InboxEntry entry, Payload input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return StartAsync(
            entry.WorkflowType,
            entry.WorkflowId,
            new RawValue(input),
            StartAttributes.For(entry.WorkflowType, entry.Repository, entry.Number, settings.Value),
            entry.RestartFinished,
            entry.Delivery,
            entry.Kind,
            cancellationToken);
    }

    private async Task<StartedWorkflow> StartAsync(string workflowType, string workflowId, object input, SearchAttributeCollection? attributes, bool restartFinished, string deliveryId, string eventKind, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(
                async token =>
                {
                    var options = new WorkflowOptions(workflowId, settings.Value.TaskQueue)
                    {
                        IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
                        IdReusePolicy = restartFinished ? WorkflowIdReusePolicy.AllowDuplicate : WorkflowIdReusePolicy.RejectDuplicate,
                        Memo = new Dictionary<string, object> { ["deliveryId"] = deliveryId, ["event"] = eventKind },
                        Rpc = new RpcOptions { Retry = false, CancellationToken = token },
                    };

                    // the lazy first connect may not watch the token: do not wait past the timeout
                    var handle = await StartAttributes.StartAsync(
                        options, attributes, o => client.StartWorkflowAsync(workflowType, [input], o).WaitAsync(token), Warn);
                    return new StartedWorkflow(handle.Id, handle.ResultRunId, AlreadyFinished: false);
                },
                cancellationToken);
        }
        catch (WorkflowAlreadyStartedException)
        {
            return new StartedWorkflow(workflowId, null, AlreadyFinished: true);
        }
    }

    /// <summary>
    /// Signal-with-start: the workflow with <paramref name="workflowId"/> gets <paramref name="signal"/>, started first
    /// when none runs (a finished one is started again: a new incident of an alert that fired again after it ended).
    /// </summary>
    public async Task<StartedWorkflow> SignalWithStartAsync(string workflowType, string workflowId, object input, string signal, object?[] args, IReadOnlyDictionary<string, object> memo, CancellationToken cancellationToken)
    {
        var options = new WorkflowOptions(workflowId, settings.Value.TaskQueue)
        {
            IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate,
            Memo = memo,
            Rpc = new RpcOptions { Retry = false },
        };
        options.SignalWithStart(signal, args);
        return await RunAsync(
            async token =>
            {
                options.Rpc.CancellationToken = token;
                var handle = await StartAttributes.StartAsync(
                    options, StartAttributes.For(workflowType, input, settings.Value), o => client.StartWorkflowAsync(workflowType, [input], o).WaitAsync(token), Warn);
                return new StartedWorkflow(handle.Id, handle.ResultRunId, AlreadyFinished: false);
            },
            cancellationToken);
    }

    /// <summary>Signals the running workflow with <paramref name="workflowId"/>; false when none runs (nothing is started).</summary>
    public async Task<bool> SignalAsync(string workflowId, string signal, object?[] args, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(
                async token =>
                {
                    await client.GetWorkflowHandle(workflowId).SignalAsync(signal, args, new WorkflowSignalOptions { Rpc = new RpcOptions { Retry = false, CancellationToken = token } }).WaitAsync(token);
                    return true;
                },
                cancellationToken);
            return true;
        }
        catch (TemporalUnavailableException ex) when (ex.InnerException is RpcException { Code: RpcException.StatusCode.NotFound })
        {
            return false;
        }
    }

    /// <summary>A call to Temporal, retried briefly; one Temporal cannot take becomes <see cref="TemporalUnavailableException"/> (the delivery's 503).</summary>
    private static async Task<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await StartPipeline.ExecuteAsync(call, cancellationToken);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new TemporalUnavailableException($"Temporal did not answer within {StartTimeout.TotalSeconds:0}s", ex);
        }
        catch (RpcException ex)
        {
            throw new TemporalUnavailableException($"Temporal refused the call ({ex.Code}): {ex.Message}", ex);
        }
        catch (InvalidOperationException ex) when (IsConnectFailure(ex))
        {
            throw new TemporalUnavailableException($"Temporal is not reachable: {ex.Message}", ex);
        }
    }

    private void Warn(string advice) => Log.SearchAttributesMissing(logger, advice);

    internal static bool IsTransient(RpcException ex) => ex.Code is RpcException.StatusCode.Unavailable
        or RpcException.StatusCode.DeadlineExceeded
        or RpcException.StatusCode.ResourceExhausted
        or RpcException.StatusCode.Aborted;

    private static bool IsConnectFailure(InvalidOperationException ex) =>
        ex.Message.Contains("Connection failed", StringComparison.OrdinalIgnoreCase);

    private static partial class Log
    {
        [LoggerMessage(EventId = 230, Level = LogLevel.Warning, Message = "A workflow was started without its search attributes: {Advice}")]
        public static partial void SearchAttributesMissing(ILogger logger, string advice);
    }
}
