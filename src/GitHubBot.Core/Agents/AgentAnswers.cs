using System.Text.Json;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.Agents;

/// <summary>A coder's answer: what it did, and the edits.</summary>
public sealed record CoderAnswer(string Summary, IReadOnlyList<FileEdit> Edits);

/// <summary>Reads the roles' JSON answers (already validated against the roles' schemas) into records.</summary>
public static class AgentAnswers
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static T Parse<T>(string json)
        where T : class =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"The answer is not a {typeof(T).Name}.");
}
