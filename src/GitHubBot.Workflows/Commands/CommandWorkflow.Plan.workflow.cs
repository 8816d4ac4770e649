using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.PlanPatchPr;
using GitHubBot.Workflows.Temporal;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Commands;

/// <summary>The commands of issues: the trigger label, /plan, /approve, /reject, /cancel and /status act on plan → patch → PR.</summary>
public sealed partial class CommandWorkflow
{
    /// <summary>The patch that maps /plan, /approve, /reject, and /cancel and /status on issues, to plan → patch → PR.</summary>
    public const string PlanCommandsPatch = "plan-commands";

    /// <summary>
    /// An issue got a label: the repository's trigger label (trigger_label in .github/ghbot.yml, else the App's)
    /// starts plan → patch → PR when the person who added it may run /plan. Other labels are ignored. This is where
    /// the routing table's issues.labeled route is decided: only a worker can read the repository's configuration.
    /// </summary>
    private static async Task<CommandResult> LabelledAsync(CommandInput input, RepositoryTarget target, string label, RepoConfig settings, Dictionary<string, string> levels)
    {
        var trigger = settings.TriggerLabel ?? input.DefaultTriggerLabel ?? RepoConfig.DefaultTriggerLabel;
        if (!string.Equals(label, trigger, StringComparison.OrdinalIgnoreCase))
        {
            return new CommandResult([new CommandOutcome("label", "ignored", $"'{label}' is not the trigger label '{trigger}'")]);
        }

        var permission = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetPermissionAsync(target, input.Author), ActivityPresets.GitHubCall);
        var required = SlashCommands.Required("plan", levels);
        if ((SlashCommands.ParsePermission(permission) ?? AccessLevel.None) < required)
        {
            await ReplyAsync(target, input, CommandTexts.LabelRefused(input.Author, trigger, required, input.Owner, input.Repo, permission));
            return new CommandResult([new CommandOutcome("label", "refused", $"{permission} < {required}")]);
        }

        var id = await StartPlanAsync(input, null, "label");
        return new CommandResult([new CommandOutcome("label", "done", null, id)]);
    }

    /// <summary>Starts plan → patch → PR for the issue; one already running is left alone (and its ID returned).</summary>
    private static async Task<string> StartPlanAsync(CommandInput input, string? requirement, string trigger)
    {
        var id = WorkflowIds.PlanPatchPr(input.Owner, input.Repo, input.IssueNumber);
        var planInput = new PlanPatchPrInput
        {
            Owner = input.Owner,
            Repo = input.Repo,
            InstallationId = input.InstallationId,
            IssueNumber = input.IssueNumber,
            Requirement = requirement,
            RequestedBy = input.Author,
            Trigger = trigger,
        };
        await Children.StartOrFindAsync(
            (PlanPatchPrWorkflow wf) => wf.RunAsync(planInput),
            new ChildWorkflowOptions
            {
                Id = id,
                ParentClosePolicy = ParentClosePolicy.Abandon,
                IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.AllowDuplicate,
            });
        return id;
    }

    /// <summary>The commands of an issue: they start, answer, stop or describe its plan → patch → PR run.</summary>
    private static async Task<CommandOutcome> PlanCommandAsync(string name, SlashCommand command, CommandInput input, RepositoryTarget target, List<string> replies)
    {
        var plan = await Workflow.ExecuteActivityAsync(
            (CommandActivities commands) => commands.DescribePlanAsync(input.Owner, input.Repo, input.IssueNumber), ActivityPresets.TemporalCall);
        var running = plan is { Running: true };
        switch (name)
        {
            case "plan":
                if (running)
                {
                    replies.Add(CommandTexts.PlanAlreadyRunning(input.IssueNumber, plan!));
                    return new CommandOutcome(command.Name, "nothing-to-do", null, plan!.WorkflowId);
                }

                var text = string.Join(' ', command.Arguments);
                return new CommandOutcome(command.Name, "done", null, await StartPlanAsync(input, text.Length == 0 ? null : text, "/plan"));

            case "approve":
            case "reject":
                if (!running || plan!.Status is not { WaitingForApproval: true })
                {
                    replies.Add($"Nothing of GitHubBot's on #{input.IssueNumber} is waiting for `/{name}`.");
                    return new CommandOutcome(command.Name, "nothing-to-do");
                }

                var handle = Workflow.GetExternalWorkflowHandle<PlanPatchPrWorkflow>(plan.WorkflowId);
                if (name == "approve")
                {
                    await handle.SignalAsync(wf => wf.ApproveAsync(input.Author));
                }
                else
                {
                    var decision = new PlanDecision(false, input.Author, command.Arguments.Count == 0 ? null : string.Join(' ', command.Arguments));
                    await handle.SignalAsync(wf => wf.RejectAsync(decision));
                }

                return new CommandOutcome(command.Name, "done", null, plan.WorkflowId);

            case "cancel":
                if (!running)
                {
                    replies.Add(CommandTexts.NothingRunning(input.IssueNumber));
                    return new CommandOutcome(command.Name, "nothing-to-do");
                }

                var reason = $"Cancelled by @{input.Author} with /cancel.";
                await Workflow.GetExternalWorkflowHandle<PlanPatchPrWorkflow>(plan!.WorkflowId).SignalAsync(wf => wf.CancelAsync(reason));
                return new CommandOutcome(command.Name, "done", null, plan.WorkflowId);

            default:
                replies.Add(CommandTexts.PlanStatus(input.IssueNumber, plan));
                return new CommandOutcome(command.Name, "done", null, plan?.WorkflowId);
        }
    }
}
