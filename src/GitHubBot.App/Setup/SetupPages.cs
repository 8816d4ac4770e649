using System.Text;
using System.Text.Encodings.Web;

namespace GitHubBot.App.Setup;

/// <summary>The pages of <c>/setup</c>: plain server-rendered HTML, no script, everything that varies HTML-encoded.</summary>
internal static class SetupPages
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>Create the App on the personal account (a form posting the manifest to GitHub) or choose an organisation.</summary>
    public static string Start(Uri webBaseUrl, string webhookUrl, string manifest, string state) => Page(
        "Set up GitHubBot",
        $"""
        <p>GitHubBot has no GitHub App yet. Create one from its manifest: GitHub shows the App's name, permissions and
        events before it creates it (change the name there if it is taken), then sends you back here.</p>
        {Destination(webhookUrl)}
        <h2>On your personal account</h2>
        {ManifestForm(new Uri(webBaseUrl, "settings/apps/new"), manifest, state, "create-personal", "Create the App on my personal account")}
        <h2>On an organisation</h2>
        <form method="get" action="setup">
          <label for="organization">Organisation</label>
          <input id="organization" name="organization" required maxlength="39" autocomplete="off">
          <button type="submit" id="choose-organization">Continue with this organisation</button>
        </form>
        """);

    /// <summary>Create the App on <paramref name="organization"/> (an owner of it must be signed in on GitHub).</summary>
    public static string Organization(Uri webBaseUrl, string webhookUrl, string organization, string manifest, string state) => Page(
        "Set up GitHubBot",
        $"""
        <p>GitHub creates the App on the organisation <strong>{E(organization)}</strong> if you are one of its owners
        (or App managers), then sends you back here.</p>
        {Destination(webhookUrl)}
        {ManifestForm(new Uri(webBaseUrl, $"organizations/{Uri.EscapeDataString(organization)}/settings/apps/new"), manifest, state, "create-organization", $"Create the App on {organization}")}
        <p><a href="setup">Back</a></p>
        """);

    /// <summary>The App is stored and in use: install it.</summary>
    public static string Done(StoredApp app) => Page(
        "GitHubBot is set up",
        $"""
        <p>GitHubBot is now the GitHub App <strong>{E(app.Name ?? app.Slug)}</strong> (<code>{E(app.Slug)}</code>, ID {app.Id}),
        owned by <strong id="owner">{E(app.OwnerOrUnknown)}</strong>: if that is not you or your organisation, delete the App
        on GitHub and restart <code>ghbot serve</code> with <code>--reset-setup</code>.
        Its ID, key and secrets are stored in the bot's DataDir, readable by its user alone; it accepts deliveries
        signed with the new webhook secret from now on.</p>
        <p><a id="install" href="{E(app.InstallUrl.ToString())}">Install {E(app.Slug)}</a> on the repositories it should
        work on, then open a pull request there.</p>
        """);

    /// <summary>A refusal or an error, with what to do.</summary>
    public static string Problem(string title, string reason) => Page(title, $"<p id=\"reason\">{E(reason)}</p>\n<p><a href=\"/setup\">Setup</a></p>");

    private static string Destination(string webhookUrl) =>
        $"""
        <p>GitHub will send webhooks to <code>{E(webhookUrl)}</code>. If GitHub cannot reach that address, restart
        <code>ghbot serve</code> with <code>--public-url</code> set to the URL it can reach, or with
        <code>--webhook-url</code> set to a forwarder's channel (such as smee.io) for local development.</p>
        """;

    private static string ManifestForm(Uri action, string manifest, string state, string id, string label) =>
        $"""
        <form method="post" action="{E($"{action}?state={Uri.EscapeDataString(state)}")}">
          <input type="hidden" name="manifest" value="{E(manifest)}">
          <button type="submit" id="{id}">{E(label)}</button>
        </form>
        """;

    private static string Page(string title, string body)
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n");
        page.Append("<meta name=\"referrer\" content=\"no-referrer\">\n");
        page.Append("<title>").Append(E(title)).Append("</title>\n");
        page.Append("<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.4rem .8rem}</style>\n");
        page.Append("</head>\n<body>\n<h1>").Append(E(title)).Append("</h1>\n").Append(body).Append("\n</body>\n</html>\n");
        return page.ToString();
    }

    private static string E(string text) => Html.Encode(text);
}
