using System.Text.Json.Nodes;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Common;
using GitHubBot.Core.Workspaces;
using GitHubBot.Testing;
using GitHubBot.Workflows.ChangeRequests;
using Temporalio.Client;
using static GitHubBot.Workflows.Tests.PlanScenarios;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// Agents cannot lower the bar they are judged by: coders' edits of test, build and CI configuration are refused
/// (told why, once) unless the repository allows them, a change that edits such files is never merged by GitHubBot,
/// and what GitHubBot writes closes only the issues its run owns. Real Temporal, real git, the real gate.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class AgentsAndTheBarTests(TemporalServerFixture temporal)
{
    private static readonly object LintConfig = new { path = ".editorconfig", content = "root = true\n[*]\nindent_style = tab\n" };

    [Fact]
    public async Task A_coder_that_edits_lint_configuration_is_told_why_once_then_its_edit_is_left_out_and_the_pr_says_so()
    {
        using var rig = await RigAsync(temporal.Client, Config + "auto_merge:\n  enabled: true\n");
        var issue = rig.GitHub.AddIssue(GateRig.Owner, rig.Repo, "Multiply numbers (fixes #3)", "calc.sh should multiply too.");
        var mul = new { path = "calc.sh", search = "# more operations go here", replace = "mul() { echo $(( $1 * $2 )); }\n# more operations go here" };
        var chat = new RoleChatClient()
            .OnJson("architect", null, Design())
            .OnJson("planner", null, TwoSubIssues())
            .OnJson("coder", CalcTitle, Coder("Adds mul. Fixes #3.", mul, LintConfig), Coder("Adds mul; tabs read better. Closes #3.", mul, LintConfig))
            .OnJson("coder", TestTitle, MulTest())
            .OnJson("reviewer", null, Approve());
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(() => RunAsync(rig, issue));

        // The change went on without the refused edit, passed the gate and was merged: nothing else held it back.
        Assert.Equal("merged", result.Outcome);
        var coder = chat.Calls.Where(c => c.Role == "coder" && c.Task.Contains(CalcTitle, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, coder.Count);
        Assert.DoesNotContain("how the change is judged", coder[0].Task, StringComparison.Ordinal);
        Assert.Contains("Your edits change how the change is judged", coder[1].Task, StringComparison.Ordinal);
        Assert.Contains("- `.editorconfig`: lint configuration", coder[1].Task, StringComparison.Ordinal);
        Assert.DoesNotContain(".editorconfig", (await rig.Repository.RemoteGitAsync("ls-tree", "--name-only", "main")).Split('\n'));

        // The PR and the progress comment say what was refused.
        var opened = JsonNode.Parse(Assert.Single(rig.GitHub.RequestsTo("POST", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls")).Body!)!["body"]!.GetValue<string>();
        Assert.Contains("### Test, build and CI configuration", opened, StringComparison.Ordinal);
        Assert.Contains($"- {CalcTitle}: `.editorconfig` (lint configuration)", opened, StringComparison.Ordinal);
        Assert.Contains("Refused and left out (agents.allow_config_edits is off)", Progress(rig, issue).Body, StringComparison.Ordinal);

        // Only the run's own issues are closed: the coder's "Closes #3" and the issue title's "fixes #3" are references.
        var sub = result.SubIssues[0];
        var message = await rig.Repository.RemoteGitAsync("log", "--format=%B", "-1", "--grep", CalcTitle, "main");
        Assert.Contains($"Closes #{sub}.", message, StringComparison.Ordinal);
        Assert.Contains("refs #3.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Closes #3", message, StringComparison.Ordinal);
        Assert.Contains($"Closes #{issue}.", opened, StringComparison.Ordinal);
        var merge = JsonNode.Parse(Assert.Single(rig.GitHub.RequestsTo("PUT", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls/{result.PrNumber}/merge")).Body!)!;
        Assert.Equal($"Multiply numbers (refs #3) (#{result.PrNumber})", merge["commit_title"]!.GetValue<string>());
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Config_edits_the_repository_allows_are_kept_but_the_pr_is_not_merged_and_says_why()
    {
        using var rig = await RigAsync(temporal.Client, Config + "agents:\n  allow_config_edits: true\nauto_merge:\n  enabled: true\n");
        var issue = MulIssue(rig);
        var chat = Script(Coder("Adds mul.", new { path = "calc.sh", search = "# more operations go here", replace = "mul() { echo $(( $1 * $2 )); }\n# more operations go here" }, LintConfig));
        using var worker = rig.Worker(chat);

        var result = await worker.ExecuteAsync(() => RunAsync(rig, issue));

        Assert.Equal("ready", result.Outcome);
        Assert.False(result.Merged);
        Assert.Equal(100, result.QaScore);
        Assert.Single(chat.CallsTo("coder"), c => c.Task.Contains(CalcTitle, StringComparison.Ordinal));
        Assert.Empty(rig.GitHub.RequestsTo("PUT", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls/{result.PrNumber}/merge"));
        Assert.Contains(".editorconfig", (await rig.Repository.RemoteGitAsync("ls-tree", "--name-only", result.HeadSha!)).Split('\n'));
        var opened = JsonNode.Parse(Assert.Single(rig.GitHub.RequestsTo("POST", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls")).Body!)!["body"]!.GetValue<string>();
        Assert.Contains("allowed by `agents.allow_config_edits`", opened, StringComparison.Ordinal);
        var said = Assert.Single(rig.GitHub.CommentsOn(result.PrNumber!.Value), c => c.Body.StartsWith("Not merged automatically", StringComparison.Ordinal));
        Assert.Contains("`.editorconfig` (lint configuration)", said.Body, StringComparison.Ordinal);
        Assert.Contains("not merged automatically", Progress(rig, issue).Body, StringComparison.Ordinal);
        rig.GitHub.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task A_change_whose_commits_change_the_test_scripts_is_not_merged_whoever_wrote_them_and_its_pr_closes_only_its_issue()
    {
        using var rig = await GateRig.CreateAsync(temporal.Client, new Dictionary<string, string>(Calc) { ["package.json"] = "{ \"name\": \"calc\", \"scripts\": { \"test\": \"sh test.sh\" } }\n" });
        rig.WithConfig(Config);
        rig.GitHub.ExpectPlan(GateRig.Owner, rig.Repo, GateRig.Token, rig.Repository);
        using var worker = rig.Worker();
        var target = new RepositoryTarget(GateRig.Owner, rig.Repo, 1);
        var input = new ChangeRequestInput
        {
            Target = target,
            Base = new RepoSnapshot(target, rig.Repository.CloneUrl, await rig.Repository.HeadOfAsync("main")),
            BaseBranch = "main",
            Branch = "ghbot/hotfix-scripts",
            Commits =
            [
                new Patch(
                    "Add mul",
                    [
                        new FileEdit("calc.sh", "# more operations go here", "mul() { echo $(( $1 * $2 )); }\n# more operations go here"),
                        new FileEdit("package.json", Content: "{ \"name\": \"calc\", \"scripts\": { \"test\": \"true\" } }\n"),
                    ],
                    DateTimeOffset.UnixEpoch.AddYears(56)),
            ],
            PullRequest = new PullRequestSpec("Add mul", "Closes #12. It also fixes #4 and resolves octo/other#5."),
            Gate = new GatePolicy { Trigger = "test" },
            Merge = new MergePolicy { Auto = true },
            OwnedIssues = [12],
        };

        var result = await worker.ExecuteAsync(() => rig.Temporal.ExecuteWorkflowAsync(
            (ChangeRequestWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(WorkflowIds.ChangeRequest(GateRig.Owner, rig.Repo, $"{input.Branch}-{Guid.NewGuid():N}"), rig.TaskQueue)));

        Assert.Equal("ready", result.Outcome);
        Assert.False(result.Merged);
        Assert.Empty(rig.GitHub.RequestsTo("PUT", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls/{result.PullRequest!.Number}/merge"));
        var merge = Assert.Single(result.Status.Steps, s => s.Name == "Merge");
        Assert.Equal("skipped", merge.State);
        Assert.Contains("`package.json` (changes the scripts `test`)", merge.Detail, StringComparison.Ordinal);
        Assert.Single(rig.GitHub.CommentsOn(result.PullRequest.Number), c => c.Body.Contains("Not merged automatically", StringComparison.Ordinal));
        var opened = JsonNode.Parse(Assert.Single(rig.GitHub.RequestsTo("POST", $"/repos/{GateRig.Owner}/{rig.Repo}/pulls")).Body!)!["body"]!.GetValue<string>();
        Assert.Equal("Closes #12. It also refs #4 and refs octo/other#5.", opened);
        rig.GitHub.AssertNoUnexpectedRequests();
    }
}
