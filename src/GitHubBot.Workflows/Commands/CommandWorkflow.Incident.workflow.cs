using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.IncidentSwarm;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Commands;

/// <summary>/rollback, /cancel and /status on an incident's issue or hotfix PR act on the incident.</summary>
public sealed partial class CommandWorkflow
{
    /// <summary>The patch that maps /rollback, /cancel and /status on an incident's issue or hotfix PR to the incident.</summary>
    public const string IncidentCommandsPatch = "incident-commands";

    /// <summary>
    /// The command's outcome when the issue or PR belongs to an incident (its body carries the incident's marker and
    /// the running incident names this issue or PR as its own); null when it does not, and the command goes on as before.
    /// </summary>
    private static async Task<CommandOutcome?> IncidentCommandAsync(string name, SlashCommand command, CommandInput input, RepositoryTarget target, List<string> replies)
    {
        IssueInfo issue;
        try
        {
            issue = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetIssueAsync(target, input.IssueNumber), ActivityPresets.GitHubCall);
        }
        catch (ActivityFailureException ex) when (Failures.Cause(ex) is { NonRetryable: true })
        {
            // The issue cannot be read (gone, or no access): it is not known to be an incident's.
            Workflow.Logger.LogWarning(ex, "Could not read #{Number} to look for an incident", input.IssueNumber);
            return null;
        }

        if (IncidentTexts.WorkflowIdIn(issue.Body) is not { } id)
        {
            return null;
        }

        // A marker copied into someone else's issue does not make it the incident's: the incident names its own
        // issue and hotfix PR (in its status, or its result once it ended), and nothing else is answered for it.
        var incident = await Workflow.ExecuteActivityAsync((CommandActivities commands) => commands.DescribeIncidentAsync(id), ActivityPresets.TemporalCall);
        if (incident is null || !incident.Owns(issue.Url))
        {
            return null;
        }

        if (name == "status")
        {
            replies.Add(IncidentTexts.StatusReply(incident));
            return new CommandOutcome(command.Name, "done", null, id);
        }

        if (!incident.Running)
        {
            replies.Add($"The incident `{id}` has ended; there is nothing to {(name == "rollback" ? "roll back" : "cancel")} any more.");
            return new CommandOutcome(command.Name, "nothing-to-do", null, id);
        }

        var handle = Workflow.GetExternalWorkflowHandle<IncidentSwarmWorkflow>(id);
        if (name == "rollback")
        {
            await handle.SignalAsync(wf => wf.RollbackAsync(input.Author));
        }
        else
        {
            var reason = $"Cancelled by @{input.Author} with /cancel.";
            await handle.SignalAsync(wf => wf.CancelAsync(reason));
        }

        return new CommandOutcome(command.Name, "done", null, id);
    }
}
