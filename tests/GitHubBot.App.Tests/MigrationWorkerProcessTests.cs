using System.Text.Json;
using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.Common;
using GitHubBot.Testing;
using Temporalio.Client;
using WireMock.Matchers;

namespace GitHubBot.App.Tests;

/// <summary>
/// A code migration paused while its worker — a real <c>ghbot worker</c> process — is killed with SIGKILL; another
/// worker process takes over, finds it paused where it was, and finishes it after <c>resume_migration</c>.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class MigrationWorkerProcessTests(TemporalServerFixture temporal) : IDisposable
{
    private readonly TempDirectory dataDir = new("ghbot-migration-worker-");

    public void Dispose() => dataDir.Dispose();

    [Fact]
    public async Task A_paused_migration_survives_its_worker_being_killed_and_resumes_on_a_new_one()
    {
        const string owner = "Codertocat";
        var repo = $"migrate-{Guid.NewGuid():N}"[..20];
        using var github = new GitHubFake();
        using var llm = new LocalOpenAi();
        var files = MigrationFixtures.Node();
        using var remote = await FixtureRepository.CreateAsync(files);
        github.ExpectGate(owner, repo, 1, "ghs_worker").ExpectPlan(owner, repo, "ghs_worker", remote);
        github.RespondFile(owner, repo, ".github/ghbot.yml", files[".github/ghbot.yml"]);
        Answer(llm, "You are the migrator", new
        {
            summary = "Move to salute.",
            steps = new object[]
            {
                new { id = "1", title = "Bump greeter and call salute", description = "Rename greet to salute.", files = MigrationFixtures.NodeUsageFiles, depends_on = Array.Empty<string>(), forbidden = new[] { MigrationFixtures.NodeOldApi } },
                Later("2", "Test salute", "test/salute.test.js", "1"),
                Later("3", "Document it", "README.md", "2"),
            },
        });
        Answer(llm, "# Migration step 1:", new
        {
            summary = "Calls salute.",
            edits = new object[]
            {
                new { path = "src/welcome.js", search = "require('greeter').greet(name)", replace = "require('greeter').salute(name)" },
                new { path = "src/banner.js", search = "greeter.greet(name)", replace = "greeter.salute(name)" },
            },
        });
        Answer(llm, "# Migration step 2:", new { summary = "Tests salute.", edits = new[] { new { path = "test/salute.test.js", content = "'use strict';\nconst test = require('node:test');\nconst assert = require('node:assert');\ntest('salute', () => assert.strictEqual(require('greeter').salute('Bo'), 'Hello, Bo!'));\n" } } });
        Answer(llm, "# Migration step 3:", new { summary = "Documents it.", edits = new[] { new { path = "README.md", content = "Uses greeter 2.\n" } } });

        var queue = TemporalServerFixture.NewTaskQueue();
        var input = new CodeMigrationInput { Owner = owner, Repo = repo, InstallationId = 1, MigrationType = "greeter", SourceVersion = "1.0.0", TargetVersion = "2.0.0", Trigger = "test" };
        var handle = temporal.Client.GetWorkflowHandle(input.WorkflowId);
        using (var first = StartWorker(temporal.Address, queue, dataDir.Path, github, llm))
        {
            await temporal.Client.StartWorkflowAsync(WorkflowTypes.CodeMigration, [input], new WorkflowOptions(input.WorkflowId, queue));
            await UntilAsync(handle, s => s.CurrentStep == "2", first);
            await handle.SignalAsync(MigrationSignals.Pause, ["maintainer"]);
            await UntilAsync(handle, s => s.Paused && s.Stage == "paused", first);
            first.Kill();
        }

        using var second = StartWorker(temporal.Address, queue, dataDir.Path, github, llm);
        var status = await handle.QueryAsync<CodeMigrationStatus>("Status", []);
        Assert.True(status.Paused);
        Assert.Equal((2, 3), (status.CompletedSteps, status.TotalSteps));
        await handle.SignalAsync(MigrationSignals.Resume, ["maintainer"]);
        using var wait = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var result = await handle.GetResultAsync<CodeMigrationResult>(rpcOptions: new() { CancellationToken = wait.Token });

        Assert.Equal("completed", result.Outcome);
        Assert.Equal(["done", "done", "done"], result.Steps.Select(s => s.State));
        var log = await remote.RemoteGitAsync("log", "--reverse", "--format=%(trailers:key=Migration-Step,valueonly)", "main..refs/heads/ghbot/migrate-greeter-2.0.0");
        Assert.Equal(["1", "2", "3"], log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Single(github.PullRequests);
    }

    private static object Later(string id, string title, string file, string after) =>
        new { id, title, description = $"{title}.", files = new List<string> { file }, depends_on = new List<string> { after } };

    private static void Answer(LocalOpenAi llm, string match, object value) => llm.Answer(new WildcardMatcher($"*{match}*"), JsonSerializer.Serialize(value));

    private static async Task UntilAsync(WorkflowHandle handle, Func<CodeMigrationStatus, bool> condition, GhbotWorker worker)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (worker.Exited)
            {
                Assert.Fail($"ghbot worker exited:\n{worker.Output}");
            }

            try
            {
                if (condition(await handle.QueryAsync<CodeMigrationStatus>("Status", [])))
                {
                    return;
                }
            }
            catch (Temporalio.Exceptions.RpcException)
            {
                // No worker has answered yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"The migration never got there.\n{worker.Output}");
    }

    /// <summary>A <c>ghbot worker</c> process acting as <paramref name="github"/>'s App, its agents behind <paramref name="llm"/>.</summary>
    private static GhbotWorker StartWorker(string address, string queue, string dataDir, GitHubFake github, LocalOpenAi llm) =>
        GhbotWorker.Start(address, queue, dataDir, github, github.ApiBaseUrl, new Dictionary<string, string>
        {
            ["Agents__Provider"] = "openai",
            ["Agents__Endpoint"] = llm.Endpoint.ToString(),
            ["Agents__Model"] = "test-model",
            ["Agents__ApiKey"] = "test-key",
        });
}
