using System.Security.Cryptography;
using System.Text;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;
using Octokit;
using Temporalio.Activities;

namespace GitHubBot.Workflows.GitHub;

/// <summary>Comments that are posted once, however often the activity posting them is tried.</summary>
public sealed partial class GitHubActivities
{
    /// <summary>How far before the activity was first scheduled an earlier attempt's comment is looked for (clocks differ).</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The hidden key of the comment the current activity posts: the same for every attempt of it (workflow, run and
    /// activity), different for any other, and saying nothing of them (a hash).
    /// </summary>
    public static string CommentKey(ActivityInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{info.WorkflowId}\n{info.WorkflowRunId}\n{info.ActivityId}"));
        return $"<!-- ghbot:key comment-{Convert.ToHexStringLower(hash)[..24]} -->";
    }

    /// <summary>
    /// Posts <paramref name="body"/> on the issue or PR with the activity's key, unless an earlier attempt of the
    /// activity already did (then that comment's ID is returned). Only the App's own comments count: anyone could
    /// quote a key.
    /// </summary>
    private async Task<long> CommentOnceAsync(IGitHubClient client, RepositoryTarget target, int number, string body)
    {
        var info = ActivityExecutionContext.Current.Info;
        var key = CommentKey(info);
        var (owner, repo) = (target.Owner, target.Repo);
        if (info.Attempt > 1)
        {
            var login = $"{await clients.AppSlugAsync()}[bot]";
            var since = new IssueCommentRequest { Since = new DateTimeOffset(DateTime.SpecifyKind(info.ScheduledTime, DateTimeKind.Utc)) - ClockSlack };
            var recent = await GitHubFailures.CallAsync(() => client.Issue.Comment.GetAllForIssue(owner, repo, number, since), time);
            if (recent.FirstOrDefault(c => string.Equals(c.User?.Login, login, StringComparison.OrdinalIgnoreCase) && c.Body?.Contains(key, StringComparison.Ordinal) == true) is { } earlier)
            {
                return earlier.Id;
            }
        }

        // The key goes last and is never cut off: the text is cut to leave room for it.
        var text = $"{GitHubText.Truncate(body, GitHubText.MaxLength - key.Length - 2)}\n\n{key}";
        var comment = await GitHubFailures.CallAsync(() => client.Issue.Comment.Create(owner, repo, number, text), time);
        return comment.Id;
    }
}
