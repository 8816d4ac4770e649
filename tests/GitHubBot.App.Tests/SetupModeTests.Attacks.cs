using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using GitHubBot.App.Setup;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>/setup against someone who reaches it but is not the operator, and against odd stores and answers.</summary>
public sealed partial class SetupModeTests
{
    [Fact]
    public async Task Setup_needs_the_logged_link_in_the_same_browser_at_an_expected_host_so_no_one_else_completes_it()
    {
        using var github = new GitHubFake();
        github.ExpectManifestFlow("their-code");
        using var dataDir = new TempDirectory("ghbot-setup-");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: SetupFlowTests.Unconfigured(dataDir, github, workers: false));
        var link = new Uri(SetupFlowTests.LinkLogged(bot, "GitHubBot has no GitHub App yet"));
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = bot.Http.BaseAddress };

        // Without the token, or with a wrong one, no page and no state.
        foreach (var path in new[] { "/setup", "/setup?token=guess", $"/setup?token={link.Query[7..^1]}", "/setup?organization=octo-org" })
        {
            using var refused = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var said = await refused.Content.ReadAsStringAsync();
            Assert.Contains("open the link `ghbot serve` printed in its log", said, StringComparison.Ordinal);
            Assert.DoesNotContain("state=", said, StringComparison.Ordinal);
        }

        // The link binds the browser that opens it (a cookie only this path sees, not scripts), then drops the token.
        var operatorCookie = await OpenAsync(http, link);
        var otherBrowser = await OpenAsync(http, link);
        Assert.NotEqual(operatorCookie, otherBrowser);

        // Someone who learns a state of the operator's page and sends their own App's code: without the operator's
        // cookie, or with their own browser's, refused before GitHub is asked; nothing stored.
        foreach (var cookie in new[] { null, otherBrowser, "forged" })
        {
            var state = await StateAsync(http, operatorCookie);
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/setup/callback?code=their-code&state={state}");
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", $"{SetupFlow.SessionCookie}={cookie}");
            }

            using var foreign = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
            Assert.Contains("opened in this browser", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A page elsewhere that rebinds its name to this server: its Host is not one this server answers at.
        foreach (var path in new[] { link.PathAndQuery, "/setup", $"/setup/callback?code=their-code&state={await StateAsync(http, operatorCookie)}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = $"rebound.example:{bot.Http.BaseAddress!.Port}";
            request.Headers.Add("Cookie", $"{SetupFlow.SessionCookie}={operatorCookie}");
            using var rebound = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, rebound.StatusCode);
            Assert.Contains("Unexpected host", await rebound.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty(github.RequestsTo("POST", "/app-manifests/their-code/conversions"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dataDir.Path, "github-app*"));

        // The operator's own browser completes it, and is told whose App it is.
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/setup/callback?code=their-code&state={await StateAsync(http, operatorCookie)}"))
        {
            request.Headers.Add("Cookie", $"{SetupFlow.SessionCookie}={operatorCookie}");
            using var done = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            Assert.Contains("owned by <strong id=\"owner\">octocat</strong>", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains(bot.Logs.Entries, line => line.Contains($"GitHub App {GitHubFake.CreatedAppSlug} ({github.AppId}) owned by octocat", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_oversized_or_odd_answer_to_the_code_exchange_stores_nothing_and_says_little()
    {
        using var github = new GitHubFake();
        var elsewhere = github.CreatedApp();
        elsewhere["html_url"] = "https://attacker.example/apps/ghbot";
        var oversized = github.CreatedApp();
        oversized["padding"] = new string('x', SetupFlow.MaxConversionBytes);
        github.ExpectConversion("elsewhere", 201, elsewhere)
            .ExpectConversion("oversized", 201, oversized)
            .ExpectConversion("chatty", 422, new JsonObject { ["message"] = new string('y', 5000) });
        using var dataDir = new TempDirectory("ghbot-setup-");
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: SetupFlowTests.Unconfigured(dataDir, github, workers: false));

        foreach (var (code, said) in new[] { ("elsewhere", "not on"), ("oversized", "larger than 1024 KiB"), ("chatty", "(422: yyyy") })
        {
            var state = await StateOfAsync(bot, "/setup");
            using var answer = await bot.Http.GetAsync(new Uri($"/setup/callback?code={code}&state={state}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
            var page = await answer.Content.ReadAsStringAsync();
            Assert.Contains(said, page, StringComparison.Ordinal);
            Assert.DoesNotContain(new string('y', 201), page, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(bot.Logs.Entries, line => line.Contains(new string('y', 201), StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dataDir.Path, "github-app*"));
    }

    [Fact]
    public async Task A_blank_webhook_secret_is_no_secret_deliveries_signed_with_it_are_refused_until_setup()
    {
        using var github = new GitHubFake();
        using var dataDir = new TempDirectory("ghbot-setup-");
        var settings = SetupFlowTests.Unconfigured(dataDir, github, workers: false);
        settings["GitHub:WebhookSecret"] = "   ";
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: settings);

        using var signedWithBlank = await new WebhookSender(bot.Http, "   ").PostFixtureAsync("ping.json");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, signedWithBlank.StatusCode);
        Assert.Contains("GitHubBot is not set up", await signedWithBlank.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Half_a_stored_App_or_a_key_of_another_App_stops_serve_with_one_line_instead_of_reopening_setup()
    {
        using var github = new GitHubFake();
        var app = new StoredApp(github.AppId, "stored", null, new Uri("https://github.com/apps/stored"), "webhook-secret-value", "Iv1.x", "client-secret-value", "octocat");
        Assert.DoesNotContain("secret-value", app.ToString(), StringComparison.Ordinal);

        using var dataDir = new TempDirectory("ghbot-setup-");
        var serve = new[] { "serve", "--urls", "http://127.0.0.1:0", $"--DataDir={dataDir.Path}", "--Gate:Sandbox=off", "--Temporal:EmbeddedPort=0", "--Temporal:EmbeddedUi=false" };
        using var otherKey = System.Security.Cryptography.RSA.Create(2048);
        foreach (var (file, named) in new[] { (AppCredentialStore.PemFileName, "half a GitHub App is stored"), (AppCredentialStore.JsonFileName, "half a GitHub App is stored"), (null, "is not the key of the App") })
        {
            AppCredentialStore.Write(dataDir.Path, app, github.PrivateKeyPem);
            if (file is null)
            {
                // A replacement cut off between its renames: another App's key beside this App's JSON.
                await File.WriteAllTextAsync(AppCredentialStore.PemPath(dataDir.Path), otherKey.ExportRSAPrivateKeyPem());
            }
            else
            {
                File.Delete(Path.Combine(dataDir.Path, file));
            }

            var (code, said) = await RunAsync(serve);
            Assert.True(code == 2, string.Create(CultureInfo.InvariantCulture, $"exit code {code} without {file}: {said}"));
            Assert.Contains(named, said, StringComparison.Ordinal);
            Assert.Contains(dataDir.Path, said, StringComparison.Ordinal);
            Assert.Single(said.Trim().Split('\n'));
            Assert.DoesNotContain("has no GitHub App yet", said, StringComparison.Ordinal);
        }
    }

    /// <summary>Opens <paramref name="link"/> as a fresh browser: the setup cookie it is given (HttpOnly, Lax, /setup only).</summary>
    private static async Task<string> OpenAsync(HttpClient http, Uri link)
    {
        using var opened = await http.GetAsync(new Uri(link.PathAndQuery, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.Equal("/setup", opened.Headers.Location?.OriginalString);
        var cookie = Assert.Single(opened.Headers.GetValues("Set-Cookie"));
        Assert.Contains("path=/setup", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=lax", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        return cookie[(SetupFlow.SessionCookie.Length + 1)..cookie.IndexOf(';', StringComparison.Ordinal)];
    }

    /// <summary>The state of a setup page opened with <paramref name="cookie"/>.</summary>
    private static async Task<string> StateAsync(HttpClient http, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/setup");
        request.Headers.Add("Cookie", $"{SetupFlow.SessionCookie}={cookie}");
        using var page = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("form-action 'self' ", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        return StateInForm().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
    }
}
