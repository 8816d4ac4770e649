using GitHubBot.Testing;
using Microsoft.Extensions.AI;

namespace GitHubBot.Workflows.Tests;

public sealed class ScriptedChatClientTests
{
    [Fact]
    public async Task It_answers_in_script_order_records_requests_and_reports_usage()
    {
        using var client = new ScriptedChatClient()
            .ThenAnswer("{\"design\":\"first\"}", inputTokens: 10, outputTokens: 5)
            .Then(messages => new ChatResponse(new ChatMessage(ChatRole.Assistant, $"echo: {messages[^1].Text}")));
        IChatClient chat = client;

        var first = await chat.GetResponseAsync("design it");
        var second = await chat.GetResponseAsync("the error was X");

        Assert.Equal("{\"design\":\"first\"}", first.Text);
        Assert.Equal(15, first.Usage?.TotalTokenCount);
        Assert.Equal("echo: the error was X", second.Text);
        Assert.Equal(2, client.Requests.Count);
        Assert.Equal(0, client.Remaining);
    }

    [Fact]
    public async Task Running_past_the_script_fails_loudly()
    {
        using var client = new ScriptedChatClient();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ((IChatClient)client).GetResponseAsync("anything"));

        Assert.Contains("no scripted answer", ex.Message, StringComparison.Ordinal);
    }
}
