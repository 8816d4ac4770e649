using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.IncidentSwarm;
using Octokit;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.GitHub;

/// <summary>Issues and pull requests: reading and opening issues, the task list, opening, readying, merging and closing PRs, deleting branches.</summary>
public sealed partial class GitHubActivities
{
    /// <summary>The issue's title, body and page.</summary>
    [Activity]
    public async Task<IssueInfo> GetIssueAsync(RepositoryTarget target, int number)
    {
        ArgumentNullException.ThrowIfNull(target);
        var client = await clients.ForRepositoryAsync(target, GitHubAccess.ReadIssues, ActivityExecutionContext.Current.CancellationToken);
        var issue = await GitHubFailures.CallAsync(() => client.Issue.Get(target.Owner, target.Repo, number), time);
        return new IssueInfo(issue.Number, issue.Title, issue.Body ?? string.Empty, issue.HtmlUrl);
    }

    /// <summary>
    /// Opens an issue. The request's key goes into the body as a hidden marker, so a retried attempt whose first try
    /// reached GitHub finds that issue instead of opening a second one.
    /// </summary>
    [Activity]
    public async Task<IssueInfo> CreateIssueAsync(CreateIssueRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ActivityExecutionContext.Current;
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.WriteIssues, context.CancellationToken);
        var (owner, repo) = (request.Target.Owner, request.Target.Repo);
        var marker = $"<!-- ghbot:key {request.Key} -->";
        if (context.Info.Attempt > 1)
        {
            var recent = await GitHubFailures.CallAsync(
                () => client.Issue.GetAllForRepository(owner, repo, new RepositoryIssueRequest { State = ItemStateFilter.All, SortProperty = IssueSort.Created, SortDirection = SortDirection.Descending }, new ApiOptions { PageSize = 100, PageCount = 1 }),
                time);
            if (recent.FirstOrDefault(i => i.Body?.Contains(marker, StringComparison.Ordinal) == true) is { } earlier)
            {
                return new IssueInfo(earlier.Number, earlier.Title, earlier.Body ?? string.Empty, earlier.HtmlUrl);
            }
        }

        var issue = new NewIssue(GitHubText.Truncate(request.Title, 256)) { Body = GitHubText.Truncate($"{request.Body}\n\n{marker}") };
        foreach (var label in request.Labels)
        {
            issue.Labels.Add(label);
        }

        var created = await GitHubFailures.CallAsync(() => client.Issue.Create(owner, repo, issue), time);
        return new IssueInfo(created.Number, created.Title, created.Body ?? string.Empty, created.HtmlUrl);
    }

    /// <summary>Writes the task list into the issue's body between GitHubBot's markers (appended the first time); the rest of the body is kept.</summary>
    [Activity]
    public async Task SetTaskListAsync(TaskListRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.WriteIssues, ActivityExecutionContext.Current.CancellationToken);
        var (owner, repo) = (request.Target.Owner, request.Target.Repo);
        var issue = await GitHubFailures.CallAsync(() => client.Issue.Get(owner, repo, request.IssueNumber), time);
        var body = issue.Body ?? string.Empty;
        var block = $"{TaskListRequest.Start}\n{request.Markdown.Trim()}\n{TaskListRequest.End}";
        var start = body.IndexOf(TaskListRequest.Start, StringComparison.Ordinal);
        var end = start < 0 ? -1 : body.IndexOf(TaskListRequest.End, start, StringComparison.Ordinal);
        var updated = start >= 0 && end > start
            ? string.Concat(body.AsSpan(0, start), block, body.AsSpan(end + TaskListRequest.End.Length))
            : $"{body.TrimEnd()}\n\n{block}\n";
        if (updated != body)
        {
            // Octokit always sends the milestone (null clears it): send the one the issue has.
            await GitHubFailures.CallAsync(
                () => client.Issue.Update(owner, repo, request.IssueNumber, new IssueUpdate { Body = GitHubText.Truncate(updated), Milestone = issue.Milestone?.Number }), time);
        }
    }

    /// <summary>Says why on the issue, labels it, and closes it as not planned.</summary>
    [Activity]
    public async Task CloseIssueAsync(CloseIssueRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.WriteIssues, ActivityExecutionContext.Current.CancellationToken);
        var (owner, repo) = (request.Target.Owner, request.Target.Repo);
        var issue = await GitHubFailures.CallAsync(() => client.Issue.Get(owner, repo, request.IssueNumber), time);
        if (issue.State.Value == ItemState.Closed)
        {
            // Closed already (by a person, or by an earlier attempt of this one): nothing to say twice.
            return;
        }

        await CommentOnceAsync(client, request.Target, request.IssueNumber, request.Comment);
        await GitHubFailures.CallAsync(() => client.Issue.Labels.AddToIssue(owner, repo, request.IssueNumber, [request.Label]), time);
        await GitHubFailures.CallAsync(
            () => client.Issue.Update(owner, repo, request.IssueNumber, new IssueUpdate { State = ItemState.Closed, StateReason = ItemStateReason.NotPlanned, Milestone = issue.Milestone?.Number }),
            time);
    }

    /// <summary>Replaces an issue's body and/or closes it as completed (its milestone kept).</summary>
    [Activity]
    public async Task EditIssueAsync(EditIssueRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.WriteIssues, ActivityExecutionContext.Current.CancellationToken);
        var (owner, repo) = (request.Target.Owner, request.Target.Repo);
        var issue = await GitHubFailures.CallAsync(() => client.Issue.Get(owner, repo, request.Number), time);

        // Octokit always sends the milestone (null clears it): send the one the issue has.
        var update = new IssueUpdate { Milestone = issue.Milestone?.Number };
        if (request.Body is { } body)
        {
            update.Body = GitHubText.Truncate(body);
        }

        if (request.Close)
        {
            update.State = ItemState.Closed;
            update.StateReason = ItemStateReason.Completed;
        }

        await GitHubFailures.CallAsync(() => client.Issue.Update(owner, repo, request.Number, update), time);
    }

    /// <summary>The repository's commits since a time on its default branch, and its recently merged PRs (at most 20 of each).</summary>
    [Activity]
    public async Task<ChangesContext> GetRecentChangesAsync(ChangesRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = request.Repository;
        var client = await clients.ForRepositoryAsync(target, GitHubAccess.ReadHistory, ActivityExecutionContext.Current.CancellationToken);
        var commits = await GitHubFailures.CallAsync(
            () => client.Repository.Commit.GetAll(target.Owner, target.Repo, new CommitRequest { Since = request.Since }, new ApiOptions { PageSize = 20, PageCount = 1 }),
            time);
        var pulls = await GitHubFailures.CallAsync(
            () => client.PullRequest.GetAllForRepository(
                target.Owner,
                target.Repo,
                new PullRequestRequest { State = ItemStateFilter.Closed, SortProperty = PullRequestSort.Updated, SortDirection = SortDirection.Descending },
                new ApiOptions { PageSize = 30, PageCount = 1 }),
            time);
        return new ChangesContext(
            [.. commits.Take(20).Select(c => new CommitSummary(
                c.Sha,
                GitHubText.Truncate((c.Commit?.Message ?? string.Empty).Split('\n')[0], 200),
                c.Commit?.Author?.Name ?? c.Author?.Login ?? "unknown",
                c.Commit?.Author?.Date ?? request.Since))],
            [.. pulls.Where(p => p.MergedAt is not null && p.MergedAt >= request.Since).Take(20).Select(p => new MergedPullRequest(p.Number, GitHubText.Truncate(p.Title, 200), p.MergedAt!.Value, p.HtmlUrl))],
            null);
    }

    /// <summary>The repository's default branch, that branch's head, and its clone URL.</summary>
    [Activity]
    public async Task<RepositoryInfo> GetRepositoryAsync(RepositoryTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var client = await clients.ForRepositoryAsync(target, GitHubAccess.ReadCode, ActivityExecutionContext.Current.CancellationToken);
        var repository = await GitHubFailures.CallAsync(() => client.Repository.Get(target.Owner, target.Repo), time);
        var branch = await GitHubFailures.CallAsync(() => client.Repository.Branch.Get(target.Owner, target.Repo, repository.DefaultBranch), time);
        return new RepositoryInfo(repository.DefaultBranch, branch.Commit.Sha, repository.CloneUrl);
    }

    /// <summary>Opens a PR (a draft when asked). A retried attempt finds the open PR of the same branch an earlier attempt opened.</summary>
    [Activity]
    public async Task<PullRequestRef> OpenPullRequestAsync(OpenPullRequestRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = ActivityExecutionContext.Current;
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.WritePullRequests, context.CancellationToken);
        var (owner, repo) = (request.Target.Owner, request.Target.Repo);
        if (context.Info.Attempt > 1)
        {
            var open = await GitHubFailures.CallAsync(
                () => client.PullRequest.GetAllForRepository(owner, repo, new PullRequestRequest { Head = $"{owner}:{request.Head}", State = ItemStateFilter.Open }),
                time);
            if (open.Count > 0 && open[0] is { } earlier)
            {
                return new PullRequestRef(earlier.Number, earlier.HtmlUrl, earlier.NodeId);
            }
        }

        var pr = await GitHubFailures.CallAsync(
            () => client.PullRequest.Create(owner, repo, new NewPullRequest(GitHubText.Truncate(request.Title, 256), request.Head, request.Base)
            {
                Body = GitHubText.Truncate(request.Body),
                Draft = request.Draft,
            }),
            time);
        return new PullRequestRef(pr.Number, pr.HtmlUrl, pr.NodeId);
    }

    /// <summary>Replaces a PR's body and/or closes it.</summary>
    [Activity]
    public async Task UpdatePullRequestAsync(UpdatePullRequestRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.WritePullRequests, ActivityExecutionContext.Current.CancellationToken);
        var update = new PullRequestUpdate();
        if (request.Body is { } body)
        {
            update.Body = GitHubText.Truncate(body);
        }

        if (request.Close)
        {
            update.State = ItemState.Closed;
        }

        await GitHubFailures.CallAsync(() => client.PullRequest.Update(request.Target.Owner, request.Target.Repo, request.Number, update), time);
    }

    /// <summary>Marks a draft PR ready for review (only GitHub's GraphQL API can).</summary>
    [Activity]
    public async Task MarkReadyForReviewAsync(RepositoryTarget target, PullRequestRef pullRequest)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(pullRequest);
        var client = await clients.ForRepositoryAsync(target, GitHubAccess.WritePullRequests, ActivityExecutionContext.Current.CancellationToken);
        var body = new GraphQlRequest(
            "mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }",
            new Dictionary<string, string> { ["id"] = pullRequest.NodeId });
        var answer = await GitHubFailures.CallAsync(
            () => client.Connection.Post<GraphQlAnswer>(GraphQlUrl(client.Connection.BaseAddress), body, "application/json", "application/json"),
            time);
        if (answer.Body?.Errors is { Count: > 0 } errors)
        {
            throw new ApplicationFailureException(
                $"GitHub did not mark #{pullRequest.Number} ready: {string.Join("; ", errors.Select(e => e.Message))}", errorType: "GitHubClientError", nonRetryable: true);
        }
    }

    /// <summary>Merges a PR if its head is still the given SHA; GitHub's refusal (not mergeable, head moved) comes back as data.</summary>
    [Activity]
    public async Task<MergeOutcome> MergePullRequestAsync(MergeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.Merge, ActivityExecutionContext.Current.CancellationToken);
        var merge = new MergePullRequest
        {
            Sha = request.Sha,
            CommitTitle = GitHubText.Truncate(request.Title, 256),
            MergeMethod = request.Method switch
            {
                "squash" => PullRequestMergeMethod.Squash,
                "rebase" => PullRequestMergeMethod.Rebase,
                _ => PullRequestMergeMethod.Merge,
            },
        };
        if (ActivityExecutionContext.Current.Info.Attempt > 1
            && await GitHubFailures.CallAsync(() => client.PullRequest.Merged(request.Target.Owner, request.Target.Repo, request.Number), time))
        {
            // An earlier attempt merged it; only its answer was lost.
            return new MergeOutcome(true, "Pull Request successfully merged");
        }

        try
        {
            var merged = await GitHubFailures.CallAsync(() => client.PullRequest.Merge(request.Target.Owner, request.Target.Repo, request.Number, merge), time);
            return new MergeOutcome(merged.Merged, merged.Message ?? string.Empty);
        }
        catch (ApplicationFailureException ex) when (ex.InnerException is PullRequestNotMergeableException or PullRequestMismatchException)
        {
            return new MergeOutcome(false, ex.Message);
        }
    }

    /// <summary>
    /// Deletes a branch, only while it still points at the expected commit: a branch someone else pushed to holds
    /// their work and is left alone (false). One that is already gone is fine (true).
    /// </summary>
    [Activity]
    public async Task<bool> DeleteBranchAsync(DeleteBranchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var client = await clients.ForRepositoryAsync(request.Target, GitHubAccess.Push, ActivityExecutionContext.Current.CancellationToken);
        var (owner, repo, reference) = (request.Target.Owner, request.Target.Repo, $"heads/{request.Branch}");
        return await GitHubFailures.CallAsync(async () =>
        {
            try
            {
                if (request.ExpectedSha is { } expected && (await client.Git.Reference.Get(owner, repo, reference)).Object.Sha != expected)
                {
                    return false;
                }

                await client.Git.Reference.Delete(owner, repo, reference);
            }
            catch (ApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.UnprocessableEntity)
            {
                // Already gone.
            }

            return true;
        }, time);
    }

    /// <summary>GitHub's GraphQL endpoint for a REST base URL: /graphql on github.com, /api/graphql on GitHub Enterprise Server.</summary>
    public static Uri GraphQlUrl(Uri restBase)
    {
        ArgumentNullException.ThrowIfNull(restBase);
        var path = restBase.AbsolutePath;
        return path.EndsWith("/api/v3/", StringComparison.Ordinal) || path.EndsWith("/api/v3", StringComparison.Ordinal)
            ? new Uri(restBase, path[..path.LastIndexOf("/v3", StringComparison.Ordinal)] + "/graphql")
            : new Uri(restBase, "graphql");
    }

    private sealed record GraphQlRequest(string Query, Dictionary<string, string> Variables);

    /// <summary>A GraphQL answer's errors (its data is not needed).</summary>
    internal sealed class GraphQlAnswer
    {
        public IReadOnlyList<GraphQlError>? Errors { get; set; }
    }

    internal sealed class GraphQlError
    {
        public string Message { get; set; } = string.Empty;
    }
}
