using System.Collections.Concurrent;
using System.Threading.Channels;
using GitHubBot.App.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Prometheus;

namespace GitHubBot.App.Inbox;

/// <summary>What the inbox made of a delivery.</summary>
public abstract record InboxAnswer
{
    private InboxAnswer()
    {
    }

    /// <summary>On disk (committed) as entry <paramref name="Seq"/>.</summary>
    public sealed record Accepted(long Seq) : InboxAnswer;

    /// <summary>Its workflow ID is already pending or was started from entry <paramref name="Seq"/>: nothing written, the same workflow.</summary>
    public sealed record Duplicate(long Seq) : InboxAnswer;

    /// <summary>Not accepted (the backlog is full, the journal cannot be written, or it is closing): the delivery is answered 503.</summary>
    public sealed record Refused(string Reason) : InboxAnswer;
}

/// <summary>
/// The durable inbox in front of Temporal (<c>Intake:Mode=inbox</c>): a verified, routed delivery is appended to the
/// journal in DataDir and answered 202 only once its commit is on disk. One writer commits whatever requests are
/// waiting in one transaction (group commit: one fsync for many deliveries); <see cref="InboxDrainer"/> turns entries
/// into workflows. A delivery whose business key is already pending, or was started within
/// <see cref="DuplicateWindow"/>, is answered from memory without a write: it would find the same workflow.
/// </summary>
public sealed partial class DeliveryInbox : IHostedService, IDisposable
{
    /// <summary>How long a started key answers later deliveries from memory (Temporal keeps a finished workflow about as long).</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromHours(24);

    /// <summary>After a crash, entries started this recently are started again: Temporal may not have kept the last starts it acknowledged.</summary>
    public static readonly TimeSpan RedoAfterCrash = TimeSpan.FromMinutes(2);

    /// <summary>How long done entries stay in the journal: GitHub redelivers for three days, and the redelivery sweeper asks about them.</summary>
    public static readonly TimeSpan KeepDone = TimeSpan.FromDays(3);

    private const int MaxBatch = 512;

    private readonly Channel<Operation> operations = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, Task<long>> keys = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(DateTimeOffset At, string WorkflowId, long Seq)> started = new();
    private readonly SemaphoreSlim work = new(0);
    private readonly IntakeSettings settings;
    private readonly TimeProvider time;
    private readonly ILogger<DeliveryInbox> logger;
    private readonly CancellationTokenSource closing = new();
    private SqliteConnection? writer;
    private Task? writing;
    private Task? checkpointing;
    private long pending;
    private long lastAppend = long.MinValue / 2; // long ago, without overflowing the subtraction in AppendedWithin

    // When the last SaturatedAppends deliveries were committed (ticks), written by the writer thread only.
    private readonly long[] recentAppends = Enumerable.Repeat(long.MinValue / 2, SaturatedAppends).ToArray();
    private ulong recentAppend;
    private string? failure;

    public DeliveryInbox(IOptions<IntakeSettings> settings, IConfiguration configuration, TimeProvider time, ILogger<DeliveryInbox> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configuration);
        this.settings = settings.Value;
        this.time = time;
        this.logger = logger;
        Path = InboxJournal.PathIn(configuration["DataDir"] is { Length: > 0 } dataDir ? dataDir : ".ghbot");
    }

    /// <summary>The journal's file.</summary>
    public string Path { get; }

    /// <summary>Entries waiting for their workflow (accepted, not yet started or dead).</summary>
    public long Backlog => Interlocked.Read(ref pending);

    /// <summary>Why the last commit failed (null while commits succeed): /healthz/ready's "inbox" check.</summary>
    public string? Failure => Volatile.Read(ref failure);

    /// <summary>Whether the writer is open (between start and stop).</summary>
    public bool Open => writing is { IsCompleted: false };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            writer = InboxJournal.Open(Path);
            InboxJournal.Limit(writer, settings.MaxJournalMegabytes);
            InboxJournal.NoAutoCheckpoint(writer);
            if (!InboxJournal.MarkClean(writer, clean: false) && InboxJournal.Redo(writer, RedoAfterCrash) is > 0 and var redone)
            {
                Log.Redone(logger, redone, RedoAfterCrash.TotalMinutes);
            }

            LoadKeys(writer);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            // The intake keeps answering (503, and /healthz/ready says why) rather than the whole process stopping.
            writer?.Dispose();
            writer = null;
            Volatile.Write(ref failure, $"cannot open {Path}: {ex.Message}");
            Log.OpenFailed(logger, ex, Path);
            return Task.CompletedTask;
        }

        writing = Task.Factory.StartNew(Write, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        checkpointing = Task.Run(CheckpointAsync, CancellationToken.None);
        Log.Opened(logger, Path, Backlog, (long)InboxMetrics.DeadLetters.Value);
        if (Backlog > 0)
        {
            work.Release();
        }

        return Task.CompletedTask;
    }

    /// <summary>The counts, and the keys of pending entries and of those started within <see cref="DuplicateWindow"/>.</summary>
    private void LoadKeys(SqliteConnection connection)
    {
        var (backlog, dead, oldest) = InboxJournal.Counts(connection);
        foreach (var (workflowId, seq, acceptedAt) in InboxJournal.Keys(connection, time.GetUtcNow() - DuplicateWindow))
        {
            keys[workflowId] = Task.FromResult(seq);
            started.Enqueue((acceptedAt, workflowId, seq));
        }

        pending = backlog;
        InboxMetrics.Depth.Set(backlog);
        InboxMetrics.DeadLetters.Set(dead);
        InboxMetrics.Oldest = oldest;
    }

    /// <summary>
    /// Stops taking deliveries and commits what is queued (Kestrel has stopped before this: every answered request's
    /// commit is done). The drainer has stopped too; pending entries wait on disk for the next start.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        operations.Writer.TryComplete();
        if (writing is not null)
        {
            await writing.WaitAsync(cancellationToken);
        }

        await closing.CancelAsync();
        if (checkpointing is not null)
        {
            await checkpointing.WaitAsync(cancellationToken);
        }

        if (writer is not null && writing is { IsCompletedSuccessfully: true })
        {
            InboxJournal.MarkClean(writer, clean: true);
        }

        Log.Closed(logger, Backlog);
    }

    /// <summary>Journals <paramref name="delivery"/> (or finds its key), answering once that is durable.</summary>
    public async Task<InboxAnswer> AcceptAsync(NewDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var alwaysAppend = delivery.RestartFinished;
        if (!Open)
        {
            return new InboxAnswer.Refused(Failure is { } broken ? $"the inbox is not open: {broken}" : "the inbox is not open (GitHubBot is starting or stopping)");
        }

        if (!alwaysAppend && keys.TryGetValue(delivery.WorkflowId, out var known))
        {
            return await AnswerOf(known, duplicate: true);
        }

        if (Backlog >= settings.MaxBacklog)
        {
            InboxMetrics.Refused.WithLabels("full").Inc();
            return new InboxAnswer.Refused($"the inbox holds {Backlog} deliveries waiting for Temporal (Intake:MaxBacklog {settings.MaxBacklog})");
        }

        var operation = new Operation(delivery);
        if (!alwaysAppend)
        {
            var mine = operation.Done.Task;
            var owner = keys.GetOrAdd(delivery.WorkflowId, mine);
            if (owner != mine)
            {
                return await AnswerOf(owner, duplicate: true); // a concurrent request with the same key writes it
            }
        }

        if (!operations.Writer.TryWrite(operation))
        {
            keys.TryRemove(new KeyValuePair<string, Task<long>>(delivery.WorkflowId, operation.Done.Task));
            operation.Done.TrySetException(new InvalidOperationException("GitHubBot is stopping")); // a same-key request waiting on it gets 503 too
            return new InboxAnswer.Refused("GitHubBot is stopping");
        }

        return await AnswerOf(operation.Done.Task, duplicate: false);
    }

    private static async Task<InboxAnswer> AnswerOf(Task<long> commit, bool duplicate)
    {
        try
        {
            var seq = await commit;
            return duplicate ? new InboxAnswer.Duplicate(seq) : new InboxAnswer.Accepted(seq);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            InboxMetrics.Refused.WithLabels("journal").Inc();
            return new InboxAnswer.Refused($"the inbox could not write its journal: {ex.Message}");
        }
    }

    /// <summary>Whether deliveries were committed within the last <paramref name="window"/>: the intake is busy.</summary>
    public bool AppendedWithin(TimeSpan window) => Environment.TickCount64 - Volatile.Read(ref lastAppend) < (long)window.TotalMilliseconds;

    /// <summary>
    /// Whether the intake is saturated: at least <see cref="SaturatedAppends"/> deliveries were committed within the
    /// last <see cref="SaturatedWindow"/> (200 a second; on one machine the embedded server starts fewer than that).
    /// </summary>
    public bool Saturated
    {
        get
        {
            // The writer thread fills the ring; the slot it writes next holds the oldest of the last SaturatedAppends.
            var oldest = Volatile.Read(ref recentAppends[(int)(Volatile.Read(ref recentAppend) % (ulong)recentAppends.Length)]);
            return Environment.TickCount64 - oldest < (long)SaturatedWindow.TotalMilliseconds;
        }
    }

    /// <summary>How many deliveries within <see cref="SaturatedWindow"/> make the intake <see cref="Saturated"/>.</summary>
    public const int SaturatedAppends = 20;

    /// <summary>The window of <see cref="Saturated"/>.</summary>
    public static readonly TimeSpan SaturatedWindow = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether a delivery with <paramref name="workflowId"/> is pending or was started recently (committed, not dead).</summary>
    public bool Knows(string workflowId) => keys.TryGetValue(workflowId, out var commit) && commit.IsCompletedSuccessfully;

    /// <summary>Records what draining came to, in one commit.</summary>
    public Task SettleAsync(IReadOnlyList<(InboxEntry Entry, InboxState State, string? Error)> results)
    {
        var operation = new Operation(results);
        return operations.Writer.TryWrite(operation) ? operation.Done.Task : Task.FromException(new InvalidOperationException("the inbox is closed: the results are not recorded"));
    }

    /// <summary>Waits until a delivery was committed (or <paramref name="timeout"/> passed): the drainer's nudge.</summary>
    public Task<bool> WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) => work.WaitAsync(timeout, cancellationToken);

    /// <summary>A connection of its own for reading the journal (the drainer's, /healthz's, the sweeper's).</summary>
    public SqliteConnection Read() => InboxJournal.Open(Path, create: false);

    public void Dispose()
    {
        writer?.Dispose();
        work.Dispose();
        closing.Dispose();
    }

    /// <summary>The writer: takes every operation waiting, runs them in one transaction, then answers them all.</summary>
    private async Task Write()
    {
        var batch = new List<Operation>(MaxBatch);
        var lastPrune = time.GetUtcNow();
        var lastCheckpoint = lastPrune;
        while (true)
        {
            // Wakes for work, or after a second for housekeeping.
            using (var tick = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            {
                try
                {
                    if (!await operations.Reader.WaitToReadAsync(tick.Token))
                    {
                        return; // stopped, and everything queued is committed
                    }
                }
                catch (OperationCanceledException)
                {
                    // a quiet second
                }
            }

            batch.Clear();
            while (batch.Count < MaxBatch && operations.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            if (batch.Count > 0)
            {
                Commit(batch);
            }

            var now = time.GetUtcNow();
            if (now - lastCheckpoint > TimeSpan.FromSeconds(1))
            {
                lastCheckpoint = now;
                Housekeeping(now, ref lastPrune);
            }
        }
    }

    /// <summary>
    /// Commits the batch: the new deliveries in one transaction (their answers wait for it), the drain results in
    /// another, so a journal that cannot grow (new deliveries refused) still records what was drained.
    /// </summary>
    private void Commit(List<Operation> batch)
    {
        var now = time.GetUtcNow();
        var appended = batch.Where(op => op.Delivery is not null).ToList();
        var settling = batch.Where(op => op.Results is not null).ToList();
        if (appended.Count > 0)
        {
            CommitAppends(appended, now);
        }

        if (settling.Count > 0)
        {
            CommitSettles(settling, now);
        }
    }

    private void CommitAppends(List<Operation> appended, DateTimeOffset now)
    {
        long[] seqs;
        var timer = InboxMetrics.CommitSeconds.NewTimer();
        try
        {
            using (var transaction = writer!.BeginTransaction())
            {
                seqs = InboxJournal.Append(writer, [.. appended.Select(op => op.Delivery!)], now);
                transaction.Commit(); // WAL + synchronous=FULL: on disk when this returns
            }

            Volatile.Write(ref failure, null);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
        {
            Volatile.Write(ref failure, ex.Message);
            Log.CommitFailed(logger, ex, appended.Count);
            foreach (var op in appended)
            {
                keys.TryRemove(new KeyValuePair<string, Task<long>>(op.Delivery!.WorkflowId, op.Done.Task));
                op.Done.TrySetException(ex);
            }

            return;
        }
        finally
        {
            timer.Dispose();
        }

        InboxMetrics.BatchSize.Observe(appended.Count);
        InboxMetrics.Appended.Inc(appended.Count);
        for (var i = 0; i < appended.Count; i++)
        {
            appended[i].Done.TrySetResult(seqs[i]);
        }

        InboxMetrics.Depth.Set(Interlocked.Add(ref pending, appended.Count));
        var tick = Environment.TickCount64;
        Volatile.Write(ref lastAppend, tick);
        for (var i = 0; i < Math.Min(appended.Count, recentAppends.Length); i++)
        {
            Volatile.Write(ref recentAppends[(int)(recentAppend++ % (ulong)recentAppends.Length)], tick);
        }

        work.Release();
    }

    private void CommitSettles(List<Operation> settling, DateTimeOffset now)
    {
        var settled = settling.SelectMany(op => op.Results!).ToList();
        try
        {
            using var transaction = writer!.BeginTransaction();
            foreach (var (entry, state, error) in settled)
            {
                InboxJournal.Settle(writer, entry.Seq, state, error, now);
            }

            transaction.Commit();
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
        {
            Log.CommitFailed(logger, ex, settled.Count);
            foreach (var op in settling)
            {
                op.Done.TrySetException(ex); // the drainer backs off and starts them again (by business key: harmless)
            }

            return;
        }

        var finished = 0;
        foreach (var (entry, state, _) in settled.Where(result => result.State != InboxState.Pending))
        {
            finished++;
            if (state == InboxState.Done)
            {
                started.Enqueue((entry.AcceptedAt, entry.WorkflowId, entry.Seq));
                InboxMetrics.Drained.Inc();
            }
            else
            {
                if (keys.TryGetValue(entry.WorkflowId, out var owner) && owner.IsCompletedSuccessfully && owner.Result == entry.Seq)
                {
                    keys.TryRemove(entry.WorkflowId, out _); // a later delivery of the key is journalled again
                }

                InboxMetrics.DeadLetters.Inc();
            }
        }

        InboxMetrics.Depth.Set(Interlocked.Add(ref pending, -finished));
        foreach (var op in settling)
        {
            op.Done.TrySetResult(0);
        }
    }

    /// <summary>A delivery to append, or drain results to record; answered when committed.</summary>
    private sealed class Operation
    {
        public Operation(NewDelivery delivery) => Delivery = delivery;

        public Operation(IReadOnlyList<(InboxEntry Entry, InboxState State, string? Error)> results) => Results = results;

        public NewDelivery? Delivery { get; }

        public IReadOnlyList<(InboxEntry Entry, InboxState State, string? Error)>? Results { get; }

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 240, Level = LogLevel.Information, Message = "Inbox {Path} open: {Pending} deliveries waiting for their workflows, {Dead} dead letters")]
        public static partial void Opened(ILogger logger, string path, long pending, long dead);

        [LoggerMessage(EventId = 241, Level = LogLevel.Information, Message = "Inbox closed: {Pending} deliveries wait on disk for the next start")]
        public static partial void Closed(ILogger logger, long pending);

        [LoggerMessage(EventId = 242, Level = LogLevel.Error, Message = "The inbox could not commit {Count} operations; their deliveries are answered 503")]
        public static partial void CommitFailed(ILogger logger, Exception exception, int count);

        [LoggerMessage(EventId = 244, Level = LogLevel.Critical, Message = "The inbox {Path} cannot be opened: every delivery is answered 503 until GitHubBot is restarted with a writable DataDir")]
        public static partial void OpenFailed(ILogger logger, Exception exception, string path);

        [LoggerMessage(EventId = 245, Level = LogLevel.Warning, Message = "The inbox was not closed cleanly: {Count} deliveries whose workflows started in the last {Minutes} minutes are started again (Temporal finds those it kept)")]
        public static partial void Redone(ILogger logger, int count, double minutes);

        [LoggerMessage(EventId = 243, Level = LogLevel.Warning, Message = "Inbox housekeeping failed")]
        public static partial void HousekeepingFailed(ILogger logger, Exception exception);
    }
}
