using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Core.Agents;
using Json.Schema;
using Microsoft.Extensions.AI;

namespace GitHubBot.Workflows.Agents;

/// <summary>A valid structured answer and what it cost.</summary>
/// <param name="Value">The answer, valid against the role's schema.</param>
/// <param name="Attempts">How many answers it took.</param>
/// <param name="InputTokens">Input tokens of all attempts, as the provider reported them.</param>
/// <param name="OutputTokens">Output tokens of all attempts.</param>
public sealed record AgentAnswer(JsonNode Value, int Attempts, long InputTokens, long OutputTokens)
{
    public long TotalTokens => InputTokens + OutputTokens;
}

/// <summary>The agent gave no valid answer within its attempts; the message says what was wrong with the last one.</summary>
public sealed class AgentOutputException(string message, int attempts, long tokens) : Exception(message)
{
    public int Attempts { get; } = attempts;

    public long Tokens { get; } = tokens;

    /// <summary>Input tokens of all attempts (of <see cref="Tokens"/>).</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens of all attempts (of <see cref="Tokens"/>).</summary>
    public long OutputTokens { get; init; }
}

/// <summary>
/// Asks a model for JSON matching a schema: the schema goes with the request as the response format,
/// the answer is validated before anyone uses it, and an invalid answer is asked for again with the problems fed
/// back, up to a number of attempts; then the step fails clearly. Token usage is summed for budgets.
/// </summary>
public static class StructuredAgent
{
    public static async Task<AgentAnswer> AskAsync(
        IChatClient client, string role, string instructions, string request, JsonElement schema, int maxAttempts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        var validator = JsonSchema.FromText(schema.GetRawText());
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, role) };
        List<ChatMessage> messages =
        [
            new(ChatRole.System, instructions),
            new(ChatRole.User, request),
        ];
        long input = 0, output = 0;
        IReadOnlyList<string> problems = [];
        for (var attempt = 1; attempt <= maxAttempts; attempt++)
        {
            var response = await client.GetResponseAsync(messages, options, cancellationToken);
            input += response.Usage?.InputTokenCount ?? 0;
            output += response.Usage?.OutputTokenCount ?? 0;
            var check = AgentOutput.Check(response.Text, validator);
            if (check.IsValid)
            {
                return new AgentAnswer(check.Value!, attempt, input, output);
            }

            problems = check.Problems;
            messages.Add(new ChatMessage(ChatRole.Assistant, response.Text));
            messages.Add(new ChatMessage(ChatRole.User,
                "That answer cannot be used:\n" + string.Join("\n", problems.Select(p => $"- {p}")) + "\nAnswer again with only JSON that matches the schema."));
        }

        throw new AgentOutputException(
            $"The {role} gave no valid answer in {maxAttempts} attempts; the last one: {string.Join("; ", problems)}", maxAttempts, input + output)
        {
            InputTokens = input,
            OutputTokens = output,
        };
    }
}
