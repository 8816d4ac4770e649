using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// GitHub's security alerts (code scanning, secret scanning, Dependabot) created or reopened: an incident on the
/// repository, with what GitHub says of the alert as its context. A reopened alert whose incident ended is a new
/// incident; a redelivered one finds the incident it started.
/// </summary>
internal static class GitHubAlerts
{
    public static RouteDecision CodeScanning(DeliveryPayload e)
    {
        var alert = e.Alert;
        var rule = alert?.Rule;
        var location = alert?.MostRecentInstance?.Location ?? (alert?.Instances is [var first, ..] ? first?.Location : null);
        return Incident(e, "code_scanning", alert?.Number, alert?.HtmlUrl, rule?.Id ?? rule?.Name, rule?.FullDescription ?? rule?.Description,
            location?.Path, location?.StartLine is { } line and >= 1 and <= int.MaxValue ? (int)line : null, rule?.SecuritySeverityLevel ?? rule?.Severity, alert?.CreatedAt);
    }

    public static RouteDecision SecretScanning(DeliveryPayload e) =>
        Incident(e, "secret_scanning", e.Alert?.Number, null, e.Alert?.SecretType,
            $"A secret of type {e.Alert?.SecretType ?? "unknown"} was found in the repository: rotate it, then close the alert.", null, null, "critical", null);

    public static RouteDecision Dependabot(DeliveryPayload e)
    {
        var alert = e.Alert;
        var advisory = alert?.SecurityAdvisory;
        var package = alert?.Dependency?.Package;
        var detail = advisory is null ? null
            : $"{advisory.Summary} ({package?.Ecosystem} package {package?.Name}, vulnerable {alert?.SecurityVulnerability?.VulnerableVersionRange}, first patched {alert?.SecurityVulnerability?.FirstPatchedVersion?.Identifier ?? "none"})";
        return Incident(e, "dependabot", alert?.Number, alert?.HtmlUrl, advisory?.GhsaId ?? advisory?.CveId, detail,
            alert?.Dependency?.ManifestPath, null, advisory?.Severity, alert?.CreatedAt);
    }

    private static RouteDecision Incident(DeliveryPayload e, string kind, long? number, string? url, string? rule, string? detail, string? path, int? line, string? severity, DateTimeOffset? createdAt)
    {
        if (number is not (>= 1 and <= int.MaxValue) || number is not { } alertNumber)
        {
            return new RouteDecision.BadPayload("alert.number is required");
        }

        return WebhookRoutes.WithRepository(e, (owner, repo) =>
        {
            var github = new GitHubAlert(kind, (int)alertNumber, owner, repo, e.Installation?.Id, url, rule, detail, path, line);
            var alert = AlertPayloads.FromGitHub(github, severity ?? "unknown", createdAt ?? DateTimeOffset.UnixEpoch);
            return new RouteDecision.Start(
                WorkflowTypes.IncidentSwarm,
                WorkflowIds.GitHubIncident(owner, repo, kind, (int)alertNumber),
                new IncidentInput { Alert = alert, Trigger = $"GitHub {kind} alert {e.Action}" })
            {
                RestartFinished = e.Action == "reopened",
            };
        });
    }
}
