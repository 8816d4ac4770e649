using Microsoft.Extensions.Options;

namespace GitHubBot.Workflows.IncidentSwarm;

/// <summary>How incidents are worked on (configuration section "Incidents"); a repository's .github/ghbot.yml may override the defaults.</summary>
public sealed class IncidentOptions
{
    public const string SectionName = "Incidents";

    /// <summary>Prometheus' HTTP API (Incidents:Prometheus:Url); empty: no metrics.</summary>
    public EndpointSettings Prometheus { get; set; } = new();

    /// <summary>A Loki-compatible HTTP API (Incidents:Loki:Url); empty: no logs.</summary>
    public EndpointSettings Loki { get; set; } = new();

    /// <summary>Service name → its repository and queries (Incidents:Services:{name}:Repository, :MetricsQuery, :LogsQuery).</summary>
    public Dictionary<string, IncidentServiceSettings> Services { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The labels a service's name is taken from, first found first.</summary>
    public string ServiceLabels { get; set; } = "service,job,alertname";

    /// <summary>Diagnostic agents per incident.</summary>
    public int Agents { get; set; } = 3;

    /// <summary>Whether a sure consensus gets a hotfix PR.</summary>
    public bool AutoFix { get; set; } = true;

    /// <summary>The consensus confidence a hotfix needs (0–1).</summary>
    public double AutoFixThreshold { get; set; } = 0.7;

    /// <summary>How far back before the alert the context is read.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long an incident waits for its alert to resolve before it writes its postmortem anyway.</summary>
    public TimeSpan HoldOpen { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Whether the postmortem also goes into a PR adding docs/postmortems/….</summary>
    public bool PostmortemPullRequest { get; set; }

    /// <summary>
    /// Whether a repository's .github/ghbot.yml may set its services' metrics and logs queries (over the App's).
    /// Those queries run against Incidents:Prometheus and :Loki: turn this off where the people who write a
    /// repository should not read every team's metrics and logs.
    /// </summary>
    public bool RepositoryQueries { get; set; } = true;

    /// <summary>Alertmanagers polled for alerts, by name (Incidents:Monitors:{name}:Url, :Interval, :MaxNewPerPoll).</summary>
    public Dictionary<string, MonitorSettings> Monitors { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The service labels as a list.</summary>
    public IReadOnlyList<string> ServiceLabelList() =>
        [.. ServiceLabels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

/// <summary>An HTTP API's base URL.</summary>
public sealed class EndpointSettings
{
    public Uri? Url { get; set; }

    /// <summary>
    /// For Prometheus: the URL it puts in its alerts' generatorURL (its --web.external-url), when it differs from
    /// <see cref="Url"/>. An alert's own expression is queried only when its generatorURL is on one of the two.
    /// </summary>
    public Uri? ExternalUrl { get; set; }
}

/// <summary>One service: where its code lives and how to query it (queries may use {label} placeholders).</summary>
public sealed class IncidentServiceSettings
{
    /// <summary>owner/name.</summary>
    public string? Repository { get; set; }

    public string? MetricsQuery { get; set; }

    public string? LogsQuery { get; set; }
}

/// <summary>An Alertmanager polled for its active alerts, where it cannot reach the bot.</summary>
public sealed class MonitorSettings
{
    public Uri? Url { get; set; }

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The highest MaxNewPerPoll (each new alert travels through the monitor's history).</summary>
    public const int MostNewPerPoll = 10;

    /// <summary>The most incidents one poll opens (an alert storm waits for the next polls).</summary>
    public int MaxNewPerPoll { get; set; } = 10;
}

/// <summary>Fails start-up, naming the setting, when the incident settings cannot be used.</summary>
public sealed class IncidentOptionsValidator : IValidateOptions<IncidentOptions>
{
    public ValidateOptionsResult Validate(string? name, IncidentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        foreach (var (setting, url) in new[] { ("Incidents:Prometheus:Url", options.Prometheus.Url), ("Incidents:Prometheus:ExternalUrl", options.Prometheus.ExternalUrl), ("Incidents:Loki:Url", options.Loki.Url) })
        {
            if (url is not null && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https")))
            {
                problems.Add($"{setting} must be an http(s) URL, not '{url}'.");
            }
        }

        if (options.Agents is < 1 or > 10)
        {
            problems.Add($"Incidents:Agents must be 1 to 10, not {options.Agents}.");
        }

        if (options.AutoFixThreshold is < 0 or > 1 || double.IsNaN(options.AutoFixThreshold))
        {
            problems.Add($"Incidents:AutoFixThreshold must be between 0 and 1, not {options.AutoFixThreshold}.");
        }

        foreach (var (service, settings) in options.Services)
        {
            if (settings.Repository is { } repository && repository.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                problems.Add($"Incidents:Services:{service}:Repository must be owner/name, not '{repository}'.");
            }
        }

        foreach (var (monitor, settings) in options.Monitors)
        {
            if (settings.Url is not { IsAbsoluteUri: true } url || url.Scheme is not ("http" or "https"))
            {
                problems.Add($"Incidents:Monitors:{monitor}:Url must be an http(s) URL.");
            }

            if (settings.Interval < TimeSpan.FromSeconds(1) || settings.MaxNewPerPoll is < 1 or > MonitorSettings.MostNewPerPoll)
            {
                problems.Add($"Incidents:Monitors:{monitor}: Interval must be at least 1 s and MaxNewPerPoll 1 to {MonitorSettings.MostNewPerPoll}.");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
