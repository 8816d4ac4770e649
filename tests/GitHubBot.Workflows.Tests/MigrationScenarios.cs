using GitHubBot.Core.CodeMigration;
using GitHubBot.Testing;
using GitHubBot.Workflows.CodeMigration;
using Temporalio.Client;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// What the code-migration tests share: the Node fixture (a vendored greeter whose 2.0.0 renames greet to salute),
/// the rig, the migrator's and coders' usual answers, and a look at the branch the migration pushed.
/// </summary>
internal static class MigrationScenarios
{
    /// <summary>The fixture's gate configuration, with the migration's own settings added.</summary>
    internal static string Config(IReadOnlyDictionary<string, string> files, string migration = "migration:\n  fix_attempts: 2\n") =>
        files[".github/ghbot.yml"] + migration;

    internal static async Task<GateRig> RigAsync(ITemporalClient temporal, IReadOnlyDictionary<string, string>? files = null, string? migration = null)
    {
        files ??= MigrationFixtures.Node();
        var rig = await GateRig.CreateAsync(temporal, files);
        rig.WithConfig(migration is null ? Config(files) : Config(files, migration));
        rig.GitHub.ExpectPlan(GateRig.Owner, rig.Repo, GateRig.Token, rig.Repository);
        return rig;
    }

    internal static int Issue(GateRig rig) => rig.GitHub.AddIssue(GateRig.Owner, rig.Repo, "Upgrade greeter to 2", "greeter 2 renames greet to salute.");

    internal static CodeMigrationInput Input(GateRig rig, int? issue, string to = "2.0.0") => new()
    {
        Owner = GateRig.Owner,
        Repo = rig.Repo,
        InstallationId = 1,
        MigrationType = "greeter",
        SourceVersion = "1.0.0",
        TargetVersion = to,
        IssueNumber = issue,
        Trigger = "test",
    };

    internal static Task<WorkflowHandle<CodeMigrationWorkflow, CodeMigrationResult>> StartAsync(GateRig rig, CodeMigrationInput input) =>
        rig.Temporal.StartWorkflowAsync((CodeMigrationWorkflow wf) => wf.RunAsync(input), new WorkflowOptions(input.WorkflowId, rig.TaskQueue));

    /// <summary>A step of the migrator's answer.</summary>
    internal static object Step(string id, string title, string[] files, string[] dependsOn, string[]? forbidden = null) =>
        new { id, title, description = $"{title}.", files, depends_on = dependsOn, forbidden = forbidden ?? [] };

    internal static object Plan(params object[] steps) => new { summary = "Bump greeter and move to salute.", steps };

    /// <summary>The seed's diamond: 1 (the bump with the rename it needs) → {2, 3} → 4.</summary>
    internal static object Diamond() => Plan(
        Step("1", "Bump greeter and call salute", ["src/welcome.js", "src/banner.js"], [], [MigrationFixtures.NodeOldApi]),
        Step("2", "Test salute directly", ["test/salute.test.js"], ["1"]),
        Step("3", "Document the new API", ["README.md"], ["1"]),
        Step("4", "Note the upgrade in the changelog", ["CHANGELOG.md"], ["2", "3"]));

    internal static object Coder(string summary, params object[] edits) => new { summary, edits };

    /// <summary>The rename greet → salute in both usage files.</summary>
    internal static object Rename() => Coder(
        "Calls salute.",
        new { path = "src/welcome.js", search = "require('greeter').greet(name)", replace = "require('greeter').salute(name)" },
        new { path = "src/banner.js", search = "greeter.greet(name)", replace = "greeter.salute(name)" });

    internal static object SaluteTest() => Coder("Tests salute.", new
    {
        path = "test/salute.test.js",
        content = "'use strict';\nconst test = require('node:test');\nconst assert = require('node:assert');\nconst { salute } = require('greeter');\n\ntest('salute greets', () => {\n  assert.strictEqual(salute('Bo'), 'Hello, Bo!');\n});\n",
    });

    /// <summary>A test that fails whatever is done: the step that writes it never passes.</summary>
    internal static object BrokenTest(int attempt) => Coder($"Documents the API (attempt {attempt}).", new
    {
        path = "test/docs.test.js",
        content = $"'use strict';\nconst test = require('node:test');\nconst assert = require('node:assert');\n\ntest('docs attempt {attempt}', () => {{\n  assert.strictEqual(1 + 1, 3);\n}});\n",
    });

    internal static object Readme() => Coder("Documents salute.", new { path = "README.md", content = "# welcome\n\nUses greeter 2: `salute(name)`.\n" });

    internal static object Changelog() => Coder("Notes the upgrade.", new { path = "CHANGELOG.md", content = "# Changelog\n\n- greeter 2.0.0: greet is now salute.\n" });

    /// <summary>The usual agents for the diamond; <paramref name="step3"/> answers step 3 (and its fixes).</summary>
    internal static RoleChatClient DiamondAgents(params object[] step3)
    {
        var chat = new RoleChatClient()
            .OnJson("migrator", null, Diamond())
            .OnJson("coder", "Migration step 1:", Rename())
            .OnJson("coder", "Migration step 2:", SaluteTest())
            .OnJson("coder", "Migration step 4:", Changelog());
        return chat.OnJson("coder", "Migration step 3:", step3.Length > 0 ? step3 : [Readme()]);
    }

    /// <summary>Two steps: the bump with the rename it needs, then a test of the new API.</summary>
    internal static RoleChatClient TwoStepAgents() => new RoleChatClient()
        .OnJson("migrator", null, Plan(
            Step("1", "Bump greeter and call salute", [.. MigrationFixtures.NodeUsageFiles], [], [MigrationFixtures.NodeOldApi]),
            Step("2", "Test salute directly", ["test/salute.test.js"], ["1"])))
        .OnJson("coder", "Migration step 1:", Rename())
        .OnJson("coder", "Migration step 2:", SaluteTest());

    /// <summary>The migration steps on <paramref name="branch"/> after main, oldest first (from the commits' trailers).</summary>
    internal static async Task<IReadOnlyList<string>> StepsOnAsync(FixtureRepository repository, string branch)
    {
        var log = await repository.RemoteGitAsync("log", "--reverse", "--format=%(trailers:key=Migration-Step,valueonly,separator=%x2C)", $"main..refs/heads/{branch}");
        return [.. log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }

    /// <summary>Runs the fixture's own test command on a clone of <paramref name="branch"/>.</summary>
    internal static Task<(int Exit, string Output)> RunTestsAsync(FixtureRepository repository, string branch, string command = MigrationFixtures.NodeTestCommand) =>
        PlanScenarios.RunTestsAsync(repository, branch, command);

    /// <summary>With GHBOT_WRITE_HISTORIES, keeps this run's history as code-migration-vN[-scenario].json for the replay tests.</summary>
    internal static async Task WriteHistoryAsync(GateRig rig, string workflowId, string? scenario)
    {
        if (ReplayTests.HistoryVersion("code-migration") is { } version)
        {
            var history = await rig.Temporal.GetWorkflowHandle(workflowId).FetchHistoryAsync();
            await ReplayTests.WriteHistoryAsync($"code-migration-{version}{(scenario is null ? string.Empty : $"-{scenario}")}", history);
        }
    }
}
