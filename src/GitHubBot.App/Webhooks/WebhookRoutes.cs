using System.Globalization;
using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// The routing table: every GitHub event GitHubBot reacts to, and what it does — one entry each, in
/// <see cref="Table"/>, from which the set of handled events and actions is derived, so the two cannot drift.
/// Anything not listed is answered 200 and logged (installation events as bookkeeping). A routed delivery's payload is
/// read as a <see cref="DeliveryPayload"/> (the fields the routes use); one not routed is not read beyond its action.
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
        new("pull_request", ["opened", "reopened", "synchronize", "ready_for_review"], QualityGate),
        new("check_suite", ["rerequested"], (e, route) => e.CheckSuite is not { Id: { } } suite
            ? new RouteDecision.BadPayload("check_suite and check_suite.id are required")
            : Rerun(
                e,
                new RerunOf(suite.HeadSha, suite.HeadBranch, [.. (suite.PullRequests ?? []).Select(p => new RerunPullRequest(p.Number, p.Head?.Repo?.Id, p.Base?.Repo?.Id))]),
                "suite",
                suite.Id,
                DeliveryKeys.Newest(suite.UpdatedAt),
                route)),
        new("check_run", ["rerequested"], (e, route) => e.CheckRun is not { Id: { } } run
            ? new RouteDecision.BadPayload("check_run and check_run.id are required")
            : Rerun(
                e,
                new RerunOf(run.HeadSha, run.CheckSuite?.HeadBranch, [.. (run.PullRequests ?? []).Select(p => new RerunPullRequest(p.Number, p.Head?.Repo?.Id, p.Base?.Repo?.Id))]),
                "run",
                run.Id,
                DeliveryKeys.Newest(run.StartedAt, run.CompletedAt, run.CheckSuite?.UpdatedAt),
                route)),
        new("check_run", ["requested_action"], (e, _) => e.RequestedAction?.Identifier switch
        {
            GateButtons.ApplyFixes => Button(e, "fix"),
            GateButtons.Rerun => Button(e, "gate"),
            var other => new RouteDecision.Ignore($"check_run action '{other}' is not one of GitHubBot's buttons"),
        }),
        new("issues", ["labeled"], (e, route) => Labelled(e, route.Options)),
        new("issue_comment", ["created"], (e, _) => Comment(e)),
        new("code_scanning_alert", ["created", "reopened"], (e, _) => GitHubAlerts.CodeScanning(e)),
        new("secret_scanning_alert", ["created", "reopened"], (e, _) => GitHubAlerts.SecretScanning(e)),
        new("dependabot_alert", ["created", "reopened"], (e, _) => GitHubAlerts.Dependabot(e)),
    ];

    /// <summary>
    /// Whether this table acts on <paramref name="eventName"/> with <paramref name="action"/>: a payload of such a
    /// delivery that cannot be read is a bad request; anything else is simply not handled.
    /// </summary>
    public static bool Routes(string eventName, string? action) => Find(eventName, action) is not null;

    /// <summary>Whether this table acts on some action of <paramref name="eventName"/>.</summary>
    public static bool RoutesEvent(string eventName) => Table.Any(route => route.Event == eventName);

    /// <summary>
    /// What a delivery comes to. The unsigned X-GitHub-Delivery header is not given to the table: every business key
    /// and every time it decides by comes from the signed body, so a captured body replayed under new delivery IDs
    /// finds the workflow it started the first time.
    /// </summary>
    public static RouteDecision Route(string eventName, DeliveryPayload payload, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(options);
        return Find(eventName, payload.Action) is { } route
            ? route.Decide(payload, new RouteContext($"{eventName}.{payload.Action ?? "-"}", options))
            : Unrouted(eventName, payload.Action);
    }

    /// <summary>What a delivery the table does not route comes to: installation events are bookkeeping, the rest not handled.</summary>
    public static RouteDecision Unrouted(string eventName, string? action)
    {
        var kind = $"{eventName}.{action ?? "-"}";
        return eventName is "installation" or "installation_repositories"
            ? new RouteDecision.Ignore($"bookkeeping: {kind}")
            : new RouteDecision.Ignore($"{kind} is not handled");
    }

    private static RouteEntry? Find(string eventName, string? action)
    {
        foreach (var route in Table)
        {
            if (route.Event == eventName && (route.Actions.Count == 0 || action is not null && route.Actions.Contains(action)))
            {
                return route;
            }
        }

        return null;
    }

    private static RouteDecision QualityGate(DeliveryPayload e, RouteContext route)
    {
        var kind = route.Kind;
        var pr = e.PullRequest;
        if (pr?.Head?.Sha is not { Length: > 0 } sha || pr.Head.Ref is not { Length: > 0 } branch)
        {
            return new RouteDecision.BadPayload("pull_request.head.sha and pull_request.head.ref are required");
        }

        if (pr.Number is not (>= 1 and <= int.MaxValue) || pr.Number is not { } number)
        {
            return new RouteDecision.BadPayload("pull_request.number is required");
        }

        var fromFork = PullRequestTrust.FromFork(pr.Head.Repo?.Id, e.Repository?.Id);
        return WithRepository(e, (owner, repo) => new RouteDecision.Start(
            WorkflowTypes.QualityGate,
            WorkflowIds.QualityGate(owner, repo, (int)number, sha),
            new QualityGateInput
            {
                Owner = owner,
                Repo = repo,
                PullRequestNumber = (int)number,
                HeadSha = sha,
                BaseSha = pr.Base?.Sha,
                Branch = branch,
                InstallationId = e.Installation?.Id,
                CloneUrl = pr.Head.Repo?.CloneUrl,
                FromFork = fromFork,

                // A bot's PR from a branch of this repository (GitHubBot's own, for one) was pushed with write
                // access to it: nothing to vouch for. Bots' PRs from forks are treated like anyone's.
                AuthorAssociation = PullRequestTrust.Association(pr.AuthorAssociation, pr.User?.IsBot == true, fromFork),
                Trigger = kind,
            }));
    }

    /// <summary>
    /// A re-run of a PR's gate, asked for on GitHub's Checks tab. The re-run vouches for no one: only a PR of this
    /// repository counts (GitHub lists a fork's PRs into other repositories too), it is judged as a pull_request
    /// delivery is — from a fork or not, its author's association — by the gate, which reads the PR from GitHub first.
    /// </summary>
    /// <param name="e">The delivery.</param>
    /// <param name="rerun">The commit and PRs it names.</param>
    /// <param name="of">"suite" or "run": what was re-requested.</param>
    /// <param name="id">The check suite's or check run's ID.</param>
    /// <param name="time">Its newest time in the payload: a later re-request of the same suite is a new re-run.</param>
    /// <param name="route">The route's context.</param>
    private static RouteDecision Rerun(DeliveryPayload e, RerunOf rerun, string of, long? id, DateTimeOffset? time, RouteContext route)
    {
        var kind = route.Kind;
        if (rerun.HeadSha is not { Length: > 0 } headSha)
        {
            return new RouteDecision.BadPayload($"{kind} has no head_sha");
        }

        if (e.Repository?.Id is not { } repositoryId || rerun.PullRequests.FirstOrDefault(p => p.BaseRepositoryId == repositoryId) is not { } pr)
        {
            return new RouteDecision.Ignore($"{kind} is not attached to a pull request of this repository");
        }

        if (pr.Number is not (>= 1 and <= int.MaxValue) || pr.Number is not { } number)
        {
            return new RouteDecision.BadPayload($"{kind} names a pull request without a number");
        }

        return WithRepository(e, (owner, repo) => new RouteDecision.Start(
            WorkflowTypes.QualityGate,
            WorkflowIds.QualityGateRerun(owner, repo, (int)number, headSha, DeliveryKeys.Of(string.Create(CultureInfo.InvariantCulture, $"{of}-{id}"), time)),
            new QualityGateInput
            {
                Owner = owner,
                Repo = repo,
                PullRequestNumber = (int)number,
                HeadSha = headSha,
                Branch = rerun.Branch ?? string.Empty,
                InstallationId = e.Installation?.Id,

                // Left to the gate to look up: a re-run's payload does not name the PR's author, and fixes must never
                // be pushed to a same-named branch of the base repository. Until the gate has read the PR, it is a
                // contributor's (a worker that does not know TrustFromPullRequest yet still holds a fork's PR back).
                CloneUrl = null,
                FromFork = PullRequestTrust.FromFork(pr.HeadRepositoryId, pr.BaseRepositoryId),
                AuthorAssociation = "CONTRIBUTOR",
                TrustFromPullRequest = true,
                Trigger = kind,
            })
        {
            SignedAt = DeliveryKeys.SignedAt(time, e.Repository.UpdatedAt, e.Repository.PushedAt),
        });
    }

    /// <summary>A created comment's slash commands go to a CommandWorkflow of their own; bots and plain comments are ignored.</summary>
    private static RouteDecision Comment(DeliveryPayload e)
    {
        if (e.Comment is not { Id: { } commentId } comment || e.Issue is not { Number: { } issueNumber } issue || issueNumber is not (>= 1 and <= int.MaxValue))
        {
            return new RouteDecision.BadPayload("comment.id, issue and issue.number are required");
        }

        var author = comment.User?.Login ?? e.Sender?.Login;
        if (author is null || comment.User?.IsBot == true || author.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase))
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
            WorkflowIds.CommentCommands(owner, repo, commentId),
            new CommandInput
            {
                Owner = owner,
                Repo = repo,
                InstallationId = e.Installation?.Id,
                IssueNumber = (int)issueNumber,
                IsPullRequest = issue.PullRequest is not null,
                CommentId = commentId,
                CommentCreatedAt = comment.CreatedAt,
                Author = author,
                Commands = commands,
            })
        {
            SignedAt = DeliveryKeys.SignedAt(comment.CreatedAt, comment.UpdatedAt, issue.UpdatedAt, e.Repository?.UpdatedAt, e.Repository?.PushedAt),
        });
    }

    /// <summary>
    /// A label added to an issue by a person goes to a CommandWorkflow of its own, which compares it with the
    /// repository's trigger label (its configuration may rename it) and checks the person's permission before it
    /// starts plan → patch → PR. Labels added by bots, GitHubBot's own included, are ignored.
    /// </summary>
    private static RouteDecision Labelled(DeliveryPayload e, RoutingOptions options)
    {
        if (e.Issue is not { Id: { } issueId, Number: { } issueNumber } issue || issueNumber is not (>= 1 and <= int.MaxValue)
            || e.Label is not { Id: { } labelId, Name: { Length: > 0 } label })
        {
            return new RouteDecision.BadPayload("issue.id, issue.number, label.id and label.name are required");
        }

        if (e.Sender?.Login is not { Length: > 0 } sender)
        {
            return new RouteDecision.BadPayload("sender.login is required");
        }

        if (e.Sender.IsBot || sender.EndsWith("[bot]", StringComparison.OrdinalIgnoreCase))
        {
            return new RouteDecision.Ignore("labels added by bots do not start work");
        }

        return WithRepository(e, (owner, repo) => new RouteDecision.Start(
            WorkflowTypes.Command,
            // Adding a label updates the issue: the same label added again later is a new key, a replayed body the same one.
            WorkflowIds.LabelCommand(owner, repo, DeliveryKeys.Of(string.Create(CultureInfo.InvariantCulture, $"{issueId}-{labelId}"), issue.UpdatedAt)),
            new CommandInput
            {
                Owner = owner,
                Repo = repo,
                InstallationId = e.Installation?.Id,
                IssueNumber = (int)issueNumber,
                Author = sender,
                Commands = [],
                Label = label,
                DefaultTriggerLabel = options.TriggerLabel,
            })
        {
            SignedAt = DeliveryKeys.SignedAt(issue.UpdatedAt, e.Repository?.UpdatedAt, e.Repository?.PushedAt),
        });
    }

    /// <summary>A click on one of the gate's check-run buttons: the same command, with the same permission check on the clicking user.</summary>
    /// <remarks>
    /// GitHub's payload carries no time of the click itself: its key is the check run, the button, the clicker and the
    /// run's newest time, so a replayed click finds the command it started, and another person's click (one who may
    /// have the permission the first lacked) is a click of its own.
    /// </remarks>
    private static RouteDecision Button(DeliveryPayload e, string command)
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

        if (e.Sender is not { Login: { Length: > 0 } clicker, Id: { } clickerId } || e.CheckRun.Id is not { } runId)
        {
            return new RouteDecision.BadPayload("sender.login, sender.id and check_run.id are required");
        }

        if (pr.Number is not (>= 1 and <= int.MaxValue) || pr.Number is not { } number)
        {
            return new RouteDecision.BadPayload("the check run names a pull request without a number");
        }

        var run = e.CheckRun;
        var time = DeliveryKeys.Newest(run.StartedAt, run.CompletedAt, run.CheckSuite?.UpdatedAt);
        var key = DeliveryKeys.Of(string.Create(CultureInfo.InvariantCulture, $"{runId}-{e.RequestedAction!.Identifier}-{clickerId}"), time);
        return WithRepository(e, (owner, repo) => new RouteDecision.Start(
            WorkflowTypes.Command,
            WorkflowIds.ButtonCommand(owner, repo, key),
            new CommandInput
            {
                Owner = owner,
                Repo = repo,
                InstallationId = e.Installation?.Id,
                IssueNumber = (int)number,
                IsPullRequest = true,
                Author = clicker,
                HeadSha = sha,
                Commands = [new SlashCommand(command, [], $"button {e.RequestedAction!.Identifier}", true)],
            })
        {
            SignedAt = DeliveryKeys.SignedAt(time, e.Repository?.UpdatedAt, e.Repository?.PushedAt),
        });
    }

    internal static RouteDecision WithRepository(DeliveryPayload e, Func<string, string, RouteDecision> route) =>
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
internal sealed record RouteEntry(string Event, IReadOnlyList<string> Actions, Func<DeliveryPayload, RouteContext, RouteDecision> Decide);

/// <summary>What a route's decision knows besides the payload: "event.action" and the settings (never the unsigned delivery header).</summary>
internal sealed record RouteContext(string Kind, RoutingOptions Options);

/// <summary>A re-run's commit, branch and the PRs GitHub attached to it (check_suite and check_run payloads shape them differently).</summary>
internal sealed record RerunOf(string? HeadSha, string? Branch, IReadOnlyList<RerunPullRequest> PullRequests);

/// <summary>One PR of a re-run's payload: its number, and the IDs of its head and base repositories.</summary>
internal sealed record RerunPullRequest(long? Number, long? HeadRepositoryId, long? BaseRepositoryId);
