namespace GitHubBot.App.Webhooks;

/// <summary>Webhook intake settings (configuration section "Intake").</summary>
public sealed class IntakeSettings
{
    public const string SectionName = "Intake";

    public const string WebhookPath = "/api/github/webhooks";

    /// <summary>The issue label that starts plan → patch → PR; a repository's .github/ghbot.yml may name another.</summary>
    public string TriggerLabel { get; set; } = "ghbot:implement";

    /// <summary>
    /// How old a delivery of an action with side effects (a command, a button, a re-run, a label) may be, by the newest
    /// time its signed body carries; an older one is refused (400, reason "stale"). Default: 6 hours.
    /// </summary>
    /// <remarks>
    /// Why 6 hours. A replayed body is either found by its business key (a workflow with that ID, kept by Temporal for
    /// its namespace's retention: 24 hours for the dev server and temporalio/auto-setup) or refused as stale, as long as
    /// this window stays shorter than that retention — set it below the namespace's retention if that is shorter.
    /// GitHub keeps deliveries for redelivery for 3 days, but never retries by itself: a failed delivery is redelivered
    /// by a person, and 6 hours leaves an outage of a working morning to be fixed and its deliveries redelivered. The
    /// cost falls on buttons and re-runs: GitHub's payload has no time of the click, so their age is that of the check
    /// run, its suite or the repository's last push, whichever is newest; a click on a check that nothing touched for
    /// longer than the window is refused, and a <c>/gate</c> comment (written now) asks for the same thing.
    /// </remarks>
    public TimeSpan FreshnessWindow { get; set; } = DefaultFreshnessWindow;

    /// <summary>The default of <see cref="FreshnessWindow"/>.</summary>
    public static readonly TimeSpan DefaultFreshnessWindow = TimeSpan.FromHours(6);
}
