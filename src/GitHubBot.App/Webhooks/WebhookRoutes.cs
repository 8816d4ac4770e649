using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.QualityGate;
using Octokit.Webhooks;
using Octokit.Webhooks.Events;
using Octokit.Webhooks.Events.CheckRun;
using Octokit.Webhooks.Events.CheckSuite;
using Octokit.Webhooks.Events.IssueComment;
using Octokit.Webhooks.Events.Issues;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// The routing table: every GitHub event GitHubBot reacts to, and what it does — one entry each, in
/// <see cref="Table"/>, from which the set of handled events and actions is derived, so the two cannot drift.
/// Anything not listed is answered 200 and logged (installation events as bookkeeping).
/// </summary>
/// <remarks>
/// One decision is finished elsewhere, on purpose: a label added to an issue by a person goes to a
/// <c>CommandWorkflow</c>, which compares it with the repository's trigger label and checks the labeller's
/// permission (<c>CommandWorkflow.LabelledAsync</c> in src/GitHubBot.Workflows/Commands/CommandWorkflow.Plan.workflow.cs):
/// the trigger label may be renamed in the repository's .github/ghbot.yml, which only a worker can read — the
/// request makes no GitHub call.
/// </remarks>
public static class WebhookRoutes
{
    /// <summary>The routes: an event, the actions it is routed for (empty: any), and what a delivery of it comes to.</summary>
    private static readonly IReadOnlyList<RouteEntry> Table =
    [
        new("ping", [], (_, _) => new RouteDecision.Ignore("ping")),
        new("pull_request", ["opened", "reopened", "synchronize", "ready_for_review"], Typed<PullRequestEvent>(QualityGate)),
        new("check_suite", ["rerequested"], Typed<CheckSuiteRerequestedEvent>((e, route) =>
            Rerun(e, e.CheckSuite?.HeadSha, e.CheckSuite?.HeadBranch, e.CheckSuite?.PullRequests is [var first, ..] ? first.Number : null, route))),
        new("check_run", ["rerequested"], Typed<CheckRunRerequestedEvent>((e, route) =>
            Rerun(e, e.CheckRun?.HeadSha, e.CheckRun?.CheckSuite?.HeadBranch, e.CheckRun?.PullRequests is [var first, ..] ? first.Number : null, route))),
        new("check_run", ["requested_action"], Typed<CheckRunRequestedActionEvent>((e, route) => e.RequestedAction?.Identifier switch
        {
            GateButtons.ApplyFixes => Button(e, "fix", route.DeliveryId),
            GateButtons.Rerun => Button(e, "gate", route.DeliveryId),
            var other => new RouteDecision.Ignore($"check_run action '{other}' is not one of GitHubBot's buttons"),
        })),
        new("issues", ["labeled"], Typed<IssuesLabeledEvent>((e, route) => Labelled(e, route.DeliveryId, route.Options))),
        new("issue_comment", ["created"], Typed<IssueCommentCreatedEvent>((e, _) => Comment(e))),
        new("code_scanning_alert", ["created", "reopened"], Typed<CodeScanningAlertEvent>((e, _) => GitHubAlerts.CodeScanning(e))),
        new("secret_scanning_alert", ["created", "reopened"], Typed<SecretScanningAlertEvent>((e, _) => GitHubAlerts.SecretScanning(e))),
        new("dependabot_alert", ["created", "reopened"], Typed<DependabotAlertEvent>((e, _) => GitHubAlerts.Dependabot(e))),
    ];

    /// <summary>
    /// Whether this table acts on <paramref name="eventName"/> with <paramref name="action"/>: a payload of such a
    /// delivery that cannot be read is a bad request; anything else is simply not handled.
    /// </summary>
    public static bool Routes(string eventName, string? action) => Find(eventName, action) is not null;

    /// <summary>Whether this table acts on some action of <paramref name="eventName"/>.</summary>
    public static bool RoutesEvent(string eventName) => Table.Any(route => route.Event == eventName);

    public static RouteDecision Route(string eventName, WebhookEvent payload, string deliveryId, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(options);
        var kind = $"{eventName}.{payload.Action ?? "-"}";
        if (Find(eventName, payload.Action) is { } route)
        {
            return route.Decide(payload, new RouteContext(kind, deliveryId, options));
        }

        return eventName is "installation" or "installation_repositories"
            ? new RouteDecision.Ignore($"bookkeeping: {kind}")
            : new RouteDecision.Ignore($"{kind} is not handled");
    }

    private static RouteEntry? Find(string eventName, string? action) =>
        Table.FirstOrDefault(route => route.Event == eventName && (route.Actions.Count == 0 || action is not null && route.Actions.Contains(action)));

    /// <summary>A route's decision for payloads of type <typeparamref name="T"/>; any other payload is a bad one.</summary>
    private static Func<WebhookEvent, RouteContext, RouteDecision> Typed<T>(Func<T, RouteContext, RouteDecision> decide)
        where T : WebhookEvent =>
        (payload, route) => payload is T typed ? decide(typed, route) : new RouteDecision.BadPayload($"{route.Kind} is not a {typeof(T).Name} payload");

    private static RouteDecision QualityGate(PullRequestEvent e, RouteContext route)
    {
        var kind = route.Kind;
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
                BaseSha = pr.Base?.Sha,
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

    private static RouteDecision Rerun(WebhookEvent e, string? headSha, string? branch, long? pullRequest, RouteContext route)
    {
        var (kind, deliveryId) = (route.Kind, route.DeliveryId);
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
                CommentCreatedAt = comment.CreatedAt,
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

    internal static RouteDecision WithRepository(WebhookEvent e, Func<string, string, RouteDecision> route) =>
        e.Repository?.Owner?.Login is { Length: > 0 } owner && e.Repository.Name is { Length: > 0 } repo
            ? route(owner, repo)
            : new RouteDecision.BadPayload("repository.owner.login and repository.name are required");
}

/// <summary>Settings the routing table reads.</summary>
public sealed record RoutingOptions(string TriggerLabel)
{
    public static RoutingOptions Default { get; } = new("ghbot:implement");
}

/// <summary>One route of the table: an event, its actions (empty: any), and its decision.</summary>
internal sealed record RouteEntry(string Event, IReadOnlyList<string> Actions, Func<WebhookEvent, RouteContext, RouteDecision> Decide);

/// <summary>What a route's decision knows besides the payload: "event.action", the delivery, the settings.</summary>
internal sealed record RouteContext(string Kind, string DeliveryId, RoutingOptions Options);
