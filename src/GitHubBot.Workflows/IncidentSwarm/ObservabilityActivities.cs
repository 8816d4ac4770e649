using System.Globalization;
using System.Text.Json;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Temporalio.Activities;

namespace GitHubBot.Workflows.IncidentSwarm;

/// <summary>
/// The incident's context from the observability stack: Prometheus' <c>query_range</c>, a Loki-compatible
/// <c>query_range</c>, and Alertmanager's active alerts for the monitor. A source that is not configured or does not
/// answer is a gap the incident notes and goes on without; answers are bounded in size and summarised here, so
/// the workflow's history never holds raw dumps.
/// </summary>
public sealed partial class ObservabilityActivities(IHttpClientFactory http, IOptions<IncidentOptions> options, ILogger<ObservabilityActivities> logger)
{
    /// <summary>The name of the HTTP client the activities use (bounded timeout and answer size).</summary>
    public const string HttpClientName = "observability";

    /// <summary>The largest answer read from one request.</summary>
    public const int MaxAnswerBytes = 4 * 1024 * 1024;

    /// <summary>The most points one query asks for.</summary>
    public const int MaxPoints = 240;

    /// <summary>Each query's series over the window, summarised; the queries that failed make the gap.</summary>
    [Activity]
    public async Task<MetricsContext> FetchMetricsAsync(ContextRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (options.Value.Prometheus.Url is not { } prometheus)
        {
            return new MetricsContext([], "Incidents:Prometheus:Url is not set");
        }

        if (request.Queries.Count == 0)
        {
            return new MetricsContext([], "no metrics query is set for this service, and the alert carries no expression");
        }

        return await Heartbeats.RunAsync(async token =>
        {
            var series = new List<SeriesSummary>();
            var gaps = new List<string>();
            // The last step ends after the window, so the newest sample (the one that fired the alert) is in it.
            var step = Math.Max(1, (int)Math.Ceiling((request.To - request.From).TotalSeconds / MaxPoints));
            foreach (var query in request.Queries.Take(5))
            {
                var url = new Uri(Base(prometheus), string.Create(CultureInfo.InvariantCulture,
                    $"api/v1/query_range?query={Uri.EscapeDataString(query.Query)}&start={request.From.ToUnixTimeSeconds()}&end={request.To.ToUnixTimeSeconds() + step}&step={step}&timeout=10s"));
                try
                {
                    var answer = await GetAsync(url, token);
                    series.AddRange(IncidentContextReader.PrometheusSeries(query.Name, answer, IncidentContextReader.MaxSeries - series.Count));
                }
                catch (Exception ex) when (ex is HttpRequestException or FormatException or TaskCanceledException && !token.IsCancellationRequested)
                {
                    LogSourceFailed(logger, "Prometheus", ex.Message);
                    gaps.Add($"`{query.Name}`: {Said(ex)}");
                }
            }

            return new MetricsContext(series, gaps.Count == 0 ? null : $"Prometheus did not answer for {string.Join("; ", gaps)}");
        });
    }

    /// <summary>The most frequent log lines of the window (errors first), from a Loki-compatible API.</summary>
    [Activity]
    public async Task<LogsContext> FetchLogsAsync(ContextRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (options.Value.Loki.Url is not { } loki)
        {
            return new LogsContext([], 0, "Incidents:Loki:Url is not set");
        }

        if (request.Queries.Count == 0)
        {
            return new LogsContext([], 0, "no logs query is set for this service");
        }

        return await Heartbeats.RunAsync(async token =>
        {
            var query = request.Queries[0];
            var url = new Uri(Base(loki), string.Create(CultureInfo.InvariantCulture,
                $"loki/api/v1/query_range?query={Uri.EscapeDataString(query.Query)}&start={request.From.ToUnixTimeMilliseconds() * 1_000_000}&end={request.To.ToUnixTimeMilliseconds() * 1_000_000}&limit=500&direction=backward"));
            try
            {
                return IncidentContextReader.LokiLines(await GetAsync(url, token));
            }
            catch (Exception ex) when (ex is HttpRequestException or FormatException or TaskCanceledException && !token.IsCancellationRequested)
            {
                LogSourceFailed(logger, "Loki", ex.Message);
                return new LogsContext([], 0, $"Loki did not answer: {Said(ex)}");
            }
        });
    }

    /// <summary>The most alerts one poll reads from Alertmanager.</summary>
    public const int MaxPolledAlerts = 5000;

    /// <summary>
    /// What an Alertmanager has now: the fingerprints of every alert it holds (silenced and inhibited ones too: they
    /// have not resolved), and the active, unsilenced, uninhibited alerts among them not in <see cref="MonitorPollRequest.Known"/>
    /// — at most <see cref="MonitorPollRequest.MaxNew"/>, oldest first — read as the webhook's alerts (the same
    /// fingerprints). Complete is false when Alertmanager held more than <see cref="MaxPolledAlerts"/>.
    /// </summary>
    [Activity]
    public async Task<MonitorPoll> PollAlertmanagerAsync(MonitorPollRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await Heartbeats.RunAsync(async token =>
        {
            var answer = await GetAsync(new Uri(Base(request.Alertmanager), "api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"), token);
            using var document = JsonDocument.Parse(answer, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("Alertmanager's /api/v2/alerts did not answer with a list");
            }

            var known = request.Known.ToHashSet(StringComparer.Ordinal);
            var present = new List<string>();
            var candidates = new System.Text.Json.Nodes.JsonArray();
            foreach (var alert in document.RootElement.EnumerateArray().Take(MaxPolledAlerts))
            {
                if (alert.ValueKind != JsonValueKind.Object || !alert.TryGetProperty("fingerprint", out var fingerprint) || fingerprint.ValueKind != JsonValueKind.String)
                {
                    continue;
                }

                present.Add(fingerprint.GetString()!);
                var firing = alert.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object
                    && status.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String && state.GetString() == "active";
                if (firing && !known.Contains(fingerprint.GetString()!) && System.Text.Json.Nodes.JsonNode.Parse(alert.GetRawText()) is System.Text.Json.Nodes.JsonObject copy)
                {
                    copy["status"] = "firing";
                    candidates.Add(copy);
                }
            }

            var body = new System.Text.Json.Nodes.JsonObject { ["status"] = "firing", ["alerts"] = candidates }.ToJsonString();
            var (notices, problem) = AlertPayloads.ParseWebhook(body, "alertmanager", options.Value.ServiceLabelList(), int.MaxValue);
            if (problem is not null)
            {
                throw new FormatException($"Alertmanager's alerts could not be read: {problem}");
            }

            var fresh = notices.Select(n => n.Alert).Where(a => !known.Contains(a.Fingerprint))
                .OrderBy(a => a.StartsAt).ThenBy(a => a.Fingerprint, StringComparer.Ordinal).Take(Math.Clamp(request.MaxNew, 1, MonitorSettings.MostNewPerPoll)).ToList();
            return new MonitorPoll(fresh, present, present.Count < MaxPolledAlerts);
        });
    }

    /// <summary>A base URL that keeps its path (Prometheus behind /prometheus/) when a relative path is added to it.</summary>
    private static Uri Base(Uri url) => url.AbsolutePath.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    /// <summary>What a failure says where the incident's issue shows it: the HTTP status or our own reading, never internal host names.</summary>
    private static string Said(Exception ex) => ex switch
    {
        HttpRequestException { StatusCode: null } when ex.Message.Length > 0 && char.IsDigit(ex.Message[0]) => ex.Message,
        HttpRequestException { StatusCode: { } status } => $"{(int)status} {status}",
        HttpRequestException => "no connection (the worker's log says more)",
        TaskCanceledException => "timed out",
        _ => ex.Message,
    };

    private async Task<string> GetAsync(Uri url, CancellationToken token)
    {
        var client = http.CreateClient(HttpClientName);
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, token);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}");
        }

        if (response.Content.Headers.ContentLength > MaxAnswerBytes)
        {
            throw new FormatException($"the answer is larger than {MaxAnswerBytes / 1024 / 1024} MiB");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(token);
        using var answer = new MemoryStream();
        var buffer = new byte[81920];
        int chunk;
        while ((chunk = await stream.ReadAsync(buffer, token)) > 0)
        {
            if (answer.Length + chunk > MaxAnswerBytes)
            {
                throw new FormatException($"the answer is larger than {MaxAnswerBytes / 1024 / 1024} MiB");
            }

            answer.Write(buffer, 0, chunk);
        }

        return System.Text.Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} did not answer an incident's query: {Reason}")]
    private static partial void LogSourceFailed(ILogger logger, string source, string reason);
}
