using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace GitHubBot.Testing;

/// <summary>
/// GitHub's REST API faked over HTTP (WireMock.Net) for one test. It owns the App's key pair, issues installation
/// tokens only for a valid App JWT (signature, issuer, issued-at and expiry checked), answers only what the test
/// told it to expect, and answers anything else 400 so the calling activity fails without retrying;
/// <see cref="AssertNoUnexpectedRequests"/> then names those requests.
/// </summary>
public sealed partial class GitHubFake : IDisposable
{
    private readonly RSA key = RSA.Create(2048);
    private readonly ConcurrentQueue<string> jwtProblems = new();
    private readonly Guid catchAll = Guid.NewGuid();
    private readonly ConcurrentDictionary<long, Comment> comments = new();
    private long nextCommentId = 500;
    private readonly ConcurrentDictionary<(string Owner, string Repo, int Number), JsonObject> pulls = new();
    private readonly HashSet<(string Owner, string Repo)> pullRoutes = [];
    private readonly ConcurrentQueue<(long CommentId, string Content)> reactions = new();
    private readonly ConcurrentDictionary<int, ConcurrentDictionary<string, bool>> labels = new();
    private int lostCommentAnswers;

    public GitHubFake(long appId = 4242)
    {
        AppId = appId;
        Server = WireMockServer.Start();
        Server.Given(Request.Create().UsingAnyMethod()).WithGuid(catchAll).AtPriority(int.MaxValue)
            .RespondWith(Response.Create().WithStatusCode(400).WithHeader("Content-Type", "application/json")
                .WithBody("{\"message\":\"GitHub fake: this request was not expected by the test\"}"));
    }

    public WireMockServer Server { get; }

    public long AppId { get; }

    /// <summary>The App's private key, as GitHub:PrivateKey takes it.</summary>
    public string PrivateKeyPem => key.ExportRSAPrivateKeyPem();

    /// <summary>The REST base URL to configure as GitHub:ApiBaseUrl.</summary>
    public Uri ApiBaseUrl => new(Server.Url! + "/");

    /// <summary>Problems found in App JWTs presented to the fake (empty when every JWT was valid).</summary>
    public IReadOnlyCollection<string> JwtProblems => jwtProblems;

    /// <summary>Every request the fake received.</summary>
    public IReadOnlyList<ILogEntry> Requests => [.. Server.LogEntries];

    /// <summary>Requests to <paramref name="method"/> <paramref name="path"/>.</summary>
    public IReadOnlyList<IRequestMessage> RequestsTo(string method, string path) =>
        [.. Server.LogEntries.Select(e => e.RequestMessage).Where(r => r.Method == method && r.Path == path)];

    /// <summary>POST /repos/{owner}/{repo}/check-runs answers a check run with <paramref name="checkRunId"/>.</summary>
    public GitHubFake ExpectCreateCheckRun(string owner, string repo, long checkRunId, string token)
    {
        Server.Given(Request.Create().UsingPost().WithPath($"/repos/{owner}/{repo}/check-runs").WithHeader("Authorization", $"Bearer {token}"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var body = JsonNode.Parse(request.Body ?? "{}")!.AsObject();
                return Json(201, new JsonObject
                {
                    ["id"] = checkRunId,
                    ["head_sha"] = body["head_sha"]?.GetValue<string>(),
                    ["name"] = body["name"]?.GetValue<string>(),
                    ["status"] = body["status"]?.GetValue<string>() ?? "queued",
                    ["external_id"] = body["external_id"]?.GetValue<string>(),
                });
            }));
        return this;
    }

    /// <summary>PATCH /repos/{owner}/{repo}/check-runs/{id} answers the updated check run (after <paramref name="delay"/>).</summary>
    public GitHubFake ExpectUpdateCheckRun(string owner, string repo, long checkRunId, string token, TimeSpan? delay = null)
    {
        var response = delay is { } wait ? Response.Create().WithDelay(wait) : Response.Create();
        Server.Given(Request.Create().UsingPatch().WithPath($"/repos/{owner}/{repo}/check-runs/{checkRunId}").WithHeader("Authorization", $"Bearer {token}"))
            .RespondWith(response.WithCallback(request =>
            {
                var body = JsonNode.Parse(request.Body ?? "{}")!.AsObject();
                return Json(200, new JsonObject
                {
                    ["id"] = checkRunId,
                    ["status"] = body["status"]?.GetValue<string>(),
                    ["conclusion"] = body["conclusion"]?.GetValue<string>(),
                });
            }));
        return this;
    }

    /// <summary>
    /// What the first version of the gate asked of GitHub: an installation token, the check run created, then updated.
    /// </summary>
    public GitHubFake ExpectGateCheckRun(string owner, string repo, long installationId, long checkRunId, string token) =>
        ExpectInstallationToken(installationId, token)
            .ExpectCreateCheckRun(owner, repo, checkRunId, token)
            .ExpectUpdateCheckRun(owner, repo, checkRunId, token);

    /// <summary>The App's slug (GET /app); its comments are made by "{slug}[bot]".</summary>
    public const string AppSlug = "ghbot-test";

    /// <summary>
    /// Everything one run of the quality gate asks of GitHub, answered like GitHub does: the installation token,
    /// .github/ghbot.yml absent from the repository and the organization (unless the test answers it with
    /// <see cref="RespondFile"/>), check runs created (numbered from <paramref name="firstCheckRunId"/>: a gate's first
    /// is its summary run) and updated, GET /app, the PR's comments, kept so an edit finds what was created, and the
    /// PR itself (404 until <see cref="ExpectPullRequest"/> gives it a head).
    /// </summary>
    public GitHubFake ExpectGate(string owner, string repo, long installationId, string token, long firstCheckRunId = 1000)
    {
        ExpectInstallationToken(installationId, token);
        ExpectApp();
        foreach (var configRepo in new[] { repo, ".github" })
        {
            Server.Given(Request.Create().UsingGet().WithPath($"/repos/{owner}/{configRepo}/contents/.github/ghbot.yml")).AtPriority(1000)
                .RespondWith(Response.Create().WithStatusCode(404).WithHeader("Content-Type", "application/json").WithBody("{\"message\":\"Not Found\"}"));
        }

        var nextId = firstCheckRunId;
        Server.Given(Request.Create().UsingPost().WithPath($"/repos/{owner}/{repo}/check-runs").WithHeader("Authorization", $"Bearer {token}"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var body = JsonNode.Parse(request.Body ?? "{}")!.AsObject();
                var name = body["name"]?.GetValue<string>();
                var id = Interlocked.Increment(ref nextId) - 1;
                return Json(201, new JsonObject
                {
                    ["id"] = id,
                    ["head_sha"] = body["head_sha"]?.GetValue<string>(),
                    ["name"] = name,
                    ["status"] = body["status"]?.GetValue<string>() ?? "queued",
                    ["conclusion"] = body["conclusion"]?.GetValue<string>(),
                    ["external_id"] = body["external_id"]?.GetValue<string>(),
                });
            }));
        Server.Given(Request.Create().UsingPatch().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/check-runs/[0-9]+$")).WithHeader("Authorization", $"Bearer {token}"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var body = JsonNode.Parse(request.Body ?? "{}")!.AsObject();
                return Json(200, new JsonObject
                {
                    ["id"] = long.Parse(request.Path.Split('/')[^1], CultureInfo.InvariantCulture),
                    ["status"] = body["status"]?.GetValue<string>(),
                    ["conclusion"] = body["conclusion"]?.GetValue<string>(),
                });
            }));
        ExpectComments(owner, repo, token);
        ServePullRequests(owner, repo);
        ExpectReactionsAndLabels(owner, repo, token);
        return this;
    }

    /// <summary>Reactions on comments and labels on issues, answered like GitHub does; read them back with <see cref="Reactions"/> and <see cref="Labels"/>.</summary>
    public GitHubFake ExpectReactionsAndLabels(string owner, string repo, string token)
    {
        Server.Given(Request.Create().UsingPost().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/issues/comments/[0-9]+/reactions$")).WithHeader("Authorization", $"Bearer {token}"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var content = JsonNode.Parse(request.Body!)!["content"]!.GetValue<string>();
                reactions.Enqueue((long.Parse(request.Path.Split('/')[^2], CultureInfo.InvariantCulture), content));
                return Json(201, new JsonObject { ["id"] = reactions.Count, ["content"] = content, ["user"] = new JsonObject { ["login"] = $"{AppSlug}[bot]" } });
            }));
        Server.Given(Request.Create().UsingPost().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/issues/[0-9]+/labels$")).WithHeader("Authorization", $"Bearer {token}"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var issue = int.Parse(request.Path.Split('/')[^2], CultureInfo.InvariantCulture);
                var body = JsonNode.Parse(request.Body!)!;
                var names = (body is JsonArray array ? array : body["labels"]!.AsArray()).Select(n => n!.GetValue<string>());
                var set = labels.GetOrAdd(issue, _ => new ConcurrentDictionary<string, bool>());
                foreach (var name in names)
                {
                    set[name] = true;
                }

                return Json(200, new JsonArray([.. set.Keys.Select(name => (JsonNode)new JsonObject { ["name"] = name })]));
            }));
        Server.Given(Request.Create().UsingDelete().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/issues/[0-9]+/labels/.+$")).WithHeader("Authorization", $"Bearer {token}"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var parts = request.Path.Split('/');
                var issue = int.Parse(parts[^3], CultureInfo.InvariantCulture);
                var name = Uri.UnescapeDataString(parts[^1]);
                return labels.TryGetValue(issue, out var set) && set.TryRemove(name, out _)
                    ? Json(200, new JsonArray([.. set.Keys.Select(n => (JsonNode)new JsonObject { ["name"] = n })]))
                    : Json(404, new JsonObject { ["message"] = "Label does not exist" });
            }));
        return this;
    }

    /// <summary>GET /repos/{owner}/{repo}/collaborators/{login}/permission answers <paramref name="permission"/> (admin, maintain, write, triage, read, none).</summary>
    public GitHubFake ExpectPermission(string owner, string repo, string login, string permission)
    {
        var legacy = permission switch
        {
            "maintain" => "write",
            "triage" => "read",
            _ => permission,
        };
        var body = new JsonObject
        {
            ["permission"] = legacy,
            ["role_name"] = permission,
            ["user"] = new JsonObject { ["login"] = login, ["id"] = 1, ["type"] = "User" },
        };
        return Respond("GET", $"/repos/{owner}/{repo}/collaborators/{login}/permission", 200, body.ToJsonString());
    }

    /// <summary>The reactions made, as (comment ID, content), in order.</summary>
    public IReadOnlyList<(long CommentId, string Content)> Reactions => [.. reactions];

    /// <summary>The labels an issue or PR has now.</summary>
    public IReadOnlyList<string> Labels(int issue) => labels.TryGetValue(issue, out var set) ? [.. set.Keys.Order(StringComparer.Ordinal)] : [];

    /// <summary>GET /app answers the App with <see cref="AppSlug"/>.</summary>
    public GitHubFake ExpectApp()
    {
        Server.Given(Request.Create().UsingGet().WithPath("/app"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var problem = CheckAppJwt(request);
                if (problem is not null)
                {
                    jwtProblems.Enqueue(problem);
                    return Json(401, new JsonObject { ["message"] = problem });
                }

                return Json(200, new JsonObject { ["id"] = AppId, ["slug"] = AppSlug, ["name"] = "GitHubBot test" });
            }));
        return this;
    }

    /// <summary>Issue and PR comments of the repository, kept in memory: listed, created and edited like GitHub does.</summary>
    public GitHubFake ExpectComments(string owner, string repo, string token)
    {
        Server.Given(Request.Create().UsingGet().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/issues/[0-9]+/comments$")))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var issue = int.Parse(request.Path.Split('/')[^2], CultureInfo.InvariantCulture);
                return Json(200, new JsonArray([.. comments.Values.Where(c => c.Issue == issue).OrderBy(c => c.Id).Select(c => CommentJson(owner, repo, c))]));
            }));
        Server.Given(Request.Create().UsingPost().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/issues/[0-9]+/comments$")).WithHeader("Authorization", $"Bearer {token}"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var issue = int.Parse(request.Path.Split('/')[^2], CultureInfo.InvariantCulture);
                var comment = new Comment(Interlocked.Increment(ref nextCommentId), issue, $"{AppSlug}[bot]", JsonNode.Parse(request.Body!)!["body"]!.GetValue<string>());
                comments[comment.Id] = comment;
                return Interlocked.Decrement(ref lostCommentAnswers) >= 0
                    ? Json(502, new JsonObject { ["message"] = "Bad Gateway" })
                    : Json(201, CommentJson(owner, repo, comment));
            }));
        Server.Given(Request.Create().UsingPatch().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/issues/comments/[0-9]+$")).WithHeader("Authorization", $"Bearer {token}"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var id = long.Parse(request.Path.Split('/')[^1], CultureInfo.InvariantCulture);
                if (!comments.TryGetValue(id, out var existing))
                {
                    return Json(404, new JsonObject { ["message"] = "Not Found" });
                }

                var edited = existing with { Body = JsonNode.Parse(request.Body!)!["body"]!.GetValue<string>() };
                comments[id] = edited;
                return Json(200, CommentJson(owner, repo, edited));
            }));
        return this;
    }

    /// <summary>
    /// The next <paramref name="count"/> comments posted are made, but GitHub's answer is lost (a 502, as when a proxy
    /// drops the connection after the write): the poster cannot tell that its comment exists.
    /// </summary>
    public GitHubFake LoseCommentAnswers(int count)
    {
        Interlocked.Exchange(ref lostCommentAnswers, count);
        return this;
    }

    /// <summary>The comments on an issue or PR as they stand now.</summary>
    public IReadOnlyList<Comment> CommentsOn(int issue) => [.. comments.Values.Where(c => c.Issue == issue).OrderBy(c => c.Id)];

    /// <summary>A comment as the fake keeps it.</summary>
    public sealed record Comment(long Id, int Issue, string Login, string Body);

    /// <summary>
    /// GET /repos/{owner}/{repo}/pulls/{number} answers an open PR with this head from now on (a later call moves the
    /// head, as a push does). PRs of a repository set up with <see cref="ExpectGate"/> that were never given a head
    /// answer 404.
    /// </summary>
    /// <param name="owner">The base repository's owner.</param>
    /// <param name="repo">The base repository.</param>
    /// <param name="number">The PR's number.</param>
    /// <param name="headSha">Its head commit.</param>
    /// <param name="branch">Its head branch.</param>
    /// <param name="cloneUrl">Where its head is fetched from.</param>
    /// <param name="fromFork">Its head repository is a fork (another repository ID).</param>
    /// <param name="authorAssociation">Its author's author_association; default CONTRIBUTOR for a fork's PR, else MEMBER.</param>
    public GitHubFake ExpectPullRequest(string owner, string repo, int number, string headSha, string branch, string cloneUrl, bool fromFork = false, string? authorAssociation = null)
    {
        var repoJson = new JsonObject { ["id"] = 1296269, ["name"] = repo, ["full_name"] = $"{owner}/{repo}", ["clone_url"] = $"https://github.com/{owner}/{repo}.git" };
        pulls[(owner, repo, number)] = new JsonObject
        {
            ["id"] = number,
            ["number"] = number,
            ["state"] = "open",
            ["title"] = "A change",
            ["user"] = new JsonObject { ["login"] = fromFork ? "forker" : "teammate", ["id"] = fromFork ? 31 : 30, ["type"] = "User" },
            ["author_association"] = authorAssociation ?? (fromFork ? "CONTRIBUTOR" : "MEMBER"),
            ["head"] = new JsonObject
            {
                ["ref"] = branch,
                ["sha"] = headSha,
                ["repo"] = new JsonObject { ["id"] = fromFork ? 7777 : 1296269, ["name"] = repo, ["full_name"] = $"{(fromFork ? "fork" : owner)}/{repo}", ["clone_url"] = cloneUrl },
            },
            ["base"] = new JsonObject { ["ref"] = "main", ["sha"] = headSha, ["repo"] = repoJson },
        };
        ServePullRequests(owner, repo);
        return this;
    }

    private void ServePullRequests(string owner, string repo)
    {
        lock (pulls)
        {
            if (!pullRoutes.Add((owner, repo)))
            {
                return;
            }
        }

        Server.Given(Request.Create().UsingGet().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/pulls/[0-9]+$")))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var number = int.Parse(request.Path.Split('/')[^1], CultureInfo.InvariantCulture);
                if (!pulls.TryGetValue((owner, repo, number), out var pr))
                {
                    return Json(404, new JsonObject { ["message"] = "Not Found" });
                }

                // A PR opened through the fake follows its branch in the remote, as GitHub's does.
                if (pullRemotes.TryGetValue((owner, repo, number), out var remote))
                {
                    try
                    {
                        pr["head"]!["sha"] = remote.HeadOfAsync(pr["head"]!["ref"]!.GetValue<string>()).GetAwaiter().GetResult();
                    }
                    catch (InvalidOperationException)
                    {
                        // The branch is gone: the PR keeps its last head.
                    }
                }

                return Json(200, pr.DeepClone());
            }));
    }

    /// <summary>The JSON bodies of the check runs created on the repository, in order.</summary>
    public IReadOnlyList<JsonObject> CheckRunsCreated(string owner, string repo) =>
        [.. RequestsTo("POST", $"/repos/{owner}/{repo}/check-runs").Select(r => JsonNode.Parse(r.Body!)!.AsObject())];

    /// <summary>The JSON bodies of the check-run updates of one run, in order.</summary>
    public IReadOnlyList<JsonObject> CheckRunUpdates(string owner, string repo, long checkRunId) =>
        [.. RequestsTo("PATCH", $"/repos/{owner}/{repo}/check-runs/{checkRunId}").Select(r => JsonNode.Parse(r.Body!)!.AsObject())];

    private static JsonObject CommentJson(string owner, string repo, Comment comment) => new()
    {
        ["id"] = comment.Id,
        ["body"] = comment.Body,
        ["html_url"] = $"https://github.com/{owner}/{repo}/pull/{comment.Issue}#issuecomment-{comment.Id}",
        ["user"] = new JsonObject { ["login"] = comment.Login, ["id"] = 41898282, ["type"] = "Bot" },
        ["created_at"] = "2026-11-25T00:00:00Z",
        ["updated_at"] = "2026-11-25T00:00:00Z",
    };

    /// <summary>Answers <paramref name="method"/> <paramref name="path"/> with a fixed status, headers and JSON body.</summary>
    public GitHubFake Respond(string method, string path, int status, string jsonBody, IDictionary<string, string>? headers = null)
    {
        var response = Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(jsonBody);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            response = response.WithHeader(name, value);
        }

        Server.Given(Request.Create().UsingMethod(method).WithPath(path)).RespondWith(response);
        return this;
    }

    /// <summary>GET /repos/{owner}/{repo}/contents/{path} answers a file holding <paramref name="text"/>, base64-encoded as GitHub does.</summary>
    public GitHubFake RespondFile(string owner, string repo, string path, string text)
    {
        var file = new JsonObject
        {
            ["type"] = "file",
            ["encoding"] = "base64",
            ["name"] = Path.GetFileName(path),
            ["path"] = path,
            ["sha"] = "3d21ec53a331a6f037a91c368710b99387d012c1",
            ["size"] = System.Text.Encoding.UTF8.GetByteCount(text),
            ["content"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)),
        };
        return Respond("GET", $"/repos/{owner}/{repo}/contents/{path}", 200, file.ToJsonString());
    }

    /// <summary>Fails when the fake received a request no expectation matched.</summary>
    public void AssertNoUnexpectedRequests()
    {
        var unexpected = Server.LogEntries
            .Where(e => e.MappingGuid == catchAll)
            .Select(e => $"{e.RequestMessage.Method} {e.RequestMessage.Path}")
            .ToList();
        if (unexpected.Count > 0)
        {
            throw new Xunit.Sdk.XunitException("The GitHub fake received requests no test expected: " + string.Join(", ", unexpected));
        }
    }

    public void Dispose()
    {
        Server.Stop();
        Server.Dispose();
        key.Dispose();
    }

    private static ResponseMessage Json(int status, JsonNode body) => new ResponseMessage
    {
        StatusCode = status,
        // As GitHub does on every answer: how much of the hour's rate limit is left.
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json; charset=utf-8"), ["X-RateLimit-Limit"] = new("5000"), ["X-RateLimit-Remaining"] = new("4999") },
        BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = System.Text.Encoding.UTF8 },
    };

    private string? CheckAppJwt(IRequestMessage request)
    {
        var authorization = request.Headers?.TryGetValue("Authorization", out var values) == true ? values.FirstOrDefault() : null;
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return "missing bearer App JWT";
        }

        var handler = new JsonWebTokenHandler();
        var result = handler.ValidateTokenAsync(authorization["Bearer ".Length..], new TokenValidationParameters
        {
            ValidIssuer = AppId.ToString(CultureInfo.InvariantCulture),
            ValidateAudience = false,
            IssuerSigningKey = new RsaSecurityKey(key.ExportParameters(false)),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
        }).GetAwaiter().GetResult();
        if (!result.IsValid)
        {
            return $"invalid App JWT: {result.Exception?.Message}";
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        var now = DateTimeOffset.UtcNow;
        var issuedAt = new DateTimeOffset(jwt.IssuedAt, TimeSpan.Zero);
        var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        if (issuedAt > now - TimeSpan.FromSeconds(30))
        {
            return $"App JWT iat {issuedAt:O} is not back-dated against clock drift";
        }

        if (expires - now > TimeSpan.FromMinutes(10) || expires - issuedAt > TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1))
        {
            return $"App JWT expires at {expires:O}, more than 10 minutes ahead";
        }

        return null;
    }
}
