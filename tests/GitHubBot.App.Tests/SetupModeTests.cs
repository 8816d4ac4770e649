using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using GitHubBot.App.Cli;
using GitHubBot.App.Setup;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>/setup's refusals (forged callbacks, bad organisation names) and the one-line refusals of serve and worker.</summary>
[Collection(TemporalCollection.Name)]
public sealed partial class SetupModeTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task A_setup_callback_with_a_forged_state_or_a_bad_code_stores_nothing_and_says_why()
    {
        using var github = new GitHubFake();
        github.ExpectManifestFlow("the-real-code");
        using var dataDir = new TempDirectory("ghbot-setup-");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: SetupFlowTests.Unconfigured(dataDir, github, workers: false));

        // No state, or one this server never handed out: refused before GitHub is asked anything.
        foreach (var query in new[] { "code=the-real-code", "code=the-real-code&state=forged" })
        {
            using var forged = await bot.Http.GetAsync(new Uri($"/setup/callback?{query}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.Contains("does not come from a setup page of this server", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A real state with a code that is not one: refused too, and the state is used up.
        var state = await StateOfAsync(bot, "/setup");
        using (var badCode = await bot.Http.GetAsync(new Uri($"/setup/callback?code=..%2Fapp&state={state}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badCode.StatusCode);
            Assert.Contains("no valid code", await badCode.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var replayed = await bot.Http.GetAsync(new Uri($"/setup/callback?code=the-real-code&state={state}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        }

        // A code GitHub does not know: GitHub's refusal is said, nothing stored.
        state = await StateOfAsync(bot, "/setup");
        using (var unknown = await bot.Http.GetAsync(new Uri($"/setup/callback?code=expired-code&state={state}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.BadGateway, unknown.StatusCode);
            Assert.Contains("GitHub refused to hand over the new App (404: Not Found)", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Single(github.RequestsTo("POST", "/app-manifests/expired-code/conversions"));
        Assert.Empty(github.RequestsTo("POST", "/app-manifests/the-real-code/conversions"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dataDir.Path, "github-app*"));
        using var stillRefused = await new WebhookSender(bot.Http, github.CreatedWebhookSecret).PostFixtureAsync("ping.json");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stillRefused.StatusCode);
    }

    [Fact]
    public async Task Setup_for_an_organisation_posts_to_its_page_and_a_name_with_bad_characters_is_refused()
    {
        using var github = new GitHubFake();
        using var dataDir = new TempDirectory("ghbot-setup-");
        var settings = SetupFlowTests.Unconfigured(dataDir, github, workers: false);
        settings["Setup:PublicUrl"] = "https://ghbot.example.com/";
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: settings);
        await OpenLinkAsync(bot);

        using var bad = await bot.Http.GetAsync(new Uri("/setup?organization=%3Cscript%3Eocto-%3C%2Fscript%3E", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var said = await bad.Content.ReadAsStringAsync();
        Assert.Contains("is not a GitHub organisation name", said, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", said, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", said, StringComparison.Ordinal);

        using var good = await bot.Http.GetAsync(new Uri("/setup?organization=octo-org", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        var page = await good.Content.ReadAsStringAsync();
        Assert.Matches($"<form method=\"post\" action=\"{Regex.Escape(github.ApiBaseUrl.ToString())}organizations/octo-org/settings/apps/new\\?state=[A-Za-z0-9_-]{{43}}\">", page);

        // The public URL, not the request's, is where GitHub is told to send webhooks and the browser back.
        Assert.Contains("\"url\":\"https://ghbot.example.com/api/github/webhooks\"", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        Assert.Contains("\"redirect_url\":\"https://ghbot.example.com/setup/callback\"", WebUtility.HtmlDecode(page), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_webhook_url_the_App_sends_webhooks_to_the_forwarder_and_the_browser_comes_back_here()
    {
        using var github = new GitHubFake();
        using var dataDir = new TempDirectory("ghbot-setup-");
        var settings = SetupFlowTests.Unconfigured(dataDir, github, workers: false);
        settings["Setup:WebhookUrl"] = "https://smee.io/aBcD1234";
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: settings);

        var page = WebUtility.HtmlDecode(await OpenLinkAsync(bot));
        Assert.Contains("\"hook_attributes\":{\"url\":\"https://smee.io/aBcD1234\"", page, StringComparison.Ordinal);
        Assert.Contains($"\"redirect_url\":\"{bot.Http.BaseAddress!.ToString().TrimEnd('/')}/setup/callback\"", page, StringComparison.Ordinal);
        Assert.Contains("GitHub will send webhooks to <code>https://smee.io/aBcD1234</code>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_App_the_worker_refuses_and_settings_that_stop_serve_are_one_line_naming_them_and_exit_code_2()
    {
        using var dataDir = new TempDirectory("ghbot-setup-");
        var (code, said) = await RunAsync(["worker", "--host", "127.0.0.1:1", $"--DataDir={dataDir.Path}", "--Gate:Sandbox=off"]);
        Assert.Equal(2, code);
        Assert.Contains("set GitHub:AppId and GitHub:PrivateKey (or GitHub:PrivateKeyPath)", said, StringComparison.Ordinal);
        Assert.Contains("/setup", said, StringComparison.Ordinal);
        Assert.Single(said.Trim().Split('\n'));

        // With the App /setup stored in its DataDir, the worker acts as it: it gets as far as Temporal (unreachable here: exit 1).
        using var github = new GitHubFake();
        using var stored = new TempDirectory("ghbot-setup-");
        AppCredentialStore.Write(stored.Path, new StoredApp(github.AppId, "stored", null, new Uri("https://github.com/apps/stored"), "s", null, null), github.PrivateKeyPem);
        (code, said) = await RunAsync(["worker", "--host", "127.0.0.1:1", $"--DataDir={stored.Path}", "--Gate:Sandbox=off"]);
        Assert.True(code == 1, $"exit code {code}: {said}");
        Assert.DoesNotContain("GitHub:AppId", said, StringComparison.Ordinal);

        var serve = new[] { "serve", "--urls", "http://127.0.0.1:0", $"--DataDir={dataDir.Path}", "--Gate:Sandbox=off", "--Temporal:EmbeddedPort=0", "--Temporal:EmbeddedUi=false" };
        foreach (var (args, named) in new (string[] Args, string Named)[]
        {
            ([.. serve, "--GitHub:AppId=7", "--GitHub:WebhookSecret=s", "--GitHub:PrivateKey=-----BEGIN RSA PRIVATE KEY-----\\nbm90IGEga2V5\\n-----END RSA PRIVATE KEY-----"], "GitHub:PrivateKey is not a PEM-encoded RSA private key"),
            ([.. serve, $"--GitHub:AppId={github.AppId.ToString(CultureInfo.InvariantCulture)}", $"--GitHub:PrivateKey={github.PrivateKeyPem.Replace("\n", "\\n", StringComparison.Ordinal)}"], "GitHub:WebhookSecret is required"),
            ([.. serve, "--public-url", "ftp://example.com"], "Setup:PublicUrl (--public-url) must be"),
            ([.. serve, "--webhook-url", "smee.io/x"], "Setup:WebhookUrl (--webhook-url) must be"),
            ([.. serve, "--Temporal:EmbeddedPort=seven"], "Temporal:EmbeddedPort"),
            ([.. serve, "--Intake:FreshnessWindow=-01:00:00"], "Intake:FreshnessWindow must be a positive time span"),
            ([.. serve, "--Intake:BurstGiveWay=01:00:00"], "Intake:BurstGiveWay must be between 00:00:00 and 00:10:00"),
        })
        {
            (code, said) = await RunAsync(args);
            Assert.True(code == 2, $"exit code {code} for {named}: {said}");
            Assert.Contains(named, said, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
            Assert.DoesNotContain("bm90IGEga2V5", said, StringComparison.Ordinal);
            Assert.Single(said.Trim().Split('\n'));
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task With_reset_setup_a_new_App_replaces_the_stored_one_once_and_explicit_settings_are_never_replaced()
    {
        using var github = new GitHubFake(appId: 9001);
        github.ExpectManifestFlow("reset-code");
        using var dataDir = new TempDirectory("ghbot-setup-");
        using (var oldKey = System.Security.Cryptography.RSA.Create(2048))
        {
            AppCredentialStore.Write(dataDir.Path, new StoredApp(12, "old-app", "Old", new Uri("https://github.com/apps/old-app"), "old-secret", null, null), oldKey.ExportRSAPrivateKeyPem());
        }

        var settings = SetupFlowTests.Unconfigured(dataDir, github, workers: false);
        await using (var stored = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: settings))
        {
            using var refused = await stored.Http.GetAsync(new Uri("/setup", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("already set up as the GitHub App old-app", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        settings["Setup:Reset"] = "true";
        await using (var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: settings))
        {
            // The stored App keeps working until the new one exists.
            using (var before = await new WebhookSender(bot.Http, "old-secret").PostFixtureAsync("ping.json"))
            {
                Assert.NotEqual(HttpStatusCode.Unauthorized, before.StatusCode);
            }

            // The replacement needs the link of the armed reset's warning, as a first setup does.
            using (var anyone = await bot.Http.GetAsync(new Uri("/setup", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.Forbidden, anyone.StatusCode);
            }

            var armed = Assert.Single(bot.Logs.Entries, line => line.Contains("--reset-setup is armed", StringComparison.Ordinal));
            Assert.StartsWith("Warning", armed, StringComparison.Ordinal);
            Assert.Contains("may replace the GitHub App old-app", armed, StringComparison.Ordinal);
            Assert.Contains("/setup?token=", armed, StringComparison.Ordinal);
            var state = await StateOfAsync(bot, "/setup");
            using (var done = await bot.Http.GetAsync(new Uri($"/setup/callback?code=reset-code&state={state}", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            }

            Assert.Equal(9001, AppCredentialStore.Read(dataDir.Path)!.Id);

            // The App replaced is kept beside it, for this user alone.
            var backup = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(AppCredentialStore.JsonPath(dataDir.Path) + ".bak"))!;
            Assert.Equal("old-app", (string?)backup["slug"]);
            Assert.Contains("BEGIN RSA PRIVATE KEY", await File.ReadAllTextAsync(AppCredentialStore.PemPath(dataDir.Path) + ".bak"), StringComparison.Ordinal);
            foreach (var file in new[] { AppCredentialStore.JsonPath(dataDir.Path) + ".bak", AppCredentialStore.PemPath(dataDir.Path) + ".bak" })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            Assert.Equal(github.PrivateKeyPem, await File.ReadAllTextAsync(AppCredentialStore.PemPath(dataDir.Path)));
            using (var old = await new WebhookSender(bot.Http, "old-secret").PostFixtureAsync("ping.json"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
            }

            using (var current = await new WebhookSender(bot.Http, github.CreatedWebhookSecret).PostFixtureAsync("ping.json"))
            {
                Assert.NotEqual(HttpStatusCode.Unauthorized, current.StatusCode);
                Assert.NotEqual(HttpStatusCode.ServiceUnavailable, current.StatusCode);
            }

            // --reset-setup allows one new App: the next /setup refuses again.
            using var again = await bot.Http.GetAsync(new Uri("/setup", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        // An App given in the settings wins over the store, so /setup cannot replace it, even with --reset-setup.
        settings["GitHub:WebhookSecret"] = "configured-secret";
        settings["GitHub:AppId"] = "31";
        await using var configured = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: settings);
        using var never = await configured.Http.GetAsync(new Uri("/setup", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, never.StatusCode);
        Assert.Contains("configured in its settings", await never.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>The state of the form on a setup page, in the browser (bot.Http's cookies) that opened the logged link.</summary>
    private static async Task<string> StateOfAsync(BotHost bot, string path)
    {
        await OpenLinkAsync(bot);
        var page = await bot.Http.GetStringAsync(new Uri(path, UriKind.Relative));
        return StateInForm().Match(page).Groups[1].Value;
    }

    /// <summary>
    /// Opens the setup link logged at start on this server (at localhost, whatever --public-url says), as the operator
    /// does: bot.Http keeps the cookie; the page it shows.
    /// </summary>
    private static Task<string> OpenLinkAsync(BotHost bot) =>
        bot.Http.GetStringAsync(new Uri(new Uri(SetupFlowTests.LinkLogged(bot, "/setup?token=")).PathAndQuery, UriKind.Relative));

    [GeneratedRegex("\\?state=([A-Za-z0-9_-]+)\"")]
    private static partial Regex StateInForm();

    private static async Task<(int Code, string Said)> RunAsync(string[] args)
    {
        var error = new StringWriter();
        var before = Console.Error;
        Console.SetError(error);
        try
        {
            var code = await GhbotCommandLine.RunAsync(args).WaitAsync(TimeSpan.FromSeconds(60));
            return (code, error.ToString());
        }
        finally
        {
            Console.SetError(before);
        }
    }
}
