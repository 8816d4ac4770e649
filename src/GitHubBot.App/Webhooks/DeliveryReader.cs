using System.Text.Json;
using Microsoft.Extensions.Primitives;
using Octokit.Webhooks;

namespace GitHubBot.App.Webhooks;

/// <summary>What a delivery's payload comes to before anything is started: its kind and the routing table's decision.</summary>
/// <param name="Kind">The event and action, e.g. "pull_request.opened".</param>
/// <param name="EventLabel">The deliveries metric's label for it (a fixed set: see <see cref="IntakeMetrics.EventLabel"/>).</param>
/// <param name="Decision">What the routing table decided (<see cref="RouteDecision.Ignore"/> or <see cref="RouteDecision.BadPayload"/> for a payload it could not read).</param>
public sealed record ReadDelivery(string Kind, string EventLabel, RouteDecision Decision);

/// <summary>
/// Reads a verified delivery's payload with Octokit.Webhooks and asks the routing table what it comes to, once, when
/// it arrives (the inbox journals the decision, not the payload).
/// </summary>
public sealed class DeliveryReader : WebhookEventProcessor
{
    /// <summary>The payload's kind and decision; a payload that does not fit its event's schema is a bad payload with the reason (an event or action not routed, ignored).</summary>
    public ReadDelivery Read(string eventName, string delivery, string body, RoutingOptions options)
    {
        var headers = WebhookHeaders.Parse(new Dictionary<string, StringValues>
        {
            ["X-GitHub-Event"] = eventName,
            ["X-GitHub-Delivery"] = delivery,
        });
        WebhookEvent? webhookEvent;
        try
        {
            webhookEvent = DeserializeWebhookEvent(headers, body);
        }
        catch (JsonException ex)
        {
            // The library knows only the events and actions of its schema version. What the routing table does not
            // route (a new event, a new action) is simply not handled; a payload it does route must be readable.
            var (isObject, action) = Peek(body);
            var kind = action is null ? eventName : $"{eventName}.{action}";
            var label = IntakeMetrics.EventLabel(eventName, action);
            if (isObject && (action is not null || !WebhookRoutes.RoutesEvent(eventName)) && !WebhookRoutes.Routes(eventName, action))
            {
                return new ReadDelivery(kind, label, new RouteDecision.Ignore($"{kind} is not handled"));
            }

            var reason = !isObject ? "the payload is not a JSON object"
                : action is null ? $"the {eventName} payload has no action"
                : $"the {kind} payload does not match its schema: {ex.Message}";
            return new ReadDelivery(kind, label, new RouteDecision.BadPayload(reason));
        }

        if (webhookEvent is null)
        {
            return new ReadDelivery(eventName, IntakeMetrics.EventLabel(eventName, null), new RouteDecision.BadPayload("the payload is not a JSON object"));
        }

        var read = webhookEvent.Action is null ? eventName : $"{eventName}.{webhookEvent.Action}";
        return new ReadDelivery(read, read, WebhookRoutes.Route(eventName, webhookEvent, options));
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
}
