using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace GitHubBot.App.Setup;

/// <summary>
/// <c>GET /setup</c> (and <c>?organization=</c>) and <c>GET /setup/callback</c>: GitHub creates the App from the
/// manifest, and the bot takes it on without a restart. Once an App is set up, <c>/setup</c> refuses unless serve runs
/// with <c>--reset-setup</c>.
/// </summary>
public static partial class SetupEndpoints
{
    public const string Path = "/setup";

    public static WebApplication MapSetup(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(Path, (HttpContext context, SetupFlow flow, string? organization) => Start(context, flow, organization));
        app.MapGet($"{Path}/callback", (HttpContext context, SetupFlow flow, string? code, string? state) => CallbackAsync(context, flow, code, state));
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var flow = app.Services.GetRequiredService<SetupFlow>();
            if (!flow.IsSetUp)
            {
                var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
                Log.NotSetUp(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GitHubBot.Setup"), flow.SetupUrl(addresses));
            }
        });
        return app;
    }

    private static IResult Start(HttpContext context, SetupFlow flow, string? organization)
    {
        if (flow.Refusal() is { } refusal)
        {
            return Html(context, StatusCodes.Status409Conflict, SetupPages.Problem("GitHubBot is already set up", refusal));
        }

        var publicUrl = flow.PublicUrl(context.Request);
        var webhookUrl = flow.WebhookUrl(publicUrl);
        var manifest = SetupFlow.Manifest(publicUrl, webhookUrl);
        if (organization is null)
        {
            return Html(context, StatusCodes.Status200OK, SetupPages.Start(flow.WebBaseUrl, webhookUrl, manifest, flow.NewState()));
        }

        organization = organization.Trim();
        return SetupFlow.Login().IsMatch(organization)
            ? Html(context, StatusCodes.Status200OK, SetupPages.Organization(flow.WebBaseUrl, webhookUrl, organization, manifest, flow.NewState()))
            : Html(context, StatusCodes.Status400BadRequest, SetupPages.Problem(
                "Not an organisation name",
                $"'{organization}' is not a GitHub organisation name: it has 1 to 39 letters, digits and single hyphens, and neither starts nor ends with a hyphen."));
    }

    private static async Task<IResult> CallbackAsync(HttpContext context, SetupFlow flow, string? code, string? state)
    {
        // The code is checked first and the state used up either way: a forged or replayed callback stores nothing.
        if (!flow.TakeState(state))
        {
            return Html(context, StatusCodes.Status400BadRequest, SetupPages.Problem(
                "Setup was not completed",
                "This callback does not come from a setup page of this server (its state is missing, unknown, used or more than an hour old): nothing was stored. Open /setup and create the App again."));
        }

        if (code is null || !SetupFlow.Code().IsMatch(code))
        {
            return Html(context, StatusCodes.Status400BadRequest, SetupPages.Problem(
                "Setup was not completed",
                "GitHub's callback carries no valid code: nothing was stored. Open /setup and create the App again."));
        }

        if (flow.Refusal() is { } refusal)
        {
            return Html(context, StatusCodes.Status409Conflict, SetupPages.Problem("GitHubBot is already set up", refusal));
        }

        var (app, problem) = await flow.CompleteAsync(code, context.RequestAborted);
        return app is not null ? Html(context, StatusCodes.Status200OK, SetupPages.Done(app))
            : flow.Refusal() is not null ? Html(context, StatusCodes.Status409Conflict, SetupPages.Problem("GitHubBot is already set up", problem!))
            : Html(context, StatusCodes.Status502BadGateway, SetupPages.Problem("Setup was not completed", problem!));
    }

    private static IResult Html(HttpContext context, int status, string html)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers["X-Frame-Options"] = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 119, Level = LogLevel.Warning, Message = "GitHubBot has no GitHub App yet: open {Url}")]
        public static partial void NotSetUp(ILogger logger, string url);
    }
}
