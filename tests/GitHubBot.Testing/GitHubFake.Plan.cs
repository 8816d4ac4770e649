using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace GitHubBot.Testing;

/// <summary>What plan → patch → PR asks of GitHub: the repository, issues, PRs, GraphQL's ready-for-review, merges, branch deletion.</summary>
public sealed partial class GitHubFake
{
    private readonly ConcurrentDictionary<int, JsonObject> issues = new();
    private readonly ConcurrentDictionary<(string Owner, string Repo, int Number), FixtureRepository> pullRemotes = new();
    private int nextNumber = 100;

    private int notMergeable;

    /// <summary>How many merge requests to answer 405 "not mergeable" first (GitHub still working out mergeability).</summary>
    public int NotMergeableTimes
    {
        get => notMergeable;
        set => notMergeable = value;
    }

    /// <summary>Repositories (by name) GitHub reports as public; the others are private.</summary>
    public HashSet<string> PublicRepositories { get; } = [];

    /// <summary>The issues as they stand now (number → JSON with title, body, state, state_reason).</summary>
    public IReadOnlyDictionary<int, JsonObject> Issues => issues;

    /// <summary>The PRs as they stand now (opened by the code under test, or given with <see cref="ExpectPullRequest"/>).</summary>
    public IReadOnlyList<JsonObject> PullRequests => [.. pulls.Values.OrderBy(p => p["number"]!.GetValue<int>())];

    /// <summary>
    /// A repository whose remote is <paramref name="remote"/>: GET /repos/{owner}/{repo} (default branch main, clone_url
    /// the remote), its main branch read from the remote, issues kept in memory (numbered from 100, shared with PRs
    /// as on GitHub), PRs opened, edited, marked ready (GraphQL) and merged — a merge moves the remote's main to the
    /// PR's head — and branches deleted from the remote.
    /// </summary>
    public GitHubFake ExpectPlan(string owner, string repo, string token, FixtureRepository remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var authorized = $"Bearer {token}";
        Server.Given(Request.Create().UsingGet().WithPath($"/repos/{owner}/{repo}").WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(_ => Json(200, RepoJson(owner, repo, remote.CloneUrl))));
        Server.Given(Request.Create().UsingGet().WithPath($"/repos/{owner}/{repo}/branches/main").WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(_ => Json(200, new JsonObject
            {
                ["name"] = "main",
                ["commit"] = new JsonObject { ["sha"] = remote.HeadOfAsync("main").GetAwaiter().GetResult() },
            })));
        ServeIssues(owner, repo, authorized);
        ServeOpenedPullRequests(owner, repo, authorized, remote);
        ServeBranches(owner, repo, authorized, remote);
        return this;
    }

    /// <summary>Issues kept in memory: read, filed and edited.</summary>
    private void ServeIssues(string owner, string repo, string authorized)
    {
        Server.Given(Request.Create().UsingGet().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/issues/[0-9]+$")).WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var number = int.Parse(request.Path.Split('/')[^1], CultureInfo.InvariantCulture);
                if (issues.TryGetValue(number, out var issue))
                {
                    return Json(200, issue.DeepClone());
                }

                // As on GitHub, a PR is an issue too: its title, body and page.
                return pulls.TryGetValue((owner, repo, number), out var pr)
                    ? Json(200, new JsonObject
                    {
                        ["id"] = number,
                        ["number"] = number,
                        ["title"] = pr["title"]?.DeepClone(),
                        ["body"] = pr["body"]?.DeepClone(),
                        ["state"] = pr["state"]?.DeepClone(),
                        ["html_url"] = pr["html_url"]?.DeepClone(),
                        ["pull_request"] = new JsonObject { ["html_url"] = pr["html_url"]?.DeepClone() },
                        ["user"] = new JsonObject { ["login"] = $"{AppSlug}[bot]", ["id"] = 2, ["type"] = "Bot" },
                    })
                    : Json(404, new JsonObject { ["message"] = "Not Found" });
            }));
        Server.Given(Request.Create().UsingPost().WithPath($"/repos/{owner}/{repo}/issues").WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var body = JsonNode.Parse(request.Body!)!.AsObject();
                var number = Interlocked.Increment(ref nextNumber);
                var names = body["labels"]?.AsArray().Select(l => l!.GetValue<string>()).ToList() ?? [];
                var set = labels.GetOrAdd(number, _ => new ConcurrentDictionary<string, bool>());
                foreach (var name in names)
                {
                    set[name] = true;
                }

                var issue = IssueJson(owner, repo, number, body["title"]!.GetValue<string>(), body["body"]?.GetValue<string>() ?? string.Empty);
                issues[number] = issue;
                return Json(201, issue.DeepClone());
            }));
        Server.Given(Request.Create().UsingPatch().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/issues/[0-9]+$")).WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                if (!issues.TryGetValue(int.Parse(request.Path.Split('/')[^1], CultureInfo.InvariantCulture), out var issue))
                {
                    return Json(404, new JsonObject { ["message"] = "Not Found" });
                }

                foreach (var (key, value) in JsonNode.Parse(request.Body!)!.AsObject())
                {
                    if (key is "body" or "state" or "state_reason" or "title")
                    {
                        issue[key] = value?.DeepClone();
                    }
                }

                return Json(200, issue.DeepClone());
            }));
    }

    /// <summary>PRs opened, edited, marked ready (GraphQL) and merged; a merge moves the remote's main to the PR's head.</summary>
    private void ServeOpenedPullRequests(string owner, string repo, string authorized, FixtureRepository remote)
    {
        Server.Given(Request.Create().UsingPost().WithPath($"/repos/{owner}/{repo}/pulls").WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var body = JsonNode.Parse(request.Body!)!.AsObject();
                var number = Interlocked.Increment(ref nextNumber);
                var branch = body["head"]!.GetValue<string>();
                var pr = new JsonObject
                {
                    ["id"] = number,
                    ["number"] = number,
                    ["node_id"] = $"PR_node{number}",
                    ["state"] = "open",
                    ["draft"] = body["draft"]?.GetValue<bool>() ?? false,
                    ["title"] = body["title"]!.GetValue<string>(),
                    ["body"] = body["body"]?.GetValue<string>(),
                    ["html_url"] = $"https://github.com/{owner}/{repo}/pull/{number}",
                    ["merged"] = false,
                    ["head"] = new JsonObject
                    {
                        ["ref"] = branch,
                        ["sha"] = remote.HeadOfAsync(branch).GetAwaiter().GetResult(),
                        ["repo"] = RepoJson(owner, repo, remote.CloneUrl),
                    },
                    ["base"] = new JsonObject { ["ref"] = body["base"]!.GetValue<string>(), ["repo"] = RepoJson(owner, repo, remote.CloneUrl) },
                };
                pulls[(owner, repo, number)] = pr;
                pullRemotes[(owner, repo, number)] = remote;
                return Json(201, pr.DeepClone());
            }));
        ServePullRequests(owner, repo);
        Server.Given(Request.Create().UsingPatch().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/pulls/[0-9]+$")).WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                if (!pulls.TryGetValue((owner, repo, int.Parse(request.Path.Split('/')[^1], CultureInfo.InvariantCulture)), out var pr))
                {
                    return Json(404, new JsonObject { ["message"] = "Not Found" });
                }

                foreach (var (key, value) in JsonNode.Parse(request.Body!)!.AsObject())
                {
                    pr[key] = value?.DeepClone();
                }

                return Json(200, pr.DeepClone());
            }));
        Server.Given(Request.Create().UsingPut().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/pulls/[0-9]+/merge$")).WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var number = int.Parse(request.Path.Split('/')[^2], CultureInfo.InvariantCulture);
                if (!pulls.TryGetValue((owner, repo, number), out var pr))
                {
                    return Json(404, new JsonObject { ["message"] = "Not Found" });
                }

                var sha = JsonNode.Parse(request.Body!)!["sha"]?.GetValue<string>();
                var head = remote.HeadOfAsync(pr["head"]!["ref"]!.GetValue<string>()).GetAwaiter().GetResult();
                if (pr["draft"]!.GetValue<bool>())
                {
                    return Json(405, new JsonObject { ["message"] = "Pull Request is still a draft" });
                }

                if (Interlocked.Decrement(ref notMergeable) >= 0)
                {
                    return Json(405, new JsonObject { ["message"] = "Pull Request is not mergeable" });
                }

                if (sha is not null && sha != head)
                {
                    return Json(409, new JsonObject { ["message"] = "Head branch was modified. Review and try the merge again." });
                }

                // Merged as a fast-forward of main, which is all this fake's remotes need.
                remote.RemoteGitAsync("update-ref", "refs/heads/main", head).GetAwaiter().GetResult();
                pr["merged"] = true;
                pr["merged_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
                pr["closed_at"] = pr["merged_at"]!.DeepClone();
                pr["state"] = "closed";
                return Json(200, new JsonObject { ["sha"] = head, ["merged"] = true, ["message"] = "Pull Request successfully merged" });
            }));
        Server.Given(Request.Create().UsingPost().WithPath("/graphql").WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var body = JsonNode.Parse(request.Body!)!;
                var nodeId = body["variables"]?["id"]?.GetValue<string>();
                var pr = pulls.Values.FirstOrDefault(p => p["node_id"]?.GetValue<string>() == nodeId);
                if (pr is null || body["query"]?.GetValue<string>().Contains("markPullRequestReadyForReview", StringComparison.Ordinal) != true)
                {
                    return Json(200, new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = $"Could not resolve to a node with the global id of '{nodeId}'" }) });
                }

                pr["draft"] = false;
                return Json(200, new JsonObject { ["data"] = new JsonObject { ["markPullRequestReadyForReview"] = new JsonObject { ["pullRequest"] = new JsonObject { ["isDraft"] = false } } } });
            }));
    }

    /// <summary>Branches of the remote read and deleted through the git references API.</summary>
    private void ServeBranches(string owner, string repo, string authorized, FixtureRepository remote)
    {
        Server.Given(Request.Create().UsingGet().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/git/refs?/heads/.+$")).WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var reference = request.Path[(request.Path.IndexOf("/heads/", StringComparison.Ordinal) + 1)..];
                try
                {
                    var sha = remote.HeadOfAsync(Uri.UnescapeDataString(reference["heads/".Length..])).GetAwaiter().GetResult();
                    return Json(200, new JsonObject { ["ref"] = $"refs/{reference}", ["object"] = new JsonObject { ["sha"] = sha, ["type"] = "commit" } });
                }
                catch (InvalidOperationException)
                {
                    return Json(404, new JsonObject { ["message"] = "Not Found" });
                }
            }));
        Server.Given(Request.Create().UsingDelete().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/git/refs/heads/.+$")).WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var branch = Uri.UnescapeDataString(request.Path[$"/repos/{owner}/{repo}/git/refs/heads/".Length..]);
                try
                {
                    remote.RemoteGitAsync("update-ref", "-d", $"refs/heads/{branch}", remote.HeadOfAsync(branch).GetAwaiter().GetResult()).GetAwaiter().GetResult();
                }
                catch (InvalidOperationException)
                {
                    return Json(422, new JsonObject { ["message"] = "Reference does not exist" });
                }

                return new WireMock.ResponseMessage { StatusCode = 204 };
            }));
    }

    /// <summary>Files an issue as if a person had opened it; returns its number.</summary>
    public int AddIssue(string owner, string repo, string title, string body)
    {
        var number = Interlocked.Increment(ref nextNumber);
        issues[number] = IssueJson(owner, repo, number, title, body);
        return number;
    }

    private JsonObject RepoJson(string owner, string repo, string cloneUrl) => new()
    {
        ["private"] = !PublicRepositories.Contains(repo),
        ["id"] = 1296269,
        ["name"] = repo,
        ["full_name"] = $"{owner}/{repo}",
        ["default_branch"] = "main",
        ["clone_url"] = cloneUrl,
        ["owner"] = new JsonObject { ["login"] = owner, ["id"] = 1, ["type"] = "User" },
    };

    private static JsonObject IssueJson(string owner, string repo, int number, string title, string body) => new()
    {
        ["id"] = number,
        ["number"] = number,
        ["title"] = title,
        ["body"] = body,
        ["state"] = "open",
        ["html_url"] = $"https://github.com/{owner}/{repo}/issues/{number}",
        ["user"] = new JsonObject { ["login"] = "octocat", ["id"] = 1, ["type"] = "User" },
    };
}
