using System.Globalization;
using Microsoft.Data.Sqlite;

namespace GitHubBot.App.Inbox;

/// <summary>Where an inbox entry is: waiting for its workflow, handed to Temporal, or put aside for an operator.</summary>
public enum InboxState
{
    Pending = 0,
    Done = 1,
    Dead = 2,
}

/// <summary>A verified delivery and the start the routing table decided for it, to journal.</summary>
/// <param name="Delivery">X-GitHub-Delivery (the GUID GitHub's delivery log and redeliveries use).</param>
/// <param name="Event">X-GitHub-Event.</param>
/// <param name="Kind">The event and action, e.g. pull_request.opened.</param>
/// <param name="WorkflowType">The workflow to start.</param>
/// <param name="WorkflowId">Its business-key ID.</param>
/// <param name="Input">Its input as Temporal's payload converter made it (a serialized <c>Payload</c>, not yet through the codec).</param>
/// <param name="Repository">owner/name, for the GhbotRepository search attribute (null: none).</param>
/// <param name="Number">The PR or issue number, for GhbotNumber (null: none).</param>
/// <param name="RestartFinished">Whether a finished workflow with the ID is started again.</param>
public sealed record NewDelivery(string Delivery, string Event, string Kind, string WorkflowType, string WorkflowId, byte[] Input, string? Repository = null, long? Number = null, bool RestartFinished = false);

/// <summary>One journalled delivery (its start's input only where asked for).</summary>
public sealed record InboxEntry(
    long Seq,
    string Delivery,
    string Event,
    string Kind,
    string WorkflowType,
    string WorkflowId,
    DateTimeOffset AcceptedAt,
    InboxState State,
    int Attempts,
    string? Error,
    DateTimeOffset? SettledAt,
    string? Repository = null,
    long? Number = null,
    bool RestartFinished = false,
    byte[]? Input = null);

/// <summary>
/// The inbox's journal: one SQLite database in DataDir (<c>inbox.db</c>, WAL, <c>synchronous=FULL</c>, so a commit is
/// on disk when it returns). Every method runs on the connection it is given; <see cref="DeliveryInbox"/> owns the one
/// writing connection and commits many deliveries at once, and the drainer and <c>ghbot inbox</c> read on their own.
/// </summary>
/// <remarks>
/// Why SQLite and not a hand-written log: a WAL commit is one append and one fsync, which is what group commit needs,
/// and the same file answers the operator's questions (the dead letters, one entry, the GUIDs accepted in the last
/// three days) with an index instead of a scan; crash recovery, torn writes and checksums are SQLite's, tested far
/// beyond what a new log format would be.
/// </remarks>
public static class InboxJournal
{
    public const string FileName = "inbox.db";

    /// <summary>The journal's path in <paramref name="dataDir"/>.</summary>
    public static string PathIn(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), FileName);

    /// <summary>Opens (creating, private to this user) the journal at <paramref name="path"/>.</summary>
    public static SqliteConnection Open(string path, bool create = true)
    {
        if (!File.Exists(path))
        {
            if (!create)
            {
                throw new FileNotFoundException($"no inbox at {path}", path);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var created = new FileStream(path, options);
            }
            catch (IOException) when (File.Exists(path))
            {
                // another process made it first
            }
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString());
        connection.Open();
        Execute(connection, """
            PRAGMA busy_timeout = 5000;
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS entries (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                delivery TEXT NOT NULL,
                event TEXT NOT NULL,
                kind TEXT NOT NULL,
                workflow_type TEXT NOT NULL,
                workflow_id TEXT NOT NULL,
                input BLOB NOT NULL,
                repository TEXT,
                number INTEGER,
                restart INTEGER NOT NULL DEFAULT 0,
                accepted_at INTEGER NOT NULL,
                state INTEGER NOT NULL DEFAULT 0,
                attempts INTEGER NOT NULL DEFAULT 0,
                error TEXT,
                settled_at INTEGER);
            CREATE INDEX IF NOT EXISTS entries_state ON entries (state, seq);
            CREATE INDEX IF NOT EXISTS entries_delivery ON entries (delivery);
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """);
        return connection;
    }

    /// <summary>Caps the journal's size on disk: past it a commit fails (SQLite's "database or disk is full") and its deliveries are answered 503.</summary>
    public static void Limit(SqliteConnection connection, int megabytes)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size";
        var pageSize = (long)command.ExecuteScalar()!;
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count = {megabytes * 1024L * 1024L / pageSize};"));
    }

    /// <summary>Inserts the deliveries (inside the caller's transaction); their sequence numbers in order.</summary>
    public static long[] Append(SqliteConnection connection, IReadOnlyList<NewDelivery> deliveries, DateTimeOffset now)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO entries (delivery, event, kind, workflow_type, workflow_id, input, repository, number, restart, accepted_at) VALUES ($d, $e, $k, $y, $w, $i, $r, $n, $x, $t) RETURNING seq";
        var d = insert.Parameters.Add("$d", SqliteType.Text);
        var e = insert.Parameters.Add("$e", SqliteType.Text);
        var k = insert.Parameters.Add("$k", SqliteType.Text);
        var y = insert.Parameters.Add("$y", SqliteType.Text);
        var w = insert.Parameters.Add("$w", SqliteType.Text);
        var input = insert.Parameters.Add("$i", SqliteType.Blob);
        var r = insert.Parameters.Add("$r", SqliteType.Text);
        var n = insert.Parameters.Add("$n", SqliteType.Integer);
        var x = insert.Parameters.Add("$x", SqliteType.Integer);
        insert.Parameters.AddWithValue("$t", now.ToUnixTimeMilliseconds());
        var seqs = new long[deliveries.Count];
        for (var i = 0; i < deliveries.Count; i++)
        {
            var delivery = deliveries[i];
            (d.Value, e.Value, k.Value, y.Value, w.Value, input.Value) = (delivery.Delivery, delivery.Event, delivery.Kind, delivery.WorkflowType, delivery.WorkflowId, delivery.Input);
            (r.Value, n.Value, x.Value) = ((object?)delivery.Repository ?? DBNull.Value, (object?)delivery.Number ?? DBNull.Value, delivery.RestartFinished ? 1 : 0);
            seqs[i] = (long)insert.ExecuteScalar()!;
        }

        return seqs;
    }

    /// <summary>Records what draining an entry came to: done, dead (with the reason), or still pending after a failed attempt.</summary>
    public static void Settle(SqliteConnection connection, long seq, InboxState state, string? error, DateTimeOffset now)
    {
        using var update = connection.CreateCommand();
        update.CommandText = state switch
        {
            InboxState.Done => "UPDATE entries SET state = 1, attempts = attempts + 1, error = NULL, settled_at = $t WHERE seq = $s AND state = 0",
            InboxState.Dead => "UPDATE entries SET state = 2, attempts = attempts + 1, error = $r, settled_at = $t WHERE seq = $s AND state = 0",
            _ => "UPDATE entries SET attempts = attempts + 1, error = $r WHERE seq = $s AND state = 0",
        };
        update.Parameters.AddWithValue("$s", seq);
        update.Parameters.AddWithValue("$t", now.ToUnixTimeMilliseconds());
        update.Parameters.AddWithValue("$r", (object?)error ?? DBNull.Value);
        update.ExecuteNonQuery();
    }

    /// <summary>Up to <paramref name="limit"/> pending entries, oldest first, with their inputs.</summary>
    public static IReadOnlyList<InboxEntry> Pending(SqliteConnection connection, int limit) =>
        Query(connection, "WHERE state = 0 ORDER BY seq LIMIT $limit", withInput: true, ("$limit", limit));

    /// <summary>Entries in <paramref name="state"/> (all when null), newest first.</summary>
    public static IReadOnlyList<InboxEntry> List(SqliteConnection connection, InboxState? state, int limit) => state is { } only
        ? Query(connection, "WHERE state = $state ORDER BY seq DESC LIMIT $limit", withInput: false, ("$state", (int)only), ("$limit", limit))
        : Query(connection, "ORDER BY seq DESC LIMIT $limit", withInput: false, ("$limit", limit));

    /// <summary>One entry with its input.</summary>
    public static InboxEntry? Find(SqliteConnection connection, long seq) =>
        Query(connection, "WHERE seq = $seq", withInput: true, ("$seq", seq)).SingleOrDefault();

    /// <summary>How many entries are in each state, and when the oldest pending one was accepted.</summary>
    public static (long Pending, long Dead, DateTimeOffset? OldestPending) Counts(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM entries WHERE state = 0),
                   (SELECT COUNT(*) FROM entries WHERE state = 2),
                   (SELECT MIN(accepted_at) FROM entries WHERE state = 0)
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)));
    }

    /// <summary>The workflow IDs of pending entries and of those done since <paramref name="since"/>: what a new delivery is a duplicate of.</summary>
    public static IEnumerable<(string WorkflowId, long Seq, DateTimeOffset AcceptedAt)> Keys(SqliteConnection connection, DateTimeOffset since)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT workflow_id, seq, accepted_at FROM entries WHERE restart = 0 AND (state = 0 OR (state = 1 AND accepted_at >= $since)) ORDER BY seq";
        command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetString(0), reader.GetInt64(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)));
        }
    }

    /// <summary>Which of <paramref name="guids"/> the inbox accepted (any state): the redelivery sweeper skips them.</summary>
    public static IReadOnlySet<string> Accepted(SqliteConnection connection, IReadOnlyCollection<string> guids)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in guids.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            using var command = connection.CreateCommand();
            var names = chunk.Select((guid, i) => { command.Parameters.AddWithValue($"$g{i}", guid); return $"$g{i}"; });
            command.CommandText = $"SELECT DISTINCT delivery FROM entries WHERE delivery IN ({string.Join(',', names)})";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                found.Add(reader.GetString(0));
            }
        }

        return found;
    }

    /// <summary>
    /// Marks the journal closed cleanly (<paramref name="clean"/>) or open; returns whether it was closed cleanly
    /// before (a new journal counts as clean).
    /// </summary>
    public static bool MarkClean(SqliteConnection connection, bool clean)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT value FROM meta WHERE key = 'clean'";
        var before = read.ExecuteScalar() as string;
        using var write = connection.CreateCommand();
        write.CommandText = "INSERT INTO meta (key, value) VALUES ('clean', $v) ON CONFLICT (key) DO UPDATE SET value = $v";
        write.Parameters.AddWithValue("$v", clean ? "1" : "0");
        write.ExecuteNonQuery();
        return before is null or "1";
    }

    /// <summary>
    /// Done entries settled within <paramref name="window"/> before the last one settled (the crash's time, however
    /// long the machine was down) back to pending, but not those that restart a finished workflow: after a crash, what
    /// Temporal acknowledged last may not have reached its disk (the embedded server's WAL syncs at checkpoints), and
    /// starting them again by business key finds those it kept. How many.
    /// </summary>
    public static int Redo(SqliteConnection connection, TimeSpan window)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE entries SET state = 0 WHERE state = 1 AND restart = 0 AND settled_at >= (SELECT MAX(settled_at) FROM entries WHERE state = 1) - $window";
        command.Parameters.AddWithValue("$window", (long)window.TotalMilliseconds);
        return command.ExecuteNonQuery();
    }

    /// <summary>Dead entries back to pending (all dead ones when <paramref name="seq"/> is null); how many.</summary>
    public static int Replay(SqliteConnection connection, long? seq) =>
        Change(connection, "UPDATE entries SET state = 0, attempts = 0, error = NULL, settled_at = NULL WHERE state = 2", seq);

    /// <summary>Dead entries deleted (all dead ones when <paramref name="seq"/> is null); how many.</summary>
    public static int Drop(SqliteConnection connection, long? seq) =>
        Change(connection, "DELETE FROM entries WHERE state = 2", seq);

    /// <summary>Done entries accepted before <paramref name="before"/> deleted (GitHub redelivers for three days; nothing needs them longer).</summary>
    public static int Prune(SqliteConnection connection, DateTimeOffset before)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM entries WHERE state = 1 AND accepted_at < $before";
        command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery();
    }

    /// <summary>The writer leaves checkpoints to <see cref="Checkpoint"/> on another connection, so no commit waits for one.</summary>
    public static void NoAutoCheckpoint(SqliteConnection connection) => Execute(connection, "PRAGMA wal_autocheckpoint = 0;");

    /// <summary>Copies what the WAL holds into the database without waiting for readers or the writer (SQLite's PASSIVE checkpoint).</summary>
    public static void Checkpoint(SqliteConnection connection) => Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");

    private static int Change(SqliteConnection connection, string sql, long? seq)
    {
        using var command = connection.CreateCommand();
        command.CommandText = seq is null ? sql : sql + " AND seq = $seq";
        if (seq is { } one)
        {
            command.Parameters.AddWithValue("$seq", one);
        }

        return command.ExecuteNonQuery();
    }

    private static List<InboxEntry> Query(SqliteConnection connection, string where, bool withInput, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT seq, delivery, event, kind, workflow_type, workflow_id, accepted_at, state, attempts, error, settled_at, repository, number, restart{(withInput ? ", input" : string.Empty)} FROM entries {where}";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var entries = new List<InboxEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new InboxEntry(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                (InboxState)reader.GetInt32(7),
                reader.GetInt32(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetInt64(12),
                reader.GetInt64(13) != 0,
                withInput ? (byte[])reader.GetValue(14) : null));
        }

        return entries;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>For messages: an entry's time as operators read it.</summary>
    public static string Format(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) ?? "-";
}
