using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace GitHubBot.App.Hosting;

/// <summary>
/// Kestrel's buffers, sized for a webhook delivery: a <c>pull_request</c> payload is 20–30 KB, which Kestrel's own pool
/// (4 KB blocks) receives in seven or eight <c>recv</c> calls, each handed through the request's pipe on its own; with
/// 32 KB blocks one call takes it (measured in docs/benchmarks.md). Blocks are pinned (sockets pin what they receive
/// into) and kept for reuse up to <see cref="MaxRetained"/>; past that a returned block is left to the GC. An idle
/// keep-alive connection holds none: Kestrel waits for data before it rents.
/// </summary>
public sealed class DeliverySizedMemoryPool : MemoryPool<byte>
{
    /// <summary>The size of every block.</summary>
    public const int BlockSize = 32 * 1024;

    /// <summary>How many returned blocks are kept for reuse (8 MiB).</summary>
    public const int MaxRetained = 256;

    private readonly ConcurrentQueue<byte[]> free = new();
    private long rented;
    private int retained;
    private bool disposed;

    /// <inheritdoc />
    public override int MaxBufferSize => BlockSize;

    /// <summary>How many returned blocks wait for reuse.</summary>
    public int Retained => Volatile.Read(ref retained);

    /// <summary>How many blocks were rented since the pool was made.</summary>
    public long Rented => Interlocked.Read(ref rented);

    /// <inheritdoc />
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(disposed, this);
        Interlocked.Increment(ref rented);
        if (free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref retained);
        }
        else
        {
            block = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        }

        return new Block(this, block);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        disposed = true;
        free.Clear();
        Volatile.Write(ref retained, 0);
    }

    private void Return(byte[] block)
    {
        if (disposed || Interlocked.Increment(ref retained) > MaxRetained)
        {
            Interlocked.Decrement(ref retained);
            return;
        }

        free.Enqueue(block);
    }

    private sealed class Block(DeliverySizedMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? array = array;

        public Memory<byte> Memory => array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref array, null) is { } returned)
            {
                pool.Return(returned);
            }
        }
    }

    /// <summary>Gives Kestrel this pool (registered as <see cref="IMemoryPoolFactory{T}"/>, which Kestrel asks for its transports).</summary>
    public sealed class Factory : IMemoryPoolFactory<byte>
    {
        private readonly ConcurrentQueue<DeliverySizedMemoryPool> made = new();

        /// <summary>How many blocks the pools this factory made have rented.</summary>
        public long Rented => made.Sum(pool => pool.Rented);

        /// <inheritdoc />
        public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
        {
            var pool = new DeliverySizedMemoryPool();
            made.Enqueue(pool);
            return pool;
        }
    }
}
