using System.Reflection;
using Octokit.Webhooks;
using Prometheus;

namespace GitHubBot.App.Webhooks;

/// <summary>Prometheus metrics of the webhook intake, served at GET /metrics.</summary>
public static class IntakeMetrics
{
    /// <summary>Deliveries by event ("pull_request.opened") and outcome (accepted, ignored, not-available, rejected, unavailable).</summary>
    public static readonly Counter Deliveries = Metrics.CreateCounter(
        "ghbot_webhook_deliveries_total",
        "GitHub webhook deliveries by event and outcome.",
        new CounterConfiguration { LabelNames = ["event", "outcome"] });

    /// <summary>The events GitHub sends (as Octokit.Webhooks knows them): the only event names that become labels.</summary>
    private static readonly HashSet<string> KnownEvents = [.. typeof(WebhookEventType)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string))
        .Select(field => (string)field.GetRawConstantValue()!)];

    /// <summary>
    /// The event label of a delivery whose payload Octokit could not read: the event (and the action, when the routing
    /// table routes it) when GitHub sends such an event, else "other" — even a signed sender cannot make new series.
    /// </summary>
    public static string EventLabel(string eventName, string? action) =>
        !KnownEvents.Contains(eventName) ? "other"
        : action is null ? eventName
        : WebhookRoutes.Routes(eventName, action) ? $"{eventName}.{action}"
        : $"{eventName}.other";

    /// <summary>Rejected webhook requests by a fixed reason: unsigned, bad_signature, too_large, too_slow, bad_request, stale (never a value the sender chose).</summary>
    public static readonly Counter Rejections = Metrics.CreateCounter(
        "ghbot_webhook_rejections_total",
        "Rejected webhook requests by reason.",
        new CounterConfiguration { LabelNames = ["reason"] });

    /// <summary>How long Temporal took to accept a start (or to be declared unavailable).</summary>
    public static readonly Histogram StartSeconds = Metrics.CreateHistogram(
        "ghbot_workflow_start_seconds",
        "Time for Temporal to accept a workflow start from the webhook intake.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 12) });

    /// <summary>Alert deliveries by source (alertmanager, grafana, generic) and outcome (accepted, acknowledged, ignored, rejected, unavailable).</summary>
    public static readonly Counter AlertDeliveries = Metrics.CreateCounter(
        "ghbot_alert_deliveries_total",
        "Alert deliveries by source and outcome.",
        new CounterConfiguration { LabelNames = ["source", "outcome"] });
}
