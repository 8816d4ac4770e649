using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace GitHubBot.Testing;

/// <summary>
/// An <see cref="IChatClient"/> that answers from a script, in order, and records what it was asked. Each step may
/// look at the request (for example to answer a validation error fed back). Running past the script fails loudly.
/// </summary>
public sealed class ScriptedChatClient : FakeChatClient
{
    private readonly ConcurrentQueue<Func<IReadOnlyList<ChatMessage>, ChatResponse>> steps = new();
    private readonly ConcurrentQueue<IReadOnlyList<ChatMessage>> requests = new();

    /// <summary>The messages of every call, in order.</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>> Requests => [.. requests];

    /// <summary>Answers the next call with <paramref name="text"/>, reporting the given token usage.</summary>
    public ScriptedChatClient ThenAnswer(string text, long inputTokens = 100, long outputTokens = 50) =>
        Then(_ => new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            Usage = new UsageDetails { InputTokenCount = inputTokens, OutputTokenCount = outputTokens, TotalTokenCount = inputTokens + outputTokens },
        });

    /// <summary>Answers the next call with whatever <paramref name="answer"/> makes of the request.</summary>
    public ScriptedChatClient Then(Func<IReadOnlyList<ChatMessage>, ChatResponse> answer)
    {
        steps.Enqueue(answer);
        return this;
    }

    /// <summary>How many scripted answers are still unused.</summary>
    public int Remaining => steps.Count;

    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var asked = messages.ToList();
        requests.Enqueue(asked);
        if (!steps.TryDequeue(out var step))
        {
            throw new InvalidOperationException($"ScriptedChatClient: call {requests.Count} has no scripted answer. Last message: {asked.LastOrDefault()?.Text}");
        }

        return Task.FromResult(step(asked));
    }

}
