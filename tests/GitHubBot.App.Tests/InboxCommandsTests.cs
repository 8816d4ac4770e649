using System.Text.Json.Nodes;
using GitHubBot.App.Cli;
using GitHubBot.App.Inbox;
using GitHubBot.Core.Common;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Google.Protobuf;
using Temporalio.Converters;

namespace GitHubBot.App.Tests;

/// <summary>Dead letters: an entry this version cannot start is set aside, and <c>ghbot inbox</c> lists, shows, replays and drops them while serve runs.</summary>
[Collection(TemporalCollection.Name)]
public sealed class InboxCommandsTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task An_entry_for_a_workflow_this_version_lacks_is_a_dead_letter_that_ghbot_inbox_lists_shows_replays_and_drops()
    {
        using var dataDir = new TempDirectory("ghbot-inbox-cli-");
        Payloads.InOwnRepository("pull_request.opened.json", out var repo);
        var gateId = WorkflowIds.QualityGate("Codertocat", repo, 2, "ec26c3e57ca3a959ca5aad62de7213c562f8c821");

        // Journalled by an older version: a start of a workflow this version no longer has, and a gate that Temporal
        // refused three times (a dead letter already).
        long unrouted, refused;
        using (var journal = InboxJournal.Open(InboxJournal.PathIn(dataDir.Path)))
        {
            var input = DataConverter.Default.PayloadConverter.ToPayload(new QualityGateInput
            {
                Owner = "Codertocat",
                Repo = repo,
                PullRequestNumber = 2,
                HeadSha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
                Branch = "changes",
                Trigger = "pull_request.opened",
            }).ToByteArray();
            var seqs = InboxJournal.Append(journal, [
                new NewDelivery("old-labeled", "pull_request", "pull_request.labeled", "LabelTriageWorkflow", "triage/old/labeled", input),
                new NewDelivery("old-refused", "pull_request", "pull_request.opened", "QualityGateWorkflow", gateId, input, $"Codertocat/{repo}", 2),
            ], DateTimeOffset.UtcNow);
            (unrouted, refused) = (seqs[0], seqs[1]);
            InboxJournal.Settle(journal, refused, InboxState.Dead, "Temporal refused the start 3 times: namespace not found", DateTimeOffset.UtcNow);
        }

        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?> { ["DataDir"] = dataDir.Path });
        await InboxTests.UntilAsync(() => InboxTests.Journal(bot).Single(e => e.Seq == unrouted).State == InboxState.Dead, "the unrouted entry is a dead letter");
        Assert.Contains(bot.Logs.Entries, entry => entry.Contains($"Inbox entry {unrouted} (pull_request.labeled) is a dead letter", StringComparison.Ordinal));

        var (code, output, error) = await GhbotCli.RunAsync("inbox", "list", "--data-dir", dataDir.Path, "--output", "json");
        Assert.Equal(0, code);
        var dead = JsonNode.Parse(output)!.AsArray();
        Assert.Equal([refused, unrouted], dead.Select(e => (long)e!["seq"]!));
        Assert.Equal("this version has no workflow LabelTriageWorkflow", (string?)dead[1]!["error"]);
        Assert.Contains("0 waiting", error, StringComparison.Ordinal);
        Assert.Contains("2 dead letters", error, StringComparison.Ordinal);

        (code, output, _) = await GhbotCli.RunAsync("inbox", "show", refused.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDir.Path, "--output", "json");
        Assert.Equal(0, code);
        var shown = JsonNode.Parse(output)!;
        Assert.Equal(gateId, (string?)shown["workflowId"]);
        Assert.Equal(repo, (string?)shown["input"]!["Repo"]);

        // Replayed while serve runs: it is drained within a few seconds and becomes its workflow.
        (code, output, _) = await GhbotCli.RunAsync("inbox", "replay", refused.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDir.Path);
        Assert.Equal(0, code);
        Assert.Contains("1 dead letters put back to be started", output, StringComparison.Ordinal);
        var started = await (await temporal.Client.StartedAsync(gateId)).DescribeAsync();
        Assert.Equal($"Codertocat/{repo}", started.TypedSearchAttributes.Get(GitHubBot.Workflows.Temporal.GhbotSearchAttributes.Repository));

        (code, output, _) = await GhbotCli.RunAsync("inbox", "drop", "--all", "--data-dir", dataDir.Path);
        Assert.Equal(0, code);
        Assert.Contains("1 dead letters dropped", output, StringComparison.Ordinal);
        (_, output, _) = await GhbotCli.RunAsync("inbox", "list", "--data-dir", dataDir.Path, "--output", "json");
        Assert.Empty(JsonNode.Parse(output)!.AsArray());
    }

    [Fact]
    public async Task A_delivery_id_with_an_escape_sequence_reaches_the_terminal_defused()
    {
        // X-GitHub-Delivery is not signed: whoever replays a signed body chooses it.
        using var dataDir = new TempDirectory("ghbot-inbox-escape-");
        using (var journal = InboxJournal.Open(InboxJournal.PathIn(dataDir.Path)))
        {
            var seq = InboxJournal.Append(journal, [new NewDelivery("evil\u001b]0;owned\u0007\u001b[2J", "pull_request", "pull_request.opened", "RetiredWorkflow", "retired/1", [1])], DateTimeOffset.UtcNow)[0];
            InboxJournal.Settle(journal, seq, InboxState.Dead, "this version has no workflow RetiredWorkflow", DateTimeOffset.UtcNow);
        }

        var (code, output, _) = await GhbotCli.RunAsync("inbox", "list", "--data-dir", dataDir.Path, "--output", "table");

        Assert.Equal(0, code);
        Assert.Contains("evil?]0;owned??[2J", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u0007', output);
    }

    [Fact]
    public async Task Wrong_use_is_one_line_and_exit_code_2_or_1()
    {
        using var empty = new TempDirectory("ghbot-inbox-none-");

        var (code, _, error) = await GhbotCli.RunAsync("inbox", "list", "--data-dir", empty.Path);
        Assert.Equal(2, code);
        Assert.StartsWith("No inbox at ", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));

        using (InboxJournal.Open(InboxJournal.PathIn(empty.Path)))
        {
        }

        (code, _, error) = await GhbotCli.RunAsync("inbox", "replay", "--data-dir", empty.Path);
        Assert.Equal(2, code);
        Assert.Contains("Give a dead letter's number or --all", error, StringComparison.Ordinal);
        (code, _, error) = await GhbotCli.RunAsync("inbox", "drop", "7", "--data-dir", empty.Path);
        Assert.Equal(1, code);
        Assert.Contains("No dead letter 7", error, StringComparison.Ordinal);
        (code, _, error) = await GhbotCli.RunAsync("inbox", "list", "--state", "lost", "--data-dir", empty.Path);
        Assert.Equal(2, code);
        Assert.Contains("--state must be one of dead, pending, done, all", error, StringComparison.Ordinal);
    }

}
