using System.Collections.Concurrent;
using GitHubBot.Core.Common;
using Microsoft.Extensions.Options;
using Octokit;
using Octokit.Internal;

namespace GitHubBot.Workflows.GitHub;

/// <summary>Octokit clients acting as the App or as one of its installations.</summary>
public interface IGitHubClients
{
    /// <summary>
    /// A client authenticated as the installation that owns <paramref name="target"/>, with a token for that repository
    /// alone and <paramref name="access"/> alone.
    /// </summary>
    Task<IGitHubClient> ForRepositoryAsync(RepositoryTarget target, GitHubAccess access, CancellationToken cancellationToken);

    /// <summary>The installation that owns <paramref name="target"/>: its own, else looked up once as the App.</summary>
    Task<long> InstallationIdAsync(RepositoryTarget target);

    /// <summary>The App's slug: its comments are made by "{slug}[bot]".</summary>
    Task<string> AppSlugAsync();

    /// <summary>An installation token for <paramref name="target"/> alone with <paramref name="access"/> alone, for git over https (fetch and push).</summary>
    Task<string> InstallationTokenAsync(RepositoryTarget target, GitHubAccess access, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="url"/> is on this GitHub's git host (github.com for api.github.com, else the API's own host).</summary>
    bool IsGitHubGitUrl(Uri url);
}

/// <summary>Git credentials from the App's clients.</summary>
public static class GitTokens
{
    /// <summary>
    /// The installation token for git over https, only ever for GitHub's own git host: a clone URL pointing elsewhere
    /// (from a forged start of a workflow) is refused before any token exists. Local file URLs need none.
    /// </summary>
    public static async Task<string?> GitTokenAsync(this IGitHubClients clients, Uri cloneUrl, RepositoryTarget target, GitHubAccess access, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(cloneUrl);
        if (cloneUrl.Scheme == "file")
        {
            return null;
        }

        if (!clients.IsGitHubGitUrl(cloneUrl))
        {
            throw new Temporalio.Exceptions.ApplicationFailureException(
                $"{cloneUrl.Host} is not this GitHub's git host: no token is sent there.", errorType: "InvalidRequest", nonRetryable: true);
        }

        return await clients.InstallationTokenAsync(target, access, cancellationToken);
    }
}

/// <summary>
/// Builds Octokit clients against <see cref="GitHubOptions.ApiBaseUrl"/> over one shared HTTP connection pool.
/// Installation tokens come from <see cref="InstallationTokenCache"/>, each for one repository and one
/// <see cref="GitHubAccess"/>; installations of repositories whose delivery carried none are looked up once and remembered.
/// </summary>
public sealed class GitHubClients : IGitHubClients, IDisposable
{
    private static readonly ProductHeaderValue Product = new("GitHubBot", typeof(GitHubClients).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");

    /// <summary>How long one GitHub request may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);

    private readonly Uri baseUrl;
    private readonly HttpClientAdapter http;
    private readonly AppJwtFactory jwt;
    private readonly TimeProvider time;
    private AppCaches? caches;

    public GitHubClients(IOptions<GitHubOptions> options, AppJwtFactory jwt, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        baseUrl = options.Value.ApiBaseUrl;
        this.jwt = jwt;
        this.time = time;
        // Every request is counted and timed by route template, method and status (GitHubMetrics).
        http = new HttpClientAdapter(() => new GitHubMetricsHandler(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }));

        // Octokit calls take no cancellation token: bound each one well inside an activity's start-to-close timeout.
        // Set once, before the shared HTTP client sends anything (it refuses changes afterwards).
        http.SetRequestTimeout(RequestTimeout);
    }

    /// <summary>A client authenticated with a fresh App JWT (for App-level endpoints).</summary>
    public IGitHubClient ForApp() => Create(jwt.CreateToken(), "app");

    public async Task<IGitHubClient> ForRepositoryAsync(RepositoryTarget target, GitHubAccess access, CancellationToken cancellationToken)
    {
        var token = await InstallationTokenAsync(target, access, cancellationToken);
        return Create(token, (await InstallationIdAsync(target)).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<string> InstallationTokenAsync(RepositoryTarget target, GitHubAccess access, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(access);
        var installationId = await InstallationIdAsync(target);
        return await Caches().Tokens.GetTokenAsync(new TokenScope(installationId, target.Repo, access), cancellationToken);
    }

    public async Task<long> InstallationIdAsync(RepositoryTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.InstallationId ?? await FindInstallationAsync(target.Owner, target.Repo);
    }

    public bool IsGitHubGitUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var gitHost = string.Equals(baseUrl.Host, "api.github.com", StringComparison.OrdinalIgnoreCase) ? "github.com" : baseUrl.Host;
        return url.Scheme == Uri.UriSchemeHttps && string.Equals(url.Host, gitHost, StringComparison.OrdinalIgnoreCase)
            || url.Scheme == Uri.UriSchemeHttp && baseUrl.Scheme == Uri.UriSchemeHttp && string.Equals(url.Host, gitHost, StringComparison.OrdinalIgnoreCase) && url.Port == baseUrl.Port;
    }

    /// <summary>The App's slug (its bot account is "{slug}[bot]"), asked of GitHub once.</summary>
    public async Task<string> AppSlugAsync()
    {
        var known = Caches();
        if (known.Slug is null)
        {
            var app = await GitHubFailures.CallAsync(() => ForApp().GitHubApps.GetCurrent(), time);
            known.Slug = app.Slug;
        }

        return known.Slug;
    }

    public void Dispose() => http.Dispose();

    private async Task<long> FindInstallationAsync(string owner, string repo)
    {
        var installations = Caches().Installations;
        if (installations.TryGetValue((owner, repo), out var known))
        {
            return known;
        }

        var installation = await GitHubFailures.CallAsync(() => ForApp().GitHubApps.GetRepositoryInstallationForCurrent(owner, repo), time);
        installations[(owner, repo)] = installation.Id;
        return installation.Id;
    }

    /// <summary>What is remembered of the App now set up: a new App (set up again with --reset-setup) starts afresh.</summary>
    private AppCaches Caches()
    {
        var appId = jwt.AppId;
        var known = caches;
        if (known is null || known.AppId != appId)
        {
            known = new AppCaches(appId, new InstallationTokenCache(CreateAppTokenAsync, time));
            caches = known;
        }

        return known;
    }

    private sealed class AppCaches(long appId, InstallationTokenCache tokens)
    {
        public long AppId { get; } = appId;

        public InstallationTokenCache Tokens { get; } = tokens;

        public ConcurrentDictionary<(string Owner, string Repo), long> Installations { get; } = new();

        public string? Slug { get; set; }
    }

    /// <summary>
    /// Mints a token for one repository with one access. Octokit's CreateInstallationToken sends no body (a token for
    /// every repository of the installation, with every permission it has), so the request is Octokit's connection
    /// posting the scoped body itself.
    /// </summary>
    private async Task<InstallationToken> CreateAppTokenAsync(TokenScope scope)
    {
        var response = await GitHubFailures.CallAsync(
            () => ForApp().Connection.Post<AccessToken>(ApiUrls.AccessTokens(scope.InstallationId), scope.Access.TokenRequestBody(scope.Repository), "application/vnd.github+json", "application/json"),
            time);
        return new InstallationToken(response.Body.Token, response.Body.ExpiresAt);
    }

    /// <summary>A client with <paramref name="bearer"/>, its requests labelled with <paramref name="installation"/> in the metrics.</summary>
    private GitHubClient Create(string bearer, string installation) =>
        new(new Connection(
            Product,
            baseUrl,
            new InMemoryCredentialStore(new Credentials(bearer, AuthenticationType.Bearer)),
            GitHubMetrics.Labelled(http, installation),
            new SimpleJsonSerializer()));
}
