using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.QualityGate;
using Octokit.Webhooks;
using Octokit.Webhooks.Events;
using Octokit.Webhooks.Events.CheckRun;
using Octokit.Webhooks.Events.CheckSuite;
using Octokit.Webhooks.Events.CodeScanningAlert;
using Octokit.Webhooks.Events.DependabotAlert;
using Octokit.Webhooks.Events.IssueComment;
using Octokit.Webhooks.Events.Issues;
using Octokit.Webhooks.Events.PullRequest;
using Octokit.Webhooks.Events.SecretScanningAlert;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// The routing table: every GitHub event GitHubBot reacts to, and what it does (PRODUCT.md §2).
/// Anything not listed here is answered 200 and logged. Keep this the only place that decides.
/// </summary>
public static class WebhookRoutes
{
    /// <summary>The event/action pairs this table acts on (null: any action, e.g. ping).</summary>
    private static readonly HashSet<(string Event, string? Action)> Routed =
    [
        ("ping", null),
        ("pull_request", "opened"), ("pull_request", "reopened"), ("pull_request", "synchronize"), ("pull_request", "ready_for_review"),
        ("check_suite", "rerequested"), ("check_run", "rerequested"), ("check_run", "requested_action"),
        ("issues", "labeled"), ("issue_comment", "created"),
        ("code_scanning_alert", "created"), ("code_scanning_alert", "reopened"),
        ("secret_scanning_alert", "created"), ("secret_scanning_alert", "reopened"),
        ("dependabot_alert", "created"), ("dependabot_alert", "reopened"),
    ];

    /// <summary>
    /// Whether this table acts on <paramref name="eventName"/> with <paramref name="action"/>: a payload of such a
    /// delivery that cannot be read is a bad request; anything else is simply not handled.
    /// </summary>
    public static bool Routes(string eventName, string? action) => Routed.Contains((eventName, action)) || Routed.Contains((eventName, null));

    /// <summary>Whether this table acts on some action of <paramref name="eventName"/>.</summary>
    public static bool RoutesEvent(string eventName) => Routed.Any(route => route.Event == eventName);

    public static RouteDecision Route(string eventName, WebhookEvent payload, string deliveryId, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(options);
        var kind = $"{eventName}.{payload.Action ?? "-"}";

        return payload switch
        {
            PingEvent => new RouteDecision.Ignore("ping"),

            PullRequestOpenedEvent or PullRequestReopenedEvent or PullRequestSynchronizeEvent or PullRequestReadyForReviewEvent
                => QualityGate((PullRequestEvent)payload, kind),

            CheckSuiteRerequestedEvent e => Rerun(e, e.CheckSuite?.HeadSha, e.CheckSuite?.HeadBranch, e.CheckSuite?.PullRequests is [var first, ..] ? first.Number : null, autoFix: false, kind, deliveryId),

            CheckRunRerequestedEvent e => CheckRunRerun(e, autoFix: false, kind, deliveryId),

            CheckRunRequestedActionEvent e => e.RequestedAction?.Identifier switch
            {
                GateButtons.ApplyFixes => Button(e, "fix", deliveryId),
                GateButtons.Rerun => Button(e, "gate", deliveryId),
                var other => new RouteDecision.Ignore($"check_run action '{other}' is not one of GitHubBot's buttons"),
            },

            IssuesLabeledEvent e => Labelled(e, deliveryId, options),

            IssueCommentCreatedEvent e => Comment(e),

            CodeScanningAlertCreatedEvent or CodeScanningAlertReopenedEvent
                => Incident(payload, "code_scanning", ((CodeScanningAlertEvent)payload).Alert?.Number),

            SecretScanningAlertCreatedEvent or SecretScanningAlertReopenedEvent
                => Incident(payload, "secret_scanning", ((SecretScanningAlertEvent)payload).Alert?.Number),

            DependabotAlertCreatedEvent or DependabotAlertReopenedEvent
                => Incident(payload, "dependabot", ((DependabotAlertEvent)payload).Alert?.Number),

            _ when eventName is "installation" or "installation_repositories" => new RouteDecision.Ignore($"bookkeeping: {kind}"),

            _ => new RouteDecision.Ignore($"{kind} is not handled"),
        };
    }

    private static RouteDecision QualityGate(PullRequestEvent e, string kind)
    {
        var pr = e.PullRequest;
        if (pr?.Head?.Sha is not { Length: > 0 } sha || pr.Head.Ref is not { Length: > 0 } branch)
        {
            return new RouteDecision.BadPayload("pull_request.head.sha and pull_request.head.ref are required");
        }

        var fromFork = pr.Head.Repo?.Id is not { } headRepo || headRepo != e.Repository?.Id;
        return WithRepository(e, (owner, repo) => new RouteDecision.Start(
            WorkflowTypes.QualityGate,
            WorkflowIds.QualityGate(owner, repo, (int)pr.Number, sha),
            new QualityGateInput
            {
                Owner = owner,
                Repo = repo,
                PullRequestNumber = (int)pr.Number,
                HeadSha = sha,
                Branch = branch,
                InstallationId = e.Installation?.Id,
                CloneUrl = pr.Head.Repo?.CloneUrl,
                FromFork = fromFork,

                // A bot's PR from a branch of this repository (GitHubBot's own, for one) was pushed with write
                // access to it: nothing to vouch for. Bots' PRs from forks are treated like anyone's.
                AuthorAssociation = !fromFork && pr.User?.Type == Octokit.Webhooks.Models.UserType.Bot ? null : pr.AuthorAssociation.StringValue,
                Trigger = kind,
            }));
    }

    private static RouteDecision CheckRunRerun(CheckRunEvent e, bool autoFix, string kind, string deliveryId) =>
        Rerun(e, e.CheckRun?.HeadSha, e.CheckRun?.CheckSuite?.HeadBranch, e.CheckRun?.PullRequests is [var first, ..] ? first.Number : null, autoFix, kind, deliveryId);

    private static RouteDecision Rerun(WebhookEvent e, string? headSha, string? branch, long? pullRequest, bool autoFix, string kind, string deliveryId)
    {
        if (headSha is not { Length: > 0 })
        {
            return new RouteDecision.BadPayload($"{kind} has no head_sha");
        }

        if (pullRequest is null)
        {
            return new RouteDecision.Ignore($"{kind} is not attached to a pull request of this repository");
        }

        return WithRepository(e, (owner, repo) => new RouteDecision.Start(
            WorkflowTypes.QualityGate,
            WorkflowIds.QualityGateRerun(owner, repo, (int)pullRequest.Value, headSha, deliveryId),
            new QualityGateInput
            {
                Owner = owner,
                Repo = repo,
                PullRequestNumber = (int)pullRequest.Value,
                HeadSha = headSha,
                Branch = branch ?? string.Empty,
                InstallationId = e.Installation?.Id,

                // Left to the gate to look up: a re-run's payload does not say whether the PR comes from a fork,
                // and fixes must never be pushed to a same-named branch of the base repository.
                CloneUrl = null,
                AttemptAutoFix = autoFix,
                Trigger = kind,
            }));
    }

    /// <summary>A created comment's slash commands go to a CommandWorkflow of their own; bots and plain comments are ignored.</summary>
    private static RouteDecision Comment(IssueCommentCreatedEvent e)
    {
        if (e.Comment is not { } comment || e.Issue is not { } issue)
        {
            return new RouteDecision.BadPayload("comment and issue are required");
        }

        var author = comment.User?.Login ?? e.Sender?.Login;
        if (author is null || comment.User?.Type == Octokit.Webhooks.Models.UserType.Bot || author.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase))
        {
            return new RouteDecision.Ignore("comments by bots, GitHubBot's own included, are not commands");
        }

        var commands = SlashCommands.Parse(comment.Body);
        if (commands.Count == 0)
        {
            return new RouteDecision.Ignore("the comment holds no command");
        }

        return WithRepository(e, (owner, repo) => new RouteDecision.Start(
            WorkflowTypes.Command,
            WorkflowIds.CommentCommands(owner, repo, comment.Id),
            new CommandInput
            {
                Owner = owner,
                Repo = repo,
                InstallationId = e.Installation?.Id,
                IssueNumber = (int)issue.Number,
                IsPullRequest = issue.PullRequest is not null,
                CommentId = comment.Id,
                Author = author,
                Commands = commands,
            }));
    }

    /// <summary>
    /// A label added to an issue by a person goes to a CommandWorkflow of its own, which compares it with the
    /// repository's trigger label (its configuration may rename it) and checks the person's permission before it
    /// starts plan → patch → PR. Labels added by bots, GitHubBot's own included, are ignored.
    /// </summary>
    private static RouteDecision Labelled(IssuesLabeledEvent e, string deliveryId, RoutingOptions options)
    {
        if (e.Issue is not { } issue || e.Label?.Name is not { Length: > 0 } label)
        {
            return new RouteDecision.BadPayload("issue and label.name are required");
        }

        if (e.Sender?.Login is not { Length: > 0 } sender)
        {
            return new RouteDecision.BadPayload("sender.login is required");
        }

        if (e.Sender.Type == Octokit.Webhooks.Models.UserType.Bot || sender.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase))
        {
            return new RouteDecision.Ignore("labels added by bots do not start work");
        }

        return WithRepository(e, (owner, repo) => new RouteDecision.Start(
            WorkflowTypes.Command,
            WorkflowIds.LabelCommand(owner, repo, deliveryId),
            new CommandInput
            {
                Owner = owner,
                Repo = repo,
                InstallationId = e.Installation?.Id,
                IssueNumber = (int)issue.Number,
                Author = sender,
                Commands = [],
                Label = label,
                DefaultTriggerLabel = options.TriggerLabel,
            }));
    }

    /// <summary>A click on one of the gate's check-run buttons: the same command, with the same permission check on the clicking user.</summary>
    private static RouteDecision Button(CheckRunRequestedActionEvent e, string command, string deliveryId)
    {
        if (e.CheckRun?.HeadSha is not { Length: > 0 } sha)
        {
            return new RouteDecision.BadPayload("check_run.head_sha is required");
        }

        // GitHub lists PRs of other repositories too (a fork's PR into its own parent); only this repository's counts.
        if (e.CheckRun.PullRequests?.FirstOrDefault(p => p.Base?.Repo?.Id == e.Repository?.Id) is not { } pr)
        {
            return new RouteDecision.Ignore("the check run is not attached to a pull request of this repository");
        }

        if (e.Sender?.Login is not { Length: > 0 } clicker)
        {
            return new RouteDecision.BadPayload("sender.login is required");
        }

        return WithRepository(e, (owner, repo) => new RouteDecision.Start(
            WorkflowTypes.Command,
            WorkflowIds.ButtonCommand(owner, repo, deliveryId),
            new CommandInput
            {
                Owner = owner,
                Repo = repo,
                InstallationId = e.Installation?.Id,
                IssueNumber = (int)pr.Number,
                IsPullRequest = true,
                Author = clicker,
                HeadSha = sha,
                Commands = [new SlashCommand(command, [], $"button {e.RequestedAction!.Identifier}", true)],
            }));
    }

    private static RouteDecision Incident(WebhookEvent e, string alertKind, long? number) =>
        number is null
            ? new RouteDecision.BadPayload("alert.number is required")
            : WithRepository(e, (owner, repo) => new RouteDecision.NotAvailable("incident swarm", WorkflowIds.GitHubIncident(owner, repo, alertKind, (int)number.Value)));

    private static RouteDecision WithRepository(WebhookEvent e, Func<string, string, RouteDecision> route) =>
        e.Repository?.Owner?.Login is { Length: > 0 } owner && e.Repository.Name is { Length: > 0 } repo
            ? route(owner, repo)
            : new RouteDecision.BadPayload("repository.owner.login and repository.name are required");
}

/// <summary>Settings the routing table reads.</summary>
public sealed record RoutingOptions(string TriggerLabel)
{
    public static RoutingOptions Default { get; } = new("ghbot:implement");
}
