using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace GitHubBot.Testing;

/// <summary>Signs and posts GitHub webhook deliveries the way GitHub does (X-Hub-Signature-256 over the raw body).</summary>
public sealed class WebhookSender(HttpClient http, string secret, string path = "/api/github/webhooks")
{
    /// <summary>The X-GitHub-Event of a fixture file: the part of its name before the first dot.</summary>
    public static string EventOf(string fixtureFile) => fixtureFile.Split('.')[0];

    /// <summary>The fixture's JSON, to be changed by a test's builder before sending.</summary>
    public static JsonObject Load(string fixtureFile) =>
        JsonNode.Parse(File.ReadAllText(RepositoryPaths.GitHubWebhookFixture(fixtureFile)))!.AsObject();

    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Posts a fixture byte for byte, signed.</summary>
    public Task<HttpResponseMessage> PostFixtureAsync(string fixtureFile, string? deliveryId = null) =>
        PostAsync(EventOf(fixtureFile), File.ReadAllBytes(RepositoryPaths.GitHubWebhookFixture(fixtureFile)), deliveryId);

    /// <summary>Posts a (changed) payload, signed.</summary>
    public Task<HttpResponseMessage> PostAsync(string eventName, JsonNode payload, string? deliveryId = null) =>
        PostAsync(eventName, Encoding.UTF8.GetBytes(payload.ToJsonString()), deliveryId);

    /// <summary>Posts raw bytes with the given headers; <paramref name="signature"/> overrides the correct one ("" leaves it out).</summary>
    public async Task<HttpResponseMessage> PostAsync(string eventName, byte[] body, string? deliveryId = null, string? signature = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (eventName.Length > 0)
        {
            request.Headers.Add("X-GitHub-Event", eventName);
        }

        request.Headers.Add("X-GitHub-Delivery", deliveryId ?? Guid.NewGuid().ToString());
        request.Headers.Add("User-Agent", "GitHub-Hookshot/test");
        var sig = signature ?? Sign(secret, body);
        if (sig.Length > 0)
        {
            request.Headers.Add("X-Hub-Signature-256", sig);
        }

        return await http.SendAsync(request);
    }
}
