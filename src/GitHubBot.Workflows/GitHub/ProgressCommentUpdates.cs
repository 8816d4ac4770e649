using GitHubBot.Core.GitHub;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.GitHub;

/// <summary>
/// The writes of one progress comment, from workflow code, in order: <see cref="Send"/> queues an update that goes
/// out beside the work (after the ones before it; a failure is logged and the work goes on), <see cref="WriteAsync"/>
/// writes one after every queued update and waits for it. Used by the workflows that keep one comment on an issue.
/// </summary>
public sealed class ProgressCommentUpdates
{
    private Task sent = Task.CompletedTask;

    /// <summary>Queues <paramref name="request"/>: it goes out after the updates before it, cancelled with <paramref name="token"/>.</summary>
    public void Send(UpsertCommentRequest request, CancellationToken token) => sent = SendAfterAsync(sent, request, token);

    /// <summary>
    /// Writes the comment <paramref name="request"/> gives once every queued update went out (none: nothing to write)
    /// and waits for it: cancelled with <paramref name="token"/>, or — <paramref name="detached"/>, once the work has
    /// stopped — with nothing, a failure then logged instead of thrown.
    /// </summary>
    public async Task WriteAsync(Func<UpsertCommentRequest?> request, CancellationToken? token, bool detached)
    {
        ArgumentNullException.ThrowIfNull(request);
        await sent;
        if (request() is not { } now)
        {
            return;
        }

        using var own = new CancellationTokenSource();
        try
        {
            await Workflow.ExecuteActivityAsync(
                (GitHubActivities github) => github.UpsertStickyCommentAsync(now), ActivityPresets.GitHubCall.WithCancellation(detached ? own.Token : token ?? own.Token));
        }
        catch (ActivityFailureException ex) when (detached)
        {
            Log(ex, now);
        }
    }

    private static async Task SendAfterAsync(Task before, UpsertCommentRequest request, CancellationToken token)
    {
        await before;
        try
        {
            await Workflow.ExecuteActivityAsync((GitHubActivities github) => github.UpsertStickyCommentAsync(request), ActivityPresets.GitHubCall.WithCancellation(token));
        }
        catch (Exception ex) when (ex is ActivityFailureException || Failures.IsCancellation(ex))
        {
            Log(ex, request);
        }
    }

    private static void Log(Exception ex, UpsertCommentRequest request) =>
        Workflow.Logger.LogWarning(ex, "Could not update the progress comment on {Owner}/{Repo}#{Number}", request.Target.Owner, request.Target.Repo, request.IssueNumber);
}
