using System.Globalization;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// Business keys and times read from a delivery's signed body. The X-GitHub-Delivery header is not signed: a key made
/// from it alone would let a captured body, replayed under a new delivery ID, start its work again.
/// </summary>
internal static class DeliveryKeys
{
    /// <summary>"{what}-{unix seconds of time}", e.g. "suite-118578147-1557933674" (0 when the body has no time).</summary>
    public static string Of(string what, DateTimeOffset? time) =>
        string.Create(CultureInfo.InvariantCulture, $"{what}-{time?.ToUnixTimeSeconds() ?? 0}");

    /// <summary>The newest of <paramref name="times"/>, those GitHub left out (null, or the default of a missing field) ignored; null when none is left.</summary>
    public static DateTimeOffset? Newest(params DateTimeOffset?[] times) =>
        times.Where(t => t is { } known && known != default).Max();

    /// <summary>
    /// When a side-effect action's body was written at the latest, for the freshness window: the newest of
    /// <paramref name="times"/>, or <see cref="DateTimeOffset.MinValue"/> (refused) when the body carries none.
    /// </summary>
    public static DateTimeOffset SignedAt(params DateTimeOffset?[] times) => Newest(times) ?? DateTimeOffset.MinValue;
}
