using GitHubBot.Core.Contracts;
using Microsoft.Extensions.AI;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Agents;

/// <summary>The agent activities: one role asked one thing, its answer validated against the role's schema.</summary>
/// <param name="chat">The configured model; null when Agents:Provider is not set.</param>
/// <param name="options">The agent settings.</param>
public sealed class AgentActivities(IChatClient? chat, AgentOptions options)
{
    /// <summary>
    /// Asks <see cref="AgentRequest.Role"/>. Fails at once, without retrying, when no model is configured (saying
    /// what to set) or when the model gave no valid answer in its attempts (saying what was wrong).
    /// </summary>
    [Activity]
    public async Task<AgentReply> AskAsync(AgentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (chat is null)
        {
            throw new ApplicationFailureException(AgentOptions.NotConfigured, errorType: "AgentsNotConfigured", nonRetryable: true);
        }

        var role = AgentRoles.Get(request.Role);
        try
        {
            var answer = await StructuredAgent.AskAsync(
                chat, role.Name, role.Instructions, $"{request.Task}\n\n{request.Context}", role.Schema, Math.Max(1, options.MaxAttempts),
                ActivityExecutionContext.Current.CancellationToken);
            return new AgentReply(answer.Value.ToJsonString(), answer.Attempts, answer.InputTokens, answer.OutputTokens);
        }
        catch (AgentOutputException ex)
        {
            throw new ApplicationFailureException(ex.Message, errorType: "AgentOutputInvalid", nonRetryable: true, details: [ex.Tokens]);
        }
    }
}
