using System.Security.Cryptography;
using System.Text;
using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Workflows.IncidentSwarm;
using Microsoft.Extensions.Options;
using Prometheus;

namespace GitHubBot.App.Webhooks;

/// <summary>Alert intake settings (configuration section "Alerts").</summary>
public sealed class AlertSettings
{
    public const string SectionName = "Alerts";

    /// <summary>The bearer token alert senders present (Authorization: Bearer …); unset: the alert endpoints answer 503.</summary>
    public string? Token { get; set; }
}

/// <summary>What one incident of an alert delivery came to.</summary>
/// <param name="WorkflowId">incident/{source}/{fingerprint}.</param>
/// <param name="Status">firing (started or joined) or resolved (signalled), or no-incident (a resolved alert nothing ran for).</param>
/// <param name="RunId">The incident's run, for a firing alert.</param>
public sealed record AlertIncident(string WorkflowId, string Status, string? RunId = null);

/// <summary>The JSON body of every alert answer.</summary>
public sealed record AlertAnswer(string Outcome, string Reason, IReadOnlyList<AlertIncident>? Incidents = null);

/// <summary>
/// The alert endpoints: <c>POST /api/alerts/alertmanager</c> (Alertmanager's webhook, version 4),
/// <c>POST /api/alerts/grafana</c> (Grafana's unified alerting webhook) and <c>POST /api/alerts</c> (the seed's JSON).
/// The request only checks, routes and signals: each firing alert is signal-with-start of its incident
/// (incident/{source}/{fingerprint}), so a repeat joins the running incident; a resolved alert signals it, and one
/// nothing runs for is acknowledged. 401 without the bearer token, 503 when none is configured, 413 above
/// <see cref="AlertLimits.MaxBodyBytes"/>, 400 with the reason when the body cannot be read.
/// </summary>
public static class AlertIntake
{
    public const string GenericPath = "/api/alerts";

    /// <summary>Maps the three alert endpoints.</summary>
    public static IEndpointRouteBuilder MapAlertIntake(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost($"{GenericPath}/alertmanager", (HttpContext context, AlertIntakeHandler handler) => handler.HandleAsync(context, "alertmanager"));
        endpoints.MapPost($"{GenericPath}/grafana", (HttpContext context, AlertIntakeHandler handler) => handler.HandleAsync(context, "grafana"));
        endpoints.MapPost(GenericPath, (HttpContext context, AlertIntakeHandler handler) => handler.HandleAsync(context, "generic"));
        return endpoints;
    }
}

/// <summary>One alert delivery, from its bearer token to the incidents it signalled.</summary>
public sealed partial class AlertIntakeHandler(WorkflowStarter starter, IOptions<AlertSettings> settings, IOptions<IncidentOptions> incidents, ILogger<AlertIntakeHandler> logger)
{
    public async Task HandleAsync(HttpContext context, string source)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (status, answer) = await AnswerAsync(context, source);
        IntakeMetrics.AlertDeliveries.WithLabels(source, answer.Outcome).Inc();
        if (status >= 400)
        {
            Log.Rejected(logger, source, status, answer.Reason);
        }

        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(answer, context.RequestAborted);
    }

    private async Task<(int Status, AlertAnswer Answer)> AnswerAsync(HttpContext context, string source)
    {
        if (string.IsNullOrEmpty(settings.Value.Token))
        {
            return (StatusCodes.Status503ServiceUnavailable, new AlertAnswer("unavailable", "alerts are not accepted: set Alerts:Token and give it to the alert senders as a bearer token"));
        }

        if (!Authorized(context.Request.Headers.Authorization.ToString(), settings.Value.Token))
        {
            return (StatusCodes.Status401Unauthorized, new AlertAnswer("rejected", "missing or wrong bearer token (Authorization: Bearer <Alerts:Token>)"));
        }

        var body = await ReadAsync(context);
        if (body is null)
        {
            return (StatusCodes.Status413PayloadTooLarge, new AlertAnswer("rejected", $"the body is larger than {AlertLimits.MaxBodyBytes} bytes"));
        }

        var (notices, problem) = AlertPayloads.Parse(body, source, incidents.Value.ServiceLabelList());
        if (problem is not null)
        {
            return (StatusCodes.Status400BadRequest, new AlertAnswer("rejected", problem));
        }

        if (notices.Count == 0)
        {
            return (StatusCodes.Status200OK, new AlertAnswer("ignored", "the delivery has no alerts"));
        }

        // One signal per alert of the delivery: the same fingerprint twice in one body is one alert, as it last says.
        notices = [.. notices.GroupBy(n => n.Alert.Fingerprint, StringComparer.Ordinal).Select(g => g.Last())];

        var results = new List<AlertIncident>();
        try
        {
            foreach (var notice in notices)
            {
                results.Add(await DeliverAsync(notice, source, context.RequestAborted));
            }
        }
        catch (TemporalUnavailableException ex)
        {
            Log.TemporalUnavailable(logger, ex, source);
            return (StatusCodes.Status503ServiceUnavailable, new AlertAnswer("unavailable", "Temporal is unavailable; the delivery was not accepted", results));
        }

        return results.Any(r => r.Status == "firing")
            ? (StatusCodes.Status202Accepted, new AlertAnswer("accepted", $"{results.Count(r => r.Status == "firing")} incidents started or joined", results))
            : (StatusCodes.Status200OK, new AlertAnswer("acknowledged", "resolved alerts signalled to their incidents", results));
    }

    private async Task<AlertIncident> DeliverAsync(AlertNotice notice, string source, CancellationToken cancellationToken)
    {
        var id = WorkflowIds.Incident(notice.Alert.Source, notice.Alert.Fingerprint);
        if (notice.Resolved)
        {
            var signalled = await starter.SignalAsync(id, IncidentSignals.Resolved, [$"{source}'s resolved notification"], cancellationToken);
            Log.Resolved(logger, id, signalled);
            return new AlertIncident(id, signalled ? "resolved" : "no-incident");
        }

        using var timer = IntakeMetrics.StartSeconds.NewTimer();
        var input = new IncidentInput { Alert = notice.Alert, Trigger = $"{source} webhook" };
        var started = await starter.SignalWithStartAsync(
            WorkflowTypes.IncidentSwarm, id, input, IncidentSignals.AlertFired, [source], new Dictionary<string, object> { ["event"] = $"alert.{source}" }, cancellationToken);
        Log.Firing(logger, id);
        return new AlertIncident(id, "firing", started.RunId);
    }

    /// <summary>Compares the bearer token in constant time (hashes of equal length, whatever was sent).</summary>
    private static bool Authorized(string header, string token)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    /// <summary>The body as text, or null when it is larger than the limit (read no further than the limit).</summary>
    private static async Task<string?> ReadAsync(HttpContext context)
    {
        if (context.Request.ContentLength > AlertLimits.MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > AlertLimits.MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Alert delivery to {Source} answered {Status}: {Reason}")]
        public static partial void Rejected(ILogger logger, string source, int status, string reason);

        [LoggerMessage(EventId = 221, Level = LogLevel.Information, Message = "Alert firing: incident {WorkflowId} started or joined")]
        public static partial void Firing(ILogger logger, string workflowId);

        [LoggerMessage(EventId = 222, Level = LogLevel.Information, Message = "Alert resolved: incident {WorkflowId} signalled: {Signalled}")]
        public static partial void Resolved(ILogger logger, string workflowId, bool signalled);

        [LoggerMessage(EventId = 223, Level = LogLevel.Error, Message = "Temporal is unavailable; an alert delivery to {Source} answered 503")]
        public static partial void TemporalUnavailable(ILogger logger, Exception exception, string source);
    }
}
