using System.Collections.Concurrent;
using GitHubBot.App.Inbox;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// What recent signed bodies came to, by their event and HMAC, in inbox mode: a redelivery is byte for byte the body
/// GitHub sent before, so once such a body was accepted into the inbox and its business key is still there, a copy is
/// answered with the same 202 without reading the JSON again (routing is a function of the event and the body, and
/// the freshness window is judged again from the time the first reading found).
/// </summary>
public sealed class IdenticalDeliveries(DeliveryInbox inbox)
{
    /// <summary>How many bodies are remembered before the memory starts over.</summary>
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<(string Event, UInt128 Low, UInt128 High), Accepted> recent = new();

    // Remembered since the memory last started over (overwrites counted too): ConcurrentDictionary.Count would take
    // every lock on each accepted delivery.
    private int remembered;

    /// <summary>An accepted start: the answer a copy gets.</summary>
    /// <param name="Kind">The event and action.</param>
    /// <param name="WorkflowType">The workflow.</param>
    /// <param name="WorkflowId">Its business key.</param>
    /// <param name="SignedAt">The newest time the body carries, where freshness applies.</param>
    public sealed record Accepted(string Kind, string WorkflowType, string WorkflowId, DateTimeOffset? SignedAt);

    /// <summary>Remembers that the body with <paramref name="mac"/> was accepted as <paramref name="accepted"/>.</summary>
    public void Remember(string eventName, ReadOnlySpan<byte> mac, Accepted accepted)
    {
        if (mac.Length != 32)
        {
            return;
        }

        if (Interlocked.Increment(ref remembered) > Capacity)
        {
            recent.Clear();
            Interlocked.Exchange(ref remembered, 1);
        }

        recent[Key(eventName, mac)] = accepted;
    }

    /// <summary>The earlier acceptance of a body with <paramref name="mac"/>, if its key is still in the inbox.</summary>
    public Accepted? Find(string eventName, ReadOnlySpan<byte> mac) =>
        mac.Length == 32 && recent.TryGetValue(Key(eventName, mac), out var accepted) && inbox.Knows(accepted.WorkflowId) ? accepted : null;

    private static (string, UInt128, UInt128) Key(string eventName, ReadOnlySpan<byte> mac) =>
        (eventName, System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(mac), System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(mac[16..]));
}
