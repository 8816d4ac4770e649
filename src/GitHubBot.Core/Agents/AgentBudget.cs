namespace GitHubBot.Core.Agents;

/// <summary>What one run's agents may use: tokens (input + output, as the model reports them) and calls.</summary>
public sealed record AgentBudget
{
    public long MaxTokens { get; init; } = 400_000;

    public int MaxCalls { get; init; } = 40;

    /// <summary>What the run had used before this part of it began.</summary>
    public AgentUsage Used { get; init; } = new(0, 0);
}

/// <summary>Tokens and calls the agents of a run used.</summary>
public sealed record AgentUsage(long Tokens, int Calls);
