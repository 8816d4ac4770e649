using Prometheus;

namespace GitHubBot.App.Inbox;

/// <summary>Prometheus metrics of the durable inbox (Intake:Mode=inbox), served at GET /metrics.</summary>
public static class InboxMetrics
{
    /// <summary>Deliveries waiting for their workflow.</summary>
    public static readonly Gauge Depth = Metrics.CreateGauge("ghbot_inbox_depth", "Deliveries in the inbox waiting for their workflow to start.");

    /// <summary>How long the oldest waiting delivery has waited (0 when none waits).</summary>
    public static readonly Gauge OldestAge = Metrics.CreateGauge("ghbot_inbox_oldest_age_seconds", "Age of the oldest delivery waiting in the inbox.");

    /// <summary>Entries whose workflow was started or found (rate: drained per second).</summary>
    public static readonly Counter Drained = Metrics.CreateCounter("ghbot_inbox_drained_total", "Inbox entries whose workflow was started or found.");

    /// <summary>Entries set aside for an operator (ghbot inbox list).</summary>
    public static readonly Gauge DeadLetters = Metrics.CreateGauge("ghbot_inbox_dead_letters", "Inbox entries that could not become a workflow (ghbot inbox list).");

    /// <summary>Deliveries committed to the journal.</summary>
    public static readonly Counter Appended = Metrics.CreateCounter("ghbot_inbox_appended_total", "Deliveries committed to the inbox journal.");

    /// <summary>Deliveries the inbox refused (answered 503): full (Intake:MaxBacklog) or journal (a write failed).</summary>
    public static readonly Counter Refused = Metrics.CreateCounter(
        "ghbot_inbox_refused_total",
        "Deliveries the inbox refused, by reason: full or journal.",
        new CounterConfiguration { LabelNames = ["reason"] });

    /// <summary>How long one group commit (one fsync) took.</summary>
    public static readonly Histogram CommitSeconds = Metrics.CreateHistogram(
        "ghbot_inbox_commit_seconds",
        "Time of one inbox group commit, fsync included.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 12) });

    /// <summary>How many deliveries one commit carried.</summary>
    public static readonly Histogram BatchSize = Metrics.CreateHistogram(
        "ghbot_inbox_commit_deliveries",
        "Deliveries carried by one inbox group commit.",
        new HistogramConfiguration { Buckets = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    private static DateTimeOffset? oldest;

    static InboxMetrics()
    {
        // Both reasons exported from the start (as 0), so a rate or an alert on them has a series before the first refusal.
        Refused.WithLabels("full");
        Refused.WithLabels("journal");
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
            OldestAge.Set(oldest is { } at && Depth.Value > 0 ? Math.Max(0, (DateTimeOffset.UtcNow - at).TotalSeconds) : 0));
    }

    /// <summary>When the oldest waiting delivery was accepted (set by the inbox's housekeeping).</summary>
    public static DateTimeOffset? Oldest
    {
        get => oldest;
        set => oldest = value;
    }
}
