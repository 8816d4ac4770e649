using System.Linq.Expressions;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Temporal;

/// <summary>Child workflows started by business key.</summary>
internal static class Children
{
    /// <summary>
    /// Starts the child workflow <paramref name="options"/> names, or finds that a workflow with that ID already exists
    /// (a redelivery, a webhook that got there first): then null, and the caller decides whether to wait for it.
    /// </summary>
    public static async Task<ChildWorkflowHandle<TWorkflow, TResult>?> StartOrFindAsync<TWorkflow, TResult>(
        Expression<Func<TWorkflow, Task<TResult>>> run, ChildWorkflowOptions options)
    {
        try
        {
            return await Workflow.StartChildWorkflowAsync(run, options);
        }
        catch (WorkflowAlreadyStartedException)
        {
            return null;
        }
    }
}
