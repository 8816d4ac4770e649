using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Commands;

/// <summary>
/// Carries out the slash commands of one comment, one check-run button click, or one label added to an issue: each
/// command is checked against the author's permission on the repository (write, unless .github/ghbot.yml says
/// otherwise), then mapped to a start or a signal of the workflow that owns the issue or PR. The comment gets 👀
/// when a command is accepted and 👍 when the accepted ones are done; replies only for refusals, errors, unknown
/// commands, /status and /help (<see cref="CommandTexts"/>). The commands of issues that act on plan → patch → PR
/// are in <c>CommandWorkflow.Plan.workflow.cs</c>, those of an incident's issue or hotfix PR in <c>CommandWorkflow.Incident.workflow.cs</c>,
/// /migrate and a migration's commands in <c>CommandWorkflow.Migration.workflow.cs</c>.
/// </summary>
[Workflow]
public sealed partial class CommandWorkflow
{
    private readonly List<CommandOutcome> outcomes = [];

    /// <summary>What the comment gets back: one reply, however many commands it held.</summary>
    private readonly List<string> replies = [];

    [WorkflowRun]
    public async Task<CommandResult> RunAsync(CommandInput input)
    {
        if (input is null)
        {
            throw new ApplicationFailureException("CommandWorkflow needs an input.", errorType: "InvalidInput", nonRetryable: true);
        }

        var target = new RepositoryTarget(input.Owner, input.Repo, input.InstallationId);
        var config = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.FetchRepoConfigAsync(target), ActivityPresets.GitHubCall);
        var settings = config.Resolve();
        var levels = Levels(settings.Commands);
        if (input.Label is { } label)
        {
            return await LabelledAsync(input, target, label, settings, levels);
        }

        var accepted = await RunCommandsAsync(input, target, levels);
        if (outcomes.Any(o => o.Command == "help" && o.Outcome == "done") || outcomes.Any(o => o.Outcome == "unknown"))
        {
            replies.Add(SlashCommands.Help());
        }

        if (replies.Count > 0)
        {
            await ReplyAsync(target, input, $"@{input.Author}\n\n{string.Join("\n\n", replies)}");
        }

        if (accepted && input.CommentId is { } done && outcomes.Any(o => o.Outcome is "done"))
        {
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReactAsync(new ReactionRequest(target, done, "+1")), ActivityPresets.GitHubCall);
        }

        return new CommandResult(outcomes);
    }

    /// <summary>Checks and carries out each command in turn; whether any was accepted (the comment then has 👀).</summary>
    private async Task<bool> RunCommandsAsync(CommandInput input, RepositoryTarget target, Dictionary<string, string> levels)
    {
        string? permission = null;
        var accepted = false;
        foreach (var command in input.Commands)
        {
            if (Misplaced(command, input) is not { } spec)
            {
                continue;
            }

            permission ??= await Workflow.ExecuteActivityAsync(
                (GitHubActivities github) => github.GetPermissionAsync(target, input.Author), ActivityPresets.GitHubCall);
            var required = SlashCommands.Required(spec.Name, levels);
            if ((SlashCommands.ParsePermission(permission) ?? AccessLevel.None) < required)
            {
                var logger = Workflow.Logger;
                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation("Refused /{Command} from {User}: {Has} is below {Needs}", spec.Name, input.Author, permission, required);
                }

                replies.Add(CommandTexts.Refused(spec.Name, required, input.Owner, input.Repo, permission));
                outcomes.Add(new CommandOutcome(command.Name, "refused", $"{permission} < {required}"));
                continue;
            }

            if (!accepted && input.CommentId is { } commentId)
            {
                accepted = true;
                await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReactAsync(new ReactionRequest(target, commentId, "eyes")), ActivityPresets.GitHubCall);
            }

            try
            {
                outcomes.Add(await ExecuteAsync(spec.Name, command, input, target, replies));
            }
            catch (FailureException ex) when (!TemporalException.IsCanceledException(ex))
            {
                // A command never fails the others: it says what went wrong.
                replies.Add($"`/{spec.Name}` failed: {Failures.Reason(ex)}");
                outcomes.Add(new CommandOutcome(command.Name, "failed", Failures.Reason(ex)));
            }
        }

        return accepted;
    }

    /// <summary>
    /// The command's definition when it is to be carried out; null (with its outcome, and a reply when it needs one)
    /// when it is unknown, is /help, or is used where it does not work.
    /// </summary>
    private CommandSpec? Misplaced(SlashCommand command, CommandInput input)
    {
        var spec = SlashCommands.Find(command.Name);
        if (spec is null)
        {
            replies.Add($"GitHubBot does not know `/{command.Name}`; `/help` lists what it does.");
            outcomes.Add(new CommandOutcome(command.Name, "unknown"));
            return null;
        }

        if (spec.Name == "help")
        {
            outcomes.Add(new CommandOutcome(command.Name, "done"));
            return null;
        }

        if (spec.Scope == CommandScope.PullRequest && !input.IsPullRequest || spec.Scope == CommandScope.Issue && input.IsPullRequest)
        {
            var where = spec.Scope == CommandScope.PullRequest ? "pull requests" : "issues";
            replies.Add($"`/{spec.Name}` works on {where} only.");
            outcomes.Add(new CommandOutcome(command.Name, "refused", "wrong place"));
            return null;
        }

        return spec;
    }

    private static async Task<CommandOutcome> ExecuteAsync(string name, SlashCommand command, CommandInput input, RepositoryTarget target, List<string> replies)
    {
        if (name is "rollback" or "cancel" or "status" && Workflow.Patched(IncidentCommandsPatch)
            && await IncidentCommandAsync(name, command, input, target, replies) is { } incident)
        {
            return incident;
        }

        if (!input.IsPullRequest && name is "migrate" or "pause" or "resume" or "approve" or "reject" or "cancel" or "rollback" or "status" && Workflow.Patched(MigrationCommandsPatch)
            && await MigrationCommandAsync(name, command, input, target, replies) is { } migration)
        {
            return migration;
        }

        if (!input.IsPullRequest && name is "plan" or "approve" or "reject" or "cancel" or "status" && Workflow.Patched(PlanCommandsPatch))
        {
            return await PlanCommandAsync(name, command, input, target, replies);
        }

        switch (name)
        {
            case "gate":
            case "fix":
                return new CommandOutcome(command.Name, "done", null, await StartGateAsync(name, input));

            case "ok-to-test":
                return await OkToTestAsync(command, input, target, replies);

            case "cancel":
                {
                    var running = (await DescribeGatesAsync(input)).Where(g => g.Running).ToList();
                    if (running.Count == 0)
                    {
                        replies.Add(CommandTexts.NothingRunning(input.IssueNumber));
                        return new CommandOutcome(command.Name, "nothing-to-do");
                    }

                    foreach (var gate in running)
                    {
                        await Workflow.GetExternalWorkflowHandle<QualityGateWorkflow>(gate.WorkflowId)
                            .SignalAsync(wf => wf.CancelAsync(new CancelGate($"Cancelled by @{input.Author} with /cancel.")));
                    }

                    return new CommandOutcome(command.Name, "done", null, running[0].WorkflowId);
                }

            case "status":
                {
                    var gates = await DescribeGatesAsync(input);
                    replies.Add(CommandTexts.GatesStatus(input.IssueNumber, gates));
                    return new CommandOutcome(command.Name, "done", null, gates.Count > 0 ? gates[0].WorkflowId : null);
                }

            default:
                {
                    // pause, resume and rollback with nothing of GitHubBot's to act on (and the plan's commands on PRs).
                    replies.Add(CommandTexts.NothingRunning(input.IssueNumber));
                    return new CommandOutcome(command.Name, "nothing-to-do");
                }
        }
    }

    /// <summary>/gate or /fix: a gate of the PR's head (the clicked head for a button); the same command redelivered finds it.</summary>
    private static async Task<string> StartGateAsync(string name, CommandInput input)
    {
        var requestId = $"{(input.CommentId is { } id ? $"comment-{id}" : Workflow.Info.WorkflowId.Split('/')[^1])}-{name}";
        var gateId = input.HeadSha is { Length: > 0 } sha
            ? WorkflowIds.QualityGateRerun(input.Owner, input.Repo, input.IssueNumber, sha, requestId)
            : WorkflowIds.QualityGateManual(input.Owner, input.Repo, input.IssueNumber, requestId);
        var gateInput = new QualityGateInput
        {
            Owner = input.Owner,
            Repo = input.Repo,
            PullRequestNumber = input.IssueNumber,
            HeadSha = input.HeadSha ?? string.Empty,
            Branch = string.Empty,
            InstallationId = input.InstallationId,
            AttemptAutoFix = name == "fix",
            Trigger = $"/{name} by {input.Author}",

            // Asking for a gate is not vouching for the code: a fork's PR still waits for /ok-to-test
            // (the gate finds out whether the PR comes from a fork when it looks the PR up), and its author is judged
            // by the association GitHub gives the PR, as for its pull_request delivery.
            AuthorAssociation = "CONTRIBUTOR",
            TrustFromPullRequest = Workflow.Patched("gate-trust-from-pr"),
        };

        // The same command of the same comment, redelivered, finds the gate it started.
        await Children.StartOrFindAsync(
            (QualityGateWorkflow wf) => wf.RunAsync(gateInput),
            new ChildWorkflowOptions
            {
                Id = gateId,
                ParentClosePolicy = ParentClosePolicy.Abandon,
                IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate,
            });
        return gateId;
    }

    /// <summary>
    /// /ok-to-test: releases the waiting gates of the commit the PR has now that started before the comment was written
    /// (a push that came after the comment's author looked keeps waiting, however fast it was); /ok-to-test SHA
    /// releases the waiting gate of exactly that commit.
    /// </summary>
    private static async Task<CommandOutcome> OkToTestAsync(SlashCommand command, CommandInput input, RepositoryTarget target, List<string> replies)
    {
        if (command.Arguments.Count > 0 && Workflow.Patched("ok-to-test-commit"))
        {
            return await OkToTestCommitAsync(command, input, replies);
        }

        var head = await Workflow.ExecuteActivityAsync(
            (GitHubActivities github) => github.GetPullRequestHeadAsync(target, input.IssueNumber), ActivityPresets.GitHubCall);
        var gates = await DescribeGatesAsync(input);
        var ofHead = gates.Where(g => g.Running && g.Status is { WaitingForOkToTest: true } status && status.HeadSha == head.Sha).ToList();
        var waiting = ofHead.Where(g => input.CommentCreatedAt is not { } written || g.StartedAt is not { } started || started <= written).ToList();
        if (waiting.Count == 0)
        {
            replies.Add(ofHead.Count > 0
                ? $"The gate of #{input.IssueNumber}'s head `{Shas.Abbreviate(head.Sha)}` started after this comment was written (a push came after it), so it keeps waiting: look at that commit, then comment `/ok-to-test` again or `/ok-to-test {head.Sha}`."
                : $"No gate of #{input.IssueNumber}'s head `{Shas.Abbreviate(head.Sha)}` is waiting for `/ok-to-test`.");
            return new CommandOutcome(command.Name, "nothing-to-do");
        }

        return await ReleaseAsync(command, input, waiting);
    }

    /// <summary>/ok-to-test SHA: the waiting gate of exactly that commit (7 to 64 hex digits of its SHA).</summary>
    private static async Task<CommandOutcome> OkToTestCommitAsync(SlashCommand command, CommandInput input, List<string> replies)
    {
        var sha = command.Arguments[0].ToLowerInvariant();
        if (sha.Length is < 7 or > 64 || !sha.All(char.IsAsciiHexDigitLower))
        {
            replies.Add("`/ok-to-test` takes nothing, or the SHA of the commit to run (at least 7 hex digits).");
            return new CommandOutcome(command.Name, "refused");
        }

        var gates = await DescribeGatesAsync(input);
        var waiting = gates.Where(g => g.Running && g.Status is { WaitingForOkToTest: true, HeadSha: { } head } && head.StartsWith(sha, StringComparison.Ordinal)).ToList();
        if (waiting.Count == 0)
        {
            replies.Add($"No gate of #{input.IssueNumber} for `{GitHubText.Inline(Shas.Abbreviate(sha))}` is waiting for `/ok-to-test`.");
            return new CommandOutcome(command.Name, "nothing-to-do");
        }

        return await ReleaseAsync(command, input, waiting);
    }

    private static async Task<CommandOutcome> ReleaseAsync(SlashCommand command, CommandInput input, List<GateInfo> waiting)
    {
        foreach (var gate in waiting)
        {
            await Workflow.GetExternalWorkflowHandle<QualityGateWorkflow>(gate.WorkflowId).SignalAsync(wf => wf.OkToTestAsync(input.Author));
        }

        return new CommandOutcome(command.Name, "done", null, waiting[0].WorkflowId);
    }

    private static Task<IReadOnlyList<GateInfo>> DescribeGatesAsync(CommandInput input) =>
        Workflow.ExecuteActivityAsync(
            (CommandActivities commands) => commands.DescribeGatesAsync(input.Owner, input.Repo, input.IssueNumber),
            ActivityPresets.TemporalCall);

    private static Task<long> ReplyAsync(RepositoryTarget target, CommandInput input, string body) =>
        Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(target, input.IssueNumber, body)), ActivityPresets.GitHubCall);

    /// <summary>The repository configuration's <c>commands</c> map: command → permission it needs (aliases resolved).</summary>
    private static Dictionary<string, string> Levels(IReadOnlyDictionary<string, string> commands)
    {
        var levels = new Dictionary<string, string>(StringComparer.Ordinal);

        // Ordered, so a command named both by its name and by an alias gets the same level on every replay.
        foreach (var (name, level) in commands.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            // Settings may name a command by an alias (retest: for gate).
            levels[SlashCommands.Find(name)?.Name ?? name] = level;
        }

        return levels;
    }
}
