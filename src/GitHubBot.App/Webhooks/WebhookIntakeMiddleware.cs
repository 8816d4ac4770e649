using System.Buffers;
using System.Net.Mime;
using System.Security.Cryptography;
using System.Text;
using GitHubBot.App.Setup;
using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// Guards the webhook endpoint with GitHubBot's contract before <see cref="GitHubBotWebhookProcessor"/> handles it: before the
/// sender is authenticated almost nothing is spent — a missing X-Hub-Signature-256, or one that cannot be an
/// HMAC-SHA256, is 401 before the body is read, a body over GitHub's 25 MB is 413 (by its Content-Length, or as soon as
/// reading passes the limit), one that takes over 10 s to arrive is 408, the HMAC is computed while the body is read
/// once (past 1 MiB into a private temporary file rather than memory), a wrong signature is 401, and such rejections
/// are counted under fixed labels only.
/// Missing headers or an empty body (from an authenticated sender) is 400 with the reason (malformed JSON too, found while
/// <see cref="DeliveryReader"/> reads it), and afterwards the processor's <see cref="DeliveryOutcome"/> becomes the answer
/// (202 once Temporal has accepted the start, 200 for ignored events, 503 when Temporal is down).
/// </summary>
public sealed partial class WebhookIntakeMiddleware(
    RequestDelegate next,
    IOptionsMonitor<GitHubOptions> github,
    SetupFlow setup,
    IOptions<IntakeSettings> intake,
    TimeProvider time,
    ILogger<WebhookIntakeMiddleware> logger,
    IdenticalDeliveries? identical = null)
{
    /// <summary>How long a sender is asked to wait while GitHubBot is not set up.</summary>
    public const int NotSetUpRetryAfterSeconds = 60;

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

        // The secret of the App now set up: /setup may have created it since the last delivery. One rule with setup
        // mode (GitHubOptions.HasNoApp): a blank secret is no secret, never an HMAC key.
        var secret = github.CurrentValue.WebhookSecret;
        if (string.IsNullOrWhiteSpace(secret))
        {
            context.Response.Headers.RetryAfter = NotSetUpRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await RejectAsync(context, StatusCodes.Status503ServiceUnavailable, $"GitHubBot is not set up: open {setup.PublicUrl(request)}{SetupEndpoints.Path}", delivery, "not_set_up");
            return;
        }

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

        // A signature that cannot be an HMAC-SHA256 costs no body read.
        if (!WellFormed(signature))
        {
            await RejectAsync(context, StatusCodes.Status401Unauthorized, "X-Hub-Signature-256 is not sha256= and 64 hex digits", delivery, "bad_signature");
            return;
        }

        // One pass over the body: read at most the limit, the signature's HMAC computed on the way.
        var (unverified, mac, tooSlow) = await ReadSignedAsync(secret, request.Body, request.ContentLength, context.RequestAborted);
        if (tooSlow)
        {
            await RejectAsync(context, StatusCodes.Status408RequestTimeout, $"the body did not arrive within {BodyReadTimeout.TotalSeconds:0} s (GitHub waits no longer for an answer)", delivery, "too_slow");
            return;
        }

        if (unverified is null)
        {
            await RejectAsync(context, StatusCodes.Status413PayloadTooLarge, $"the body is larger than GitHub's {MaxBodyBytes / 1024 / 1024} MB limit for deliveries", delivery, "too_large");
            return;
        }

        MemoryStream body;
        try
        {
            if (!Matches(signature, mac))
            {
                await RejectAsync(context, StatusCodes.Status401Unauthorized, "X-Hub-Signature-256 does not match the body signed with the webhook secret", delivery, "bad_signature");
                return;
            }

            body = await InMemoryAsync(unverified, context.RequestAborted);
        }
        finally
        {
            if (unverified is FileStream spooled)
            {
                await spooled.DisposeAsync();
            }
        }

        var bytes = body.GetBuffer().AsMemory(0, (int)body.Length);
        outcome.BodyMac = mac;
        var headerProblem = HeaderProblem(request);
        if (headerProblem is null && !bytes.IsEmpty && identical?.Find(request.Headers["X-GitHub-Event"].ToString(), mac) is { } known
            && (known.SignedAt is not { } signedAt || time.GetUtcNow() - signedAt <= intake.Value.FreshnessWindow))
        {
            // A copy of a body already accepted whose key is still in the inbox: the same answer, without reading it again.
            Log.Identical(logger, known.Kind, known.WorkflowId, delivery);
            outcome.Event = known.Kind;
            outcome.Set(StatusCodes.Status202Accepted, GitHubBotWebhookProcessor.AlreadyInTheInbox(known.WorkflowType, known.WorkflowId, delivery));
            await AnswerAsync(context, outcome);
            return;
        }

        var problem = headerProblem ?? BodyProblem(bytes.Span);
        if (problem is not null)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, problem, delivery, "bad_request");
            return;
        }

        // The endpoint (GitHubBotWebhookProcessor) reads the verified bytes from the outcome.
        outcome.Body = bytes;
        await next(context);
        await AnswerAsync(context, outcome);
    }

    /// <summary>Writes the processor's outcome as the answer, and counts it.</summary>
    private static async Task AnswerAsync(HttpContext context, DeliveryOutcome outcome)
    {
        if (outcome.IsSet && !context.Response.HasStarted)
        {
            context.Response.StatusCode = outcome.StatusCode;
            IntakeMetrics.Deliveries.WithLabels(outcome.Event ?? IntakeMetrics.EventLabel(context.Request.Headers["X-GitHub-Event"].ToString(), null), outcome.Answer!.Outcome).Inc();
            await context.Response.WriteAsJsonAsync(outcome.Answer!, WebhookAnswerJson.Default.WebhookAnswer, cancellationToken: context.RequestAborted);
        }
    }

    /// <summary>
    /// The body (null when it is larger than <see cref="MaxBodyBytes"/> or did not arrive within
    /// <see cref="BodyReadTimeout"/>) and its HMAC-SHA256 under the webhook secret. Up to
    /// <see cref="InMemoryBodyBytes"/> it is read into memory; past that it goes on to a temporary file only this user
    /// can read (deleted when disposed), so a sender who does not know the secret holds at most that much of the
    /// process's memory per request, however large what it sends, and no longer than the timeout, however slowly.
    /// </summary>
    private static async Task<(Stream? Body, byte[] Mac, bool TooSlow)> ReadSignedAsync(string secret, Stream source, long? declared, CancellationToken cancellationToken)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(BodyReadTimeout);
        Stream body = new MemoryStream((int)Math.Min(declared ?? 0, InMemoryBodyBytes));
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            var length = 0L;
            while ((read = await source.ReadAsync(chunk.AsMemory(), deadline.Token)) > 0)
            {
                length += read;
                if (length > MaxBodyBytes)
                {
                    await body.DisposeAsync();
                    return (null, [], false);
                }

                if (body is MemoryStream memory && length > InMemoryBodyBytes)
                {
                    body = SpoolFile();
                    memory.Position = 0;
                    await memory.CopyToAsync(body, deadline.Token);
                    await memory.DisposeAsync();
                }

                hmac.AppendData(chunk, 0, read);
                await body.WriteAsync(chunk.AsMemory(0, read), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await body.DisposeAsync();
            return (null, [], true);
        }
        catch
        {
            await body.DisposeAsync();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return (body, hmac.GetHashAndReset(), false);
    }

    /// <summary>How long a body may take to arrive: GitHub gives up on a delivery not answered within 10 s.</summary>
    public static readonly TimeSpan BodyReadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The bodies larger than this are spooled to a temporary file until their signature is verified.</summary>
    public const int InMemoryBodyBytes = 1024 * 1024;

    private static FileStream SpoolFile()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(Path.Combine(Path.GetTempPath(), $"ghbot-delivery-{Guid.NewGuid():N}.body"), options);
    }

    /// <summary>A verified body in memory (read back from its file when it was spooled).</summary>
    private static async Task<MemoryStream> InMemoryAsync(Stream body, CancellationToken cancellationToken)
    {
        if (body is MemoryStream memory)
        {
            return memory;
        }

        var copy = new MemoryStream((int)body.Length);
        body.Position = 0;
        await body.CopyToAsync(copy, cancellationToken);
        return copy;
    }

    /// <summary>Whether the header has the form "sha256=" and 64 hex digits, the only form that can match.</summary>
    private static bool WellFormed(string signature) =>
        signature.Length == 7 + 64 && signature.StartsWith("sha256=", StringComparison.Ordinal) && signature.AsSpan(7).ContainsAnyExcept(HexDigits) is false;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

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

    private static string? HeaderProblem(HttpRequest request)
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

        return null;
    }

    /// <summary>An empty body's problem; whether the JSON is well formed is judged while it is read (<see cref="DeliveryReader"/>).</summary>
    private static string? BodyProblem(ReadOnlySpan<byte> body) => body.IsEmpty ? "empty body: a JSON payload is required" : null;

    /// <param name="context">The request.</param>
    /// <param name="status">The answer's status.</param>
    /// <param name="reason">Said to the sender.</param>
    /// <param name="delivery">The delivery header, for the log only.</param>
    /// <param name="kind">The metric's reason label, one of a fixed set.</param>
    private async Task RejectAsync(HttpContext context, int status, string reason, string delivery, string kind)
    {
        Log.Rejected(logger, status, reason, delivery.Length > 64 ? delivery[..64] : delivery);
        // Even a signed request's event header becomes a label only when it names an event GitHub sends.
        IntakeMetrics.Deliveries.WithLabels(kind == "bad_request" ? IntakeMetrics.EventLabel(context.Request.Headers["X-GitHub-Event"].ToString(), null) : Unverified, "rejected").Inc();
        IntakeMetrics.Rejections.WithLabels(kind).Inc();
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new WebhookAnswer("rejected", reason, delivery), WebhookAnswerJson.Default.WebhookAnswer, cancellationToken: context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Accepted {Event} for workflow {WorkflowId}: delivery {Delivery} is a copy of a body already in the inbox")]
        public static partial void Identical(ILogger logger, string @event, string workflowId, string delivery);

        [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Webhook delivery {Delivery} rejected with {Status}: {Reason}")]
        public static partial void Rejected(ILogger logger, int status, string reason, string delivery);
    }
}
