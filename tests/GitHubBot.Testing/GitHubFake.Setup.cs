using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Types;
using WireMock.Util;

namespace GitHubBot.Testing;

/// <summary>
/// GitHub's App manifest flow: the pages that create an App from a manifest (personal account or organisation), and
/// the code's exchange for the new App's credentials — this fake's own App, so JWTs signed with the key handed over are
/// the ones it accepts.
/// </summary>
public sealed partial class GitHubFake
{
    private readonly ConcurrentQueue<ManifestPost> manifestPosts = new();

    /// <summary>The slug of the App the manifest flow creates.</summary>
    public const string CreatedAppSlug = "ghbot-from-manifest";

    /// <summary>The webhook secret GitHub hands over with the App the manifest flow creates.</summary>
    public string CreatedWebhookSecret { get; } = $"whsec-{Guid.NewGuid():N}";

    /// <summary>The OAuth client secret handed over with it.</summary>
    public string CreatedClientSecret { get; } = $"cs-{Guid.NewGuid():N}";

    /// <summary>A manifest form as GitHub received it: the organisation it was posted for (null: a personal account), the manifest and the state.</summary>
    public sealed record ManifestPost(string? Organization, JsonObject Manifest, string? State);

    /// <summary>Every manifest form posted to the fake's pages, in order.</summary>
    public IReadOnlyList<ManifestPost> ManifestPosts => [.. manifestPosts];

    /// <summary>
    /// <c>POST {web}/settings/apps/new?state=…</c> and <c>POST {web}/organizations/{org}/settings/apps/new?state=…</c>
    /// take the form's <c>manifest</c> and answer as GitHub does once the user has clicked "Create GitHub App": a 302 to
    /// the manifest's <c>redirect_url</c> with <c>code</c> and the form's <c>state</c>. <c>POST /app-manifests/{code}/conversions</c>
    /// answers 201 with the new App — <see cref="AppId"/>, its key, <see cref="CreatedWebhookSecret"/> — for that code,
    /// 404 for any other (as GitHub answers a wrong or used code).
    /// </summary>
    public GitHubFake ExpectManifestFlow(string code)
    {
        Server.Given(Request.Create().UsingPost().WithPath(new WireMock.Matchers.RegexMatcher("^(/organizations/[^/]+)?/settings/apps/new$")))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var form = System.Web.HttpUtility.ParseQueryString(request.Body ?? request.BodyData?.BodyAsString ?? string.Empty);
                var manifest = JsonNode.Parse(form["manifest"] ?? "{}") as JsonObject ?? [];
                var state = request.Query?.TryGetValue("state", out var values) == true ? values.FirstOrDefault() : null;
                var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
                manifestPosts.Enqueue(new ManifestPost(segments[0] == "organizations" ? segments[1] : null, manifest, state));
                if (manifest["redirect_url"]?.GetValue<string>() is not { } redirect)
                {
                    return Html(422, "<p>The manifest has no redirect_url.</p>");
                }

                var location = $"{redirect}?code={Uri.EscapeDataString(code)}" + (state is null ? string.Empty : $"&state={Uri.EscapeDataString(state)}");
                return new ResponseMessage
                {
                    StatusCode = 302,
                    Headers = new Dictionary<string, WireMockList<string>> { ["Location"] = new(location) },
                };
            }));
        Server.Given(Request.Create().UsingPost().WithPath(new WireMock.Matchers.RegexMatcher("^/app-manifests/[^/]+/conversions$")))
            .RespondWith(Response.Create().WithCallback(request =>
                request.Path != $"/app-manifests/{Uri.EscapeDataString(code)}/conversions"
                    ? Json(404, new JsonObject { ["message"] = "Not Found", ["documentation_url"] = "https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest" })
                    : Json(201, CreatedApp())));
        return this;
    }

    /// <summary>
    /// <c>POST /app-manifests/{code}/conversions</c> answers <paramref name="status"/> with <paramref name="body"/> for
    /// that code alone (an odd answer of GitHub's, or of something posing as it).
    /// </summary>
    public GitHubFake ExpectConversion(string code, int status, JsonObject body)
    {
        Server.Given(Request.Create().UsingPost().WithPath($"/app-manifests/{code}/conversions"))
            .RespondWith(Response.Create().WithCallback(_ => Json(status, body)));
        return this;
    }

    /// <summary>The App as GitHub's conversion answers it.</summary>
    public JsonObject CreatedApp()
    {
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["id"] = AppId,
            ["slug"] = CreatedAppSlug,
            ["node_id"] = "A_kwDOABCDEF4AAAAB",
            ["owner"] = new JsonObject { ["login"] = "octocat", ["id"] = 1, ["type"] = "User" },
            ["name"] = "GitHubBot (from manifest)",
            ["description"] = "Runs quality gates as durable Temporal workflows.",
            ["external_url"] = "https://example.com",
            ["html_url"] = $"{ApiBaseUrl}apps/{CreatedAppSlug}",
            ["created_at"] = now,
            ["updated_at"] = now,
            ["permissions"] = new JsonObject([.. AppPermissions.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]),
            ["events"] = new JsonArray("pull_request", "issue_comment"),
            ["client_id"] = "Iv1.8a61f9b3a7aba766",
            ["client_secret"] = CreatedClientSecret,
            ["webhook_secret"] = CreatedWebhookSecret,
            ["pem"] = PrivateKeyPem,
        };
    }

    private static ResponseMessage Html(int status, string body) => new()
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("text/html; charset=utf-8") },
        BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = System.Text.Encoding.UTF8 },
    };
}
