using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Workflows.ChangeRequests;
using GitHubBot.Workflows.CodeMigration;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Commands;

/// <summary>
/// /migrate starts a code migration for the issue; /pause, /resume, /approve, /reject, /cancel, /rollback and
/// /status on the issue act on its migration (a finished one too, for /rollback and /status).
/// </summary>
public sealed partial class CommandWorkflow
{
    /// <summary>The patch that maps /migrate, and the commands of a migration's issue, to the code migration.</summary>
    public const string MigrationCommandsPatch = "migration-commands";

    /// <summary>The command's outcome when it is /migrate or the issue has a migration; null when it has none and the command goes on as before.</summary>
    private static async Task<CommandOutcome?> MigrationCommandAsync(string name, SlashCommand command, CommandInput input, RepositoryTarget target, List<string> replies)
    {
        if (name == "migrate")
        {
            return await StartMigrationAsync(command, input, replies);
        }

        var migration = await Workflow.ExecuteActivityAsync(
            (CommandActivities commands) => commands.DescribeMigrationAsync(input.Owner, input.Repo, input.IssueNumber), ActivityPresets.TemporalCall);
        if (migration is null)
        {
            if (name is "pause" or "resume")
            {
                replies.Add(CommandTexts.NothingRunning(input.IssueNumber));
                return new CommandOutcome(command.Name, "nothing-to-do");
            }

            return null;
        }

        if (name == "status")
        {
            replies.Add(MigrationTexts.StatusReply(migration));
            return new CommandOutcome(command.Name, "done", null, migration.WorkflowId);
        }

        if (!migration.Running)
        {
            if (name == "rollback" && migration.Result is { } result)
            {
                replies.Add(await RollBackEndedAsync(result, input, target));
                return new CommandOutcome(command.Name, "done", null, migration.WorkflowId);
            }

            // /approve, /reject and /cancel may be meant for something else of the issue (its plan).
            return name is "pause" or "resume" ? Ended(migration, command, replies) : null;
        }

        if (name is "approve" or "reject" && migration.Status is not { WaitingForApproval: true })
        {
            // Not the migration's: perhaps the issue's plan waits for it.
            return null;
        }

        var handle = Workflow.GetExternalWorkflowHandle<CodeMigrationWorkflow>(migration.WorkflowId);
        switch (name)
        {
            case "pause":
                await handle.SignalAsync(wf => wf.PauseAsync(input.Author));
                break;
            case "resume":
                await handle.SignalAsync(wf => wf.ResumeAsync(input.Author));
                break;
            case "approve" or "reject":
                // The answer names the step its author saw waiting: a late or repeated one does not answer the next.
                var decision = new StepDecision(name == "approve", input.Author, name == "reject" && command.Arguments.Count > 0 ? string.Join(' ', command.Arguments) : null)
                {
                    Step = migration.Status!.CurrentStep,
                };
                await (name == "approve" ? handle.SignalAsync(wf => wf.ApproveAsync(decision)) : handle.SignalAsync(wf => wf.RejectAsync(decision)));
                break;
            case "rollback":
                await handle.SignalAsync(wf => wf.RollbackAsync(input.Author));
                break;
            default:
                var reason = $"Cancelled by @{input.Author} with /cancel.";
                await handle.SignalAsync(wf => wf.CancelAsync(reason));
                break;
        }

        return new CommandOutcome(command.Name, "done", null, migration.WorkflowId);
    }

    private static CommandOutcome Ended(MigrationInfo migration, SlashCommand command, List<string> replies)
    {
        replies.Add($"The migration `{migration.WorkflowId}` has ended; there is nothing to {command.Name}.");
        return new CommandOutcome(command.Name, "nothing-to-do", null, migration.WorkflowId);
    }

    /// <summary>/migrate: starts the migration of the repository for this issue; one running for the same target is found, not started again.</summary>
    private static async Task<CommandOutcome> StartMigrationAsync(SlashCommand command, CommandInput input, List<string> replies)
    {
        var (parsed, problem) = MigrationCommand.Parse(command.Arguments);
        if (parsed is null)
        {
            replies.Add(problem!);
            return new CommandOutcome(command.Name, "refused", "bad arguments");
        }

        var migrationInput = new CodeMigrationInput
        {
            Owner = input.Owner,
            Repo = input.Repo,
            InstallationId = input.InstallationId,
            MigrationType = parsed.Type,
            SourceVersion = parsed.From,
            TargetVersion = parsed.To,
            Incremental = !parsed.Batch,
            AutoRollback = !parsed.NoRollback,
            DryRun = parsed.DryRun,
            StepApproval = parsed.StepApproval,
            IssueNumber = input.IssueNumber,
            RequestedBy = input.Author,
            Trigger = "/migrate",
        };
        var id = migrationInput.WorkflowId;
        var started = await Children.StartOrFindAsync(
            (CodeMigrationWorkflow wf) => wf.RunAsync(migrationInput),
            new ChildWorkflowOptions
            {
                Id = id,
                ParentClosePolicy = ParentClosePolicy.Abandon,
                IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.AllowDuplicate,
            });
        if (started is null)
        {
            replies.Add($"A migration to the same target is already running: `{id}`. `/status` on its issue shows how far it got.");
            return new CommandOutcome(command.Name, "nothing-to-do", null, id);
        }

        return new CommandOutcome(command.Name, "done", null, id);
    }

    /// <summary>
    /// /rollback of a migration that ended: its open PR is closed and its branch deleted; a merged one is reverted by
    /// a PR of its own through the change pipeline. Returns the reply.
    /// </summary>
    private static async Task<string> RollBackEndedAsync(CodeMigrationResult result, CommandInput input, RepositoryTarget target)
    {
        if (result.PullRequestNumber is not { } number)
        {
            if (result.Branch is { } branch && result.HeadSha is { } pushed)
            {
                var gone = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.DeleteBranchAsync(new DeleteBranchRequest(target, branch, pushed)), ActivityPresets.GitHubCall);
                return gone ? $"Rolled back: deleted the migration's branch `{branch}`." : $"The branch `{branch}` was left: someone else pushed to it.";
            }

            return "The migration made no change to roll back.";
        }

        var head = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetPullRequestHeadAsync(target, number), ActivityPresets.GitHubCall);
        if (!result.Merged && !head.Merged && head.Open)
        {
            if (head.Sha != result.HeadSha)
            {
                // People built on it: their commits are not GitHubBot's to throw away.
                return $"#{number} has commits GitHubBot did not push (its head is `{Shas.Abbreviate(head.Sha)}`): close it by hand if it is to go.";
            }

            var deleted = await ChangeRollbacks.CloseAsync(target, number, head.Branch, result.HeadSha, CancellationToken.None);
            return $"Rolled back: closed #{number}{(deleted ? $" and deleted the branch `{head.Branch}`" : string.Empty)}.";
        }

        if (!head.Merged && !result.Merged)
        {
            return $"#{number} is closed without being merged: there is nothing to roll back.";
        }

        // Only what GitHubBot's own commits changed is reverted: commits people added to the PR stay.
        var (info, now, revert, conflict) = await ChangeRollbacks.RevertAsync(
            target, result.BaseSha!, result.HeadSha ?? head.Sha, result.HeadSha, $"Revert the migration #{number}\n\nAsked by {input.Author} with /rollback.", CancellationToken.None);
        if (revert is null)
        {
            return $"#{number} could not be reverted automatically: {conflict}";
        }

        // The revert is a change like the migration's own: gated, and merged when the repository's auto_merge says so.
        var settings = (await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.FetchRepoConfigAsync(target), ActivityPresets.GitHubCall)).Resolve();
        var branchName = ChangeBranches.For($"{ChangeBranches.Namespace}revert-migration-{number}", Workflow.Info.WorkflowId);
        var change = new ChangeRequestInput
        {
            Target = target,
            Base = now,
            BaseBranch = info.DefaultBranch,
            Branch = branchName,
            Commits = [revert],
            PullRequest = new PullRequestSpec($"Revert the migration #{number}", $"Reverts #{number}: asked by @{input.Author} with `/rollback` on #{input.IssueNumber}.") { Labels = [MigrationTexts.Label] },
            Gate = new GatePolicy { Trigger = "migration-rollback" },
            Merge = new MergePolicy { Auto = settings.AutoMerge.Enabled, Method = settings.AutoMerge.Method, MinScore = settings.AutoMerge.MinScore },
        };
        await Children.StartOrFindAsync(
            (ChangeRequestWorkflow wf) => wf.RunAsync(change),
            new ChildWorkflowOptions { Id = WorkflowIds.ChangeRequest(input.Owner, input.Repo, branchName), ParentClosePolicy = ParentClosePolicy.Abandon });
        return $"Rolling back: a PR reverting #{number} is being opened from `{branchName}` (it passes the quality gate like any change).";
    }
}
