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
}
