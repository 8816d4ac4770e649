using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// GitHub's security alerts (code scanning, secret scanning, Dependabot) created or reopened: an incident on the
/// repository, with what GitHub says of the alert as its context. A reopened alert whose incident ended is a new
/// incident; a redelivered one finds the incident it started. Each kind requires the fields only its payload has: the
/// event header is not signed, so one kind's body resent as another's is refused rather than made a second incident.
/// </summary>
internal static class GitHubAlerts
{
    public static RouteDecision CodeScanning(DeliveryPayload e)
    {
        if (e.Alert is not { Rule: { } rule } alert)
        {
            return new RouteDecision.BadPayload("alert.rule is required");
        }

        var location = alert.MostRecentInstance?.Location ?? (alert.Instances is [var first, ..] ? first?.Location : null);
        return Incident(e, "code_scanning", alert.Number, alert.HtmlUrl, rule.Id ?? rule.Name, rule.FullDescription ?? rule.Description,
            location?.Path, location?.StartLine is { } line and >= 1 and <= int.MaxValue ? (int)line : null, rule.SecuritySeverityLevel ?? rule.Severity, alert.CreatedAt);
    }

    public static RouteDecision SecretScanning(DeliveryPayload e) => e.Alert is not { SecretType: { Length: > 0 } secretType } alert
        ? new RouteDecision.BadPayload("alert.secret_type is required")
        : Incident(e, "secret_scanning", alert.Number, null, secretType,
            $"A secret of type {secretType} was found in the repository: rotate it, then close the alert.", null, null, "critical", null);

    public static RouteDecision Dependabot(DeliveryPayload e)
    {
        if (e.Alert is not { SecurityAdvisory: { } advisory, Dependency: { } dependency } alert)
        {
            return new RouteDecision.BadPayload("alert.security_advisory and alert.dependency are required");
        }

        var package = dependency.Package;
        var detail = $"{advisory.Summary} ({package?.Ecosystem} package {package?.Name}, vulnerable {alert.SecurityVulnerability?.VulnerableVersionRange}, first patched {alert.SecurityVulnerability?.FirstPatchedVersion?.Identifier ?? "none"})";
        return Incident(e, "dependabot", alert.Number, alert.HtmlUrl, advisory.GhsaId ?? advisory.CveId, detail,
            dependency.ManifestPath, null, advisory.Severity, alert.CreatedAt);
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
