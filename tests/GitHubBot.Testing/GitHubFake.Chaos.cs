using System.Text.Json.Nodes;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace GitHubBot.Testing;

/// <summary>What the chaos tests need of the fake beyond one run of the gate: a retried step's look-ups, and counts of what was made.</summary>
public sealed partial class GitHubFake
{
    /// <summary>The check run's name GitHubBot gives a gate's summary run.</summary>
    public const string GateCheckName = "GitHubBot / quality gate";

    /// <summary>
    /// GET /repos/{owner}/{repo}/commits/{sha}/check-runs lists the check runs the fake made on that commit (filtered
    /// by check_name, as GitHub does): what a retried attempt of CreateCheckRun/PublishCheckRun looks for before it
    /// creates one again.
    /// </summary>
    public GitHubFake ListCheckRunsByRef(string owner, string repo)
    {
        Server.Given(Request.Create().UsingGet().WithPath(new WireMock.Matchers.RegexMatcher($"^/repos/{owner}/{repo}/commits/[0-9a-f]+/check-runs$")))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var sha = request.Path.Split('/')[^2];
                var name = request.Query?.TryGetValue("check_name", out var names) == true ? names.FirstOrDefault() : null;
                var runs = CheckRunsMade(owner, repo)
                    .Where(run => (string?)run["head_sha"] == sha && (name is null || (string?)run["name"] == name))
                    .Select(run => (JsonNode)run.DeepClone())
                    .ToList();
                return Json(200, new JsonObject { ["total_count"] = runs.Count, ["check_runs"] = new JsonArray([.. runs]) });
            }));
        return this;
    }

    /// <summary>The check runs the fake made (answered 201) on the repository: GitHub's answers, with their IDs, in order.</summary>
    public IReadOnlyList<JsonObject> CheckRunsMade(string owner, string repo) =>
        [.. Made("POST", $"/repos/{owner}/{repo}/check-runs").Select(body => JsonNode.Parse(body)!.AsObject())];

    /// <summary>How many comments the fake made (answered 201) on an issue or PR of the repository.</summary>
    public int CommentsMade(string owner, string repo, int issue) => Made("POST", $"/repos/{owner}/{repo}/issues/{issue}/comments").Count();

    private IEnumerable<string> Made(string method, string path) =>
        Server.LogEntries
            .Where(e => e.RequestMessage.Method == method && e.RequestMessage.Path == path && e.ResponseMessage?.StatusCode is 201)
            .Select(e => e.ResponseMessage.BodyData?.BodyAsString ?? "{}");
}
