using Temporalio.Client;

namespace GitHubBot.Testing;

/// <summary>Counting workflows in Temporal's visibility store, which the server fills a moment after each start.</summary>
public static class Visibility
{
    /// <summary>Runs with that ID: waits (5 s at most) for the first to show, then a little longer for any second, and counts.</summary>
    public static async Task<int> CountRunsAsync(this ITemporalClient client, string workflowId)
    {
        ArgumentNullException.ThrowIfNull(client);
        var query = $"WorkflowId = '{workflowId}'";
        long count = 0;
        for (var attempt = 0; attempt < 50 && count == 0; attempt++)
        {
            count = (await client.CountWorkflowsAsync(query)).Count;
            if (count == 0)
            {
                await Task.Delay(100);
            }
        }

        await Task.Delay(300);
        return (int)(await client.CountWorkflowsAsync(query)).Count;
    }

    /// <summary>
    /// The workflow with <paramref name="workflowId"/> once it exists (30 s at most): the intake answers 202 once a
    /// delivery is in its inbox, and the drainer starts the workflow a moment later.
    /// </summary>
    public static async Task<WorkflowHandle> StartedAsync(this ITemporalClient client, string workflowId, TimeSpan? within = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var handle = client.GetWorkflowHandle(workflowId);
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await handle.DescribeAsync();
                return handle;
            }
            catch (Temporalio.Exceptions.RpcException ex) when (ex.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
