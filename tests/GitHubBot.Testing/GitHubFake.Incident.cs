using System.Globalization;
using System.Text.Json.Nodes;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace GitHubBot.Testing;

/// <summary>What an incident asks of GitHub besides a change: the App's installation on a repository, and its recent changes.</summary>
public sealed partial class GitHubFake
{
    /// <summary>GET /repos/{owner}/{repo}/installation answers <paramref name="installationId"/> for a valid App JWT (an incident knows the repository, not the installation).</summary>
    public GitHubFake ExpectRepositoryInstallation(string owner, string repo, long installationId)
    {
        Server.Given(Request.Create().UsingGet().WithPath($"/repos/{owner}/{repo}/installation"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var problem = CheckAppJwt(request);
                if (problem is not null)
                {
                    jwtProblems.Enqueue(problem);
                    return Json(401, new JsonObject { ["message"] = problem });
                }

                return Json(200, new JsonObject
                {
                    ["id"] = installationId,
                    ["app_id"] = AppId,
                    ["account"] = new JsonObject { ["login"] = owner, ["id"] = 1, ["type"] = "User" },
                    ["target_type"] = "User",
                });
            }));
        return this;
    }

    /// <summary>
    /// The repository's recent changes: GET /repos/{owner}/{repo}/commits lists the remote's main (newest first, as
    /// git has it), GET /repos/{owner}/{repo}/pulls lists the PRs the fake knows (closed ones for state=closed).
    /// </summary>
    public GitHubFake ExpectRecentChanges(string owner, string repo, string token, FixtureRepository remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var authorized = $"Bearer {token}";
        Server.Given(Request.Create().UsingGet().WithPath($"/repos/{owner}/{repo}/commits").WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(_ =>
            {
                var log = remote.RemoteGitAsync("log", "--format=%H%x1f%s%x1f%an%x1f%aI", "-n", "20", "refs/heads/main").GetAwaiter().GetResult();
                var commits = new JsonArray();
                foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var parts = line.Split('\u001f');
                    commits.Add(new JsonObject
                    {
                        ["sha"] = parts[0],
                        ["commit"] = new JsonObject
                        {
                            ["message"] = parts[1],
                            ["author"] = new JsonObject { ["name"] = parts[2], ["date"] = parts[3] },
                        },
                        ["author"] = new JsonObject { ["login"] = parts[2], ["id"] = 3, ["type"] = "User" },
                    });
                }

                return Json(200, commits);
            }));
        Server.Given(Request.Create().UsingGet().WithPath($"/repos/{owner}/{repo}/pulls").WithHeader("Authorization", authorized))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var state = request.Query?.TryGetValue("state", out var states) == true ? states.FirstOrDefault() : "open";
                var listed = pulls.Where(p => p.Key.Owner == owner && p.Key.Repo == repo)
                    .Select(p => p.Value)
                    .Where(p => state == "all" || p["state"]!.GetValue<string>() == state)
                    .OrderByDescending(p => p["number"]!.GetValue<int>())
                    .Select(p => (JsonNode)p.DeepClone());
                return Json(200, new JsonArray([.. listed]));
            }));
        return this;
    }

    /// <summary>Records a PR merged at <paramref name="mergedAt"/> (a change an incident's context may blame); returns its number.</summary>
    public int AddMergedPullRequest(string owner, string repo, string title, DateTimeOffset mergedAt)
    {
        var number = Interlocked.Increment(ref nextNumber);
        pulls[(owner, repo, number)] = new JsonObject
        {
            ["id"] = number,
            ["number"] = number,
            ["state"] = "closed",
            ["title"] = title,
            ["body"] = string.Empty,
            ["html_url"] = $"https://github.com/{owner}/{repo}/pull/{number}",
            ["merged"] = true,
            ["merged_at"] = mergedAt.ToString("O", CultureInfo.InvariantCulture),
            ["head"] = new JsonObject { ["ref"] = $"feature-{number}", ["sha"] = new string('a', 40) },
            ["base"] = new JsonObject { ["ref"] = "main" },
        };
        return number;
    }
}
