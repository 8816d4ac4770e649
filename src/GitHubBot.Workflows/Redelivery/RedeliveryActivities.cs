using System.Globalization;
using GitHubBot.Core.Redelivery;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Octokit;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Redelivery;

/// <summary>
/// The redelivery sweeper's GitHub side, as the App itself (a fresh App JWT per request, never an installation token):
/// <list type="bullet">
/// <item><c>GET /app/hook/deliveries?per_page=100</c> ("List deliveries for an app webhook") answers the App's delivery
/// attempts newest first — <c>id</c>, <c>guid</c>, <c>delivered_at</c>, <c>redelivery</c>, <c>duration</c>,
/// <c>status</c>, <c>status_code</c>, <c>event</c>, <c>action</c>, <c>installation_id</c>, <c>repository_id</c> — and the
/// next page as <c>Link: &lt;…&amp;cursor=…&gt;; rel="next"</c>;</item>
/// <item><c>POST /app/hook/deliveries/{delivery_id}/attempts</c> ("Redeliver a delivery for an app webhook") answers 202
/// and GitHub delivers the event again, with the same GUID and <c>redelivery: true</c> in the log.</item>
/// </list>
/// Failures go through <see cref="GitHubFailures"/>: a 429, or a 403 of a primary or secondary rate limit, becomes a
/// retryable failure whose next retry delay is GitHub's <c>Retry-After</c> (or <c>x-ratelimit-reset</c>), so Temporal
/// waits as long as GitHub asked, without a sleeping worker; other 4xx are not retried.
/// </summary>
public sealed partial class RedeliveryActivities(GitHubClients clients, IDeliveryLedger ledger, IOptions<GitHubOptions> options, TimeProvider time, ILogger<RedeliveryActivities> logger)
{
    /// <summary>Deliveries asked for per page: GitHub's most.</summary>
    public const int PageSize = 100;

    private const string Accepts = "application/vnd.github+json";

    /// <summary>
    /// Reads the delivery log back to <see cref="ListFailedDeliveriesRequest.Since"/> (at most MaxPages pages, following
    /// GitHub's next links only on the API's own host and path) and sorts it (<see cref="DeliveryLog"/>); the ledger is
    /// asked about the failed GUIDs. Returns counts and at most MaxCandidates deliveries to ask for — the pages never
    /// reach the workflow's history. Heartbeats while it reads.
    /// </summary>
    [Activity]
    public async Task<FailedDeliveries> ListFailedDeliveriesAsync(ListFailedDeliveriesRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await Heartbeats.RunAsync(async token =>
        {
            var (attempts, pages, incomplete) = await ReadLogAsync(request, token);
            var sorted = DeliveryLog.Sort(attempts);
            var accepted = sorted.ToAsk.Count == 0
                ? new HashSet<string>(StringComparer.Ordinal)
                : await ledger.AcceptedAsync([.. sorted.ToAsk.Select(c => c.DeliveryGuid)], token);
            var (ask, alreadyAccepted, deferred) = DeliveryLog.Choose(sorted.ToAsk, accepted, request.MaxCandidates);
            if (incomplete is not null)
            {
                LogIncomplete(logger, incomplete);
            }

            return new FailedDeliveries(attempts.Count, pages, sorted.Failed, sorted.AlreadyRedelivered, alreadyAccepted, deferred, ask, incomplete);
        });
    }

    /// <summary>Asks GitHub to redeliver one delivery (its newest failed attempt).</summary>
    [Activity]
    public async Task RequestRedeliveryAsync(RedeliveryCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (candidate.DeliveryId <= 0)
        {
            throw new ApplicationFailureException("A delivery ID is a positive number.", errorType: "InvalidRequest", nonRetryable: true);
        }

        var token = ActivityExecutionContext.Current.CancellationToken;
        var uri = new Uri(string.Create(CultureInfo.InvariantCulture, $"app/hook/deliveries/{candidate.DeliveryId}/attempts"), UriKind.Relative);
        await GitHubFailures.CallAsync(() => clients.ForApp().Connection.Post(uri, token), time);
        LogRequested(logger, candidate.DeliveryGuid, candidate.DeliveryId, candidate.Event);
    }

    private async Task<(List<DeliveryAttempt> Attempts, int Pages, string? Incomplete)> ReadLogAsync(ListFailedDeliveriesRequest request, CancellationToken token)
    {
        var attempts = new List<DeliveryAttempt>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Uri? next = new(string.Create(CultureInfo.InvariantCulture, $"app/hook/deliveries?per_page={PageSize}"), UriKind.Relative);
        var pages = 0;
        while (next is not null)
        {
            if (pages >= request.MaxPages)
            {
                return (attempts, pages, $"the delivery log was read for {pages} pages (Redelivery:MaxPages) without reaching the window's edge");
            }

            token.ThrowIfCancellationRequested();
            var page = next;
            var response = await GitHubFailures.CallAsync(() => clients.ForApp().Connection.Get<List<HookDelivery>>(page, null, Accepts, token), time);
            pages++;
            var entries = response.Body ?? [];
            attempts.AddRange(entries.Where(e => e.DeliveredAt >= request.Since).Select(e =>
                new DeliveryAttempt(e.Id, e.DeliveryGuid ?? string.Empty, e.DeliveredAt, e.Redelivery, e.StatusCode ?? 0, e.Event)));

            // Newest first: a page reaching back past the window's start is the last one needed.
            if (entries.Count == 0 || entries.Any(e => e.DeliveredAt < request.Since))
            {
                break;
            }

            next = response.HttpResponse?.ApiInfo?.Links is { } links && links.TryGetValue("next", out var link) ? link : null;
            if (next is not null && NotTheLog(next) is { } elsewhere)
            {
                return (attempts, pages, elsewhere);
            }

            if (next is not null && !seen.Add(next.AbsoluteUri))
            {
                return (attempts, pages, "GitHub's next page link repeated an earlier page");
            }
        }

        return (attempts, pages, null);
    }

    /// <summary>
    /// Why a next link is not followed: the log's pages are on the API's own scheme, host, port and path; a link
    /// elsewhere would take the App's JWT with it.
    /// </summary>
    private string? NotTheLog(Uri link)
    {
        var log = new Uri(options.Value.ApiBaseUrl, "app/hook/deliveries");
        return link.IsAbsoluteUri
            && link.Scheme == log.Scheme
            && string.Equals(link.Host, log.Host, StringComparison.OrdinalIgnoreCase)
            && link.Port == log.Port
            && link.AbsolutePath == log.AbsolutePath
            && string.IsNullOrEmpty(link.UserInfo)
                ? null
                : $"GitHub's next page link points outside the delivery log ({(link.IsAbsoluteUri ? link.Host : "a relative link")}): not followed";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Asked GitHub to redeliver {Guid} (attempt {DeliveryId}, {Event})")]
    private static partial void LogRequested(ILogger logger, string guid, long deliveryId, string? @event);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The redelivery sweep did not read the whole window: {Reason}")]
    private static partial void LogIncomplete(ILogger logger, string reason);
}

/// <summary>One entry of GitHub's delivery log, as Octokit's serializer reads it (snake_case → PascalCase).</summary>
public sealed class HookDelivery
{
    public long Id { get; set; }

    [Octokit.Internal.Parameter(Key = "guid")]
    public string? DeliveryGuid { get; set; }

    public DateTimeOffset DeliveredAt { get; set; }

    public bool Redelivery { get; set; }

    public double Duration { get; set; }

    public string? Status { get; set; }

    public int? StatusCode { get; set; }

    public string? Event { get; set; }

    public string? Action { get; set; }

    public long? InstallationId { get; set; }

    public long? RepositoryId { get; set; }
}
