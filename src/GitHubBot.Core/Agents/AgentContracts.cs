using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.Agents;

/// <summary>Input of the Ask activity: one role's task with its (bounded) repository context.</summary>
/// <param name="Role">architect, planner, coder or reviewer.</param>
/// <param name="Task">What to do (the issue, the design, a sub-issue, a diff), and any problems to fix from an earlier attempt.</param>
/// <param name="Context">The repository context (<see cref="Agents.RepoContext"/>).</param>
public sealed record AgentRequest(string Role, string Task, string Context)
{
    /// <summary>
    /// The repository to show the agent, by reference: the worker builds the bounded context from it (appended to
    /// <see cref="Context"/>), so files and diffs never travel through the workflow's history.
    /// </summary>
    public RepoView? Repository { get; init; }
}

/// <summary>A role's valid answer (JSON text) and what it cost.</summary>
public sealed record AgentReply(string Json, int Attempts, long InputTokens, long OutputTokens);
