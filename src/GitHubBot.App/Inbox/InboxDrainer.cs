using GitHubBot.App.Webhooks;
using GitHubBot.Workflows.Hosting;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Temporalio.Api.Common.V1;
using Temporalio.Client;
using Temporalio.Workflows;

namespace GitHubBot.App.Inbox;

/// <summary>
/// Turns the inbox's entries into workflows: reads pending entries oldest first (only committed ones) and starts
/// each one's workflow by business key with the input journalled for it (<see cref="WorkflowStarter"/>:
/// a running one is used, a finished one is not started again), <see cref="IntakeSettings.DrainConcurrency"/> at a
/// time, then marks them done in one commit. Starting is idempotent, so an entry started but not yet marked when the
/// process died is started again harmlessly: every accepted delivery becomes its workflow exactly once.
/// While deliveries keep arriving the drainer yields to the intake: it starts one workflow at a time (each start
/// costs this process and, on one machine, the embedded server CPU the next 202 waits for), and goes back to
/// <see cref="IntakeSettings.DrainConcurrency"/> as soon as a tenth of a second passes with none. During a burst
/// (the intake <see cref="DeliveryInbox.Saturated"/>, more deliveries a second than the embedded server can start) it
/// starts nothing until the oldest entry has waited <see cref="IntakeSettings.BurstGiveWay"/>: acknowledging first and starting
/// right after takes less CPU from both than interleaving them, and the wait is bounded, so a burst that never ends
/// still drains one at a time.
/// While Temporal is unavailable entries stay pending and the drainer backs off (up to 30 s); an entry whose workflow
/// this version no longer has (an upgrade removed or renamed it), whose input cannot be read, or that Temporal refuses
/// <see cref="MaxAttempts"/> times, becomes a dead letter.
/// </summary>
public sealed partial class InboxDrainer(DeliveryInbox inbox, WorkflowStarter starter, ITemporalClient temporal, IOptions<IntakeSettings> settings, TimeProvider time, ILogger<InboxDrainer> logger) : BackgroundService
{
    /// <summary>The workflow types this version runs: an entry for another is a dead letter.</summary>
    public static readonly IReadOnlySet<string> KnownWorkflowTypes = WorkerRegistration.Workflows
        .Select(type => WorkflowDefinition.Create(type).Name!)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>How many times Temporal may refuse an entry's start (for a reason other than being unavailable) before it is a dead letter.</summary>
    public const int MaxAttempts = 3;

    /// <summary>The longest wait between attempts while Temporal is unavailable.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private const int Batch = 256;

    private static readonly TimeSpan GiveWayPause = TimeSpan.FromMilliseconds(50);

    /// <summary>How recently a delivery must have been committed for the intake to count as busy.</summary>
    public static readonly TimeSpan Busy = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (!inbox.Open)
        {
            return; // the inbox could not be opened: said at Critical, and in /healthz/ready
        }

        using var connection = inbox.Read();
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<InboxEntry> batch;
            try
            {
                batch = InboxJournal.Pending(connection, inbox.AppendedWithin(Busy) ? 4 : Batch);
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                Log.ReadFailed(logger, ex);
                await WaitAsync(Task.Delay(TimeSpan.FromSeconds(1), stoppingToken));
                continue;
            }

            if (batch.Count == 0)
            {
                await WaitAsync(inbox.WaitForWorkAsync(TimeSpan.FromSeconds(1), stoppingToken));
                continue;
            }

            // The journal's times are the inbox's clock (this one); a clock stepped back ends the wait rather than prolonging it.
            if (inbox.Saturated && time.GetUtcNow() - batch[0].AcceptedAt is var waited && waited >= TimeSpan.Zero && waited < settings.Value.BurstGiveWay)
            {
                // A burst: every start now would take CPU from the 202s; the oldest entry waits at most Intake:BurstGiveWay.
                await WaitAsync(Task.Delay(GiveWayPause, stoppingToken));
                continue;
            }

            // Starts are not cancelled by the stop (each is bounded by WorkflowStarter.StartTimeout): what was started is recorded.
            var results = new (InboxEntry Entry, InboxState State, string? Error)[batch.Count];
            var unavailable = 0;
            await Parallel.ForEachAsync(
                Enumerable.Range(0, batch.Count),
                new ParallelOptions { MaxDegreeOfParallelism = inbox.AppendedWithin(Busy) ? 1 : settings.Value.DrainConcurrency },
                async (i, _) =>
                {
                    (results[i], var waits) = await DrainAsync(batch[i]);
                    if (waits)
                    {
                        Interlocked.Increment(ref unavailable);
                    }
                });
            try
            {
                await inbox.SettleAsync(results);
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
            {
                // Not recorded: the entries stay pending and are started again (by business key: the same workflows).
                Log.SettleFailed(logger, ex, batch.Count);
                await WaitAsync(Task.Delay(TimeSpan.FromSeconds(1), stoppingToken));
                continue;
            }

            if (unavailable == batch.Count)
            {
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                Log.Waiting(logger, batch.Count, inbox.Backlog, backoff.TotalSeconds, results[0].Error!);
                await WaitAsync(Task.Delay(backoff, stoppingToken));
            }
            else
            {
                backoff = TimeSpan.Zero;
            }
        }
    }

    /// <summary>What starting the entry's workflow came to, and whether it waits for Temporal to be available.</summary>
    private async Task<((InboxEntry, InboxState, string?) Result, bool Waits)> DrainAsync(InboxEntry entry)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["DeliveryId"] = entry.Delivery, ["Event"] = entry.Kind, ["InboxSeq"] = entry.Seq });
        Payload input;
        try
        {
            input = KnownWorkflowTypes.Contains(entry.WorkflowType)
                ? Payload.Parser.ParseFrom(entry.Input)
                : throw new InvalidDataException($"this version has no workflow {entry.WorkflowType}");
            if (temporal.Options.DataConverter.PayloadCodec is { } codec)
            {
                input = (await codec.DecodeAsync([input])).Single(); // the client encodes it again on the way out
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidProtocolBufferException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            var reason = ex is InvalidDataException ? ex.Message : $"its journalled input cannot be read: {ex.Message}";
            Log.Dead(logger, entry.Seq, entry.Kind, reason);
            return ((entry, InboxState.Dead, reason), false);
        }

        using var workflowScope = logger.BeginScope(new Dictionary<string, object> { ["WorkflowId"] = entry.WorkflowId });
        try
        {
            var started = await starter.StartAsync(entry, input, CancellationToken.None);
            var waited = time.GetUtcNow() - entry.AcceptedAt;
            Log.Started(logger, entry.Seq, entry.Kind, started.WorkflowId, started.AlreadyFinished, waited.TotalMilliseconds);
            return ((entry, InboxState.Done, null), false);
        }
        catch (TemporalUnavailableException ex) when (ex.Transient)
        {
            return ((entry, InboxState.Pending, ex.Message), true);
        }
        catch (Exception ex) when (ex is TemporalUnavailableException or not OperationCanceledException)
        {
            // refused, or a failure of another kind: counted, a dead letter at the third
            if (entry.Attempts + 1 >= MaxAttempts)
            {
                Log.Dead(logger, entry.Seq, entry.Kind, ex.Message);
                return ((entry, InboxState.Dead, $"Temporal refused the start {MaxAttempts} times: {ex.Message}"), false);
            }

            // refused, not unavailable: counted, and tried again on the next pass
            return ((entry, InboxState.Pending, ex.Message), false);
        }
    }

    private static async Task WaitAsync(Task wait)
    {
        try
        {
            await wait;
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 250, Level = LogLevel.Information, Message = "Inbox entry {Seq} ({Event}) became workflow {WorkflowId} (already finished: {AlreadyFinished}) {WaitedMs:0} ms after it was accepted")]
        public static partial void Started(ILogger logger, long seq, string @event, string workflowId, bool alreadyFinished, double waitedMs);

        [LoggerMessage(EventId = 251, Level = LogLevel.Warning, Message = "Temporal is unavailable: {Count} deliveries stay in the inbox ({Backlog} waiting), trying again in {Seconds} s: {Reason}")]
        public static partial void Waiting(ILogger logger, int count, long backlog, double seconds, string reason);

        [LoggerMessage(EventId = 254, Level = LogLevel.Error, Message = "The inbox could not record what {Count} starts came to; they stay pending and are started again (the same workflows)")]
        public static partial void SettleFailed(ILogger logger, Exception exception, int count);

        [LoggerMessage(EventId = 253, Level = LogLevel.Error, Message = "The inbox's drainer could not read the journal; trying again in 1 s")]
        public static partial void ReadFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 252, Level = LogLevel.Error, Message = "Inbox entry {Seq} ({Event}) is a dead letter: {Reason}; see ghbot inbox list")]
        public static partial void Dead(ILogger logger, long seq, string @event, string reason);
    }
}
