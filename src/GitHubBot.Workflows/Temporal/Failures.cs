using GitHubBot.Core.Workspaces;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Temporal;

/// <summary>What a failure in a workflow was, and the words for it that reach people (check runs, replies, comments).</summary>
internal static class Failures
{
    /// <summary>
    /// The innermost failure's message (an activity or child failure's own text is only "Activity task failed"),
    /// without the worker's paths: it goes into comments and check runs.
    /// </summary>
    public static string Reason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return WorkerPaths.Scrub(inner.Message);
    }

    /// <summary>The words of the application failure that caused <paramref name="ex"/> (else its <see cref="Reason"/>), without the worker's paths.</summary>
    public static string Said(Exception ex) => Cause(ex) is { } cause ? WorkerPaths.Scrub(cause.Message) : Reason(ex);

    /// <summary>The application failure that caused <paramref name="ex"/> (itself, or inside an activity or child failure).</summary>
    public static ApplicationFailureException? Cause(Exception ex)
    {
        for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is ApplicationFailureException application)
            {
                return application;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="ex"/> is a cancellation: of the workflow, a step, a timer or a child.</summary>
    public static bool IsCancellation(Exception ex) => TemporalException.IsCanceledException(ex) || ex is OperationCanceledException;
}
