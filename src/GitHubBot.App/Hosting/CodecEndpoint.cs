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
/// as a bearer credential is 401. Temporal:CodecCorsOrigin lets a browser UI on that origin call it. The embedded
/// UI's route (<see cref="UiCodecRoute"/>) is mapped when serve made one: its secret is in its path.
/// </summary>
public static class CodecEndpoint
{
    /// <summary>The largest request body read.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    private const string Operation = "{operation:regex(^(encode|decode)$)}";

    public static WebApplication MapCodecEndpoint(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<IOptions<TemporalSettings>>().Value;
        if (EncryptionCodec.FromSettings(settings.EncryptionKeys, settings.EncryptionKey) is not { } codec)
        {
            return app;
        }

        if (!string.IsNullOrEmpty(settings.CodecToken))
        {
            var token = Encoding.UTF8.GetBytes(settings.CodecToken);
            string[] origins = string.IsNullOrEmpty(settings.CodecCorsOrigin) ? [] : [settings.CodecCorsOrigin];
            app.MapMethods($"/codec/{Operation}", ["OPTIONS"], (HttpContext context) =>
            {
                Cors(context, origins, fixedOrigin: true);
                return Results.NoContent();
            });
            app.MapPost($"/codec/{Operation}", async (HttpContext context, string operation) =>
            {
                Cors(context, origins, fixedOrigin: true);
                return Authorized(context.Request.Headers.Authorization.ToString(), token)
                    ? await ConvertAsync(context, operation, codec)
                    : Results.Json(new { error = "a bearer token (Temporal:CodecToken) is required" }, statusCode: StatusCodes.Status401Unauthorized);
            });
        }

        if (app.Services.GetService<UiCodecRoute>() is { } ui)
        {
            var capability = Encoding.UTF8.GetBytes(ui.Capability);
            bool Known(string given) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), capability);
            app.MapMethods($"{UiCodecRoute.PathPrefix}{{capability}}/{Operation}", ["OPTIONS"], (HttpContext context, string capability) =>
            {
                if (!Known(capability))
                {
                    return Results.NotFound();
                }

                Cors(context, ui.Origins, fixedOrigin: false);
                return Results.NoContent();
            });
            app.MapPost($"{UiCodecRoute.PathPrefix}{{capability}}/{Operation}", async (HttpContext context, string capability, string operation) =>
            {
                if (!Known(capability))
                {
                    return Results.NotFound();
                }

                Cors(context, ui.Origins, fixedOrigin: false);
                return await ConvertAsync(context, operation, codec);
            });
        }

        return app;
    }

    private static async Task<IResult> ConvertAsync(HttpContext context, string operation, EncryptionCodec codec)
    {
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
    }

    private static bool Authorized(string header, byte[] token)
    {
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), token);
    }

    /// <summary>
    /// CORS headers for a browser UI: with <paramref name="fixedOrigin"/> the one configured origin whatever asks;
    /// otherwise the request's origin when it is one of <paramref name="origins"/>, and nothing for any other.
    /// </summary>
    private static void Cors(HttpContext context, IReadOnlyList<string> origins, bool fixedOrigin)
    {
        var asking = context.Request.Headers.Origin.ToString();
        var allowed = fixedOrigin ? (origins.Count > 0 ? origins[0] : null) : origins.FirstOrDefault(o => string.Equals(o, asking, StringComparison.OrdinalIgnoreCase));
        if (string.IsNullOrEmpty(allowed))
        {
            return;
        }

        context.Response.Headers.AccessControlAllowOrigin = allowed;
        context.Response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
        context.Response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type, X-Namespace";
        context.Response.Headers.AccessControlAllowCredentials = "true";
        if (!fixedOrigin)
        {
            context.Response.Headers.Vary = "Origin";
        }
    }
}
