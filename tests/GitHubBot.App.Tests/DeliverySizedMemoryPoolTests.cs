using System.Net;
using System.Runtime.InteropServices;
using GitHubBot.App.Hosting;
using GitHubBot.Testing;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace GitHubBot.App.Tests;

/// <summary>The 32 KB blocks Kestrel receives deliveries into: reused, bounded, and the ones the real intake uses.</summary>
[Collection(TemporalCollection.Name)]
public sealed class DeliverySizedMemoryPoolTests(TemporalServerFixture temporal)
{
    [Fact]
    public void A_returned_block_is_rented_again_and_a_block_is_returned_once_however_often_it_is_disposed()
    {
        using var pool = new DeliverySizedMemoryPool();
        var first = pool.Rent(1);
        Assert.Equal(DeliverySizedMemoryPool.BlockSize, first.Memory.Length);
        var array = ArrayOf(first.Memory);
        first.Dispose();
        first.Dispose();
        Assert.Equal(1, pool.Retained);
        Assert.Throws<ObjectDisposedException>(() => first.Memory);

        using var second = pool.Rent();
        using var third = pool.Rent();
        Assert.Same(array, ArrayOf(second.Memory));
        Assert.NotSame(array, ArrayOf(third.Memory));
        Assert.Equal(0, pool.Retained);
        Assert.Equal(3, pool.Rented);
    }

    [Fact]
    public void It_keeps_at_most_MaxRetained_blocks_and_refuses_what_no_block_holds()
    {
        using var pool = new DeliverySizedMemoryPool();
        var blocks = Enumerable.Range(0, DeliverySizedMemoryPool.MaxRetained + 50).Select(_ => pool.Rent()).ToList();
        blocks.ForEach(block => block.Dispose());
        Assert.Equal(DeliverySizedMemoryPool.MaxRetained, pool.Retained);
        Assert.Equal(DeliverySizedMemoryPool.BlockSize, pool.MaxBufferSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(DeliverySizedMemoryPool.BlockSize + 1));

        pool.Dispose();
        Assert.Equal(0, pool.Retained);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }

    [Fact]
    public async Task The_intake_receives_a_real_delivery_into_its_blocks_and_answers_it()
    {
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue());
        var factory = Assert.IsType<DeliverySizedMemoryPool.Factory>(bot.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        var before = factory.Rented;

        // 28 KB, more than six of Kestrel's own 4 KB blocks.
        using var response = await bot.Webhooks.PostFixtureAsync("pull_request.opened.json", deliveryId: "pool-1");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(factory.Rented > before, "Kestrel did not rent from GitHubBot's pool");
    }

    private static byte[] ArrayOf(Memory<byte> memory) =>
        MemoryMarshal.TryGetArray<byte>(memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");
}
