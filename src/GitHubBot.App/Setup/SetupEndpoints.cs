using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace GitHubBot.App.Setup;

/// <summary>
/// <c>GET /setup</c> (and <c>?organization=</c>) and <c>GET /setup/callback</c>: GitHub creates the App from the
/// manifest, and the bot takes it on without a restart. Only the holder of the setup link logged at start gets a page
/// (<see cref="SetupFlow.Session"/>), and only at an expected host. Once an App is set up, <c>/setup</c> refuses unless
/// serve runs with <c>--reset-setup</c>.
/// </summary>
public static partial class SetupEndpoints
{
    public const string Path = "/setup";

    public static WebApplication MapSetup(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(Path, (HttpContext context, SetupFlow flow, string? organization, string? token) => Start(context, flow, organization, token));
        app.MapGet($"{Path}/callback", (HttpContext context, SetupFlow flow, string? code, string? state) => CallbackAsync(context, flow, code, state));
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var flow = app.Services.GetRequiredService<SetupFlow>();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GitHubBot.Setup");
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var link = $"{flow.SetupUrl(addresses)}?token={flow.SetupToken}";
            if (!flow.IsSetUp)
            {
                Log.NotSetUp(logger, link);
            }
            else if (flow.ResetArmedFor() is { } replaced)
            {
                Log.ResetArmed(logger, replaced.Slug, replaced.OwnerOrUnknown, link);
            }
        });
        return app;
    }

    private static IResult Start(HttpContext context, SetupFlow flow, string? organization, string? token)
    {
        if (flow.HostProblem(context.Request) is { } host)
        {
            return Html(context, flow, StatusCodes.Status400BadRequest, SetupPages.Problem("Unexpected host", host));
        }

        if (flow.Refusal() is { } refusal)
        {
            return Html(context, flow, StatusCodes.Status409Conflict, SetupPages.Problem("GitHubBot is already set up", refusal));
        }

        if (flow.Session(token, context.Request.Cookies[SetupFlow.SessionCookie]) is not { } session)
        {
            return Html(context, flow, StatusCodes.Status403Forbidden, SetupPages.Problem(
                "Open the setup link from the log",
                "This page is only for whoever started GitHubBot: open the link `ghbot serve` printed in its log (\"GitHubBot has no GitHub App yet: open …/setup?token=…\", or the --reset-setup warning), in the browser you will create the App in."));
        }

        var publicUrl = flow.PublicUrl(context.Request);
        context.Response.Cookies.Append(SetupFlow.SessionCookie, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Path = $"{context.Request.PathBase}{Path}",
            Secure = context.Request.IsHttps || new Uri(publicUrl) is { Scheme: "https" } reached && string.Equals(reached.IdnHost, context.Request.Host.Host, StringComparison.OrdinalIgnoreCase),
            MaxAge = SetupFlow.StateLifetime,
            IsEssential = true,
        });

        // The token has done its work once the cookie is set: the address bar (and history) drop it.
        if (token is not null)
        {
            var query = organization is null ? string.Empty : $"?organization={Uri.EscapeDataString(organization)}";
            return Results.Redirect($"{context.Request.PathBase}{Path}{query}");
        }

        var webhookUrl = flow.WebhookUrl(publicUrl);
        var manifest = SetupFlow.Manifest(publicUrl, webhookUrl);
        if (organization is null)
        {
            return Html(context, flow, StatusCodes.Status200OK, SetupPages.Start(flow.WebBaseUrl, webhookUrl, manifest, flow.NewState(session)));
        }

        organization = organization.Trim();
        return SetupFlow.Login().IsMatch(organization)
            ? Html(context, flow, StatusCodes.Status200OK, SetupPages.Organization(flow.WebBaseUrl, webhookUrl, organization, manifest, flow.NewState(session)))
            : Html(context, flow, StatusCodes.Status400BadRequest, SetupPages.Problem(
                "Not an organisation name",
                $"'{organization}' is not a GitHub organisation name: it has 1 to 39 letters, digits and single hyphens, and neither starts nor ends with a hyphen."));
    }

    private static async Task<IResult> CallbackAsync(HttpContext context, SetupFlow flow, string? code, string? state)
    {
        if (flow.HostProblem(context.Request) is { } host)
        {
            return Html(context, flow, StatusCodes.Status400BadRequest, SetupPages.Problem("Unexpected host", host));
        }

        // The state must be one handed to this browser (its cookie), and is used up either way: a forged, replayed or
        // foreign callback (someone else's code sent to the operator's server) stores nothing.
        if (!flow.TakeState(state, context.Request.Cookies[SetupFlow.SessionCookie]))
        {
            return Html(context, flow, StatusCodes.Status400BadRequest, SetupPages.Problem(
                "Setup was not completed",
                "This callback does not come from a setup page of this server opened in this browser (its state is missing, unknown, used, more than an hour old, or another browser's): nothing was stored. Open the setup link from the log and create the App again."));
        }

        if (code is null || !SetupFlow.Code().IsMatch(code))
        {
            return Html(context, flow, StatusCodes.Status400BadRequest, SetupPages.Problem(
                "Setup was not completed",
                "GitHub's callback carries no valid code: nothing was stored. Open /setup and create the App again."));
        }

        if (flow.Refusal() is { } refusal)
        {
            return Html(context, flow, StatusCodes.Status409Conflict, SetupPages.Problem("GitHubBot is already set up", refusal));
        }

        var (app, problem) = await flow.CompleteAsync(code);
        return app is not null ? Html(context, flow, StatusCodes.Status200OK, SetupPages.Done(app))
            : flow.Refusal() is not null ? Html(context, flow, StatusCodes.Status409Conflict, SetupPages.Problem("GitHubBot is already set up", problem!))
            : Html(context, flow, StatusCodes.Status502BadGateway, SetupPages.Problem("Setup was not completed", problem!));
    }

    private static IResult Html(HttpContext context, SetupFlow flow, int status, string html)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers["X-Frame-Options"] = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'unsafe-inline'; form-action {flow.FormActions()}; frame-ancestors 'none'";
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 119, Level = LogLevel.Warning, Message = "GitHubBot has no GitHub App yet: open {Url}")]
        public static partial void NotSetUp(ILogger logger, string url);

        [LoggerMessage(EventId = 123, Level = LogLevel.Warning, Message = "--reset-setup is armed: /setup may replace the GitHub App {Slug} owned by {Owner} once (restart separate workers after it does): open {Url}")]
        public static partial void ResetArmed(ILogger logger, string slug, string owner, string url);
    }
}
