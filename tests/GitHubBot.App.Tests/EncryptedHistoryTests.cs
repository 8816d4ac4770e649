using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GitHubBot.App.Hosting;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.Commands;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Client;
using Temporalio.Testing;
using Xunit.Abstractions;

namespace GitHubBot.App.Tests;

/// <summary>
/// Temporal:EncryptionKey end to end: a labelled issue becomes a merged PR through the agents, on a dev server that keeps
/// its history in a SQLite file as <c>ghbot serve</c> does. The issue's body, an agent's answer and the patch are then
/// looked for in that file's bytes (WAL included), in every cell of every table, and in what the real
/// <c>temporal workflow show</c> prints: nowhere without the key, everywhere through the bot's codec endpoint.
/// </summary>
public sealed class EncryptedHistoryTests(ITestOutputHelper log) : IAsyncLifetime, IDisposable
{
    private const string CodecToken = "history-test-token";
    private readonly TempDirectory dataDir = new("ghbot-encrypted-history-");
    private WorkflowEnvironment server = null!;
    private BotHost? bot;

    private string Database => Path.Combine(dataDir.Path, "temporal.db");

    private string Address => server.Client.Connection.Options.TargetHost!;

    public async Task InitializeAsync() => server = await TemporalServerFixture.StartLocalAsync(new()
    {
        DevServerOptions = new()
        {
            ExistingPath = TemporalServerFixture.CliPath(),
            LogLevel = "error",
            DatabaseFilename = Database,
            // The embedded server's own SQLite settings (WAL), so the test reads the files serve writes.
            ExtraArgs = EmbeddedTemporalServer.ExtraArgs(new TemporalSettings(), uiCodecEndpoint: null),
        },
    });

    public async Task DisposeAsync()
    {
        if (bot is not null)
        {
            await bot.DisposeAsync();
        }

        await server.ShutdownAsync();
    }

    public void Dispose() => dataDir.Dispose();

    [Fact]
    public async Task Issue_bodies_patches_and_agents_answers_are_ciphertext_in_the_database_and_the_cli_and_readable_through_the_codec()
    {
        var unique = Guid.NewGuid().ToString("N")[..12];
        var secrets = new Dictionary<string, string>
        {
            ["issue body"] = $"IssueBodyText{unique}",
            ["agent's answer"] = $"ArchitectAnswer{unique}",
            ["patch"] = $"PatchedLine{unique}",
        };
        var control = $"PlaintextControl{unique}";

        var planId = await RunPlanAsync(secrets);

        // A control: one workflow started without the key, whose input the same searches must find.
        var plain = await TemporalClient.ConnectAsync(new(Address));
        await plain.StartWorkflowAsync("NoSuchWorkflow", [control], new WorkflowOptions($"control/{unique}", $"no-worker-{unique}"));
        var ids = new List<string>();
        await foreach (var execution in plain.ListWorkflowsAsync(string.Empty))
        {
            ids.Add(execution.Id);
        }

        Assert.Contains(planId, ids);
        Assert.True(ids.Count >= 4, $"workflows: {string.Join(", ", ids)}");

        // (a) The database files' bytes, and every cell of every table.
        var (files, fileBytes, foundInFiles) = ScanFiles([.. secrets.Values, control]);
        var (cells, cellBytes, foundInCells) = ScanTables([.. secrets.Values, control]);
        Assert.Contains(control, foundInFiles);
        Assert.Contains(control, foundInCells);
        Assert.Empty(foundInFiles.Intersect(secrets.Values));
        Assert.Empty(foundInCells.Intersect(secrets.Values));

        // (b) The Temporal CLI without the codec, and (c) with the bot's codec endpoint and its token.
        var withoutCodec = new StringBuilder();
        var withCodec = new StringBuilder();
        foreach (var id in ids.Where(id => id != $"control/{unique}"))
        {
            withoutCodec.AppendLine(await ShowAsync(id));
            withCodec.AppendLine(await ShowAsync(id, "--codec-endpoint", $"{bot!.Http.BaseAddress}codec", "--codec-auth", $"Bearer {CodecToken}"));
        }

        var controlShown = await ShowAsync($"control/{unique}");
        Assert.True(Found(controlShown, control), "the CLI shows a plaintext payload");
        Assert.All(secrets, secret => Assert.False(Found(withoutCodec.ToString(), secret.Value), $"the {secret.Key} is readable without the codec"));
        Assert.All(secrets, secret => Assert.True(Found(withCodec.ToString(), secret.Value), $"the {secret.Key} is not readable through the codec"));

        log.WriteLine($"searched: {string.Join(", ", secrets.Select(s => $"{s.Key} ({s.Value.Length} chars, as text and base64)"))}");
        log.WriteLine($"database files: {files} ({string.Join(", ", Directory.GetFiles(dataDir.Path).Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length:N0} B"))}), {fileBytes:N0} bytes scanned");
        log.WriteLine($"SQLite tables: {cells:N0} cells, {cellBytes:N0} bytes scanned");
        log.WriteLine($"temporal workflow show: {ids.Count - 1} workflows, {withoutCodec.Length:N0} chars without the codec, {withCodec.Length:N0} with it");
    }

    /// <summary>The labelled issue through the bot (intake, workers, agents, gate, merge) with the key set; the plan's ID.</summary>
    private async Task<string> RunPlanAsync(Dictionary<string, string> secrets)
    {
        using var github = new GitHubFake();
        using var llm = new LocalOpenAi();
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string>
        {
            ["calc.sh"] = "add() { echo $(( $1 + $2 )); }\n",
            ["test.sh"] = ". ./calc.sh\n[ \"$(add 2 3)\" = 5 ] || exit 1\nif [ -f more_tests.sh ]; then . ./more_tests.sh; fi\n",
        });
        var payload = Payloads.InOwnRepository("issues.labeled.json", out var repo);
        github.ExpectGate("Codertocat", repo, 1, "ghs_history")
            .ExpectPlan("Codertocat", repo, "ghs_history", remote)
            .ExpectPermission("Codertocat", repo, "Codertocat", "admin")
            .RespondFile("Codertocat", repo, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"sh test.sh\" }\nauto_merge:\n  enabled: true\n");
        var issue = github.AddIssue("Codertocat", repo, "Multiply", $"calc.sh should multiply. {secrets["issue body"]}");
        payload["issue"]!["number"] = issue;
        payload["label"]!["name"] = "ghbot:implement";
        payload["installation"] = new JsonObject { ["id"] = 1, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        llm.Answer("You are the architect", $$"""{"design":"Add mul. {{secrets["agent's answer"]}}","risks":[],"files":["calc.sh"]}""");
        llm.Answer("You are the planner", """{"sub_issues":[{"title":"Add mul","body":"b","acceptance_criteria":["mul 2 3 is 6"],"files":["calc.sh","more_tests.sh"],"depends_on":[]}]}""");
        llm.Answer("You are a coder", $$"""
            {"summary":"Adds and tests mul.","edits":[
              {"path":"calc.sh","search":"add() { echo $(( $1 + $2 )); }\n","replace":"add() { echo $(( $1 + $2 )); }\nmul() { echo $(( $1 * $2 )); } # {{secrets["patch"]}}\n"},
              {"path":"more_tests.sh","content":"[ \"$(mul 2 3)\" = 6 ] || exit 1\n"}]}
            """);
        llm.Answer("You are the reviewer", """{"approve":true,"findings":[]}""");
        bot = await BotHost.StartAsync(Address, TemporalServerFixture.NewTaskQueue(), github, new Dictionary<string, string?>
        {
            ["Temporal:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Temporal:CodecToken"] = CodecToken,
            ["Agents:Provider"] = "openai",
            ["Agents:Endpoint"] = llm.Endpoint.ToString(),
            ["Agents:Model"] = "local-model",
            ["Agents:ApiKey"] = "local-key",
        });

        using var response = await bot.Webhooks.PostAsync("issues", payload);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var client = bot.Services.GetRequiredService<ITemporalClient>();
        var command = await (await client.StartedAsync((await response.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!)).GetResultAsync<CommandResult>();
        var planId = Assert.Single(command.Outcomes).WorkflowId!;
        var result = await client.GetWorkflowHandle(planId).GetResultAsync<PlanPatchPrResult>();
        Assert.True(result.Merged, result.Explanation);
        Assert.Contains(secrets["patch"], await remote.RemoteGitAsync("show", "main:calc.sh"), StringComparison.Ordinal);
        return planId;
    }

    /// <summary>The database, its WAL and shared-memory files, read as they are while the server runs.</summary>
    private (int Files, long Bytes, HashSet<string> Found) ScanFiles(IReadOnlyList<string> texts)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var (count, total) = (0, 0L);
        foreach (var file in Directory.GetFiles(dataDir.Path, "temporal.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            (count, total) = (count + 1, total + bytes.Length);
            found.UnionWith(texts.Where(text => Found(bytes, text)));
        }

        Assert.True(count >= 2, "the database and its WAL file exist");
        return (count, total, found);
    }

    /// <summary>
    /// Every cell of every table, read through SQLite from a copy of the files (so values split across pages are whole
    /// and the WAL's transactions are applied).
    /// </summary>
    private (long Cells, long Bytes, HashSet<string> Found) ScanTables(IReadOnlyList<string> texts)
    {
        using var snapshot = new TempDirectory("ghbot-history-snapshot-");
        foreach (var file in Directory.GetFiles(dataDir.Path, "temporal.db*"))
        {
            using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var target = File.Create(Path.Combine(snapshot.Path, Path.GetFileName(file)));
            source.CopyTo(target);
        }

        var found = new HashSet<string>(StringComparer.Ordinal);
        var (cells, bytes) = (0L, 0L);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(snapshot.Path, "temporal.db")};Pooling=False"))
        {
            connection.Open();
            var tables = new List<string>();
            using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
                using var reader = list.ExecuteReader();
                while (reader.Read())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            foreach (var table in tables)
            {
                using var select = connection.CreateCommand();
                select.CommandText = $"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        var value = reader.GetValue(i) switch
                        {
                            byte[] blob => blob,
                            string text => Encoding.UTF8.GetBytes(text),
                            _ => [],
                        };
                        (cells, bytes) = (cells + 1, bytes + value.Length);
                        found.UnionWith(texts.Where(text => Found(value, text)));
                    }
                }
            }
        }

        Assert.True(cells > 0, "the database has rows");
        return (cells, bytes, found);
    }

    private async Task<string> ShowAsync(string workflowId, params string[] more)
    {
        var start = new ProcessStartInfo(TemporalServerFixture.CliPath())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "workflow", "show", "--workflow-id", workflowId, "--address", Address, "--output", "json" }.Concat(more))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"temporal workflow show {workflowId} exited with {process.ExitCode}: {await error}");
        return await output;
    }

    private static bool Found(string haystack, string text) => Found(Encoding.UTF8.GetBytes(haystack), text);

    /// <summary>Whether <paramref name="haystack"/> holds <paramref name="text"/> as UTF-8, or base64 of it at any alignment.</summary>
    private static bool Found(ReadOnlySpan<byte> haystack, string text)
    {
        var plain = Encoding.UTF8.GetBytes(text);
        if (haystack.IndexOf(plain) >= 0)
        {
            return true;
        }

        for (var shift = 0; shift < 3; shift++)
        {
            // The characters of the base64 that depend on the text's bytes alone, wherever it starts.
            var encoded = Convert.ToBase64String([.. new byte[shift], .. plain]);
            var first = shift == 0 ? 0 : 4;
            var last = (shift + plain.Length) / 3 * 4;
            if (haystack.IndexOf(Encoding.ASCII.GetBytes(encoded[first..last])) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
