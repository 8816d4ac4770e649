using Prometheus;

namespace GitHubBot.Workflows.Agents;

/// <summary>
/// Prometheus metrics of the agents (served at <c>/metrics</c>): calls by role and outcome, tokens by role and kind.
/// Roles are the role files' names, outcomes <c>answered</c>, <c>invalid</c> (no valid answer in its attempts) and
/// <c>error</c> (the model could not be asked): every label is bounded.
/// </summary>
public static class AgentMetrics
{
    public static readonly Counter Calls = Metrics.CreateCounter(
        "ghbot_agent_calls_total",
        "Agent activity calls by role and outcome (answered, invalid, error).",
        new CounterConfiguration { LabelNames = ["role", "outcome"] });

    public static readonly Counter Tokens = Metrics.CreateCounter(
        "ghbot_agent_tokens_total",
        "Model tokens the agents used, by role and kind (input, output), as the provider reported them.",
        new CounterConfiguration { LabelNames = ["role", "kind"] });

    /// <summary>Counts one call of <paramref name="role"/> and the tokens it used.</summary>
    public static void Record(string role, string outcome, long inputTokens, long outputTokens)
    {
        Calls.WithLabels(role, outcome).Inc();
        Tokens.WithLabels(role, "input").Inc(Math.Max(0, inputTokens));
        Tokens.WithLabels(role, "output").Inc(Math.Max(0, outputTokens));
    }
}
