using GitHubBot.Core.Agents;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Workflows.GitHub;
using Microsoft.Extensions.Options;
using Temporalio.Activities;

namespace GitHubBot.Workflows.IncidentSwarm;

/// <summary>
/// Decides where an incident works and how: the service's repository (the App's settings, or the GitHub alert's
/// own repository), that repository's .github/ghbot.yml <c>incidents:</c> section over the App's defaults, and the
/// queries filled with the alert's labels.
/// </summary>
public sealed class IncidentActivities(IOptions<IncidentOptions> options, IGitHubClients clients, TimeProvider time)
{
    /// <summary>
    /// The incident's plan. An alert for a service nobody mapped gets no repository (diagnosis only) and a note
    /// saying so; a repository whose configuration cannot be read keeps the App's defaults, noted too.
    /// </summary>
    [Activity]
    public async Task<IncidentPlan> ResolveIncidentAsync(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var settings = options.Value;
        var notes = new List<string>();
        var service = alert.Service is { } name && settings.Services.TryGetValue(name, out var found) ? found : null;
        var repository = alert.GitHub is { } github
            ? new RepositoryTarget(github.Owner, github.Repo, github.InstallationId)
            : Target(service?.Repository);
        if (repository is null)
        {
            notes.Add(alert.Service is null
                ? "The alert names no service, so the incident has no repository: diagnosis only."
                : $"No repository is set for the service `{alert.Service}` (Incidents:Services:{alert.Service}:Repository), so the incident has no repository: diagnosis only.");
        }

        // A security alert is seen on GitHub only by people with security access: on a public repository an issue
        // or a PR about it would tell everyone. Such an incident is diagnosed where only operators see it.
        if (alert.GitHub is not null && repository is not null && !await IsPrivateAsync(repository))
        {
            notes.Add($"{repository.Owner}/{repository.Repo} is public: a security alert is not written where everyone can read it, so the incident is diagnosed in Temporal only (ghbot status).");
            repository = null;
        }

        var config = new RepoConfig();
        if (repository is not null)
        {
            config = await ReadAsync(repository, notes);

            // The repository may send its service's incidents to another repository of the same owner (a moved
            // repository, a service split out); never to another owner's, whose people did not write this file.
            if (alert.GitHub is null && alert.Service is { } serviceName && Target(config.Incidents.Services.GetValueOrDefault(serviceName)?.Repo) is { } elsewhere
                && !(elsewhere.Owner.Equals(repository.Owner, StringComparison.OrdinalIgnoreCase) && elsewhere.Repo.Equals(repository.Repo, StringComparison.OrdinalIgnoreCase)))
            {
                if (elsewhere.Owner.Equals(repository.Owner, StringComparison.OrdinalIgnoreCase))
                {
                    repository = elsewhere with { Owner = repository.Owner };
                    config = await ReadAsync(repository, notes);
                }
                else
                {
                    notes.Add($"{repository.Owner}/{repository.Repo}'s .github/ghbot.yml sends `{serviceName}` to {elsewhere.Owner}/{elsewhere.Repo}, another owner's repository: ignored (Incidents:Services:{serviceName}:Repository decides that).");
                }
            }
        }

        var incidents = config.Incidents;
        var configured = alert.Service is { } key && settings.RepositoryQueries ? incidents.Services.GetValueOrDefault(key) : null;
        return new IncidentPlan(
            repository,
            MetricsQueries(alert, configured?.MetricsQuery ?? service?.MetricsQuery, settings, notes),
            LogsQuery(alert, configured?.LogsQuery ?? service?.LogsQuery, settings, notes),
            Math.Clamp(incidents.Agents ?? settings.Agents, 1, 10),
            Math.Clamp(incidents.ConfidenceThreshold ?? settings.AutoFixThreshold, 0, 1),
            (incidents.AutoFix ?? settings.AutoFix) && alert.GitHub is not { IsSecret: true },
            incidents.PostmortemPullRequest ?? settings.PostmortemPullRequest,
            notes)
        {
            HoldOpen = settings.HoldOpen,
            Window = settings.Window,
            Budget = new AgentBudget { MaxTokens = config.Agents.MaxTokens, MaxCalls = config.Agents.MaxIterations },
            FixRounds = config.Agents.FixRounds,
            CoderAttempts = config.Agents.CoderAttempts,
            AllowConfigEdits = config.Agents.AllowConfigEdits,
            Merge = new MergePolicy { Auto = config.AutoMerge.Enabled, Method = config.AutoMerge.Method, MinScore = config.AutoMerge.MinScore },
        };
    }

    private async Task<bool> IsPrivateAsync(RepositoryTarget repository)
    {
        var client = await clients.ForRepositoryAsync(repository, GitHubAccess.Metadata, ActivityExecutionContext.Current.CancellationToken);
        var found = await GitHubFailures.CallAsync(() => client.Repository.Get(repository.Owner, repository.Repo), time);
        return found.Private;
    }

    private static RepositoryTarget? Target(string? ownerAndName) =>
        ownerAndName?.Split('/') is [{ Length: > 0 } owner, { Length: > 0 } name] ? new RepositoryTarget(owner, name, null) : null;

    private async Task<RepoConfig> ReadAsync(RepositoryTarget repository, List<string> notes)
    {
        var config = await RepoConfigReader.ReadAsync(clients, repository, time, ActivityExecutionContext.Current.CancellationToken);
        if (config.Problems.Count > 0)
        {
            notes.Add($"{repository.Owner}/{repository.Repo}'s .github/ghbot.yml cannot be used ({string.Join("; ", config.Problems.Take(3))}); the App's incident settings apply.");
            return new RepoConfig();
        }

        return config.Resolve();
    }

    private static List<NamedQuery> MetricsQueries(Alert alert, string? template, IncidentOptions settings, List<string> notes)
    {
        if (settings.Prometheus.Url is null)
        {
            return [];
        }

        var queries = new List<NamedQuery>();
        if (template is not null)
        {
            if (IncidentContextReader.Fill(template, alert) is { } query)
            {
                queries.Add(new NamedQuery("service", query));
            }
            else
            {
                notes.Add("The service's metrics query names a label the alert does not have; it was left out.");
            }
        }

        // A Prometheus alert carries its own expression: what fired is the first thing to look at. The URL is text
        // from outside, so the expression is taken only from the configured Prometheus' own links.
        if (IncidentContextReader.ExpressionOf(alert.GeneratorUrl) is { } expression)
        {
            if (OnPrometheus(alert.GeneratorUrl!, settings.Prometheus))
            {
                queries.Add(new NamedQuery("alert", expression));
            }
            else
            {
                notes.Add("The alert's expression comes from a Prometheus other than Incidents:Prometheus:Url (or :ExternalUrl): it was not queried.");
            }
        }

        return queries;
    }

    private static bool OnPrometheus(string generatorUrl, EndpointSettings prometheus) =>
        Uri.TryCreate(generatorUrl, UriKind.Absolute, out var url)
        && new[] { prometheus.Url, prometheus.ExternalUrl }.Any(known => known is not null
            && string.Equals(known.Scheme, url.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(known.Authority, url.Authority, StringComparison.OrdinalIgnoreCase));

    private static string? LogsQuery(Alert alert, string? template, IncidentOptions settings, List<string> notes)
    {
        if (settings.Loki.Url is null)
        {
            return null;
        }

        var query = template is null ? null : IncidentContextReader.Fill(template, alert);
        if (template is not null && query is null)
        {
            notes.Add("The service's logs query names a label the alert does not have; the service's selector is used.");
        }

        return query ?? (alert.Service is { } service ? IncidentContextReader.Fill("{service=\"{service}\"}", alert with { Service = service }) : null);
    }
}
