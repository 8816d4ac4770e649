using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using GitHubBot.App.Cli;
using GitHubBot.App.Hosting;
using GitHubBot.Testing;
using Microsoft.Extensions.Configuration;
using Temporalio.Client;

namespace GitHubBot.App.Tests;

/// <summary>
/// With an encryption key, <c>ghbot serve</c> starts the embedded dev server's Web UI with <c>--ui-codec-endpoint</c>
/// pointing at the bot's own codec route, so the UI shows histories in the clear to whoever can open it.
/// </summary>
public sealed class EmbeddedUiCodecTests : IDisposable
{
    private readonly TempDirectory dataDir = new("ghbot-ui-codec-");

    public void Dispose() => dataDir.Dispose();

    [Theory]
    [InlineData(null, null, "http://localhost:5000/")]
    [InlineData("http://*:8080", null, "http://localhost:8080/")]
    [InlineData("http://+:8080;https://+:8443", null, "http://localhost:8080/")]
    [InlineData("http://0.0.0.0:9000", null, "http://localhost:9000/")]
    [InlineData("http://127.0.0.1:5001", null, "http://127.0.0.1:5001/")]
    [InlineData(null, "8080", "http://localhost:8080/")]
    [InlineData("http://127.0.0.1:0", null, null)]
    public void The_bots_url_for_the_ui_is_the_first_it_listens_on(string? urls, string? httpPorts, string? expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls, ["http_ports"] = httpPorts }).Build();

        Assert.Equal(expected, UiCodecRoute.ListeningUrl(configuration)?.ToString());
    }

    [Fact]
    public void The_dev_server_gets_the_codec_endpoint_only_with_a_key_the_ui_and_the_setting_on()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:5001" }).Build();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var on = new TemporalSettings { EncryptionKey = key, EmbeddedUiPort = 8233 };

        var route = UiCodecRoute.For(on, configuration, out var why)!;
        var other = UiCodecRoute.For(on, configuration, out _)!;

        Assert.Null(why);
        Assert.StartsWith("http://127.0.0.1:5001/codec/ui/", route.Endpoint.ToString(), StringComparison.Ordinal);
        Assert.Equal(43, route.Capability.Length);
        Assert.NotEqual(route.Capability, other.Capability);
        Assert.Equal(["http://127.0.0.1:8233", "http://localhost:8233"], route.Origins);
        Assert.DoesNotContain(route.Capability, route.Redacted, StringComparison.Ordinal);
        var args = EmbeddedTemporalServer.ExtraArgs(on, route.Endpoint);
        Assert.Equal(["--ui-codec-endpoint", route.Endpoint.ToString()], args[^2..]);
        Assert.DoesNotContain("--ui-codec-endpoint", EmbeddedTemporalServer.ExtraArgs(new TemporalSettings { EmbeddedUi = false }, route.Endpoint));

        Assert.Null(UiCodecRoute.For(new TemporalSettings(), configuration, out _));
        Assert.Null(UiCodecRoute.For(new TemporalSettings { EncryptionKey = key, EmbeddedUi = false }, configuration, out _));
        Assert.Null(UiCodecRoute.For(new TemporalSettings { EncryptionKey = key, EmbeddedUiCodec = false }, configuration, out _));
        var anyPort = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:0" }).Build();
        Assert.Null(UiCodecRoute.For(on, anyPort, out var unknown));
        Assert.Contains("Temporal:EmbeddedUiCodecBaseUrl", unknown, StringComparison.Ordinal);
        var behindProxy = new TemporalSettings { EncryptionKey = key, EmbeddedUiCodecBaseUrl = new Uri("https://bot.example/ghbot/") };
        Assert.StartsWith("https://bot.example/ghbot/codec/ui/", UiCodecRoute.For(behindProxy, anyPort, out _)!.Endpoint.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_s_embedded_ui_is_configured_with_the_bots_codec_and_it_decodes_what_the_ui_fetches()
    {
        var (http, frontend, ui) = (TestPorts.Free(), TestPorts.Free(), TestPorts.Free());
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        using var stop = new CancellationTokenSource();
        var serve = GhbotCommandLine.RunAsync(
        [
            "serve", "--urls", $"http://127.0.0.1:{http}", $"--DataDir={dataDir.Path}",
            $"--Temporal:EmbeddedPort={frontend}", $"--Temporal:EmbeddedUiPort={ui}", $"--Temporal:EncryptionKey={key}",
            "--GitHub:WebhookSecret=ui-codec-secret", "--Worker:Enabled=false",
        ], stop.Token);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await WaitUntilHealthyAsync(client, new Uri($"http://127.0.0.1:{http}/healthz"), serve);

            // What the UI's browser code reads: its settings, then a history, then the codec named in the settings.
            var settings = JsonNode.Parse(await UiGetAsync(client, new Uri($"http://127.0.0.1:{ui}/api/v1/settings")))!;
            var endpoint = (string?)settings["Codec"]?["Endpoint"];
            Assert.NotNull(endpoint);
            Assert.StartsWith($"http://127.0.0.1:{http}/codec/ui/", endpoint, StringComparison.Ordinal);

            var marker = $"issue body {Guid.NewGuid():N}";
            var options = new TemporalClientConnectOptions();
            TemporalClientSetup.Apply(new TemporalSettings { Address = $"127.0.0.1:{frontend}", EncryptionKey = key }, options);
            var bot = await TemporalClient.ConnectAsync(options);
            var id = $"ui-codec/{Guid.NewGuid():N}";
            await bot.StartWorkflowAsync("NoWorkerNeeded", [marker], new WorkflowOptions(id, "ui-codec-test"));
            var history = JsonNode.Parse(await UiGetAsync(client, new Uri($"http://127.0.0.1:{ui}/api/v1/namespaces/default/workflows/{Uri.EscapeDataString(id)}/history")))!;
            var input = history["history"]!["events"]![0]!["workflowExecutionStartedEventAttributes"]!["input"]!.ToJsonString();
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"\"{marker}\"")), input, StringComparison.Ordinal);

            var origin = $"http://127.0.0.1:{ui}";
            using var preflight = await SendAsync(client, HttpMethod.Options, $"{endpoint}/decode", null, origin);
            using var decoded = await SendAsync(client, HttpMethod.Post, $"{endpoint}/decode", input, origin);
            using var guessed = await SendAsync(client, HttpMethod.Post, $"http://127.0.0.1:{http}/codec/ui/{new string('A', 43)}/decode", input, origin);
            using var tokenRoute = await SendAsync(client, HttpMethod.Post, $"http://127.0.0.1:{http}/codec/decode", input, origin);
            using var otherSite = await SendAsync(client, HttpMethod.Post, $"{endpoint}/decode", input, "https://evil.example");

            Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
            Assert.Equal(origin, preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Equal(HttpStatusCode.OK, decoded.StatusCode);
            Assert.Equal(origin, decoded.Headers.GetValues("Access-Control-Allow-Origin").Single());
            var payload = JsonNode.Parse(await decoded.Content.ReadAsStringAsync())!["payloads"]![0]!;
            Assert.Equal($"\"{marker}\"", Encoding.UTF8.GetString(Convert.FromBase64String((string)payload["data"]!)));
            Assert.Equal(HttpStatusCode.NotFound, guessed.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, tokenRoute.StatusCode);
            Assert.False(otherSite.Headers.Contains("Access-Control-Allow-Origin"), "another site's page may not read the answer");
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, await serve.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>A GET of the embedded UI, which may answer 503 for a while after the bot is healthy (it starts beside the dev server).</summary>
    private static async Task<string> UiGetAsync(HttpClient client, Uri uri)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await client.GetAsync(uri);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadAsStringAsync();
            }

            await Task.Delay(250);
        }
    }

    private static async Task WaitUntilHealthyAsync(HttpClient client, Uri health, Task<int> serve)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (serve.IsCompleted)
            {
                Assert.Fail($"ghbot serve exited early with {await serve}");
            }

            try
            {
                using var response = await client.GetAsync(health);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        Assert.Fail("ghbot serve did not become healthy in 90 s");
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, string? json, string origin)
    {
        using var request = new HttpRequestMessage(method, new Uri(url));
        request.Headers.Add("Origin", origin);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            request.Headers.Add("X-Namespace", "default");
        }
        else
        {
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "content-type,x-namespace");
        }

        return await client.SendAsync(request);
    }
}
