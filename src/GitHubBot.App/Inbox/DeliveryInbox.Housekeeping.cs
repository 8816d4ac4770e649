using Microsoft.Data.Sqlite;

namespace GitHubBot.App.Inbox;

/// <summary>The inbox's housekeeping: WAL checkpoints, counts, and forgetting what is old.</summary>
public sealed partial class DeliveryInbox
{
    /// <summary>
    /// Once a second, on a connection of its own: what the WAL holds copied into the database (SQLite's PASSIVE
    /// checkpoint, which does not hold up the writer's commits), so the WAL stays small.
    /// </summary>
    private async Task CheckpointAsync()
    {
        try
        {
            using var connection = Read();
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(closing.Token))
            {
                try
                {
                    InboxJournal.Checkpoint(connection);
                }
                catch (SqliteException ex)
                {
                    Log.HousekeepingFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // closing
        }
        catch (SqliteException ex)
        {
            Log.HousekeepingFailed(logger, ex);
        }
    }

    /// <summary>Once a second: the oldest pending entry's age, the counts; every ten minutes old done entries and keys dropped.</summary>
    private void Housekeeping(DateTimeOffset now, ref DateTimeOffset lastPrune)
    {
        try
        {
            var (backlog, dead, oldest) = InboxJournal.Counts(writer!);
            InboxMetrics.Oldest = oldest;
            InboxMetrics.DeadLetters.Set(dead);
            if (backlog != Backlog)
            {
                // ghbot inbox replay (another process) put dead entries back: let the drainer know
                Interlocked.Exchange(ref pending, backlog);
                InboxMetrics.Depth.Set(backlog);
                work.Release();
            }

            while (started.TryPeek(out var oldestKey) && now - oldestKey.At > DuplicateWindow && started.TryDequeue(out oldestKey))
            {
                if (keys.TryGetValue(oldestKey.WorkflowId, out var owner) && owner.IsCompletedSuccessfully && owner.Result == oldestKey.Seq)
                {
                    keys.TryRemove(oldestKey.WorkflowId, out _);
                }
            }

            if (now - lastPrune > TimeSpan.FromMinutes(10))
            {
                lastPrune = now;
                InboxJournal.Prune(writer!, now - KeepDone);
            }
        }
        catch (SqliteException ex)
        {
            Log.HousekeepingFailed(logger, ex);
        }
    }
}
