using System.Text.Json;
using Microsoft.Extensions.AI;

namespace GitHubBot.Testing;

/// <summary>
/// An <see cref="IChatClient"/> for agents running side by side: answers are scripted per role (read from the
/// system prompt, "You are the coder …") and, optionally, per task (text the first user message contains), in
/// order within each script. It records every conversation and fails loudly when a call has no scripted answer.
/// </summary>
public sealed class RoleChatClient : FakeChatClient
{
    private static readonly string[] Roles = ["architect", "planner", "coder", "reviewer", "diagnoser", "migrator", "tester"];
    private readonly List<Script> scripts = [];
    private readonly List<AgentCall> calls = [];
    private int inFlight;
    private int maxConcurrent;

    /// <summary>One call: the role asked, and the conversation it was sent.</summary>
    public sealed record AgentCall(string Role, IReadOnlyList<ChatMessage> Messages)
    {
        /// <summary>The task and context (the first user message).</summary>
        public string Task => Messages.First(m => m.Role == ChatRole.User).Text;

        /// <summary>What the last message said (feedback on an earlier answer, or the task).</summary>
        public string Last => Messages[^1].Text;
    }

    /// <summary>Every call, in the order they arrived.</summary>
    public IReadOnlyList<AgentCall> Calls
    {
        get
        {
            lock (calls)
            {
                return [.. calls];
            }
        }
    }

    /// <summary>The calls to one role.</summary>
    public IReadOnlyList<AgentCall> CallsTo(string role) => [.. Calls.Where(c => c.Role == role)];

    /// <summary>How long each answer takes (zero: at once); long enough, calls that overlap show in <see cref="MaxConcurrentCalls"/>.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The most calls that were in progress at the same time.</summary>
    public int MaxConcurrentCalls => maxConcurrent;

    /// <summary>Tokens each answer reports (input, output).</summary>
    public (long Input, long Output) Usage { get; set; } = (100, 50);

    /// <summary>Answers calls to <paramref name="role"/> (whose task contains <paramref name="taskContains"/>, when given) with these texts, in order.</summary>
    public RoleChatClient On(string role, string? taskContains, params string[] answers)
    {
        lock (scripts)
        {
            scripts.Add(new Script(role, taskContains, new Queue<string>(answers)));
        }

        return this;
    }

    /// <summary>As <see cref="On(string, string?, string[])"/>, with answers given as objects serialized to JSON.</summary>
    public RoleChatClient OnJson(string role, string? taskContains, params object[] answers) =>
        On(role, taskContains, [.. answers.Select(a => JsonSerializer.Serialize(a))]);

    /// <summary>How many scripted answers were never used.</summary>
    public int Remaining
    {
        get
        {
            lock (scripts)
            {
                return scripts.Sum(s => s.Answers.Count);
            }
        }
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var asked = messages.ToList();
        var system = asked.FirstOrDefault(m => m.Role == ChatRole.System)?.Text ?? string.Empty;
        var role = Roles.FirstOrDefault(r => system.Contains($"You are the {r}", StringComparison.Ordinal)
            || system.Contains($"You are a {r}", StringComparison.Ordinal)) ?? "unknown";
        var call = new AgentCall(role, asked);
        lock (calls)
        {
            calls.Add(call);
        }

        var now = Interlocked.Increment(ref inFlight);
        for (var seen = maxConcurrent; now > seen; seen = maxConcurrent)
        {
            Interlocked.CompareExchange(ref maxConcurrent, now, seen);
        }

        try
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, cancellationToken);
            }

            return Respond(call);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }

    private ChatResponse Respond(AgentCall call)
    {
        var role = call.Role;
        string answer;
        lock (scripts)
        {
            var script = scripts.FirstOrDefault(s => s.Role == role && s.Answers.Count > 0 && (s.TaskContains is null || call.Task.Contains(s.TaskContains, StringComparison.Ordinal)))
                ?? throw new InvalidOperationException($"RoleChatClient: no scripted answer left for the {role} (task starts: {call.Task[..Math.Min(120, call.Task.Length)]}).");
            answer = script.Answers.Dequeue();
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
        {
            Usage = new UsageDetails { InputTokenCount = Usage.Input, OutputTokenCount = Usage.Output, TotalTokenCount = Usage.Input + Usage.Output },
        };
    }

    private sealed record Script(string Role, string? TaskContains, Queue<string> Answers);
}
