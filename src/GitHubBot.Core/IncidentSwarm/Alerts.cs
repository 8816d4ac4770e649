using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GitHubBot.Core.IncidentSwarm;

/// <summary>
/// An alert, whichever system sent it, as an incident knows it. Every text in it came from outside and is bounded
/// (<see cref="AlertLimits"/>); none of it is trusted.
/// </summary>
public sealed record Alert
{
    /// <summary>alertmanager, grafana, generic (the seed's JSON) or github.</summary>
    public required string Source { get; init; }

    /// <summary>The source's identity of this alert: the same alert firing again has the same fingerprint.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The alert's name (alertname, the rule, the seed's id).</summary>
    public required string Name { get; init; }

    public string Severity { get; init; } = "unknown";

    /// <summary>The service it is about (a label, or the seed's service); null when it names none.</summary>
    public string? Service { get; init; }

    /// <summary>What it says: the summary or description annotation, or the seed's message.</summary>
    public string Summary { get; init; } = string.Empty;

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public DateTimeOffset StartsAt { get; init; }

    /// <summary>Where the alert comes from (Prometheus' graph of its expression, Grafana's rule, GitHub's page).</summary>
    public string? GeneratorUrl { get; init; }

    /// <summary>Figures the seed's JSON carries (name → value).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Log lines the seed's JSON carries.</summary>
    public IReadOnlyList<string> Logs { get; init; } = [];

    /// <summary>For GitHub's code scanning, secret scanning and Dependabot alerts: what GitHub says of it.</summary>
    public GitHubAlert? GitHub { get; init; }
}

/// <summary>A GitHub security alert on a repository.</summary>
/// <param name="Kind">code_scanning, secret_scanning or dependabot.</param>
/// <param name="Number">The alert's number on the repository.</param>
/// <param name="Owner">The repository's owner.</param>
/// <param name="Repo">The repository.</param>
/// <param name="InstallationId">The App installation that delivered it.</param>
/// <param name="Url">Its page on GitHub.</param>
/// <param name="Rule">The rule, advisory or secret type.</param>
/// <param name="Detail">What GitHub says of it (the rule's description, the advisory's summary).</param>
/// <param name="Path">The file it is in, when GitHub says.</param>
/// <param name="Line">The line, when GitHub says.</param>
public sealed record GitHubAlert(string Kind, int Number, string Owner, string Repo, long? InstallationId, string? Url, string? Rule, string? Detail, string? Path, int? Line)
{
    /// <summary>Secrets are rotated by people: such an incident never gets an automatic fix.</summary>
    public bool IsSecret => Kind == "secret_scanning";
}

/// <summary>One alert of a delivery: firing, or resolved.</summary>
public sealed record AlertNotice(Alert Alert, bool Resolved);

/// <summary>Bounds on what an alert may carry into an incident (its history, its agents' prompts).</summary>
public static class AlertLimits
{
    public const int MaxAlertsPerDelivery = 100;
    public const int MaxLabels = 64;
    public const int MaxValueChars = 1000;
    public const int MaxLogLines = 50;
    public const int MaxLogLineChars = 500;
    public const int MaxMetrics = 50;

    /// <summary>The largest alert delivery accepted.</summary>
    public const int MaxBodyBytes = 1024 * 1024;
}

/// <summary>
/// Reads alert deliveries: Alertmanager's webhook (version 4), Grafana's unified alerting webhook, and the seed's
/// JSON. Each alert becomes its own notice; what cannot be read is a problem saying why (the delivery's 400).
/// </summary>
public static partial class AlertPayloads
{
    /// <summary>The labels a service's name is taken from, first found first, when no other list is configured.</summary>
    public static readonly IReadOnlyList<string> DefaultServiceLabels = ["service", "job", "alertname"];

    /// <summary>A delivery of <paramref name="source"/>: the seed's JSON for generic, else the webhook body of Alertmanager or Grafana.</summary>
    public static (IReadOnlyList<AlertNotice> Notices, string? Problem) Parse(string body, string source, IReadOnlyList<string>? serviceLabels = null) =>
        source == "generic" ? ParseGeneric(body) : ParseWebhook(body, source, serviceLabels);

    /// <summary>Alertmanager's webhook body (version 4); <paramref name="source"/> is alertmanager or grafana (the same shape, Grafana's extra keys ignored).</summary>
    public static (IReadOnlyList<AlertNotice> Notices, string? Problem) ParseWebhook(string body, string source, IReadOnlyList<string>? serviceLabels = null, int maxAlerts = AlertLimits.MaxAlertsPerDelivery)
    {
        if (Document(body) is not { } root)
        {
            return ([], "the body is not a JSON object");
        }

        if (!root.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
        {
            return ([], "alerts must be an array");
        }

        var notices = new List<AlertNotice>();
        var index = 0;
        foreach (var alert in alerts.EnumerateArray().Take(maxAlerts))
        {
            if (alert.ValueKind != JsonValueKind.Object)
            {
                return ([], $"alerts[{index}] is not an object");
            }

            var labels = Strings(alert, "labels");
            var annotations = Strings(alert, "annotations");
            var status = Text(alert, "status") ?? Text(root, "status");
            if (status is not ("firing" or "resolved"))
            {
                return ([], $"alerts[{index}].status must be firing or resolved");
            }

            var fingerprint = Text(alert, "fingerprint") is { } given && SafeId().IsMatch(given) ? given : FingerprintOf(labels);
            var name = labels.GetValueOrDefault("alertname") ?? Text(root, "title") ?? "alert";
            notices.Add(new AlertNotice(
                new Alert
                {
                    Source = source,
                    Fingerprint = fingerprint,
                    Name = Bound(name),
                    Severity = Bound(labels.GetValueOrDefault("severity") ?? "unknown", 50),
                    Service = ServiceOf(labels, serviceLabels ?? DefaultServiceLabels),
                    Summary = Bound(annotations.GetValueOrDefault("summary") ?? annotations.GetValueOrDefault("description") ?? annotations.GetValueOrDefault("message") ?? name),
                    Labels = labels,
                    Annotations = annotations,
                    StartsAt = Time(alert, "startsAt") ?? DateTimeOffset.UnixEpoch,
                    GeneratorUrl = Url(Text(alert, "generatorURL")),
                },
                status == "resolved"));
            index++;
        }

        return (notices, null);
    }

    /// <summary>
    /// The seed's alert JSON: id (its fingerprint), severity, service, message, timestamp, metrics, logs; an optional
    /// status (firing, the default, or resolved).
    /// </summary>
    public static (IReadOnlyList<AlertNotice> Notices, string? Problem) ParseGeneric(string body)
    {
        if (Document(body) is not { } root)
        {
            return ([], "the body is not a JSON object");
        }

        if (Text(root, "id") is not { } id || !SafeId().IsMatch(id))
        {
            return ([], "id is required: 1 to 128 letters, digits or . _ : @ -");
        }

        var status = Text(root, "status") ?? "firing";
        if (status is not ("firing" or "resolved"))
        {
            return ([], "status must be firing or resolved");
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (root.TryGetProperty("metrics", out var metricsNode) && metricsNode.ValueKind == JsonValueKind.Object)
        {
            foreach (var metric in metricsNode.EnumerateObject().Take(AlertLimits.MaxMetrics))
            {
                if (metric.Value.ValueKind == JsonValueKind.Number && metric.Value.TryGetDouble(out var value) && double.IsFinite(value))
                {
                    metrics[Bound(metric.Name, 100)] = value;
                }
            }
        }

        var logs = new List<string>();
        if (root.TryGetProperty("logs", out var logsNode) && logsNode.ValueKind == JsonValueKind.Array)
        {
            logs.AddRange(logsNode.EnumerateArray().Take(AlertLimits.MaxLogLines).Select(l => Bound(l.ValueKind == JsonValueKind.String ? l.GetString()! : l.GetRawText(), AlertLimits.MaxLogLineChars)));
        }

        var service = Text(root, "service");
        var message = Text(root, "message") ?? id;
        var alert = new Alert
        {
            Source = "generic",
            Fingerprint = id,
            Name = id,
            Severity = Bound(Text(root, "severity") ?? "unknown", 50),
            Service = service is { Length: > 0 } ? Bound(service, 200) : null,
            Summary = Bound(message),
            Labels = service is { Length: > 0 } ? new Dictionary<string, string>(StringComparer.Ordinal) { ["service"] = Bound(service, 200) } : new Dictionary<string, string>(StringComparer.Ordinal),
            StartsAt = Time(root, "timestamp") ?? DateTimeOffset.UnixEpoch,
            Metrics = metrics,
            Logs = logs,
        };
        return ([new AlertNotice(alert, status == "resolved")], null);
    }

    /// <summary>
    /// A GitHub security alert as an incident: its fingerprint is owner/repo/kind/number (so its workflow is
    /// incident/github/owner/repo/kind/number), its texts bounded like any alert's.
    /// </summary>
    public static Alert FromGitHub(GitHubAlert github, string severity, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(github);
        var kind = github.Kind.Replace('_', ' ');
        var bounded = github with
        {
            Url = Url(github.Url),
            Rule = github.Rule is null ? null : Bound(github.Rule, 200),
            Detail = github.Detail is null ? null : Bound(github.Detail),
            Path = github.Path is null ? null : Bound(github.Path, 500),
        };
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = $"{kind} alert",
            ["repository"] = Bound($"{github.Owner}/{github.Repo}", 200),
            ["kind"] = github.Kind,
        };
        if (bounded.Rule is { } rule)
        {
            labels["rule"] = rule;
        }

        return new Alert
        {
            Source = "github",
            Fingerprint = string.Create(CultureInfo.InvariantCulture, $"{github.Owner}/{github.Repo}/{github.Kind}/{github.Number}"),
            Name = Bound(string.Create(CultureInfo.InvariantCulture, $"{kind} alert #{github.Number}{(bounded.Rule is { } named ? $": {named}" : string.Empty)}"), 300),
            Severity = string.IsNullOrWhiteSpace(severity) ? "unknown" : Bound(severity, 50),
            Summary = bounded.Detail ?? $"GitHub raised a {kind} alert on {github.Owner}/{github.Repo}.",
            Labels = labels,
            StartsAt = createdAt,
            GeneratorUrl = bounded.Url,
            GitHub = bounded,
        };
    }

    /// <summary>The service a set of labels names: the first of <paramref name="serviceLabels"/> that is there.</summary>
    public static string? ServiceOf(IReadOnlyDictionary<string, string> labels, IReadOnlyList<string> serviceLabels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(serviceLabels);
        return serviceLabels.Select(name => labels.GetValueOrDefault(name)).FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));
    }

    /// <summary>A fingerprint for labels that came without one: a hash of the sorted labels, as Alertmanager makes its own.</summary>
    public static string FingerprintOf(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var text = string.Join('\u001f', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}\u001e{l.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    private static JsonElement? Document(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Dictionary<string, string> Strings(JsonElement element, string name)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.TryGetProperty(name, out var map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in map.EnumerateObject().Take(AlertLimits.MaxLabels))
            {
                if (entry.Value.ValueKind == JsonValueKind.String)
                {
                    result[Bound(entry.Name, 200)] = Bound(entry.Value.GetString()!);
                }
            }
        }

        return result;
    }

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1 ? time : null;

    private static string? Url(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? Bound(url.AbsoluteUri, 2000) : null;

    private static string Bound(string text, int limit = AlertLimits.MaxValueChars) => text.Length <= limit ? text : text[..limit] + "…";

    [GeneratedRegex("^[A-Za-z0-9._:@-]{1,128}$")]
    private static partial Regex SafeId();
}
