using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace GitHubBot.Testing;

/// <summary>Installation tokens: minted for a valid App JWT, and only for one repository and permissions the App has.</summary>
public sealed partial class GitHubFake
{
    private readonly ConcurrentQueue<string> tokenProblems = new();
    private readonly ConcurrentQueue<TokenRequest> tokenRequests = new();

    /// <summary>
    /// POST /app/installations/{id}/access_tokens answers <paramref name="token"/> (valid for <paramref name="lifetime"/>,
    /// default an hour) when the bearer is a valid App JWT (else 401) and the body asks, as GitHubBot always must, for
    /// exactly one repository by name and permissions the App has (app-manifest.json), nothing else (else 422, as GitHub
    /// answers a scope it cannot grant). The requests are kept: see <see cref="TokenRequests"/>.
    /// </summary>
    /// <param name="installationId">The installation.</param>
    /// <param name="token">The token it answers.</param>
    /// <param name="lifetime">How long the token is valid.</param>
    /// <param name="repositories">The repositories the installation includes (null: any); a token for another is 422, as on GitHub.</param>
    public GitHubFake ExpectInstallationToken(long installationId, string token, TimeSpan? lifetime = null, IReadOnlyCollection<string>? repositories = null)
    {
        Server.Given(Request.Create().UsingPost().WithPath($"/app/installations/{installationId}/access_tokens"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var problem = CheckAppJwt(request);
                if (problem is not null)
                {
                    jwtProblems.Enqueue(problem);
                    return Json(401, new JsonObject { ["message"] = problem });
                }

                var (scope, scopeProblem) = ReadTokenScope(installationId, request.Body);
                if (scope is not null && repositories is not null && !repositories.Contains(scope.Repository, StringComparer.OrdinalIgnoreCase))
                {
                    // Not a mistake of the request: the installation does not include the repository.
                    return Json(422, new JsonObject { ["message"] = "There is at least one repository that does not exist or is not accessible to the parent installation." });
                }

                if (scopeProblem is not null)
                {
                    tokenProblems.Enqueue(scopeProblem);
                    return Json(422, new JsonObject { ["message"] = scopeProblem });
                }

                tokenRequests.Enqueue(scope!);
                var expires = DateTimeOffset.UtcNow + (lifetime ?? TimeSpan.FromHours(1));
                return Json(201, new JsonObject
                {
                    ["token"] = token,
                    ["expires_at"] = expires.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    ["permissions"] = new JsonObject([.. scope!.Permissions.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]),
                    ["repository_selection"] = "selected",
                    ["repositories"] = new JsonArray(new JsonObject { ["name"] = scope.Repository }),
                });
            }));
        return this;
    }

    /// <summary>An installation token request as the fake received it: the installation, the one repository and the permissions.</summary>
    public sealed record TokenRequest(long InstallationId, string Repository, IReadOnlyDictionary<string, string> Permissions, string Body);

    /// <summary>Every well-formed installation token request, in order.</summary>
    public IReadOnlyList<TokenRequest> TokenRequests => [.. tokenRequests];

    /// <summary>Why token requests were refused (empty when every one asked for one repository and permissions the App has).</summary>
    public IReadOnlyCollection<string> TokenProblems => tokenProblems;

    /// <summary>The App's permissions, as app-manifest.json asks for them: what an installation of it can grant a token.</summary>
    public static IReadOnlyDictionary<string, string> AppPermissions { get; } = new Dictionary<string, string>
    {
        ["metadata"] = "read",
        ["checks"] = "write",
        ["contents"] = "write",
        ["pull_requests"] = "write",
        ["issues"] = "write",
        ["statuses"] = "read",
        ["members"] = "read",
        ["security_events"] = "read",
        ["secret_scanning_alerts"] = "read",
        ["vulnerability_alerts"] = "read",
    };

    private static (TokenRequest? Scope, string? Problem) ReadTokenScope(long installationId, string? body)
    {
        if (string.IsNullOrEmpty(body) || JsonNode.Parse(body) is not JsonObject json)
        {
            return (null, "the token request has no body: it would cover every repository of the installation with every permission");
        }

        if (json.Select(p => p.Key).Except(["repositories", "permissions"]).FirstOrDefault() is { } other)
        {
            return (null, $"the token request names '{other}': only repositories and permissions are expected");
        }

        if (json["repositories"] is not JsonArray { Count: 1 } repositories || repositories[0] is not JsonValue name || !name.TryGetValue<string>(out var repository) || repository.Length == 0)
        {
            return (null, "the token request must name exactly one repository");
        }

        if (json["permissions"] is not JsonObject { Count: > 0 } permissions)
        {
            return (null, "the token request must name the permissions it needs");
        }

        var granted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (permission, value) in permissions)
        {
            var level = value is JsonValue text && text.TryGetValue<string>(out var l) ? l : null;
            if (level is not ("read" or "write") || !AppPermissions.TryGetValue(permission, out var has) || (level == "write" && has != "write"))
            {
                return (null, $"The permissions requested are not granted to this installation: {permission}: {level}");
            }

            granted[permission] = level;
        }

        return (new TokenRequest(installationId, repository, granted, body), null);
    }
}
