using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Workflows.Temporal;
using Octokit;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.GitHub;

/// <summary>Every GitHub side effect a workflow has, each one activity, acting as the repository's installation.</summary>
public sealed partial class GitHubActivities(IGitHubClients clients, TemporalUiLinks links, TimeProvider time)
{
    /// <summary>Creates a check run on the head SHA and returns its ID. A retried attempt reuses the run an earlier attempt created.</summary>
    [Activity]
    public async Task<long> CreateCheckRunAsync(CreateCheckRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ActivityExecutionContext.Current;
        var workflowId = context.Info.WorkflowId ?? string.Empty;
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.Checks, context.CancellationToken);

        if (context.Info.Attempt > 1 && await EarlierRunAsync(client, request.Target, request.HeadSha, request.Name, workflowId) is { } earlier)
        {
            return earlier;
        }

        var detailsUrl = links.WorkflowUrl(workflowId);
        var run = await GitHubFailures.CallAsync(
            () => client.Check.Run.Create(request.Target.Owner, request.Target.Repo, new NewCheckRun(request.Name, request.HeadSha)
            {
                Status = ParseStatus(request.Status),
                StartedAt = time.GetUtcNow(),
                ExternalId = workflowId,
                DetailsUrl = detailsUrl?.ToString(),
                Output = new NewCheckRunOutput(request.Title, request.Summary),
            }),
            time);
        return run.Id;
    }

    /// <summary>Completes a check run with a conclusion and its final text.</summary>
    [Activity]
    public async Task CompleteCheckRunAsync(CompleteCheckRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ActivityExecutionContext.Current;
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.Checks, context.CancellationToken);
        await GitHubFailures.CallAsync(
            () => client.Check.Run.Update(request.Target.Owner, request.Target.Repo, request.CheckRunId, new CheckRunUpdate
            {
                Status = CheckStatus.Completed,
                Conclusion = ParseConclusion(request.Conclusion),
                CompletedAt = time.GetUtcNow(),
                Output = new NewCheckRunOutput(GitHubText.Truncate(request.Title, 1000), GitHubText.Truncate(request.Summary)),
                Actions = request.Buttons.Count == 0 ? null : [.. request.Buttons.Take(3).Select(b => new NewCheckRunAction(b.Label, b.Description, b.Identifier))],
            }),
            time);
    }

    /// <summary>How long a user's permission on a repository is remembered.</summary>
    public static readonly TimeSpan PermissionCacheTime = TimeSpan.FromMinutes(1);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Owner, string Repo, string Login), (string Level, DateTimeOffset Until)> Permissions = new();

    /// <summary>
    /// The user's permission on the repository (admin, maintain, write, triage, read or none), from the collaborator
    /// permission API, remembered for <see cref="PermissionCacheTime"/> per user and repository.
    /// </summary>
    [Activity]
    public async Task<string> GetPermissionAsync(RepositoryTarget target, string login)
    {
        ArgumentNullException.ThrowIfNull(target);
        var key = (target.Owner.ToLowerInvariant(), target.Repo.ToLowerInvariant(), login.ToLowerInvariant());
        if (Permissions.TryGetValue(key, out var cached) && cached.Until > time.GetUtcNow())
        {
            return cached.Level;
        }

        var client = await clients.ForRepositoryAsync(target, GitHubAccess.Metadata, ActivityExecutionContext.Current.CancellationToken);
        var level = await GitHubFailures.CallAsync(async () =>
        {
            try
            {
                var answer = await client.Repository.Collaborator.ReviewPermission(target.Owner, target.Repo, login);
                // A custom role's name says nothing GitHubBot can rank: its base permission does.
                return answer.RoleName is { Length: > 0 } role && Core.Commands.SlashCommands.ParsePermission(role) is not null ? role : answer.Permission;
            }
            catch (NotFoundException)
            {
                // Not a collaborator: GitHub answers 404 for users it does not know on the repository.
                return "none";
            }
        }, time);
        var now = time.GetUtcNow();
        foreach (var stale in Permissions.Where(entry => entry.Value.Until <= now).Select(entry => entry.Key).ToList())
        {
            Permissions.TryRemove(stale, out _);
        }

        Permissions[key] = (level, now + PermissionCacheTime);
        return level;
    }

    /// <summary>
    /// Replies on an issue or PR with a new comment, once: a retried attempt whose earlier try reached GitHub (and
    /// only its answer was lost) finds that comment instead of posting a second one.
    /// </summary>
    [Activity]
    public async Task<long> ReplyAsync(ReplyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.Conversation, ActivityExecutionContext.Current.CancellationToken);
        return await CommentOnceAsync(client, request.Target, request.IssueNumber, request.Body);
    }

    /// <summary>Reacts to a comment (GitHub answers an existing identical reaction without adding a second).</summary>
    [Activity]
    public async Task ReactAsync(ReactionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reaction = request.Content switch
        {
            "eyes" => ReactionType.Eyes,
            "+1" => ReactionType.Plus1,
            "-1" => ReactionType.Minus1,
            "confused" => ReactionType.Confused,
            "rocket" => ReactionType.Rocket,
            _ => throw new ApplicationFailureException($"Unknown reaction '{request.Content}'.", errorType: "InvalidRequest", nonRetryable: true),
        };
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.Conversation, ActivityExecutionContext.Current.CancellationToken);
        await GitHubFailures.CallAsync(() => client.Reaction.IssueComment.Create(request.Target.Owner, request.Target.Repo, request.CommentId, new NewReaction(reaction)), time);
    }

    /// <summary>Adds a label to an issue or PR, or removes it (a label that is already there, or already gone, is fine).</summary>
    [Activity]
    public async Task SetLabelAsync(LabelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.Conversation, ActivityExecutionContext.Current.CancellationToken);
        var (owner, repo) = (request.Target.Owner, request.Target.Repo);
        if (request.Present)
        {
            await GitHubFailures.CallAsync(() => client.Issue.Labels.AddToIssue(owner, repo, request.IssueNumber, [request.Label]), time);
            return;
        }

        await GitHubFailures.CallAsync(async () =>
        {
            try
            {
                await client.Issue.Labels.RemoveFromIssue(owner, repo, request.IssueNumber, request.Label);
            }
            catch (NotFoundException)
            {
                // Not there: nothing to remove.
            }

            return true;
        }, time);
    }

    /// <summary>The PR's head as GitHub reports it now: SHA, branch, where to fetch it, whether it comes from a fork.</summary>
    [Activity]
    public async Task<PullRequestHead> GetPullRequestHeadAsync(RepositoryTarget target, int number)
    {
        ArgumentNullException.ThrowIfNull(target);
        var client = await clients.ForRepositoryAsync(target, GitHubAccess.ReadPullRequests, ActivityExecutionContext.Current.CancellationToken);

        // Octokit's PullRequest leaves out author_association: it is read from the same answer's JSON.
        var response = await GitHubFailures.CallAsync(() => client.Connection.Get<PullRequest>(ApiUrls.PullRequest(target.Owner, target.Repo, number), null), time);
        var pr = response.Body;
        var headRepo = pr.Head?.Repository;
        if (pr.Head?.Sha is not { Length: > 0 } sha || headRepo?.CloneUrl is not { Length: > 0 } cloneUrl)
        {
            throw new ApplicationFailureException($"Pull request #{number} has no head repository any more (was its fork deleted?).", errorType: "InvalidRequest", nonRetryable: true);
        }

        return new PullRequestHead(
            sha,
            pr.Head.Ref,
            cloneUrl,
            headRepo.Id != pr.Base?.Repository?.Id,
            pr.State.Value == ItemState.Open)
        {
            Merged = pr.Merged,
            BaseSha = pr.Base?.Sha,
            AuthorAssociation = AuthorAssociationOf(response.HttpResponse.Body as string),
            AuthorIsBot = pr.User?.Type == AccountType.Bot,
        };
    }

    /// <summary>The "author_association" of a PR's JSON; null when it is not there (the gate judges that as NONE).</summary>
    private static string? AuthorAssociationOf(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
            && document.RootElement.TryGetProperty("author_association", out var association)
            && association.ValueKind == System.Text.Json.JsonValueKind.String
                ? association.GetString()
                : null;
    }

    /// <summary>
    /// Creates a completed check run carrying every annotation: GitHub takes at most 50 per request, so the first 50
    /// go with the creation and each further batch with an update (GitHub appends them).
    /// </summary>
    /// <remarks>
    /// At most <see cref="GitHubText.MaxAnnotationsPerCheckRun"/> annotations are sent, failures first, and the summary says how many were
    /// left out. A retried attempt finds the run an earlier attempt created (by name and external ID) and sends only
    /// the batches that attempt had not sent (recorded in heartbeat details), so nothing is created or added twice.
    /// </remarks>
    [Activity]
    public async Task<long> PublishCheckRunAsync(PublishCheckRunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ActivityExecutionContext.Current;
        var workflowId = context.Info.WorkflowId ?? string.Empty;
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.Checks, context.CancellationToken);
        var (owner, repo) = (request.Target.Owner, request.Target.Repo);
        var valid = request.Annotations
            .OrderBy(a => a.Level switch
            {
                AnnotationLevel.Failure => 0,
                AnnotationLevel.Warning => 1,
                _ => 2,
            })
            .Select(Sanitize)
            .OfType<NewCheckRunAnnotation>()
            .ToList();
        var dropped = valid.Count - GitHubText.MaxAnnotationsPerCheckRun;
        var title = GitHubText.Truncate(request.Title, 1000);
        var summary = GitHubText.Truncate(dropped > 0 ? $"{request.Summary}\n\n{dropped} more annotations are not shown." : request.Summary);
        var batches = GitHubText.Batches(valid.Take(GitHubText.MaxAnnotationsPerCheckRun)).ToList();

        long? runId = null;
        var sent = 0;
        if (context.Info.Attempt > 1)
        {
            runId = await EarlierRunAsync(client, request.Target, request.HeadSha, request.Name, workflowId);
            sent = runId is null || context.Info.HeartbeatDetails.Count == 0 ? 0 : await context.Info.HeartbeatDetailAtAsync<int>(0);
        }

        if (runId is null)
        {
            var run = await GitHubFailures.CallAsync(
                () => client.Check.Run.Create(owner, repo, new NewCheckRun(request.Name, request.HeadSha)
                {
                    Status = CheckStatus.Completed,
                    Conclusion = ParseConclusion(request.Conclusion),
                    CompletedAt = time.GetUtcNow(),
                    ExternalId = workflowId,
                    Output = new NewCheckRunOutput(title, summary) { Annotations = batches.FirstOrDefault() ?? [] },
                }),
                time);
            runId = run.Id;
            sent = 1;
            RecordProgress(context, sent, batches.Count);
        }

        foreach (var batch in batches.Skip(sent))
        {
            await GitHubFailures.CallAsync(
                () => client.Check.Run.Update(owner, repo, runId.Value, new CheckRunUpdate { Output = new NewCheckRunOutput(title, summary) { Annotations = batch } }),
                time);
            RecordProgress(context, ++sent, batches.Count);
        }

        return runId.Value;
    }

    /// <summary>
    /// Records how many batches went out, for a retry to continue from; only while more follow (a heartbeat sent as
    /// the activity completes reaches the server after it and is refused as unknown).
    /// </summary>
    private static void RecordProgress(ActivityExecutionContext context, int sent, int total)
    {
        if (sent < total)
        {
            context.Heartbeat(sent);
        }
    }

    /// <summary>Edits the issue's or PR's comment that carries the marker, or creates it: one comment, however often it is written.</summary>
    [Activity]
    public async Task<long> UpsertStickyCommentAsync(UpsertCommentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ActivityExecutionContext.Current;
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.Conversation, context.CancellationToken);
        var (owner, repo) = (request.Target.Owner, request.Target.Repo);
        var body = GitHubText.Truncate(request.Body);
        if (string.IsNullOrWhiteSpace(request.Marker))
        {
            throw new ApplicationFailureException("A sticky comment needs a marker.", errorType: "InvalidRequest", nonRetryable: true);
        }

        // Only this App's own comment counts: another bot (or a PR's workflow) may quote the marker.
        var login = $"{await clients.AppSlugAsync()}[bot]";
        var comments = await GitHubFailures.CallAsync(() => client.Issue.Comment.GetAllForIssue(owner, repo, request.IssueNumber), time);
        var mine = comments.FirstOrDefault(c => string.Equals(c.User?.Login, login, StringComparison.OrdinalIgnoreCase) && c.Body?.Contains(request.Marker, StringComparison.Ordinal) == true);
        var comment = mine is null
            ? await GitHubFailures.CallAsync(() => client.Issue.Comment.Create(owner, repo, request.IssueNumber, body), time)
            : await GitHubFailures.CallAsync(() => client.Issue.Comment.Update(owner, repo, mine.Id, body), time);
        return comment.Id;
    }

    /// <summary>
    /// Reads .github/ghbot.yml from the repository's default branch, merged over the organization's copy in its
    /// .github repository; either may be missing. Problems come back as data, for a failed check run that names them.
    /// </summary>
    [Activity]
    public async Task<RepoConfigResult> FetchRepoConfigAsync(RepositoryTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return await RepoConfigReader.ReadAsync(clients, target, time, ActivityExecutionContext.Current.CancellationToken);
    }

    /// <summary>The check run an earlier attempt of this activity created (same name, this workflow as external ID), if any.</summary>
    private async Task<long?> EarlierRunAsync(IGitHubClient client, RepositoryTarget target, string headSha, string name, string workflowId)
    {
        var existing = await GitHubFailures.CallAsync(
            () => client.Check.Run.GetAllForReference(target.Owner, target.Repo, headSha, new CheckRunRequest { CheckName = name, Filter = CheckRunCompletedAtFilter.All }),
            time);
        return existing.CheckRuns.FirstOrDefault(run => run.ExternalId == workflowId)?.Id;
    }

    /// <summary>An annotation GitHub will accept (path and line set, message non-empty and within 64 KB, title ≤ 255), or null.</summary>
    private static NewCheckRunAnnotation? Sanitize(Annotation annotation)
    {
        if (string.IsNullOrWhiteSpace(annotation.Path) || annotation.StartLine < 1)
        {
            return null;
        }

        var message = string.IsNullOrWhiteSpace(annotation.Message) ? "(no message)" : annotation.Message;
        while (System.Text.Encoding.UTF8.GetByteCount(message) > 60 * 1024)
        {
            message = GitHubText.Truncate(message, message.Length / 2);
        }

        return new NewCheckRunAnnotation(annotation.Path, annotation.StartLine, Math.Max(annotation.StartLine, annotation.EndLine), annotation.Level switch
        {
            AnnotationLevel.Failure => CheckAnnotationLevel.Failure,
            AnnotationLevel.Warning => CheckAnnotationLevel.Warning,
            _ => CheckAnnotationLevel.Notice,
        }, message)
        {
            Title = annotation.Title is { Length: > 255 } title ? title[..252] + "..." : annotation.Title,
        };
    }

    private static CheckStatus ParseStatus(string status) => status switch
    {
        "queued" => CheckStatus.Queued,
        "in_progress" => CheckStatus.InProgress,
        "completed" => CheckStatus.Completed,
        _ => throw new ApplicationFailureException($"Unknown check-run status '{status}'.", errorType: "InvalidRequest", nonRetryable: true),
    };

    private static CheckConclusion ParseConclusion(string conclusion) => conclusion switch
    {
        "success" => CheckConclusion.Success,
        "failure" => CheckConclusion.Failure,
        "neutral" => CheckConclusion.Neutral,
        "cancelled" => CheckConclusion.Cancelled,
        "timed_out" => CheckConclusion.TimedOut,
        "action_required" => CheckConclusion.ActionRequired,
        "skipped" => CheckConclusion.Skipped,
        _ => throw new ApplicationFailureException($"Unknown check-run conclusion '{conclusion}'.", errorType: "InvalidRequest", nonRetryable: true),
    };
}
