using GitHubBot.Core.Agents;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.Tests;

public sealed class PlanTests
{
    [Fact]
    public void Sub_issues_are_ordered_after_what_they_depend_on_ties_in_index_order()
    {
        var (order, problems) = PlanGraph.Order([[2], [], [1], []]);

        Assert.Empty(problems);
        Assert.Equal([1, 2, 0, 3], order);
    }

    [Fact]
    public void Unknown_self_and_circular_dependencies_are_problems_the_planner_is_told()
    {
        Assert.Equal(
            ["sub_issues[0] depends on itself.", "sub_issues[1] depends on 5, which is not a sub-issue index (0 to 1)."],
            PlanGraph.Order([[0], [5]]).Problems);
        Assert.Equal(["sub_issues 0, 1 depend on each other in a cycle."], PlanGraph.Order([[1], [0], []]).Problems);
    }

    [Fact]
    public void Settings_come_from_the_configuration_with_defaults_for_what_it_does_not_say()
    {
        var defaults = RepoConfig.FromJson("{}");
        var set = RepoConfig.FromJson("""
            {"trigger_label":"bot: go","agents":{"max_tokens":1000,"max_iterations":7,"fix_rounds":0,"coder_attempts":1,"require_design_approval":true,"approval_timeout_hours":2,"on_failure":"close"},
             "auto_merge":{"enabled":true,"method":"squash","min_score":90.5}}
            """);

        Assert.Equal(((string?)null, 400_000L, 40, 2, 3, false, TimeSpan.FromDays(7), "draft", false, "merge", (double?)null), (
            defaults.TriggerLabel, defaults.Agents.MaxTokens, defaults.Agents.MaxIterations, defaults.Agents.FixRounds, defaults.Agents.CoderAttempts, defaults.Agents.RequireDesignApproval,
            defaults.Agents.ApprovalTimeout, defaults.Agents.OnFailure, defaults.AutoMerge.Enabled, defaults.AutoMerge.Method, defaults.AutoMerge.MinScore));
        Assert.Equal(("bot: go", 1000L, 7, 0, 1, true, TimeSpan.FromHours(2), "close", true, "squash", (double?)90.5), (
            set.TriggerLabel, set.Agents.MaxTokens, set.Agents.MaxIterations, set.Agents.FixRounds, set.Agents.CoderAttempts, set.Agents.RequireDesignApproval,
            set.Agents.ApprovalTimeout, set.Agents.OnFailure, set.AutoMerge.Enabled, set.AutoMerge.Method, set.AutoMerge.MinScore));
    }

    [Fact]
    public void The_plan_settings_are_part_of_the_shipped_schema()
    {
        var load = Config.RepoConfigLoader.Load(new Config.ConfigFile("o/r: .github/ghbot.yml", "agents:\n  on_failure: close\n  coder_attempts: 2\n  approval_timeout_hours: 24\n"));
        var wrong = Config.RepoConfigLoader.Load(new Config.ConfigFile("o/r: .github/ghbot.yml", "agents:\n  on_failure: explode\n"));

        Assert.True(load.IsValid, string.Join("; ", load.Problems));
        Assert.Contains(wrong.Problems, p => p.Key.Contains("on_failure", StringComparison.Ordinal));
    }

    [Fact]
    public void Patches_apply_on_top_of_each_other_and_the_first_that_does_not_apply_is_named()
    {
        var files = new Dictionary<string, string> { ["a.txt"] = "one\n" };
        var tree = new PatchedTree(files.GetValueOrDefault);
        var first = new Patch("first", [new FileEdit("a.txt", "one", "two")], DateTimeOffset.UnixEpoch);
        var second = new Patch("second", [new FileEdit("a.txt", "two", "three"), new FileEdit("b.txt", Content: "new\n")], DateTimeOffset.UnixEpoch);
        var stale = new Patch("stale", [new FileEdit("a.txt", "one", "uno")], DateTimeOffset.UnixEpoch);

        Assert.Equal((-1, (IReadOnlyList<string>)[]), tree.ApplyAll([first, second]));
        Assert.Equal("three\n", tree.Read("a.txt"));
        Assert.Equal("new\n", tree.Read("b.txt"));
        Assert.Equal("one\n", files["a.txt"]);

        var (failedAt, problems) = new PatchedTree(files.GetValueOrDefault).ApplyAll([first, stale]);
        Assert.Equal(1, failedAt);
        Assert.Contains("a.txt: the search text was not found", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void The_progress_comment_carries_its_marker_every_step_and_the_notes()
    {
        var text = PlanProgress.Render(
            "Working on it.",
            [new ProgressStep("Design", "done", "posted below"), new ProgressStep("Approval", "waiting"), new ProgressStep("Branch", "undone", "deleted")],
            ["A note."],
            "3 agent calls");

        Assert.StartsWith(PlanProgress.Marker, text, StringComparison.Ordinal);
        Assert.Contains("- ✅ Design — posted below\n- ⏸️ Approval\n- ↩️ Branch — deleted\n", text, StringComparison.Ordinal);
        Assert.Contains("\nA note.\n", text, StringComparison.Ordinal);
        Assert.EndsWith("<sub>3 agent calls</sub>\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Agent_answers_are_read_from_their_schemas_snake_case()
    {
        var plan = AgentAnswers.Parse<PlanAnswer>("""{"sub_issues":[{"title":"t","body":"b","acceptance_criteria":["c"],"files":["f"],"depends_on":[1]}]}""");
        var coder = AgentAnswers.Parse<CoderAnswer>("""{"summary":"s","edits":[{"path":"p","search":"a","replace":"b"},{"path":"q","content":"c"}]}""");

        Assert.Equal(new SubIssuePlan("t", "b", ["c"], ["f"], [1]).Title, Assert.Single(plan.SubIssues).Title);
        Assert.Equal([1], plan.SubIssues[0].DependsOn);
        Assert.Equal([new FileEdit("p", "a", "b"), new FileEdit("q", Content: "c")], coder.Edits);
    }
}
