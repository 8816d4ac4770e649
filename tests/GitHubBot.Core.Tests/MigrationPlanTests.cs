using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.Config;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.Tests;

public sealed class MigrationPlanTests
{
    private static MigrationStep Step(string id, params string[] dependsOn) => new(id, $"Step {id}", $"Do {id}.", [$"{id}.js"], dependsOn);

    private static MigrationPlan Plan(params MigrationStep[] steps) => new("plan", steps);

    [Fact]
    public void The_seeds_diamond_is_valid_and_runs_in_waves()
    {
        var plan = Plan(Step("1"), Step("2", "1"), Step("3", "1"), Step("4", "2", "3"));
        Assert.Empty(MigrationGraph.Problems(plan));

        var started = new HashSet<string>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        Assert.Equal(["1"], MigrationGraph.Ready(plan, done, started).Select(s => s.Id));
        started.Add("1");
        done.Add("1");
        Assert.Equal(["2", "3"], MigrationGraph.Ready(plan, done, started).Select(s => s.Id));
        started.UnionWith(["2", "3"]);
        done.Add("2");
        Assert.Empty(MigrationGraph.Ready(plan, done, started));
        done.Add("3");
        Assert.Equal(["4"], MigrationGraph.Ready(plan, done, started).Select(s => s.Id));
        Assert.Equal(["4"], MigrationGraph.Dependents(plan, "3").Select(s => s.Id));
        Assert.Equal(["2", "3", "4"], MigrationGraph.Dependents(plan, "1").Select(s => s.Id));
    }

    [Fact]
    public void A_cycle_is_refused_naming_it_step_by_step()
    {
        var problems = MigrationGraph.Problems(Plan(Step("1"), Step("a", "1", "c"), Step("b", "a"), Step("c", "b")));

        Assert.Equal("The steps depend on each other in a cycle: a → c → b → a.", Assert.Single(problems));
    }

    [Fact]
    public void Unknown_and_self_dependencies_duplicate_ids_and_empty_steps_are_refused()
    {
        var problems = MigrationGraph.Problems(Plan(
            Step("1", "9"),
            Step("2", "2"),
            Step("2"),
            new MigrationStep("3", "Empty", " ", [], [])));

        Assert.Contains("Step 1 depends on 9, which is not a step of the plan.", problems);
        Assert.Contains("Step 2 depends on itself.", problems);
        Assert.Contains("Two steps have the id 2.", problems);
        Assert.Contains("Step 3 is empty: it needs a title, and a description or files.", problems);
        Assert.Equal(["The plan has no steps."], MigrationGraph.Problems(Plan()));
    }

    [Fact]
    public void Files_outside_the_repository_and_texts_of_several_lines_are_refused()
    {
        var problems = MigrationGraph.Problems(Plan(
            new MigrationStep("1", "Escape", "x", ["../etc/passwd", "/abs", "ok.js", ".git/config"], []),
            new MigrationStep("2", "Two lines", "x", ["a.js"], []) { Forbidden = ["old(\nnew("] }));

        Assert.Equal(4, problems.Count);
        Assert.Contains("Step 1 names '../etc/passwd', which is not a file inside the repository.", problems);
        Assert.Contains("Step 1 names '.git/config', which is not a file inside the repository.", problems);
        Assert.Contains(problems, p => p.StartsWith("Step 2 has a text that must be gone", StringComparison.Ordinal));
    }

    [Fact]
    public void A_commit_message_of_the_agents_cannot_close_issues_or_ping_people()
    {
        var message = MigrationTexts.CommitMessage(new MigrationStep("3", "Fixes #12 for @octocat", "x", [], []), "Closes https://github.com/octo/app/issues/7\nsecond line");

        Assert.DoesNotContain("#12", message, StringComparison.Ordinal);
        Assert.DoesNotContain("@octocat", message, StringComparison.Ordinal);
        Assert.DoesNotContain("/issues/7", message, StringComparison.Ordinal);
        Assert.EndsWith("\n\nMigration-Step: 3", message, StringComparison.Ordinal);
        Assert.Contains("\nsecond line\n", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_recipe_is_step_one_and_the_migrators_step_one_joins_it()
    {
        var recipe = new Patch("Bump", [new FileEdit("package.json", Content: "{}")], DateTimeOffset.UnixEpoch);
        var analysis = new MigrationAnalysis(10, 10, [], ["src/a.js"], [], "low", recipe, string.Empty, []) { AgentsAvailable = true };
        var answer = new MigratorAnswer("Move to salute.",
        [
            new MigratorStep("1", "Bump and rename", "Rename greet to salute.", ["src/a.js"], [], ["greet("]),
            new MigratorStep("2", "Test it", "Add a test.", ["test/a.test.js"], ["1"], null),
        ]);

        var plan = MigrationPlanning.Build(analysis, "greeter", "1.0.0", "2.0.0", answer);

        Assert.Equal(["1", "2"], plan.Steps.Select(s => s.Id));
        Assert.Equal(("recipe+code", "Bump and rename"), (plan.Steps[0].Kind, plan.Steps[0].Title));
        Assert.Equal(["package.json", "src/a.js"], plan.Steps[0].Files);
        Assert.Equal(["greet("], plan.Steps[0].Forbidden);
        Assert.Equal("code", plan.Steps[1].Kind);
        Assert.Empty(MigrationGraph.Problems(plan));
        Assert.True(MigrationPlanning.NeedsMigrator(analysis));
        Assert.False(MigrationPlanning.NeedsMigrator(analysis with { AgentsAvailable = false }));
        Assert.False(MigrationPlanning.NeedsMigrator(analysis with { AffectedFiles = [] }));
    }

    [Fact]
    public void Without_an_agent_the_plan_is_the_recipe_alone()
    {
        var recipe = new Patch("Bump", [new FileEdit("global.json", Content: "{}")], DateTimeOffset.UnixEpoch);
        var plan = MigrationPlanning.Build(new MigrationAnalysis(1, 1, [], [], [], "low", recipe, string.Empty, []), "dotnet", "8", "10", null);

        var step = Assert.Single(plan.Steps);
        Assert.Equal(("1", "recipe", "Bump dotnet to 10"), (step.Id, step.Kind, step.Title));
    }

    [Theory]
    [InlineData("react 16.14.0 18.2.0", "react", false, false)]
    [InlineData("react-upgrade 16.14.0 18.2.0 --batch --no-rollback", "react-upgrade", true, true)]
    public void Migrate_reads_its_type_versions_and_options(string text, string type, bool batch, bool noRollback)
    {
        var (command, problem) = MigrationCommand.Parse(text.Split(' '));

        Assert.Null(problem);
        Assert.Equal((type, batch, noRollback), (command!.Type, command.Batch, command.NoRollback));
        Assert.Equal(("16.14.0", "18.2.0"), (command.From, command.To));
    }

    [Theory]
    [InlineData("react 16")]
    [InlineData("react 16 18 --force")]
    [InlineData("react 16;rm 18")]
    [InlineData("react ../x 18")]
    public void Migrate_with_bad_arguments_says_how_it_is_written(string text)
    {
        var (command, problem) = MigrationCommand.Parse(text.Split(' '));

        Assert.Null(command);
        Assert.NotNull(problem);
    }

    [Fact]
    public void Ids_and_branches_name_the_type_as_recipes_do_and_stay_safe_for_git()
    {
        var input = new CodeMigrationInput { Owner = "octo", Repo = "app", MigrationType = "react-upgrade", SourceVersion = "16.14.0", TargetVersion = "18.2.0" };

        Assert.Equal("migration/octo/app/react/18.2.0", input.WorkflowId);
        Assert.Equal("ghbot/migrate-react-18.2.0", MigrationTexts.Branch("react", "18.2.0"));
        Assert.Equal("ghbot/migrate-class-components-to-hooks-2", MigrationTexts.Branch("Class components to hooks", "2"));
        Assert.Equal("ghbot/migrate-x-1", MigrationTexts.Branch("../..", "1"));
    }

    [Fact]
    public void The_report_lists_every_step_and_what_was_not_migrated_without_pinging_or_closing_anything()
    {
        var steps = new List<StepReport>
        {
            new("1", "Bump", "done", 1, ["unit_tests: passed (1.2 s)"], 3, null),
            new("2", "Ping @octocat and fix #12", "rolled-back", 3, ["unit_tests: failed (1 s)"], 9, "unit_tests (Failed)"),
            new("3", "After 2", "skipped", 0, [], 0, "depends on step 2, which was rolled back"),
        };

        var report = MigrationTexts.Report("greeter", "1.0.0", "2.0.0", steps, "partial", 300, 3, []);

        Assert.Contains("**partial** — 1 of 3 steps migrated.", report, StringComparison.Ordinal);
        Assert.Contains("| `1` | Bump | done | 1 | unit_tests: passed (1.2 s) | 3 s |", report, StringComparison.Ordinal);
        Assert.Contains("- `3` After 2: skipped — depends on step 2, which was rolled back", report, StringComparison.Ordinal);
        Assert.DoesNotContain("@octocat", report, StringComparison.Ordinal);
        Assert.DoesNotContain("#12", report, StringComparison.Ordinal);
        Assert.Contains("Agents: 3 calls, 300 tokens.", report, StringComparison.Ordinal);
    }

    [Fact]
    public void The_migration_section_is_read_with_its_defaults()
    {
        var config = RepoConfig.From(new System.Text.Json.Nodes.JsonObject
        {
            ["migration"] = new System.Text.Json.Nodes.JsonObject { ["fix_attempts"] = 0, ["checks"] = new System.Text.Json.Nodes.JsonArray("unit_tests", "linting") },
        });

        Assert.Equal(0, config.Migration.FixAttempts);
        Assert.Equal(["unit_tests", "linting"], config.Migration.Checks);
        Assert.Equal(TimeSpan.FromMinutes(30), config.Migration.StepTimeout);
        Assert.Equal(2, new RepoConfig().Migration.FixAttempts);
    }
}
