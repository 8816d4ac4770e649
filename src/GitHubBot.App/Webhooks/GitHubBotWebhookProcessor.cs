using System.Globalization;
using GitHubBot.App.Hosting;
using GitHubBot.App.Inbox;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Prometheus;
using Temporalio.Client;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// Handles each verified delivery the webhook endpoint receives after <see cref="WebhookIntakeMiddleware"/>: reads and
/// routes it (<see cref="DeliveryReader"/>, <see cref="WebhookRoutes"/>) and, in inbox mode, journals it
/// (<see cref="DeliveryInbox"/>: 202 once on disk) or, in direct mode, starts the workflow before answering. No GitHub
/// call happens here.
/// </summary>
public sealed partial class GitHubBotWebhookProcessor(
    DeliveryOutcome outcome,
    DeliveryReader reader,
    WorkflowStarter starter,
    ITemporalClient temporal,
    IOptions<IntakeSettings> intake,
    TimeProvider time,
    ILogger<GitHubBotWebhookProcessor> logger,
    DeliveryInbox? inbox = null,
    IdenticalDeliveries? identical = null)
{
    /// <summary>The webhook endpoint: the verified body the guard left in <see cref="DeliveryOutcome.Body"/> comes to an outcome the guard writes.</summary>
    public static Task EndpointAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.Request.Headers;
        return context.RequestServices.GetRequiredService<GitHubBotWebhookProcessor>()
            .ProcessAsync(headers["X-GitHub-Event"].ToString(), headers["X-GitHub-Delivery"].ToString(), context.RequestAborted);
    }

    /// <summary>Reads, routes and journals (or starts) the verified delivery; a payload that does not fit is 400 with the reason, an event not handled 200.</summary>
    public async Task ProcessAsync(string eventName, string delivery, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["DeliveryId"] = delivery, ["Event"] = eventName });
        var read = reader.Read(eventName, outcome.Body.Span, new RoutingOptions(intake.Value.TriggerLabel));
        outcome.Event = read.EventLabel;
        await HandleAsync(eventName, read, delivery, cancellationToken);
    }

    private async Task HandleAsync(string eventName, ReadDelivery read, string delivery, CancellationToken cancellationToken)
    {
        var (kind, decision) = (read.Kind, read.Decision);
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
            case RouteDecision.Start start when inbox is not null:
                using (logger.BeginScope(new Dictionary<string, object> { ["WorkflowId"] = start.WorkflowId }))
                {
                    await JournalAsync(inbox, start, eventName, kind, delivery);
                }

                break;

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
                IntakeMetrics.Rejections.WithLabels("bad_request").Inc();
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

    /// <summary>The 202 of a delivery whose business key is already in the inbox.</summary>
    public static WebhookAnswer AlreadyInTheInbox(string workflowType, string workflowId, string delivery) =>
        new("accepted", $"already in the inbox: {workflowType} for this key is started or starts shortly", delivery, workflowId);

    /// <summary>Inbox mode: 202 once the delivery is on disk (or its key already is), 503 when the inbox cannot take it.</summary>
    private async Task JournalAsync(DeliveryInbox journal, RouteDecision.Start start, string eventName, string kind, string delivery)
    {
        using var timer = IntakeMetrics.StartSeconds.NewTimer();
        var (repository, number) = StartAttributes.Subject(start.Input);
        // Through the codec too (Temporal:EncryptionKey): the journal keeps no more in the clear than Temporal's history.
        var converter = temporal.Options.DataConverter;
        var payload = WorkflowInputJson.ToPayload(converter.PayloadConverter, start.Input);
        var input = (converter.PayloadCodec is { } codec ? (await codec.EncodeAsync([payload])).Single() : payload).ToByteArray();
        var answer = await journal.AcceptAsync(new NewDelivery(delivery, eventName, kind, start.WorkflowType, start.WorkflowId, input, repository, number, start.RestartFinished));
        switch (answer)
        {
            case InboxAnswer.Accepted accepted:
                identical?.Remember(eventName, outcome.BodyMac, new IdenticalDeliveries.Accepted(kind, start.WorkflowType, start.WorkflowId, start.SignedAt));
                Log.Journalled(logger, kind, start.WorkflowId, accepted.Seq);
                outcome.Set(StatusCodes.Status202Accepted, new WebhookAnswer("accepted", $"in the inbox: {start.WorkflowType} starts shortly", delivery, start.WorkflowId));
                break;
            case InboxAnswer.Duplicate duplicate:
                identical?.Remember(eventName, outcome.BodyMac, new IdenticalDeliveries.Accepted(kind, start.WorkflowType, start.WorkflowId, start.SignedAt));
                Log.Journalled(logger, kind, start.WorkflowId, duplicate.Seq);
                outcome.Set(StatusCodes.Status202Accepted, AlreadyInTheInbox(start.WorkflowType, start.WorkflowId, delivery));
                break;
            case InboxAnswer.Refused refused:
                Log.InboxRefused(logger, kind, refused.Reason);
                outcome.Set(StatusCodes.Status503ServiceUnavailable, new WebhookAnswer("unavailable", $"the delivery was not accepted: {refused.Reason}", delivery, start.WorkflowId));
                break;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Accepted {Event} into the inbox as entry {Seq} for workflow {WorkflowId}")]
        public static partial void Journalled(ILogger logger, string @event, string workflowId, long seq);

        [LoggerMessage(EventId = 207, Level = LogLevel.Error, Message = "The inbox refused {Event}, answered 503: {Reason}")]
        public static partial void InboxRefused(ILogger logger, string @event, string reason);

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
