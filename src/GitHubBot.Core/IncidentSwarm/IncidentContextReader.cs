using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;

namespace GitHubBot.Core.IncidentSwarm;

/// <summary>
/// Reads what Prometheus and Loki answer into short summaries (the incident's history and its agents' prompts get
/// these, never raw dumps), fills query templates with an alert's labels, and renders the context the diagnosers
/// read. Every answer comes from outside: sizes are bounded and malformed answers are a gap, not a crash.
/// </summary>
public static partial class IncidentContextReader
{
    /// <summary>The most series kept over all queries.</summary>
    public const int MaxSeries = 20;

    /// <summary>The most distinct log lines kept.</summary>
    public const int MaxLogLines = 25;

    /// <summary>The longest log line kept.</summary>
    public const int MaxLogLineChars = 300;

    /// <summary>
    /// The series of a Prometheus <c>query_range</c> answer (<c>{"status":"success","data":{"resultType":"matrix","result":[…]}}</c>),
    /// each summarised; a failed or malformed answer throws <see cref="FormatException"/> saying why.
    /// </summary>
    public static IReadOnlyList<SeriesSummary> PrometheusSeries(string queryName, string json, int maxSeries = MaxSeries) =>
        Shaped(() => ReadSeries(queryName, json, maxSeries));

    private static List<SeriesSummary> ReadSeries(string queryName, string json, int maxSeries)
    {
        using var document = Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("status", out var status) && status.GetString() != "success")
        {
            throw new FormatException($"Prometheus answered {status.GetString()}: {(root.TryGetProperty("error", out var error) ? error.GetString() : "no reason given")}");
        }

        if (!root.TryGetProperty("data", out var data) || !data.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("the Prometheus answer has no data.result");
        }

        var series = new List<SeriesSummary>();
        foreach (var item in result.EnumerateArray().Take(maxSeries))
        {
            var labels = item.TryGetProperty("metric", out var metric) && metric.ValueKind == JsonValueKind.Object
                ? string.Join(", ", metric.EnumerateObject().Take(12).Select(l => $"{l.Name}={Short(l.Value.ToString(), 80)}"))
                : string.Empty;
            var values = new List<double>();
            if (item.TryGetProperty("values", out var points) && points.ValueKind == JsonValueKind.Array)
            {
                foreach (var point in points.EnumerateArray())
                {
                    if (point.ValueKind == JsonValueKind.Array && point.GetArrayLength() == 2
                        && double.TryParse(point[1].GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                    {
                        values.Add(value);
                    }
                }
            }

            if (values.Count > 0)
            {
                series.Add(new SeriesSummary(queryName, Short(labels, 400), values.Count, values.Min(), values.Max(), Math.Round(values.Average(), 6), values[0], values[^1]));
            }
        }

        return series;
    }

    /// <summary>
    /// The lines of a Loki <c>query_range</c> answer (<c>{"status":"success","data":{"resultType":"streams","result":[{"stream":{…},"values":[["ns","line"]]}]}}</c>):
    /// digits folded so repeats count as one, errors first, then the most frequent.
    /// </summary>
    public static LogsContext LokiLines(string json) => Shaped(() => ReadLines(json));

    private static LogsContext ReadLines(string json)
    {
        using var document = Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("status", out var status) && status.GetString() != "success")
        {
            throw new FormatException($"Loki answered {status.GetString()}");
        }

        if (!root.TryGetProperty("data", out var data) || !data.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("the Loki answer has no data.result");
        }

        var counts = new Dictionary<string, (string Text, int Count, int Order)>(StringComparer.Ordinal);
        var total = 0;
        foreach (var stream in result.EnumerateArray())
        {
            if (!stream.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var value in values.EnumerateArray())
            {
                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() < 2 || value[1].ValueKind != JsonValueKind.String)
                {
                    continue;
                }

                total++;
                var line = Short(value[1].GetString()!.Trim(), MaxLogLineChars);
                var key = ConsensusRules.Fold(line);
                counts[key] = counts.TryGetValue(key, out var seen) ? (seen.Text, seen.Count + 1, seen.Order) : (line, 1, counts.Count);
            }
        }

        var lines = counts.Values
            .OrderByDescending(l => IsError(l.Text))
            .ThenByDescending(l => l.Count)
            .ThenBy(l => l.Order)
            .Take(MaxLogLines)
            .Select(l => new LogLine(l.Text, l.Count))
            .ToList();
        return new LogsContext(lines, total, null);
    }

    /// <summary>
    /// <paramref name="template"/> with <c>{label}</c> placeholders filled from the alert's labels (and <c>{service}</c>
    /// from its service); null when a placeholder has no value, or a value cannot be placed safely. Label values come
    /// from outside: each is escaped for the string it stands in (inside "…" or '…' its backslashes and that quote
    /// are escaped, line breaks become spaces), a value with a backtick is refused inside a raw `…` string (which
    /// has no escapes), and outside any string only a plain name (letters, digits, _ : . -) is placed.
    /// </summary>
    public static string? Fill(string template, Alert alert)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(alert);
        var quotes = QuoteAt(template);
        var missing = false;
        var filled = Placeholder().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            var value = name == "service" ? alert.Service ?? alert.Labels.GetValueOrDefault("service") : alert.Labels.GetValueOrDefault(name);
            var placed = value is null ? null : Place(value, quotes[match.Index]);
            if (placed is null)
            {
                missing = true;
                return match.Value;
            }

            return placed;
        });
        return missing ? null : filled;
    }

    /// <summary>A label value as it may stand inside <paramref name="quote"/> ('\0' outside any string); null when it may not.</summary>
    private static string? Place(string value, char quote)
    {
        var oneLine = value.Replace('\r', ' ').Replace('\n', ' ');
        return quote switch
        {
            '"' or '\'' => oneLine.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(quote.ToString(), $"\\{quote}", StringComparison.Ordinal),
            '`' => oneLine.Contains('`', StringComparison.Ordinal) ? null : oneLine,
            _ => PlainName().IsMatch(oneLine) ? oneLine : null,
        };
    }

    /// <summary>For each position of a PromQL or LogQL text, the quote of the string it is in ('\0': none).</summary>
    private static char[] QuoteAt(string text)
    {
        var quotes = new char[text.Length];
        var open = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            quotes[i] = open;
            var c = text[i];
            if (open == '\0')
            {
                if (c is '"' or '\'' or '`')
                {
                    open = c;
                }
            }
            else if (c == '\\' && open != '`')
            {
                i++;
                if (i < text.Length)
                {
                    quotes[i] = open;
                }
            }
            else if (c == open)
            {
                open = '\0';
            }
        }

        return quotes;
    }

    /// <summary>The expression of a Prometheus alert, from its generator URL (<c>…/graph?g0.expr=…</c>); null when it has none.</summary>
    public static string? ExpressionOf(string? generatorUrl)
    {
        if (!Uri.TryCreate(generatorUrl, UriKind.Absolute, out var url))
        {
            return null;
        }

        var expression = HttpUtility.ParseQueryString(url.Query)["g0.expr"];
        return string.IsNullOrWhiteSpace(expression) || expression.Length > 2000 ? null : expression;
    }

    /// <summary>The context as the diagnosers read it: the alert, the series, the log lines, the recent changes, and the gaps.</summary>
    public static string Render(Alert alert, IncidentContext context)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(context);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"## Alert\n\n- name: {alert.Name}\n- severity: {alert.Severity}\n- service: {alert.Service ?? "(none)"}\n- started: {alert.StartsAt:u}\n- says: {alert.Summary}\n");
        foreach (var (name, value) in alert.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"- label {name}={value}\n");
        }

        foreach (var (name, value) in alert.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"- metric {name} = {value:0.####}\n");
        }

        if (alert.GitHub is { } github)
        {
            text.Append(CultureInfo.InvariantCulture, $"- GitHub {github.Kind} alert #{github.Number}: {github.Rule} — {github.Detail}{(github.Path is null ? string.Empty : $" at {github.Path}:{github.Line}")}\n");
        }

        text.Append("\n## Metrics\n\n");
        if (context.Metrics.Gap is { } metricsGap)
        {
            text.Append(CultureInfo.InvariantCulture, $"(not available: {metricsGap})\n");
        }

        foreach (var series in context.Metrics.Series)
        {
            text.Append(CultureInfo.InvariantCulture, $"- query `{series.Query}` {{{series.Labels}}}: {series.Points} points, first {series.First:0.####}, last {series.Last:0.####}, min {series.Min:0.####}, max {series.Max:0.####}, mean {series.Mean:0.####}\n");
        }

        text.Append("\n## Logs\n\n");
        if (context.Logs.Gap is { } logsGap)
        {
            text.Append(CultureInfo.InvariantCulture, $"(not available: {logsGap})\n");
        }

        // The alert's own lines, unless the logs showed them already.
        var seen = context.Logs.Lines.Select(l => ConsensusRules.Fold(l.Text)).ToHashSet(StringComparer.Ordinal);
        foreach (var line in context.Logs.Lines.Concat(alert.Logs.Where(l => !seen.Contains(ConsensusRules.Fold(l))).Select(l => new LogLine(l, 1))))
        {
            text.Append(CultureInfo.InvariantCulture, $"- ({line.Count}×) {line.Text}\n");
        }

        text.Append("\n## Recent changes\n\n");
        if (context.Changes.Gap is { } changesGap)
        {
            text.Append(CultureInfo.InvariantCulture, $"(not available: {changesGap})\n");
        }

        foreach (var commit in context.Changes.Commits)
        {
            text.Append(CultureInfo.InvariantCulture, $"- commit {commit.Sha[..Math.Min(12, commit.Sha.Length)]} {commit.When:u} by {commit.Author}: {commit.Title}\n");
        }

        foreach (var pr in context.Changes.PullRequests)
        {
            text.Append(CultureInfo.InvariantCulture, $"- PR #{pr.Number} merged {pr.MergedAt:u}: {pr.Title}\n");
        }

        return text.ToString();
    }

    /// <summary>An answer of the wrong shape (a string where a number was due, an array for an object) is a <see cref="FormatException"/> too.</summary>
    private static T Shaped<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException ex)
        {
            throw new FormatException($"the answer does not have the expected shape: {ex.Message}", ex);
        }
    }

    private static JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"the answer is not JSON: {ex.Message}", ex);
        }
    }

    private static bool IsError(string line) => ErrorWord().IsMatch(line);

    private static string Short(string text, int limit) => text.Length <= limit ? text : text[..limit] + "…";

    [GeneratedRegex("\\{([a-zA-Z_][a-zA-Z0-9_]*)\\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("^[A-Za-z0-9_:.-]{1,200}$")]
    private static partial Regex PlainName();

    [GeneratedRegex("(?i)\\b(error|exception|fatal|panic|fail(ed|ure)?|timeout|refused)\\b")]
    private static partial Regex ErrorWord();
}
