using System.Diagnostics;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Testing;
using GitHubBot.Workflows.PlanPatchPr;
using Temporalio.Client;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// What the plan → patch → PR tests share: a tiny shell project whose tests really run in the gate, the agents'
/// usual answers, the rig, and the drivers for issues, commands and labels.
/// </summary>
internal static class PlanScenarios
{
    internal const string CalcTitle = "Add mul to calc.sh";
    internal const string TestTitle = "Test mul";

    /// <summary>A tiny shell project whose tests really run in the gate.</summary>
    internal static readonly Dictionary<string, string> Calc = new()
    {
        ["calc.sh"] = "# calc: shell arithmetic\nadd() { echo $(( $1 + $2 )); }\n# more operations go here\n",
        ["test.sh"] = """
            . ./calc.sh
            fail=0
            check() { if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1 gave $2, expected $3"; fail=1; fi; }
            check "add 2 3" "$(add 2 3)" 5
            if [ -f more_tests.sh ]; then . ./more_tests.sh; fi
            exit $fail

            """,
    };

    internal const string Config = """
        quality_gate:
          checks:
            unit_tests: { run: "sh test.sh" }

        """;

    internal static object Design() => new { design = "Add a `mul` function to calc.sh and a test for it.", risks = new[] { "None worth noting." }, files = new[] { "calc.sh", "test.sh" } };

    internal static object TwoSubIssues() => new
    {
        sub_issues = new object[]
        {
            new { title = CalcTitle, body = "Multiply two numbers.", acceptance_criteria = new[] { "mul 2 3 prints 6" }, files = new[] { "calc.sh" }, depends_on = Array.Empty<int>() },
            new { title = TestTitle, body = "Cover mul in the tests.", acceptance_criteria = new[] { "sh test.sh checks mul" }, files = new[] { "more_tests.sh" }, depends_on = new[] { 0 } },
        },
    };

    internal static object Mul(string op = "*") => Coder("Adds mul.", new { path = "calc.sh", search = "# more operations go here", replace = $"mul() {{ echo $(( $1 {op} $2 )); }}\n# more operations go here" });

    internal static object MulTest() => Coder("Tests mul.", new { path = "more_tests.sh", content = "check \"mul 2 3\" \"$(mul 2 3)\" 6\n" });

    internal static object Coder(string summary, params object[] edits) => new { summary, edits };

    internal static object Approve() => new { approve = true, findings = Array.Empty<object>() };

    /// <summary>The usual agents: a design, two sub-issues (mul, its test), <paramref name="mul"/> for the first, an approving review; and a fix when the gate fails.</summary>
    internal static RoleChatClient Script(object mul, object? fix = null)
    {
        var chat = new RoleChatClient().OnJson("architect", null, Design()).OnJson("planner", null, TwoSubIssues());
        if (fix is not null)
        {
            chat.OnJson("coder", "Make the quality gate pass", fix);
        }

        return chat.OnJson("coder", CalcTitle, mul).OnJson("coder", TestTitle, MulTest()).OnJson("reviewer", null, Approve());
    }

    /// <summary>
    /// With GHBOT_WRITE_HISTORIES (see <see cref="ReplayTests.HistoryVersion"/>), keeps this run's history as
    /// plan-patch-pr-vN[-scenario].json, and its change request's as change-request-vN[-scenario].json, for the replay tests.
    /// </summary>
    internal static async Task WriteHistoryAsync(GateRig rig, string workflowId, string? scenario)
    {
        var suffix = scenario is null ? string.Empty : $"-{scenario}";
        if (ReplayTests.HistoryVersion("plan-patch-pr") is { } version)
        {
            var history = await rig.Temporal.GetWorkflowHandle(workflowId).FetchHistoryAsync();
            await ReplayTests.WriteHistoryAsync($"plan-patch-pr-{version}{suffix}", history);
        }

        if (ReplayTests.HistoryVersion("change-request") is { } changeVersion)
        {
            var branch = Assert.Single(rig.GitHub.PullRequests)["head"]!["ref"]!.GetValue<string>();
            var change = rig.Temporal.GetWorkflowHandle(WorkflowIds.ChangeRequest(GateRig.Owner, rig.Repo, branch));
            await change.GetResultAsync<ChangeRequestResult>();
            await ReplayTests.WriteHistoryAsync($"change-request-{changeVersion}{suffix}", await change.FetchHistoryAsync());
        }
    }

    internal static async Task<GateRig> RigAsync(ITemporalClient temporal, string config)
    {
        var rig = await GateRig.CreateAsync(temporal, Calc);
        rig.WithConfig(config);
        rig.GitHub.ExpectPlan(GateRig.Owner, rig.Repo, GateRig.Token, rig.Repository);
        return rig;
    }

    internal static Task<WorkflowHandle<PlanPatchPrWorkflow, PlanPatchPrResult>> StartAsync(GateRig rig, PlanPatchPrInput input) =>
        rig.Temporal.StartWorkflowAsync(
            (PlanPatchPrWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(input.IssueNumber is { } issue ? WorkflowIds.PlanPatchPr(input.Owner, input.Repo, issue) : WorkflowIds.PlanPatchPrRequirement(input.Owner, input.Repo, input.Requirement!), rig.TaskQueue));

    /// <summary>The usual issue: calc.sh should multiply.</summary>
    internal static int MulIssue(GateRig rig) => rig.GitHub.AddIssue(GateRig.Owner, rig.Repo, "Multiply numbers", "calc.sh should multiply too.");

    /// <summary>GitHubBot's one progress comment on the issue.</summary>
    internal static GitHubFake.Comment Progress(GateRig rig, int issue) =>
        Assert.Single(rig.GitHub.CommentsOn(issue), c => c.Body.Contains(PlanProgress.Marker, StringComparison.Ordinal));

    internal static async Task<PlanPatchPrResult> RunAsync(GateRig rig, int issue) =>
        await (await StartAsync(rig, new PlanPatchPrInput { Owner = GateRig.Owner, Repo = rig.Repo, InstallationId = 1, IssueNumber = issue })).GetResultAsync();

    internal static Task<CommandResult> CommandAsync(GateRig rig, int issue, string author, string comment)
    {
        var input = new CommandInput
        {
            Owner = GateRig.Owner,
            Repo = rig.Repo,
            InstallationId = 1,
            IssueNumber = issue,
            CommentId = Random.Shared.Next(1000, 1_000_000),
            Author = author,
            Commands = SlashCommands.Parse(comment),
        };
        return rig.Temporal.ExecuteWorkflowAsync((Commands.CommandWorkflow wf) => wf.RunAsync(input), new WorkflowOptions($"command-{Guid.NewGuid():N}", rig.TaskQueue));
    }

    internal static Task<CommandResult> LabelAsync(GateRig rig, int issue, string author, string label)
    {
        var input = new CommandInput
        {
            Owner = GateRig.Owner,
            Repo = rig.Repo,
            InstallationId = 1,
            IssueNumber = issue,
            Author = author,
            Commands = [],
            Label = label,
            DefaultTriggerLabel = RepoConfig.DefaultTriggerLabel,
        };
        return rig.Temporal.ExecuteWorkflowAsync((Commands.CommandWorkflow wf) => wf.RunAsync(input), new WorkflowOptions($"label-{Guid.NewGuid():N}", rig.TaskQueue));
    }

    /// <summary>Clones <paramref name="branch"/> of the remote and runs its tests, as a developer would.</summary>
    internal static async Task<(int Exit, string Output)> RunTestsAsync(FixtureRepository repository, string branch, string command = "sh test.sh")
    {
        using var checkout = new TempDirectory("ghbot-plan-check-");
        using (var clone = Process.Start(new ProcessStartInfo("git", ["clone", "--quiet", "--branch", branch, repository.CloneUrl, checkout.Path]) { RedirectStandardError = true })!)
        {
            await clone.WaitForExitAsync();
            Assert.Equal(0, clone.ExitCode);
        }

        using var tests = Process.Start(new ProcessStartInfo("sh", ["-c", command + " 2>&1"]) { WorkingDirectory = checkout.Path, RedirectStandardOutput = true })!;
        var output = await tests.StandardOutput.ReadToEndAsync();
        await tests.WaitForExitAsync();
        return (tests.ExitCode, output);
    }
}
