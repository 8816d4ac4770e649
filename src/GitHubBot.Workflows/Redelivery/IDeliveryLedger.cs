namespace GitHubBot.Workflows.Redelivery;

/// <summary>
/// What the webhook intake knows of the deliveries it accepted (answered 2xx after a durable start), by GUID
/// (<c>X-GitHub-Delivery</c>). GitHub's log may say an attempt failed that the intake did accept — the answer was lost,
/// or came after GitHub's 10 s — and the redelivery sweeper does not ask for those again.
/// </summary>
public interface IDeliveryLedger
{
    /// <summary>Those of <paramref name="guids"/> the intake accepted; the others are unknown to it.</summary>
    ValueTask<IReadOnlySet<string>> AcceptedAsync(IReadOnlyCollection<string> guids, CancellationToken cancellationToken);
}

/// <summary>The ledger of a host that keeps none: it knows no delivery, so every failed one is asked for (once).</summary>
public sealed class NoDeliveryLedger : IDeliveryLedger
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>(StringComparer.Ordinal);

    public ValueTask<IReadOnlySet<string>> AcceptedAsync(IReadOnlyCollection<string> guids, CancellationToken cancellationToken) => ValueTask.FromResult(None);
}
