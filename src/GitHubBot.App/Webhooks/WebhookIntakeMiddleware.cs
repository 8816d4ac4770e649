using System.Net.Mime;
using System.Text.Json;
using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Octokit.Webhooks;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// Guards the webhook endpoint with GitHubBot's contract before Octokit.Webhooks.AspNetCore handles it:
/// a missing or wrong X-Hub-Signature-256 is 401 (nothing else is looked at), missing headers or malformed JSON
/// is 400 with the reason, and afterwards the processor's <see cref="DeliveryOutcome"/> becomes the answer
/// (202 once Temporal has accepted the start, 200 for ignored events, 503 when Temporal is down).
/// </summary>
public sealed partial class WebhookIntakeMiddleware(RequestDelegate next, IOptions<GitHubOptions> github, ILogger<WebhookIntakeMiddleware> logger)
{
    private readonly string secret = github.Value.WebhookSecret ?? string.Empty;

    /// <summary>Endpoint metadata that puts an endpoint behind this guard.</summary>
    public sealed class Marker;

    public async Task InvokeAsync(HttpContext context, DeliveryOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(outcome);
        var request = context.Request;
        request.EnableBuffering();
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        request.Body.Position = 0;
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        var delivery = request.Headers["X-GitHub-Delivery"].ToString();

        var signature = request.Headers["X-Hub-Signature-256"].ToString();
        if (string.IsNullOrEmpty(signature))
        {
            await RejectAsync(context, StatusCodes.Status401Unauthorized, "missing X-Hub-Signature-256 header", delivery);
            return;
        }

        if (WebhookSignatureValidator.Verify(signature, secret, body.Span) != WebhookSignatureValidationResult.Valid)
        {
            await RejectAsync(context, StatusCodes.Status401Unauthorized, "X-Hub-Signature-256 does not match the body signed with the webhook secret", delivery);
            return;
        }

        var problem = FindProblem(request, body.Span);
        if (problem is not null)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, problem, delivery);
            return;
        }

        await next(context);

        if (outcome.IsSet && !context.Response.HasStarted)
        {
            context.Response.StatusCode = outcome.StatusCode;
            IntakeMetrics.Deliveries.WithLabels(outcome.Event ?? request.Headers["X-GitHub-Event"].ToString(), outcome.Answer!.Outcome).Inc();
            await context.Response.WriteAsJsonAsync(outcome.Answer, context.RequestAborted);
        }
    }

    private static string? FindProblem(HttpRequest request, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrWhiteSpace(request.Headers["X-GitHub-Event"]))
        {
            return "missing X-GitHub-Event header";
        }

        if (string.IsNullOrWhiteSpace(request.Headers["X-GitHub-Delivery"]))
        {
            return "missing X-GitHub-Delivery header";
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals(MediaTypeNames.Application.Json, StringComparison.OrdinalIgnoreCase))
        {
            return "Content-Type must be application/json (set the webhook's content type to JSON)";
        }

        if (body.IsEmpty)
        {
            return "empty body: a JSON payload is required";
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            while (reader.Read())
            {
            }

            return reader.CurrentDepth != 0 ? "truncated JSON body" : null;
        }
        catch (JsonException ex)
        {
            return $"malformed JSON: {ex.Message}";
        }
    }

    private async Task RejectAsync(HttpContext context, int status, string reason, string delivery)
    {
        Log.Rejected(logger, status, reason, delivery);
        IntakeMetrics.Deliveries.WithLabels(context.Request.Headers["X-GitHub-Event"].ToString(), "rejected").Inc();
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new WebhookAnswer("rejected", reason, delivery), context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} rejected with {Status}: {Reason}")]
        public static partial void Rejected(ILogger logger, int status, string reason, string delivery);
    }
}
