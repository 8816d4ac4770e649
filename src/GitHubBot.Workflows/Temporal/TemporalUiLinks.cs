namespace GitHubBot.Workflows.Temporal;

/// <summary>Links to workflows in the Temporal Web UI, shown on check runs; none when no UI address is known.</summary>
public sealed class TemporalUiLinks(Uri? uiBaseUrl, string @namespace)
{
    public Uri? WorkflowUrl(string workflowId) =>
        uiBaseUrl is null
            ? null
            : new Uri(uiBaseUrl, $"namespaces/{Uri.EscapeDataString(@namespace)}/workflows/{Uri.EscapeDataString(workflowId)}");
}
