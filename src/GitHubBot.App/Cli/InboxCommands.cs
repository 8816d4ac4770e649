using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GitHubBot.App.Inbox;
using Microsoft.Data.Sqlite;
using Spectre.Console;

namespace GitHubBot.App.Cli;

/// <summary>
/// <c>ghbot inbox list|show|replay|drop</c>: the operator's view of serve's durable inbox (DataDir/inbox.db), read and
/// changed directly in the journal — also while serve runs: a replayed entry is drained within about a second.
/// </summary>
internal static class InboxCommands
{
    private static readonly Option<string?> DataDirOption = new("--data-dir") { Description = "serve's DataDir (default: DataDir, else .ghbot)." };

    /// <summary>The states --state accepts.</summary>
    private static readonly IReadOnlyDictionary<string, InboxState?> States = new Dictionary<string, InboxState?>(StringComparer.Ordinal)
    {
        ["dead"] = InboxState.Dead,
        ["pending"] = InboxState.Pending,
        ["done"] = InboxState.Done,
        ["all"] = null,
    };

    public static Command Inbox()
    {
        var command = new Command("inbox", "The durable inbox of webhook deliveries: its dead letters (deliveries that could not become a workflow) and what waits.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Change("replay", "Put dead letters back to be started again (one by its number, or all with --all).", InboxJournal.Replay, "put back to be started"));
        command.Subcommands.Add(Change("drop", "Delete dead letters for good (one by its number, or all with --all).", InboxJournal.Drop, "dropped"));
        return command;
    }

    private static Command List()
    {
        var state = new Option<string>("--state") { Description = "dead (default), pending, done or all.", DefaultValueFactory = _ => "dead" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first (default 50).", DefaultValueFactory = _ => 50 };
        var output = CliOutput.Option();
        var command = new Command("list", "List inbox entries, newest first: by default the dead letters.") { state, limit, output, DataDirOption };
        command.SetAction((parse, _) => WithJournalAsync(parse, async connection =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (!States.TryGetValue(parse.GetValue(state) ?? string.Empty, out var only) || parse.GetValue(limit) < 1)
            {
                await error.WriteLineAsync($"--state must be one of {string.Join(", ", States.Keys)} and --limit 1 or more.");
                return 2;
            }

            if (CliOutput.Format(parse, output) is not { } format)
            {
                return 2;
            }

            var entries = InboxJournal.List(connection, only, parse.GetValue(limit));
            var (pending, dead, oldest) = InboxJournal.Counts(connection);
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{pending} waiting (oldest accepted {InboxJournal.Format(oldest)}), {dead} dead letters."));
            if (format == CliOutput.Json)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(CliOutput.ToJson(entries.Select(Row)));
            }
            else if (entries.Count > 0)
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("#", "accepted", "state", "event", "delivery", "workflow id", "why");
                foreach (var entry in entries)
                {
                    table.AddRow(
                        new Text(entry.Seq.ToString(CultureInfo.InvariantCulture)),
                        new Text(InboxJournal.Format(entry.AcceptedAt)),
                        new Text(StateName(entry.State)),
                        new Text(Printable(entry.Kind)),
                        new Text(Printable(entry.Delivery)),
                        new Text(Printable(entry.WorkflowId)),
                        new Text(Printable(entry.Error ?? "-")));
                }

                CliOutput.Write(parse.InvocationConfiguration.Output, table);
            }

            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var seq = new Argument<long>("number") { Description = "The entry's number (# in ghbot inbox list)." };
        var output = CliOutput.Option();
        var command = new Command("show", "Show one inbox entry with the input its workflow is started with.") { seq, output, DataDirOption };
        command.SetAction((parse, _) => WithJournalAsync(parse, async connection =>
        {
            if (CliOutput.Format(parse, output) is not { } format)
            {
                return 2;
            }

            if (InboxJournal.Find(connection, parse.GetValue(seq)) is not { } entry)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"No inbox entry {parse.GetValue(seq)}.");
                return 1;
            }

            var row = Row(entry);
            row["input"] = Input(entry.Input);
            if (format == CliOutput.Json)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(CliOutput.ToJson(row));
            }
            else
            {
                CliOutput.Write(parse.InvocationConfiguration.Output, CliOutput.Fields(row.Where(field => field.Key != "input").Select(field => (field.Key, Text(field.Value)))));
                await parse.InvocationConfiguration.Output.WriteLineAsync(CliOutput.ToJson(row["input"]));
            }

            return 0;
        }));
        return command;
    }

    private static Command Change(string name, string description, Func<SqliteConnection, long?, int> change, string done)
    {
        var seq = new Argument<long?>("number") { Description = "The dead letter's number (# in ghbot inbox list).", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Every dead letter." };
        var command = new Command(name, description) { seq, all, DataDirOption };
        command.SetAction((parse, _) => WithJournalAsync(parse, async connection =>
        {
            var error = parse.InvocationConfiguration.Error;
            var one = parse.GetValue(seq);
            if (one is null == !parse.GetValue(all))
            {
                await error.WriteLineAsync($"Give a dead letter's number or --all (ghbot inbox {name} 12, ghbot inbox {name} --all).");
                return 2;
            }

            var count = change(connection, one);
            if (count == 0 && one is not null)
            {
                await error.WriteLineAsync($"No dead letter {one}: see ghbot inbox list.");
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{count} dead letters {done}."));
            return 0;
        }));
        return command;
    }

    /// <summary>Opens the journal (a missing one is one line, exit 2) and runs the action on it.</summary>
    private static async Task<int> WithJournalAsync(ParseResult parse, Func<SqliteConnection, Task<int>> action)
    {
        var dataDir = parse.GetValue(DataDirOption)
            ?? (OperatorCommands.LoadConfiguration()["DataDir"] is { Length: > 0 } configured ? configured : ".ghbot");
        var path = InboxJournal.PathIn(dataDir);
        SqliteConnection connection;
        try
        {
            connection = InboxJournal.Open(path, create: false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or SqliteException or UnauthorizedAccessException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"No inbox at {path} (--data-dir, else DataDir): {ex.Message}");
            return 2;
        }

        using (connection)
        {
            return await action(connection);
        }
    }

    private static Dictionary<string, object?> Row(InboxEntry entry) => new()
    {
        ["seq"] = entry.Seq,
        ["state"] = StateName(entry.State),
        ["accepted"] = entry.AcceptedAt,
        ["event"] = entry.Kind,
        ["delivery"] = entry.Delivery,
        ["workflowType"] = entry.WorkflowType,
        ["workflowId"] = entry.WorkflowId,
        ["repository"] = entry.Repository,
        ["number"] = entry.Number,
        ["attempts"] = entry.Attempts,
        ["error"] = entry.Error,
        ["settled"] = entry.SettledAt,
    };

    /// <summary>The journalled input (a Temporal payload) as its JSON, else as text, else as what it is: unreadable.</summary>
    private static object? Input(byte[]? input)
    {
        if (input is null)
        {
            return null;
        }

        try
        {
            var payload = Temporalio.Api.Common.V1.Payload.Parser.ParseFrom(input);
            if (payload.Metadata.TryGetValue("encoding", out var encoding) && encoding.ToStringUtf8() == Hosting.EncryptionCodec.Encoding)
            {
                return $"(encrypted with key '{(payload.Metadata.TryGetValue(Hosting.EncryptionCodec.KeyIdMetadata, out var key) ? key.ToStringUtf8() : "?")}' of Temporal:EncryptionKeys)";
            }

            try
            {
                return JsonSerializer.Deserialize<JsonElement>(payload.Data.Span);
            }
            catch (JsonException)
            {
                return payload.Data.ToStringUtf8();
            }
        }
        catch (Google.Protobuf.InvalidProtocolBufferException ex)
        {
            return $"(unreadable: {ex.Message})";
        }
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        DateTimeOffset time => InboxJournal.Format(time),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => Printable(value.ToString() ?? string.Empty),
    };

    /// <summary>
    /// What a sender chose (the delivery header is not signed), fit for a terminal: control characters — an escape
    /// sequence among them — shown as '?'. (JSON output escapes them itself.)
    /// </summary>
    internal static string Printable(string text) =>
        text.Any(char.IsControl) ? string.Concat(text.Select(c => char.IsControl(c) ? '?' : c)) : text;

    private static string StateName(InboxState state) => state switch
    {
        InboxState.Pending => "pending",
        InboxState.Done => "done",
        _ => "dead",
    };
}
