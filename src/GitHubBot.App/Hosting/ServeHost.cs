namespace GitHubBot.App.Hosting;

/// <summary><c>ghbot serve</c>: web intake + workers, with an embedded Temporal dev server unless Temporal:Address is set.</summary>
public static class ServeHost
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(args);
        var settings = builder.Configuration.GetSection(TemporalSettings.SectionName).Get<TemporalSettings>() ?? new TemporalSettings();
        using var bootstrapLogs = LoggerFactory.Create(logging =>
        {
            GitHubBotHost.ConfigureLogging(logging);
            logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        });

        EmbeddedTemporalServer? embedded = null;
        if (string.IsNullOrWhiteSpace(settings.Address))
        {
            var dataDir = builder.Configuration["DataDir"] is { Length: > 0 } configured ? configured : ".ghbot";
            embedded = await EmbeddedTemporalServer.StartAsync(settings, dataDir, bootstrapLogs.CreateLogger("GitHubBot.EmbeddedTemporal"), cancellationToken);
            builder.Configuration["Temporal:Address"] = embedded.Address;
            if (settings.UiUrl is null && embedded.UiUrl is not null)
            {
                builder.Configuration["Temporal:UiUrl"] = embedded.UiUrl.ToString();
            }
        }

        try
        {
            builder.AddGitHubBot();
            await using var app = builder.Build();
            app.UseGitHubBot();
            await app.RunAsync();
            return 0;
        }
        finally
        {
            if (embedded is not null)
            {
                await embedded.DisposeAsync();
            }
        }
    }
}

/// <summary><c>ghbot worker</c>: workers only, against an existing cluster.</summary>
public static class WorkerHost
{
    public static async Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Configuration.AddInMemoryCollection(overrides);
        if (string.IsNullOrWhiteSpace(builder.Configuration["Temporal:Address"]))
        {
            builder.Configuration["Temporal:Address"] = "localhost:7233";
        }

        builder.AddGitHubBotWorkerOnly();
        using var host = builder.Build();
        await host.RunAsync(cancellationToken);
        return 0;
    }
}
