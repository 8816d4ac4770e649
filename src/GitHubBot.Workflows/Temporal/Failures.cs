namespace GitHubBot.Workflows.Temporal;

/// <summary>Words for failures that reach people (check runs, replies).</summary>
internal static class Failures
{
    /// <summary>The innermost failure's message: an activity or child failure's own text is only "Activity task failed".</summary>
    public static string Reason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner.Message;
    }
}
