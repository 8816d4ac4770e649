using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GitHubBot.App.Setup;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>
/// A bot started without a GitHub App is set up in a real headless Chromium: its /setup page posts the manifest to
/// GitHub (the fake), GitHub sends the browser back, and the bot acts as the new App without a restart.
/// </summary>
[Collection(TemporalCollection.Name)]
public sealed class SetupFlowTests(TemporalServerFixture temporal)
{
    private const string Code = "a1b2c3d4e5f6";

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_bot_without_an_App_is_set_up_in_a_browser_and_then_accepts_deliveries_signed_with_the_new_secret()
    {
        using var github = new GitHubFake();
        github.ExpectManifestFlow(Code);
        using var dataDir = new TempDirectory("ghbot-setup-");
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });
        var sha = await remote.CommitAsync("changes", new Dictionary<string, string> { ["feature.txt"] = "new\n" });
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo).WithHead(remote, sha, "changes");
        github.ExpectGate("Codertocat", repo, 1, "ghs_setup", 4100)
            .RespondFile("Codertocat", repo, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"test -f feature.txt\" }\n");
        var settings = Unconfigured(dataDir, github);
        var taskQueue = TemporalServerFixture.NewTaskQueue();

        await using (var bot = await BotHost.StartAsync(temporal.Address, taskQueue, extra: settings))
        {
            var root = bot.Http.BaseAddress!.ToString().TrimEnd('/');
            var setupLink = LinkLogged(bot, "GitHubBot has no GitHub App yet");
            Assert.StartsWith($"{root}/setup?token=", setupLink, StringComparison.Ordinal);

            // Before setup: deliveries are refused with the reason and a time to come back, and nothing is started.
            var newSecret = new WebhookSender(bot.Http, github.CreatedWebhookSecret);
            using (var early = await newSecret.PostAsync("pull_request", payload, deliveryId: "before-setup"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(60), early.Headers.RetryAfter?.Delta);
                Assert.Equal($"GitHubBot is not set up: open {root}/setup", (await early.Content.ReadFromJsonAsync<WebhookAnswer>())!.Reason);
            }

            // The user clicks through: /setup, GitHub's page (it creates the App and redirects back), the success page.
            await using (var chromium = await Chromium.LaunchAsync())
            {
                // Without the link's token the page is refused; the operator opens the link from the log.
                var page = await chromium.Browser.NewPageAsync();
                var withoutToken = await page.GotoAsync($"{root}/setup");
                Assert.Equal(403, withoutToken!.Status);
                Assert.Contains("open the link", await page.InnerTextAsync("body"), StringComparison.OrdinalIgnoreCase);
                var setupPage = await page.GotoAsync(setupLink);
                Assert.Equal(200, setupPage!.Status);
                Assert.Equal($"{root}/setup", page.Url);
                Assert.Equal("Set up GitHubBot", await page.TitleAsync());
                await page.ClickAsync("#create-personal");
                await page.WaitForURLAsync($"{root}/setup/callback?**");
                Assert.Equal("GitHubBot is set up", await page.InnerTextAsync("h1"));
                Assert.Equal($"{github.ApiBaseUrl}apps/{GitHubFake.CreatedAppSlug}/installations/new", await page.GetAttributeAsync("#install", "href"));
                Assert.Equal("octocat", await page.InnerTextAsync("#owner"));
                Assert.Contains(GitHubFake.CreatedAppSlug, await page.InnerTextAsync("body"), StringComparison.Ordinal);
            }

            // GitHub received this server's manifest: its hooks and its way back, the App's permissions and events.
            var posted = Assert.Single(github.ManifestPosts);
            Assert.Null(posted.Organization);
            Assert.Equal($"{root}/api/github/webhooks", (string?)posted.Manifest["hook_attributes"]!["url"]);
            Assert.Equal($"{root}/setup/callback", (string?)posted.Manifest["redirect_url"]);
            Assert.Equal("write", (string?)posted.Manifest["default_permissions"]!["checks"]);
            Assert.Contains("pull_request", posted.Manifest["default_events"]!.AsArray().Select(e => (string?)e));
            Assert.False(string.IsNullOrEmpty(posted.State));
            var exchange = Assert.Single(github.RequestsTo("POST", $"/app-manifests/{Code}/conversions"));
            Assert.False(exchange.Headers!.ContainsKey("Authorization"), "the code is exchanged without credentials");

            // The App is stored for this user alone.
            foreach (var file in new[] { AppCredentialStore.JsonFileName, AppCredentialStore.PemFileName })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir.Path, file)));
            }

            var stored = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dataDir.Path, AppCredentialStore.JsonFileName)))!;
            Assert.Equal(github.AppId, (long)stored["id"]!);
            Assert.Equal(github.CreatedWebhookSecret, (string?)stored["webhook_secret"]);
            Assert.Empty(Directory.EnumerateFiles(dataDir.Path, "*.tmp"));

            // Without a restart: a delivery signed with the new secret starts the gate, which acts as the new App.
            using (var accepted = await newSecret.PostAsync("pull_request", payload, deliveryId: "after-setup"))
            {
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
                var workflowId = (await accepted.Content.ReadFromJsonAsync<WebhookAnswer>())!.WorkflowId!;
                var result = await (await temporal.Client.StartedAsync(workflowId)).GetResultAsync<QualityGateResult>();
                Assert.Equal(4100, result.CheckRunId);
            }

            Assert.NotEmpty(github.RequestsTo("POST", "/app/installations/1/access_tokens"));
            Assert.Empty(github.JwtProblems);
            using (var forged = await bot.Webhooks.PostAsync("pull_request", payload, deliveryId: "other-secret"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
            }

            // Set up once: /setup now refuses, and says how to replace the App.
            using (var again = await bot.Http.GetAsync(new Uri("/setup", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
                var said = await again.Content.ReadAsStringAsync();
                Assert.Contains("--reset-setup", said, StringComparison.Ordinal);
                Assert.Contains("owned by octocat", said, StringComparison.Ordinal);
            }

            var keyBody = github.PrivateKeyPem.Split('\n')[1];
            Assert.DoesNotContain(bot.Logs.Entries, line => line.Contains(github.CreatedWebhookSecret, StringComparison.Ordinal)
                || line.Contains(github.CreatedClientSecret, StringComparison.Ordinal)
                || line.Contains(keyBody, StringComparison.Ordinal));
        }

        // A restart keeps the App: the stored secret verifies deliveries, and /setup still refuses.
        await using var restarted = await BotHost.StartAsync(temporal.Address, taskQueue, extra: settings);
        Assert.DoesNotContain(restarted.Logs.Entries, line => line.Contains("has no GitHub App yet", StringComparison.Ordinal));
        using var redelivery = await new WebhookSender(restarted.Http, github.CreatedWebhookSecret).PostAsync("pull_request", payload, deliveryId: "after-restart");
        Assert.Equal(HttpStatusCode.Accepted, redelivery.StatusCode);
        using var refused = await restarted.Http.GetAsync(new Uri("/setup", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
    }

    /// <summary>The setup link (with its token) in the one Warning line that starts with <paramref name="saying"/>.</summary>
    internal static string LinkLogged(BotHost bot, string saying)
    {
        var line = Assert.Single(bot.Logs.Entries, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains(saying, StringComparison.Ordinal));
        return System.Text.RegularExpressions.Regex.Match(line, "open (http\\S+/setup\\?token=[A-Za-z0-9_-]{43}) ").Groups[1].Value;
    }

    /// <summary>A host with no App settings at all, GitHub's pages and API on the fake, workers on.</summary>
    internal static Dictionary<string, string?> Unconfigured(TempDirectory dataDir, GitHubFake github, bool workers = true) => new()
    {
        ["DataDir"] = dataDir.Path,
        ["GitHub:WebhookSecret"] = null,
        ["GitHub:ApiBaseUrl"] = github.ApiBaseUrl.ToString(),
        ["GitHub:WebBaseUrl"] = github.ApiBaseUrl.ToString(),
        ["Worker:Enabled"] = workers ? "true" : "false",
    };
}
