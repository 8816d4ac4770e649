using System.Text.Json.Nodes;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>Builders over the real fixture payloads, for the variants a test needs.</summary>
internal static class Payloads
{
    /// <summary>A fixture whose repository gets a name of its own, so its business keys belong to one test.</summary>
    public static JsonObject InOwnRepository(string fixture, out string repo)
    {
        var payload = WebhookSender.Load(fixture);
        repo = $"Hello-World-{Guid.NewGuid():N}"[..24];
        payload["repository"]!["name"] = repo;
        payload["repository"]!["full_name"] = $"Codertocat/{repo}";
        return payload;
    }

    /// <summary>The PR's head is <paramref name="headSha"/> on <paramref name="branch"/> of <paramref name="remote"/> (same repository).</summary>
    public static JsonObject WithHead(this JsonObject payload, FixtureRepository remote, string headSha, string branch = "feature")
    {
        var head = payload["pull_request"]!["head"]!;
        head["sha"] = headSha;
        head["ref"] = branch;
        head["repo"]!["clone_url"] = remote.CloneUrl;
        return payload;
    }

    public static JsonObject WithAction(this JsonObject payload, string action)
    {
        payload["action"] = action;
        return payload;
    }
}
