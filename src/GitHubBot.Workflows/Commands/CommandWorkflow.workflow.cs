using System.Globalization;
using System.Text;
using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.PlanPatchPr;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Commands;

/// <summary>
/// Carries out the slash commands of one comment, or one check-run button click (PRODUCT.md §4): each command is
/// checked against the author's permission on the repository (write, unless .github/ghbot.yml says otherwise), then
/// mapped to a start or a signal of the workflow that owns the issue or PR. The comment gets 👀 when a command is
/// accepted and 👍 when the accepted ones are done; replies only for refusals, errors, unknown commands, /status
/// and /help. A command whose workflow does not exist yet says so.
/// </summary>
[Workflow]
public sealed class CommandWorkflow
{
    /// <summary>The patch that maps /plan, /approve, /reject, and /cancel and /status on issues, to plan → patch → PR.</summary>
    public const string PlanCommandsPatch = "plan-commands";

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
        var config = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.FetchRepoConfigAsync(target), ActivityOptionsCatalog.GitHubCall);
        var settings = config.Resolve();
        var levels = Levels(settings.Commands);
        if (input.Label is { } label)
        {
            return await LabelledAsync(input, target, label, settings, levels);
        }

        string? permission = null;
        var accepted = false;
        foreach (var command in input.Commands)
        {
            var spec = SlashCommands.Find(command.Name);
            if (spec is null)
            {
                replies.Add($"GitHubBot does not know `/{command.Name}`; `/help` lists what it does.");
                outcomes.Add(new CommandOutcome(command.Name, "unknown"));
                continue;
            }

            if (spec.Name == "help")
            {
                outcomes.Add(new CommandOutcome(command.Name, "done"));
                continue;
            }

            if (spec.Scope == CommandScope.PullRequest && !input.IsPullRequest || spec.Scope == CommandScope.Issue && input.IsPullRequest)
            {
                var where = spec.Scope == CommandScope.PullRequest ? "pull requests" : "issues";
                replies.Add($"`/{spec.Name}` works on {where} only.");
                outcomes.Add(new CommandOutcome(command.Name, "refused", "wrong place"));
                continue;
            }

            permission ??= await Workflow.ExecuteActivityAsync(
                (GitHubActivities github) => github.GetPermissionAsync(target, input.Author), ActivityOptionsCatalog.GitHubCall);
            var required = SlashCommands.Required(spec.Name, levels);
            if ((SlashCommands.ParsePermission(permission) ?? AccessLevel.None) < required)
            {
                var logger = Workflow.Logger;
                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation("Refused /{Command} from {User}: {Has} is below {Needs}", spec.Name, input.Author, permission, required);
                }

                replies.Add($"Sorry, `/{spec.Name}` needs {required.ToString().ToLowerInvariant()} permission on {input.Owner}/{input.Repo}, and you have {permission}. Ask a maintainer to run it.");
                outcomes.Add(new CommandOutcome(command.Name, "refused", $"{permission} < {required}"));
                continue;
            }

            if (!accepted && input.CommentId is { } commentId)
            {
                accepted = true;
                await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReactAsync(new ReactionRequest(target, commentId, "eyes")), ActivityOptionsCatalog.GitHubCall);
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
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReactAsync(new ReactionRequest(target, done, "+1")), ActivityOptionsCatalog.GitHubCall);
        }

        return new CommandResult(outcomes);
    }

    /// <summary>
    /// An issue got a label: the repository's trigger label (trigger_label in .github/ghbot.yml, else the App's)
    /// starts plan → patch → PR when the person who added it may run /plan. Other labels are ignored.
    /// </summary>
    private static async Task<CommandResult> LabelledAsync(CommandInput input, RepositoryTarget target, string label, RepoConfig settings, Dictionary<string, string> levels)
    {
        var trigger = settings.TriggerLabel ?? input.DefaultTriggerLabel ?? RepoConfig.DefaultTriggerLabel;
        if (!string.Equals(label, trigger, StringComparison.OrdinalIgnoreCase))
        {
            return new CommandResult([new CommandOutcome("label", "ignored", $"'{label}' is not the trigger label '{trigger}'")]);
        }

        var permission = await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.GetPermissionAsync(target, input.Author), ActivityOptionsCatalog.GitHubCall);
        var required = SlashCommands.Required("plan", levels);
        if ((SlashCommands.ParsePermission(permission) ?? AccessLevel.None) < required)
        {
            await ReplyAsync(target, input, $"@{input.Author} GitHubBot starts work from the `{trigger}` label only when it is added by someone with {required.ToString().ToLowerInvariant()} permission on {input.Owner}/{input.Repo}; you have {permission}. Ask a maintainer to add it.");
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
        try
        {
            await Workflow.StartChildWorkflowAsync(
                (PlanPatchPrWorkflow wf) => wf.RunAsync(planInput),
                new ChildWorkflowOptions
                {
                    Id = id,
                    ParentClosePolicy = ParentClosePolicy.Abandon,
                    IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.AllowDuplicate,
                });
        }
        catch (WorkflowAlreadyStartedException)
        {
            // The issue's run is already going: it goes on.
        }

        return id;
    }

    private static async Task<CommandOutcome> ExecuteAsync(string name, SlashCommand command, CommandInput input, RepositoryTarget target, List<string> replies)
    {
        if (!input.IsPullRequest && name is "plan" or "approve" or "reject" or "cancel" or "status" && Workflow.Patched(PlanCommandsPatch))
        {
            return await PlanCommandAsync(name, command, input, target, replies);
        }

        switch (name)
        {
            case "gate":
            case "fix":
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
                        // (the gate finds out whether the PR comes from a fork when it looks the PR up).
                        AuthorAssociation = "CONTRIBUTOR",
                    };
                    try
                    {
                        await Workflow.StartChildWorkflowAsync(
                            (QualityGateWorkflow wf) => wf.RunAsync(gateInput),
                            new ChildWorkflowOptions
                            {
                                Id = gateId,
                                ParentClosePolicy = ParentClosePolicy.Abandon,
                                IdReusePolicy = Temporalio.Api.Enums.V1.WorkflowIdReusePolicy.RejectDuplicate,
                            });
                    }
                    catch (WorkflowAlreadyStartedException)
                    {
                        // The same command of the same comment, redelivered: its gate already runs.
                    }

                    return new CommandOutcome(command.Name, "done", null, gateId);
                }

            case "ok-to-test":
                {
                    // Only the commit the PR has now is vouched for: a gate of a push that came after the
                    // comment's author looked keeps waiting.
                    var head = await Workflow.ExecuteActivityAsync(
                        (GitHubActivities github) => github.GetPullRequestHeadAsync(target, input.IssueNumber), ActivityOptionsCatalog.GitHubCall);
                    var gates = await DescribeGatesAsync(input);
                    var waiting = gates.Where(g => g.Running && g.Status is { WaitingForOkToTest: true } status && status.HeadSha == head.Sha).ToList();
                    if (waiting.Count == 0)
                    {
                        replies.Add($"No gate of #{input.IssueNumber}'s head `{head.Sha[..Math.Min(7, head.Sha.Length)]}` is waiting for `/ok-to-test`.");
                        return new CommandOutcome(command.Name, "nothing-to-do");
                    }

                    foreach (var gate in waiting)
                    {
                        await Workflow.GetExternalWorkflowHandle<QualityGateWorkflow>(gate.WorkflowId).SignalAsync(wf => wf.OkToTestAsync(input.Author));
                    }

                    return new CommandOutcome(command.Name, "done", null, waiting[0].WorkflowId);
                }

            case "cancel":
                {
                    var running = (await DescribeGatesAsync(input)).Where(g => g.Running).ToList();
                    if (running.Count == 0)
                    {
                        replies.Add($"Nothing of GitHubBot's is running on #{input.IssueNumber}.");
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
                    replies.Add(StatusText(input, gates));
                    return new CommandOutcome(command.Name, "done", null, gates.Count > 0 ? gates[0].WorkflowId : null);
                }

            default:
                {
                    // plan, approve, reject, migrate, pause, resume, rollback: their workflows come with later work.
                    replies.Add($"`/{name}` is not available yet in this version of GitHubBot.");
                    return new CommandOutcome(command.Name, "unavailable");
                }
        }
    }

    /// <summary>The commands of an issue: they start, answer, stop or describe its plan → patch → PR run.</summary>
    private static async Task<CommandOutcome> PlanCommandAsync(string name, SlashCommand command, CommandInput input, RepositoryTarget target, List<string> replies)
    {
        var plan = await Workflow.ExecuteActivityAsync(
            (CommandActivities commands) => commands.DescribePlanAsync(input.Owner, input.Repo, input.IssueNumber), ActivityOptionsCatalog.TemporalCall);
        var running = plan is { Running: true };
        switch (name)
        {
            case "plan":
                if (running)
                {
                    replies.Add($"GitHubBot is already working on #{input.IssueNumber}{Link(plan!)}; `/status` shows how far it got, `/cancel` stops it.");
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
                    replies.Add($"Nothing of GitHubBot's is running on #{input.IssueNumber}.");
                    return new CommandOutcome(command.Name, "nothing-to-do");
                }

                var reason = $"Cancelled by @{input.Author} with /cancel.";
                await Workflow.GetExternalWorkflowHandle<PlanPatchPrWorkflow>(plan!.WorkflowId).SignalAsync(wf => wf.CancelAsync(reason));
                return new CommandOutcome(command.Name, "done", null, plan.WorkflowId);

            default:
                replies.Add(PlanStatusText(input, plan));
                return new CommandOutcome(command.Name, "done", null, plan?.WorkflowId);
        }
    }

    private static string PlanStatusText(CommandInput input, PlanInfo? plan)
    {
        if (plan is null)
        {
            return $"GitHubBot has run nothing on #{input.IssueNumber} yet.";
        }

        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"**Plan → patch → PR**{Link(plan)}: {(plan.Running ? "running" : "finished")}");
        if (plan.Status is { } status)
        {
            text.Append(CultureInfo.InvariantCulture, $", {status.Stage}\n");
            text.Append(CultureInfo.InvariantCulture, $"- design: {(status.HasDesign ? "written" : "not yet")}{(status.WaitingForApproval ? ", waiting for `/approve`" : string.Empty)}\n");
            text.Append(CultureInfo.InvariantCulture, $"- sub-issues: {status.IssuesCount}, patches: {status.PatchesCount}\n");
            text.Append(CultureInfo.InvariantCulture, $"- quality gate: {(status.QaCompleted ? $"{status.QaScore:0.#}/100" : "not run yet")}{(status.FixRound > 0 ? $", fix round {status.FixRound}" : string.Empty)}\n");
            text.Append(CultureInfo.InvariantCulture, $"- pull request: {(status.PrCreated ? status.PrUrl : "not yet")}\n");
            text.Append(CultureInfo.InvariantCulture, $"- agents: {status.Iterations} calls, {status.TokensUsed} tokens\n");
        }
        else
        {
            text.Append('\n');
        }

        return text.ToString();
    }

    private static string Link(PlanInfo plan) => plan.Url is { } url ? $" ([`{plan.WorkflowId}`]({url}))" : $" (`{plan.WorkflowId}`)";

    private static Task<IReadOnlyList<GateInfo>> DescribeGatesAsync(CommandInput input) =>
        Workflow.ExecuteActivityAsync(
            (CommandActivities commands) => commands.DescribeGatesAsync(input.Owner, input.Repo, input.IssueNumber),
            ActivityOptionsCatalog.TemporalCall);

    private static string StatusText(CommandInput input, IReadOnlyList<GateInfo> gates)
    {
        if (gates.Count == 0)
        {
            return $"GitHubBot has run nothing on #{input.IssueNumber} yet.";
        }

        var text = new StringBuilder();
        foreach (var gate in gates.Take(3))
        {
            var link = gate.Url is { } url ? $"[`{gate.WorkflowId}`]({url})" : $"`{gate.WorkflowId}`";
            text.Append(CultureInfo.InvariantCulture, $"**Quality gate** {link}: {(gate.Running ? "running" : "finished")}");
            if (gate.Status is { } status)
            {
                text.Append(CultureInfo.InvariantCulture, $", {status.Stage}, {status.ChecksDone}/{status.ChecksTotal} checks done");
                if (status.WaitingForOkToTest)
                {
                    text.Append(", waiting for `/ok-to-test`");
                }

                text.Append('\n');
                foreach (var check in status.Checks)
                {
                    text.Append(CultureInfo.InvariantCulture, $"- {check.Name.Replace('_', ' ')}: {check.State.Replace('_', ' ')}\n");
                }
            }
            else
            {
                text.Append('\n');
            }

            text.Append('\n');
        }

        return text.ToString().TrimEnd() + "\n";
    }

    private static Task<long> ReplyAsync(RepositoryTarget target, CommandInput input, string body) =>
        Workflow.ExecuteActivityAsync((GitHubActivities github) => github.ReplyAsync(new ReplyRequest(target, input.IssueNumber, body)), ActivityOptionsCatalog.GitHubCall);

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
