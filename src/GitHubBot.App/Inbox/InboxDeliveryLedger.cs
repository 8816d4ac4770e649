using GitHubBot.Workflows.Redelivery;

namespace GitHubBot.App.Inbox;

/// <summary>
/// The redelivery sweeper's ledger in a process with the inbox: the GUIDs its journal holds (any state, for the three
/// days done entries are kept) were accepted, so a failure GitHub logged for them is not asked for again.
/// </summary>
public sealed class InboxDeliveryLedger(DeliveryInbox inbox) : IDeliveryLedger
{
    public ValueTask<IReadOnlySet<string>> AcceptedAsync(IReadOnlyCollection<string> guids, CancellationToken cancellationToken)
    {
        using var connection = inbox.Read();
        return ValueTask.FromResult(InboxJournal.Accepted(connection, guids));
    }
}
