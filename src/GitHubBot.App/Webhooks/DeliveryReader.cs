using System.Text.Json;

namespace GitHubBot.App.Webhooks;

/// <summary>What a delivery's payload comes to before anything is started: its kind and the routing table's decision.</summary>
/// <param name="Kind">The event and action, e.g. "pull_request.opened".</param>
/// <param name="EventLabel">The deliveries metric's label for it (a fixed set: see <see cref="IntakeMetrics.EventLabel"/>).</param>
/// <param name="Decision">What the routing table decided (<see cref="RouteDecision.Ignore"/> or <see cref="RouteDecision.BadPayload"/> for a payload it could not read).</param>
public sealed record ReadDelivery(string Kind, string EventLabel, RouteDecision Decision);

/// <summary>
/// Reads a verified delivery's payload and asks the routing table what it comes to, once, when it arrives (the inbox
/// journals the decision, not the payload). Only the action is read of a delivery the table does not route; a routed
/// one is read as a <see cref="DeliveryPayload"/>, which must fit its shape.
/// </summary>
public sealed class DeliveryReader
{
    /// <summary>
    /// The payload's kind and decision for a body already known to be valid JSON: one that is not an object, lacks the
    /// action its event is routed by, or does not fit <see cref="DeliveryPayload"/> is a bad payload with the reason;
    /// an event or action not routed is ignored.
    /// </summary>
    public ReadDelivery Read(string eventName, ReadOnlySpan<byte> body, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool isObject;
        string? action;
        try
        {
            (isObject, action) = DeliveryPayloadReader.Peek(body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: an action that is a string JSON allows but .NET cannot read (a lone surrogate).
            return Malformed(eventName, null, ex);
        }

        var kind = action is null ? eventName : $"{eventName}.{action}";
        var label = IntakeMetrics.EventLabel(eventName, action);
        if (!isObject || !WebhookRoutes.Routes(eventName, action))
        {
            // Not read any further, but it must be JSON.
            if (Problem(body) is { } problem)
            {
                return new ReadDelivery(kind, label, new RouteDecision.BadPayload(problem));
            }

            // A new event, a new action, or one GitHubBot does not act on: simply not handled. An event the table routes
            // by its action must have one.
            return !isObject ? new ReadDelivery(kind, label, new RouteDecision.BadPayload("the payload is not a JSON object"))
                : action is null && WebhookRoutes.RoutesEvent(eventName) ? new ReadDelivery(kind, label, new RouteDecision.BadPayload($"the {eventName} payload has no action"))
                : new ReadDelivery(kind, label, WebhookRoutes.Unrouted(eventName, action));
        }

        DeliveryPayload? payload;
        try
        {
            // One pass: the reader checks that all of it is JSON while the fields the table needs are read.
            payload = DeliveryPayloadReader.Read(body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return Problem(body) is { } problem
                ? new ReadDelivery(kind, label, new RouteDecision.BadPayload(problem))
                : new ReadDelivery(kind, label, new RouteDecision.BadPayload($"the {kind} payload does not match its schema: {ex.Message}"));
        }

        if (payload!.Action != action)
        {
            // The action twice: the table would act on the last, the kind and the journal would name the first.
            return new ReadDelivery(kind, label, new RouteDecision.BadPayload("the payload names its action more than once"));
        }

        return new ReadDelivery(kind, label, WebhookRoutes.Route(eventName, payload, options));
    }

    /// <summary>Why <paramref name="body"/> is not well-formed JSON (one value, nothing after it), or null.</summary>
    public static string? Problem(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            while (reader.Read())
            {
            }

            return reader.BytesConsumed == 0 ? "malformed JSON: no value" : reader.CurrentDepth != 0 ? "truncated JSON body" : null;
        }
        catch (JsonException ex)
        {
            return $"malformed JSON: {ex.Message}";
        }
    }

    private static ReadDelivery Malformed(string eventName, string? action, Exception ex) =>
        new(eventName, IntakeMetrics.EventLabel(eventName, action), new RouteDecision.BadPayload($"malformed JSON: {ex.Message}"));
}
