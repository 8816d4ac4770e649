using System.CommandLine;
using GitHubBot.App.Hosting;

namespace GitHubBot.App.Cli;

/// <summary>The <c>ghbot</c> command line.</summary>
public static class GhbotCommandLine
{
    public static Task<int> RunAsync(string[] args) => RunAsync(args, CancellationToken.None);

    /// <summary>Runs the command line until it finishes, the process is told to stop, or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="cancellationToken">Stops a long-running command.</param>
    /// <param name="output">Where results go (standard output by default).</param>
    /// <param name="error">Where messages and progress go (standard error by default).</param>
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken, TextWriter? output = null, TextWriter? error = null)
    {
        var root = new RootCommand("GitHubBot: a GitHub App whose work runs as durable Temporal workflows.");
        root.Subcommands.Add(ServeCommand());
        root.Subcommands.Add(WorkerCommand());
        foreach (var command in OperatorCommands.All())
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(InboxCommands.Inbox());

        // The .NET host handles SIGINT/SIGTERM itself and shuts down cleanly, embedded server included.
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null };
        if (output is not null)
        {
            configuration.Output = output;
        }

        if (error is not null)
        {
            configuration.Error = error;
        }

        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    private static Command ServeCommand()
    {
        var publicUrl = new Option<string?>("--public-url") { Description = "This server's URL as GitHub reaches it (Setup:PublicUrl): the App /setup creates sends its webhooks there." };
        var webhookUrl = new Option<string?>("--webhook-url") { Description = "Where the App /setup creates sends its webhooks, when not {public URL}/api/github/webhooks: a forwarder's channel such as smee.io's (Setup:WebhookUrl)." };
        var resetSetup = new Option<bool>("--reset-setup") { Description = "Let /setup create a new GitHub App although one is stored (Setup:Reset); it replaces the stored one." };
        var command = new Command("serve", "Run the webhook intake and workers in one process; starts an embedded Temporal dev server when Temporal:Address is empty. Without a GitHub App, open /setup to create one. Other arguments (--urls, --Key=Value) go to ASP.NET Core configuration.")
        {
            publicUrl,
            webhookUrl,
            resetSetup,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            AddIfSet(overrides, "Setup:PublicUrl", parse.GetValue(publicUrl));
            AddIfSet(overrides, "Setup:WebhookUrl", parse.GetValue(webhookUrl));
            if (parse.GetValue(resetSetup))
            {
                overrides["Setup:Reset"] = "true";
            }

            return ServeHost.RunAsync([.. parse.UnmatchedTokens], overrides, cancellationToken);
        });
        return command;
    }

    private static Command WorkerCommand()
    {
        var host = new Option<string?>("--host") { Description = "Temporal frontend host:port (default: Temporal:Address, else localhost:7233)." };
        var ns = new Option<string?>("--namespace") { Description = "Temporal namespace (default: Temporal:Namespace, else default)." };
        var queue = new Option<string?>("--task-queue") { Description = "Task queue to poll (default: Temporal:TaskQueue, else ghbot)." };
        var workers = new Option<int?>("--workers") { Description = "Number of workers in this process (default 1)." };
        var command = new Command("worker", "Run workers only, against an existing Temporal cluster.") { host, ns, queue, workers };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            AddIfSet(overrides, "Temporal:Address", parse.GetValue(host));
            AddIfSet(overrides, "Temporal:Namespace", parse.GetValue(ns));
            AddIfSet(overrides, "Temporal:TaskQueue", parse.GetValue(queue));
            AddIfSet(overrides, "Worker:Count", parse.GetValue(workers)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return await WorkerHost.RunAsync([.. parse.UnmatchedTokens], overrides, cancellationToken);
        });
        return command;
    }

    private static void AddIfSet(Dictionary<string, string?> values, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            values[key] = value;
        }
    }
}
