using System.Buffers;
using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// Guards the webhook endpoint with GitHubBot's contract before Octokit.Webhooks.AspNetCore handles it: before the
/// sender is authenticated almost nothing is spent — a missing X-Hub-Signature-256 is 401 before the body is read, a
/// body over GitHub's 25 MB is 413 (by its Content-Length, or as soon as reading passes the limit), the HMAC is computed
/// while the body is read once, a wrong signature is 401, and such rejections are counted under fixed labels only.
/// Missing headers or malformed JSON (from an authenticated sender) is 400 with the reason, and afterwards the processor's <see cref="DeliveryOutcome"/> becomes the answer
/// (202 once Temporal has accepted the start, 200 for ignored events, 503 when Temporal is down).
/// </summary>
public sealed partial class WebhookIntakeMiddleware(RequestDelegate next, IOptions<GitHubOptions> github, ILogger<WebhookIntakeMiddleware> logger)
{
    private readonly string secret = github.Value.WebhookSecret ?? string.Empty;

    /// <summary>Endpoint metadata that puts an endpoint behind this guard.</summary>
    public sealed class Marker;

    /// <summary>The largest delivery read: GitHub caps webhook payloads at 25 MB.</summary>
    public const int MaxBodyBytes = 25 * 1024 * 1024;

    /// <summary>The label unauthenticated requests are counted under: nothing they send becomes a metric label.</summary>
    public const string Unverified = "unverified";

    public async Task InvokeAsync(HttpContext context, DeliveryOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(outcome);
        var request = context.Request;
        var delivery = request.Headers["X-GitHub-Delivery"].ToString();
        var signature = request.Headers["X-Hub-Signature-256"].ToString();
        if (string.IsNullOrEmpty(signature))
        {
            await RejectAsync(context, StatusCodes.Status401Unauthorized, "missing X-Hub-Signature-256 header", delivery, "unsigned");
            return;
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            await RejectAsync(context, StatusCodes.Status413PayloadTooLarge, $"the body is larger than GitHub's {MaxBodyBytes / 1024 / 1024} MB limit for deliveries", delivery, "too_large");
            return;
        }

        // One pass over the body: read at most the limit, the signature's HMAC computed on the way.
        var (body, mac) = await ReadSignedAsync(request.Body, context.RequestAborted);
        if (body is null)
        {
            await RejectAsync(context, StatusCodes.Status413PayloadTooLarge, $"the body is larger than GitHub's {MaxBodyBytes / 1024 / 1024} MB limit for deliveries", delivery, "too_large");
            return;
        }

        if (!Matches(signature, mac))
        {
            await RejectAsync(context, StatusCodes.Status401Unauthorized, "X-Hub-Signature-256 does not match the body signed with the webhook secret", delivery, "bad_signature");
            return;
        }

        var bytes = body.GetBuffer().AsMemory(0, (int)body.Length);
        var problem = FindProblem(request, bytes.Span);
        if (problem is not null)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, problem, delivery, "bad_request");
            return;
        }

        // Octokit.Webhooks reads the same bytes and does not verify the signature again: it is mapped without the secret
        // and no longer sees the (verified) header.
        body.Position = 0;
        request.Body = body;
        request.Headers.Remove("X-Hub-Signature-256");
        request.Headers.Remove("X-Hub-Signature");
        await next(context);

        if (outcome.IsSet && !context.Response.HasStarted)
        {
            context.Response.StatusCode = outcome.StatusCode;
            IntakeMetrics.Deliveries.WithLabels(outcome.Event ?? request.Headers["X-GitHub-Event"].ToString(), outcome.Answer!.Outcome).Inc();
            await context.Response.WriteAsJsonAsync(outcome.Answer, context.RequestAborted);
        }
    }

    /// <summary>The body (null when it is larger than <see cref="MaxBodyBytes"/>) and its HMAC-SHA256 under the webhook secret.</summary>
    private async Task<(MemoryStream? Body, byte[] Mac)> ReadSignedAsync(Stream source, CancellationToken cancellationToken)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        var body = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk.AsMemory(), cancellationToken)) > 0)
            {
                if (body.Length + read > MaxBodyBytes)
                {
                    await body.DisposeAsync();
                    return (null, []);
                }

                hmac.AppendData(chunk, 0, read);
                body.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return (body, hmac.GetHashAndReset());
    }

    /// <summary>Whether "sha256={hex}" names <paramref name="mac"/>, compared in constant time.</summary>
    private static bool Matches(string signature, byte[] mac)
    {
        const string prefix = "sha256=";
        if (!signature.StartsWith(prefix, StringComparison.Ordinal) || signature.Length != prefix.Length + (mac.Length * 2))
        {
            return false;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(signature.AsSpan(prefix.Length)), mac);
        }
        catch (FormatException)
        {
            return false;
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

    /// <param name="context">The request.</param>
    /// <param name="status">The answer's status.</param>
    /// <param name="reason">Said to the sender.</param>
    /// <param name="delivery">The delivery header, for the log only.</param>
    /// <param name="kind">The metric's reason label, one of a fixed set.</param>
    private async Task RejectAsync(HttpContext context, int status, string reason, string delivery, string kind)
    {
        Log.Rejected(logger, status, reason, delivery.Length > 64 ? delivery[..64] : delivery);
        IntakeMetrics.Deliveries.WithLabels(kind == "bad_request" ? context.Request.Headers["X-GitHub-Event"].ToString() : Unverified, "rejected").Inc();
        IntakeMetrics.Rejections.WithLabels(kind).Inc();
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new WebhookAnswer("rejected", reason, delivery), context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} rejected with {Status}: {Reason}")]
        public static partial void Rejected(ILogger logger, int status, string reason, string delivery);
    }
}
