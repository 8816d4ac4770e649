namespace GitHubBot.Core.Redelivery;

/// <summary>
/// Input of one sweep (the Schedule's action carries it; settings "Redelivery"): how far back to look, how many
/// redeliveries to ask for at most, how many pages of the App's delivery log to read at most, and the least time
/// between two requests.
/// </summary>
public sealed record RedeliverySweepInput
{
    /// <summary>How far back to look; GitHub redelivers deliveries of the last <see cref="RedeliveryLimits.GitHubWindow"/> only.</summary>
    public TimeSpan Window { get; init; } = RedeliveryLimits.GitHubWindow;

    /// <summary>The most redeliveries one sweep asks for (the rest wait for the next sweep).</summary>
    public int MaxPerSweep { get; init; } = 100;

    /// <summary>The most pages (of 100 deliveries) of the delivery log one sweep reads.</summary>
    public int MaxPages { get; init; } = 50;

    /// <summary>The least time between two redelivery requests (GitHub asks for a second between mutating requests).</summary>
    public TimeSpan PauseBetweenRequests { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>What a sweep found and did, as its result and its log line.</summary>
public sealed record RedeliverySweepResult
{
    /// <summary>Delivery attempts listed inside the window.</summary>
    public int Listed { get; init; }

    /// <summary>Pages of the delivery log read.</summary>
    public int Pages { get; init; }

    /// <summary>GUIDs whose every attempt in the window failed (status code 0 or ≥ 400).</summary>
    public int Failed { get; init; }

    /// <summary>Failed GUIDs GitHub already redelivered once (an attempt with <c>redelivery: true</c>): not asked again.</summary>
    public int AlreadyRedelivered { get; init; }

    /// <summary>Failed GUIDs the intake had accepted after all (<c>IDeliveryLedger</c>): not asked for.</summary>
    public int AlreadyAccepted { get; init; }

    /// <summary>Redeliveries GitHub accepted the request for.</summary>
    public int Requested { get; init; }

    /// <summary>Redeliveries GitHub refused (e.g. too old): not asked again by this sweep.</summary>
    public int Refused { get; init; }

    /// <summary>Failed GUIDs over <see cref="RedeliverySweepInput.MaxPerSweep"/>: left for the next sweep.</summary>
    public int Deferred { get; init; }

    /// <summary>Why the log was not read to the window's edge (a page bound, a link elsewhere), or null.</summary>
    public string? Incomplete { get; init; }

    public override string ToString() =>
        $"listed {Listed} attempts on {Pages} pages; {Failed} failed, {AlreadyAccepted} already accepted, {AlreadyRedelivered} already redelivered, " +
        $"{Requested} requested, {Refused} refused, {Deferred} deferred{(Incomplete is null ? string.Empty : $" ({Incomplete})")}";
}

/// <summary>Input of the activity that lists the delivery log: attempts delivered at or after <paramref name="Since"/>.</summary>
public sealed record ListFailedDeliveriesRequest(DateTimeOffset Since, int MaxPages, int MaxCandidates);

/// <summary>
/// The delivery log summarised by the activity (so the workflow's history holds counts and at most MaxCandidates
/// small entries, never the pages): counts as in <see cref="RedeliverySweepResult"/>, and the failed GUIDs to ask for.
/// </summary>
public sealed record FailedDeliveries(
    int Listed,
    int Pages,
    int Failed,
    int AlreadyRedelivered,
    int AlreadyAccepted,
    int Deferred,
    IReadOnlyList<RedeliveryCandidate> Candidates,
    string? Incomplete);

/// <summary>A failed delivery to ask GitHub to redeliver: its newest failed attempt's ID and its GUID (X-GitHub-Delivery).</summary>
public sealed record RedeliveryCandidate(long DeliveryId, string DeliveryGuid, string? Event);

/// <summary>One attempt of the delivery log, as GitHub lists it (the fields the sweeper reads).</summary>
public sealed record DeliveryAttempt(long Id, string DeliveryGuid, DateTimeOffset DeliveredAt, bool Redelivery, int StatusCode, string? Event);

/// <summary>GitHub's bounds on redelivery and the sweeper's bounds on what it reads.</summary>
public static class RedeliveryLimits
{
    /// <summary>GitHub redelivers deliveries of the last three days only.</summary>
    public static readonly TimeSpan GitHubWindow = TimeSpan.FromDays(3);

    /// <summary>The most pages a sweep may be configured to read.</summary>
    public const int MostPages = 500;

    /// <summary>The most redeliveries a sweep may be configured to ask for.</summary>
    public const int MostPerSweep = 1000;
}
