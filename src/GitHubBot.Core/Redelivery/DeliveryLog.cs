namespace GitHubBot.Core.Redelivery;

/// <summary>
/// Which deliveries of the App's delivery log to ask GitHub to redeliver. GitHub lists one entry per attempt
/// (<c>GET /app/hook/deliveries</c>: id, guid, delivered_at, redelivery, status_code, …); the attempts of one event
/// share its GUID, the <c>X-GitHub-Delivery</c> header the intake saw. A GUID is
/// <list type="bullet">
/// <item>delivered when any attempt succeeded (a status code from 1 to 399), a later redelivery included;</item>
/// <item>already redelivered when, failed, it has an attempt with <c>redelivery: true</c>: the sweeper asks once per
/// GUID, ever, and GitHub's own log is the record of that (across sweeps, restarts and workers);</item>
/// <item>failed otherwise (status code 0 — no answer, a timeout — or 400 and above): to ask for, once, with its
/// newest failed attempt's ID.</item>
/// </list>
/// The log is read as untrusted input: an entry without an ID or with a GUID that is not a short token is ignored.
/// </summary>
public static class DeliveryLog
{
    /// <summary>The longest GUID taken (GitHub's are 36-character UUIDs).</summary>
    public const int MaxGuidLength = 64;

    /// <summary>The log sorted: how many GUIDs failed, how many of them were already redelivered, and the others to ask for, oldest first.</summary>
    public sealed record Sorted(int Failed, int AlreadyRedelivered, IReadOnlyList<RedeliveryCandidate> ToAsk);

    /// <summary>Whether an attempt with <paramref name="statusCode"/> failed: no answer (0, none) or 400 and above.</summary>
    public static bool IsFailure(int statusCode) => statusCode is <= 0 or >= 400;

    /// <summary>Whether <paramref name="deliveryGuid"/> looks like a delivery GUID: 1–64 letters, digits and dashes.</summary>
    public static bool IsGuid(string? deliveryGuid) =>
        deliveryGuid is { Length: > 0 and <= MaxGuidLength } && deliveryGuid.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>
    /// Sorts <paramref name="attempts"/> (those of the window) by GUID. The GUIDs to ask for come oldest first —
    /// they are the nearest to leaving GitHub's redelivery window —, then by GUID, so the order is stable.
    /// </summary>
    public static Sorted Sort(IEnumerable<DeliveryAttempt> attempts)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        var failed = 0;
        var redelivered = 0;
        var toAsk = new List<(DateTimeOffset First, RedeliveryCandidate Candidate)>();
        foreach (var group in attempts.Where(a => a.Id > 0 && IsGuid(a.DeliveryGuid)).GroupBy(a => a.DeliveryGuid, StringComparer.Ordinal))
        {
            if (group.Any(a => !IsFailure(a.StatusCode)))
            {
                continue;
            }

            failed++;
            if (group.Any(a => a.Redelivery))
            {
                redelivered++;
                continue;
            }

            var newest = group.OrderByDescending(a => a.DeliveredAt).ThenByDescending(a => a.Id).First();
            toAsk.Add((group.Min(a => a.DeliveredAt), new RedeliveryCandidate(newest.Id, newest.DeliveryGuid, newest.Event)));
        }

        return new Sorted(
            failed,
            redelivered,
            [.. toAsk.OrderBy(c => c.First).ThenBy(c => c.Candidate.DeliveryGuid, StringComparer.Ordinal).Select(c => c.Candidate)]);
    }

    /// <summary>
    /// Of <paramref name="toAsk"/>, those the intake did not accept (<paramref name="accepted"/>), at most
    /// <paramref name="max"/>; how many were accepted, and how many are left for the next sweep.
    /// </summary>
    public static (IReadOnlyList<RedeliveryCandidate> Ask, int Accepted, int Deferred) Choose(IReadOnlyList<RedeliveryCandidate> toAsk, IReadOnlySet<string> accepted, int max)
    {
        ArgumentNullException.ThrowIfNull(toAsk);
        ArgumentNullException.ThrowIfNull(accepted);
        var open = toAsk.Where(c => !accepted.Contains(c.DeliveryGuid)).ToList();
        var ask = open.Take(Math.Max(0, max)).ToList();
        return (ask, toAsk.Count - open.Count, open.Count - ask.Count);
    }
}
