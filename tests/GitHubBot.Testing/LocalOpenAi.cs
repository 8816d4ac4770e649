using System.Text.Json.Nodes;
using WireMock.Logging;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace GitHubBot.Testing;

/// <summary>
/// A local OpenAI-compatible chat-completions endpoint (WireMock.Net): each answer is given for requests whose body
/// matches, as the model's message content, with the token usage it reports. Point Agents:Endpoint at
/// <see cref="Endpoint"/> with Agents:Provider=openai.
/// </summary>
public sealed class LocalOpenAi : IDisposable
{
    public WireMockServer Server { get; } = WireMockServer.Start();

    /// <summary>The base URL to configure as Agents:Endpoint.</summary>
    public Uri Endpoint => new(Server.Url + "/v1");

    /// <summary>Every request the endpoint received.</summary>
    public IReadOnlyList<ILogEntry> Requests => [.. Server.LogEntries];

    /// <summary>Answers requests whose body contains <paramref name="bodyContains"/> (any request when null) with <paramref name="content"/>.</summary>
    public LocalOpenAi Answer(string? bodyContains, string content, int promptTokens = 1000, int completionTokens = 200) =>
        Answer(new WildcardMatcher(bodyContains is null ? "*" : $"*{bodyContains}*"), content, promptTokens, completionTokens);

    /// <summary>Answers requests whose body <paramref name="body"/> matches with <paramref name="content"/>.</summary>
    public LocalOpenAi Answer(IStringMatcher body, string content, int promptTokens = 1000, int completionTokens = 200)
    {
        var completion = new JsonObject
        {
            ["id"] = "chatcmpl-local",
            ["object"] = "chat.completion",
            ["created"] = 1764000000,
            ["model"] = "local-model",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["finish_reason"] = "stop",
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
        };
        Server.Given(Request.Create().UsingPost().WithPath("/v1/chat/completions").WithBody(body))
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(completion.ToJsonString()));
        return this;
    }

    public void Dispose()
    {
        Server.Stop();
        Server.Dispose();
    }
}
