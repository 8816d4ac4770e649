namespace GitHubBot.App.Webhooks;

/// <summary>Webhook intake settings (configuration section "Intake").</summary>
public sealed class IntakeSettings
{
    public const string SectionName = "Intake";

    public const string WebhookPath = "/api/github/webhooks";

    /// <summary>The issue label that starts plan → patch → PR; a repository's .github/ghbot.yml may name another.</summary>
    public string TriggerLabel { get; set; } = "ghbot:implement";
}
