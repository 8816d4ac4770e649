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

    /// <summary>
    /// <c>inbox</c> (the default): a routed delivery is journalled in DataDir and answered 202 once that is on disk; a
    /// drainer starts the workflows. <c>direct</c>: each delivery waits for its workflow start (stateless web pods in
    /// front of a Temporal cluster, with no disk of their own).
    /// </summary>
    public string Mode { get; set; } = Inbox;

    public const string Inbox = "inbox";

    public const string Direct = "direct";

    /// <summary>Whether <see cref="Mode"/> is inbox.</summary>
    public bool UsesInbox => string.Equals(Mode?.Trim(), Inbox, StringComparison.OrdinalIgnoreCase);

    /// <summary>How many deliveries may wait in the inbox for Temporal before new ones are answered 503 (default 50 000).</summary>
    public int MaxBacklog { get; set; } = 50_000;

    /// <summary>How many workflow starts the inbox's drainer has in flight at once (default 16).</summary>
    public int DrainConcurrency { get; set; } = 16;

    /// <summary>
    /// During a burst (more deliveries a second than the embedded server can start), how long the oldest waiting entry
    /// may wait before the drainer starts workflows again regardless (default 5 s; 0: never wait).
    /// </summary>
    public TimeSpan BurstGiveWay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest the inbox's journal may grow on disk, in MiB (default 4096); past it deliveries are answered 503.</summary>
    public int MaxJournalMegabytes { get; set; } = 4096;

    /// <summary>Why these settings stop the host (one line naming the setting), or null.</summary>
    public static string? Problem(IntakeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var mode = settings.Mode?.Trim();
        return !string.Equals(mode, Inbox, StringComparison.OrdinalIgnoreCase) && !string.Equals(mode, Direct, StringComparison.OrdinalIgnoreCase)
            ? $"Intake:Mode must be inbox or direct, not '{settings.Mode}'."
            : settings.MaxBacklog < 1 ? "Intake:MaxBacklog must be at least 1."
            : settings.DrainConcurrency is < 1 or > 256 ? "Intake:DrainConcurrency must be between 1 and 256."
            : settings.MaxJournalMegabytes < 1 ? "Intake:MaxJournalMegabytes must be at least 1."
            : settings.BurstGiveWay < TimeSpan.Zero || settings.BurstGiveWay > TimeSpan.FromMinutes(10) ? "Intake:BurstGiveWay must be between 00:00:00 and 00:10:00."
            : settings.FreshnessWindow <= TimeSpan.Zero ? "Intake:FreshnessWindow must be a positive time span, e.g. 06:00:00."
            : null;
    }

    /// <summary>The default of <see cref="FreshnessWindow"/>.</summary>
    public static readonly TimeSpan DefaultFreshnessWindow = TimeSpan.FromHours(6);
}
