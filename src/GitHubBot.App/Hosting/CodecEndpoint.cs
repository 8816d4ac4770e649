using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Temporalio.Api.Common.V1;

namespace GitHubBot.App.Hosting;

/// <summary>
/// The remote codec the Temporal UI (and <c>temporal --codec-endpoint</c>) can be pointed at, so people with the token
/// read encrypted histories in the clear: <c>POST /codec/decode</c> and <c>/codec/encode</c> take and answer Temporal's
/// JSON <c>{"payloads":[…]}</c>. Mapped only when a key and Temporal:CodecToken are set; a request without the token
/// as a bearer credential is 401. Temporal:CodecCorsOrigin lets a browser UI on that origin call it.
/// </summary>
public static class CodecEndpoint
{
    /// <summary>The largest request body read.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    public static WebApplication MapCodecEndpoint(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<IOptions<TemporalSettings>>().Value;
        if (EncryptionCodec.FromSettings(settings.EncryptionKeys, settings.EncryptionKey) is not { } codec || string.IsNullOrEmpty(settings.CodecToken))
        {
            return app;
        }

        var token = Encoding.UTF8.GetBytes(settings.CodecToken);
        var origin = settings.CodecCorsOrigin;
        app.MapMethods("/codec/{operation:regex(^(encode|decode)$)}", ["OPTIONS"], (HttpContext context) =>
        {
            Cors(context, origin);
            return Results.NoContent();
        });
        app.MapPost("/codec/{operation:regex(^(encode|decode)$)}", async (HttpContext context, string operation) =>
        {
            Cors(context, origin);
            if (!Authorized(context.Request.Headers.Authorization.ToString(), token))
            {
                return Results.Json(new { error = "a bearer token (Temporal:CodecToken) is required" }, statusCode: StatusCodes.Status401Unauthorized);
            }

            if (context.Request.ContentLength > MaxBodyBytes)
            {
                return Results.Json(new { error = "the body is too large" }, statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var buffer = new char[(int)Math.Min(context.Request.ContentLength ?? MaxBodyBytes, MaxBodyBytes) + 1];
            var read = await reader.ReadBlockAsync(buffer.AsMemory(), context.RequestAborted);
            if (read > MaxBodyBytes)
            {
                return Results.Json(new { error = "the body is too large" }, statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            Payloads payloads;
            try
            {
                payloads = JsonParser.Default.Parse<Payloads>(new string(buffer, 0, read));
            }
            catch (InvalidProtocolBufferException ex)
            {
                return Results.Json(new { error = $"not a Payloads JSON object: {ex.Message}" }, statusCode: StatusCodes.Status400BadRequest);
            }

            try
            {
                var result = operation == "encode" ? await codec.EncodeAsync(payloads.Payloads_) : await codec.DecodeAsync(payloads.Payloads_);
                return Results.Text(JsonFormatter.Default.Format(new Payloads { Payloads_ = { result } }), "application/json");
            }
            catch (Exception ex) when (ex is CryptographicException or InvalidOperationException)
            {
                return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
        });
        return app;
    }

    private static bool Authorized(string header, byte[] token)
    {
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), token);
    }

    private static void Cors(HttpContext context, string? origin)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return;
        }

        context.Response.Headers.AccessControlAllowOrigin = origin;
        context.Response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
        context.Response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type, X-Namespace";
        context.Response.Headers.AccessControlAllowCredentials = "true";
    }
}
