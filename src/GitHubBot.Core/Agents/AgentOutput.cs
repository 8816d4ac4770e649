using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace GitHubBot.Core.Agents;

/// <summary>An agent's answer checked against the JSON schema its role promises: the value, or what is wrong with it.</summary>
/// <param name="Value">The parsed answer when it is valid.</param>
/// <param name="Problems">What is wrong, in words an agent can act on (JSON pointer: message); empty when valid.</param>
public sealed record AgentOutputCheck(JsonNode? Value, IReadOnlyList<string> Problems)
{
    public bool IsValid => Problems.Count == 0;
}

/// <summary>
/// Reads structured agent output: the answer must be JSON valid against the role's schema. Models
/// often wrap JSON in a markdown fence or add a sentence around it; the fence is accepted, anything else is a
/// problem reported back to the model, never guessed at.
/// </summary>
public static class AgentOutput
{
    public static AgentOutputCheck Check(string? text, JsonSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var json = Unfence(text ?? string.Empty);
        if (json.Length == 0)
        {
            return new AgentOutputCheck(null, ["The answer was empty; answer with one JSON value."]);
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            return new AgentOutputCheck(null, [$"The answer is not valid JSON: {ex.Message}"]);
        }

        var result = schema.Evaluate(node, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return new AgentOutputCheck(node, []);
        }

        var problems = (result.Details ?? [])
            .Where(detail => detail.Errors is { Count: > 0 })
            .SelectMany(detail => detail.Errors!.Select(error => $"{(detail.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {error.Value}"))
            .Distinct()
            .Take(20)
            .ToList();
        return new AgentOutputCheck(null, problems.Count > 0 ? problems : ["The answer does not match the schema."]);
    }

    /// <summary>The text inside a single markdown code fence (```json … ```), or the trimmed text.</summary>
    private static string Unfence(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("```", StringComparison.Ordinal) || !trimmed.EndsWith("```", StringComparison.Ordinal) || trimmed.Length < 6)
        {
            return trimmed;
        }

        var firstLineEnd = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return firstLineEnd < 0 ? string.Empty : trimmed[(firstLineEnd + 1)..^3].Trim();
    }
}
