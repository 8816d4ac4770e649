using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Octokit.Webhooks;
using Prometheus;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// Receives each verified, parsed delivery from Octokit.Webhooks.AspNetCore, routes it through
/// <see cref="WebhookRoutes"/> and starts the workflow. No GitHub call happens here.
/// </summary>
public sealed partial class GitHubBotWebhookProcessor(
    DeliveryOutcome outcome,
    WorkflowStarter starter,
    IOptions<IntakeSettings> intake,
    TimeProvider time,
    ILogger<GitHubBotWebhookProcessor> logger) : WebhookEventProcessor
{
    /// <summary>
    /// Overriding the string path makes the library hand us the raw body, so a payload that does not fit its
    /// event's schema is answered 400 with the reason (an unknown event, 200) instead of the library's 500.
    /// </summary>
    public override async ValueTask ProcessWebhookAsync(IDictionary<string, StringValues> headers, string body, CancellationToken cancellationToken = default)
    {
        var parsedHeaders = WebhookHeaders.Parse(headers);
        var delivery = parsedHeaders.Delivery ?? string.Empty;
        var eventName = parsedHeaders.Event ?? string.Empty;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["DeliveryId"] = delivery, ["Event"] = eventName });

        WebhookEvent? webhookEvent;
        try
        {
            webhookEvent = DeserializeWebhookEvent(parsedHeaders, body);
        }
        catch (JsonException ex)
        {
            // The library knows only the events and actions of its schema version. What the routing table does not
            // route (a new event, a new action) is simply not handled; a payload it does route must be readable.
            var (isObject, action) = Peek(body);
            var kind = action is null ? eventName : $"{eventName}.{action}";
            outcome.Event = IntakeMetrics.EventLabel(eventName, action);
            if (isObject && (action is not null || !WebhookRoutes.RoutesEvent(eventName)) && !WebhookRoutes.Routes(eventName, action))
            {
                Log.Ignored(logger, kind, ex.Message);
                outcome.Set(StatusCodes.Status200OK, new WebhookAnswer("ignored", $"{kind} is not handled", delivery));
                return;
            }

            var reason = !isObject ? "the payload is not a JSON object"
                : action is null ? $"the {eventName} payload has no action"
                : $"the {kind} payload does not match its schema: {ex.Message}";
            Log.BadPayload(logger, kind, reason);
            outcome.Set(StatusCodes.Status400BadRequest, new WebhookAnswer("rejected", reason, delivery));
            return;
        }

        if (webhookEvent is null)
        {
            outcome.Set(StatusCodes.Status400BadRequest, new WebhookAnswer("rejected", "the payload is not a JSON object", delivery));
            return;
        }

        await HandleAsync(eventName, webhookEvent, delivery, cancellationToken);
    }

    /// <summary>Whether the body is a JSON object, and its action (on the error path only).</summary>
    private static (bool IsObject, string? Action) Peek(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind != JsonValueKind.Object
                ? (false, null)
                : (true, root.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.String ? action.GetString() : null);
        }
        catch (JsonException)
        {
            return (false, null);
        }
    }

    private async Task HandleAsync(string eventName, WebhookEvent webhookEvent, string delivery, CancellationToken cancellationToken)
    {
        var kind = webhookEvent.Action is null ? eventName : $"{eventName}.{webhookEvent.Action}";
        outcome.Event = kind;
        var decision = WebhookRoutes.Route(eventName, webhookEvent, new RoutingOptions(intake.Value.TriggerLabel));
        if (decision is RouteDecision.Start { SignedAt: { } signedAt } && time.GetUtcNow() - signedAt is var age && age > intake.Value.FreshnessWindow)
        {
            // Authentic, but too old to act on: a replay, or a redelivery that came too late. 400 shows it as failed in
            // the App's delivery log, with the reason; GitHub does not retry it by itself.
            var reason = signedAt == DateTimeOffset.MinValue
                ? $"{kind} carries no time to judge its age by; actions with side effects are refused without one"
                : string.Create(CultureInfo.InvariantCulture, $"stale: the newest time in this {kind} payload is {signedAt:yyyy-MM-ddTHH:mm:ssZ}, older than the {intake.Value.FreshnessWindow.TotalHours:0.##} h freshness window for actions with side effects (Intake:FreshnessWindow)");
            Log.Stale(logger, kind, reason);
            IntakeMetrics.Rejections.WithLabels("stale").Inc();
            outcome.Set(StatusCodes.Status400BadRequest, new WebhookAnswer("rejected", reason, delivery));
            return;
        }

        switch (decision)
        {
            case RouteDecision.Start start:
                using (logger.BeginScope(new Dictionary<string, object> { ["WorkflowId"] = start.WorkflowId }))
                {
                    using var timer = IntakeMetrics.StartSeconds.NewTimer();
                    try
                    {
                        var started = await starter.StartAsync(start, delivery, kind, cancellationToken);
                        Log.Accepted(logger, kind, started.WorkflowId, started.AlreadyFinished);
                        outcome.Set(StatusCodes.Status202Accepted, new WebhookAnswer(
                            "accepted",
                            started.AlreadyFinished ? "already handled by a finished workflow" : $"{start.WorkflowType} started or already running",
                            delivery,
                            started.WorkflowId,
                            started.RunId));
                    }
                    catch (TemporalUnavailableException ex)
                    {
                        Log.TemporalUnavailable(logger, ex, kind, start.WorkflowId);
                        outcome.Set(StatusCodes.Status503ServiceUnavailable, new WebhookAnswer("unavailable", "Temporal is unavailable; the delivery was not accepted", delivery, start.WorkflowId));
                    }
                }

                break;

            case RouteDecision.BadPayload bad:
                Log.BadPayload(logger, kind, bad.Reason);
                outcome.Set(StatusCodes.Status400BadRequest, new WebhookAnswer("rejected", bad.Reason, delivery));
                break;

            case RouteDecision.NotAvailable missing:
                Log.NotAvailable(logger, kind, missing.Capability);
                outcome.Set(StatusCodes.Status200OK, new WebhookAnswer("not-available", $"{missing.Capability} is not available in this version of GitHubBot", delivery, missing.WorkflowId));
                break;

            case RouteDecision.Ignore ignore:
                Log.Ignored(logger, kind, ignore.Reason);
                outcome.Set(StatusCodes.Status200OK, new WebhookAnswer("ignored", ignore.Reason, delivery));
                break;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Accepted {Event} as workflow {WorkflowId} (already finished: {AlreadyFinished})")]
        public static partial void Accepted(ILogger logger, string @event, string workflowId, bool alreadyFinished);

        [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Ignored {Event}: {Reason}")]
        public static partial void Ignored(ILogger logger, string @event, string reason);

        [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Rejected {Event}: {Reason}")]
        public static partial void BadPayload(ILogger logger, string @event, string reason);

        [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "{Event} needs {Capability}, which this version does not have yet")]
        public static partial void NotAvailable(ILogger logger, string @event, string capability);

        [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Refused {Event}: {Reason}")]
        public static partial void Stale(ILogger logger, string @event, string reason);

        [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "Temporal is unavailable; {Event} for {WorkflowId} answered 503")]
        public static partial void TemporalUnavailable(ILogger logger, Exception exception, string @event, string workflowId);
    }
}
