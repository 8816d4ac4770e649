using System.Diagnostics;
using System.Globalization;
using Octokit.Internal;
using Prometheus;

namespace GitHubBot.Workflows.GitHub;

/// <summary>
/// Prometheus metrics of the App's GitHub API calls (served at <c>/metrics</c>): requests and their durations by
/// route template, method and status, and the rate limit GitHub says is left, per installation (<c>app</c> for calls
/// made as the App). Every label is bounded: routes are templates, unknown shapes are <c>other</c>.
/// </summary>
public static class GitHubMetrics
{
    /// <summary>The request header that carries the installation label from a client to <see cref="GitHubMetricsHandler"/>; never sent.</summary>
    public const string InstallationHeader = "X-GhBot-Installation";

    public static readonly Counter Requests = Metrics.CreateCounter(
        "ghbot_github_requests_total",
        "GitHub API requests by route template, method and status (error: no answer).",
        new CounterConfiguration { LabelNames = ["route", "method", "status"] });

    public static readonly Histogram Duration = Metrics.CreateHistogram(
        "ghbot_github_request_duration_seconds",
        "GitHub API requests' durations by route template and method.",
        new HistogramConfiguration { LabelNames = ["route", "method"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 12) });

    public static readonly Gauge RateLimitRemaining = Metrics.CreateGauge(
        "ghbot_github_rate_limit_remaining",
        "X-RateLimit-Remaining of GitHub's last answer, by installation (app: calls as the App).",
        new GaugeConfiguration { LabelNames = ["installation"] });

    private static readonly HashSet<string> Methods = ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"];

    /// <summary>The method label: the HTTP method, or <c>other</c>.</summary>
    public static string MethodLabel(HttpMethod method) => Methods.Contains(method?.Method ?? "") ? method!.Method : "other";

    /// <summary>An Octokit HTTP client that marks each request with the installation it acts for.</summary>
    public static IHttpClient Labelled(IHttpClient inner, string installation) => new LabelledHttpClient(inner, installation);

    private sealed class LabelledHttpClient(IHttpClient inner, string installation) : IHttpClient
    {
        public Task<Octokit.IResponse> Send(IRequest request, CancellationToken cancellationToken, Func<object, object>? preprocessResponseBody = null)
        {
            ArgumentNullException.ThrowIfNull(request);
            request.Headers[InstallationHeader] = installation;
            return inner.Send(request, cancellationToken, preprocessResponseBody);
        }

        public void SetRequestTimeout(TimeSpan timeout) => inner.SetRequestTimeout(timeout);

        // The shared HTTP client belongs to GitHubClients, which disposes it.
        public void Dispose()
        {
        }
    }
}

/// <summary>Counts and times every GitHub API request of the App's shared HTTP client (see <see cref="GitHubMetrics"/>).</summary>
public sealed class GitHubMetricsHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var installation = request.Headers.TryGetValues(GitHubMetrics.InstallationHeader, out var values) ? values.FirstOrDefault() ?? "app" : "app";
        request.Headers.Remove(GitHubMetrics.InstallationHeader);
        var route = GitHubRoutes.Template(request.RequestUri?.AbsolutePath ?? "");
        var method = GitHubMetrics.MethodLabel(request.Method);
        var clock = Stopwatch.StartNew();
        var status = "error";
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            if (response.Headers.TryGetValues("X-RateLimit-Remaining", out var remaining)
                && double.TryParse(remaining.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var left))
            {
                GitHubMetrics.RateLimitRemaining.WithLabels(installation).Set(left);
            }

            return response;
        }
        finally
        {
            GitHubMetrics.Requests.WithLabels(route, method, status).Inc();
            GitHubMetrics.Duration.WithLabels(route, method).Observe(clock.Elapsed.TotalSeconds);
        }
    }
}
