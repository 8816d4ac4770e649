using System.ClientModel;
using Anthropic;
using Microsoft.Extensions.AI;
using OpenAI;

namespace GitHubBot.Workflows.Agents;

/// <summary>The LLM behind GitHubBot's agents (PRODUCT.md §3, the "Agents" section).</summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agents";

    /// <summary>"openai" (any OpenAI-compatible endpoint: OpenAI, Azure OpenAI, Ollama, vLLM) or "anthropic"; empty: no LLM.</summary>
    public string? Provider { get; set; }

    /// <summary>The endpoint's base URL (for openai-compatible servers, e.g. http://localhost:11434/v1 for Ollama).</summary>
    public Uri? Endpoint { get; set; }

    public string? ApiKey { get; set; }

    public string? Model { get; set; }

    /// <summary>How often an answer that is not valid JSON for its schema is asked for again, the problems fed back.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>What to set, for the comment of an LLM workflow that cannot run.</summary>
    public const string NotConfigured =
        "No LLM is configured: set Agents:Provider (openai or anthropic), Agents:Model, and Agents:ApiKey (and Agents:Endpoint for an OpenAI-compatible server such as Azure OpenAI, Ollama or vLLM).";
}

/// <summary>Builds the <see cref="IChatClient"/> the agent settings describe.</summary>
public static class AgentClients
{
    /// <summary>The configured chat client, or null when no provider is set (LLM workflows then fail fast with <see cref="AgentOptions.NotConfigured"/>).</summary>
    /// <exception cref="InvalidOperationException">The settings name an unknown provider or lack what the provider needs; the message names the setting.</exception>
    public static IChatClient? Create(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Provider))
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(options.Model))
        {
            throw new InvalidOperationException("Agents:Model is required when Agents:Provider is set.");
        }

        switch (options.Provider.Trim().ToLowerInvariant())
        {
            case "openai":
                {
                    // Local OpenAI-compatible servers often need no key; the client requires one, so any text does.
                    var credential = new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "none" : options.ApiKey);
                    var client = new OpenAIClient(credential, new OpenAIClientOptions { Endpoint = options.Endpoint });
                    return client.GetChatClient(options.Model).AsIChatClient();
                }

            case "anthropic":
                {
                    if (string.IsNullOrWhiteSpace(options.ApiKey))
                    {
                        throw new InvalidOperationException("Agents:ApiKey is required for the anthropic provider.");
                    }

                    var client = options.Endpoint is { } endpoint
                        ? new AnthropicClient { ApiKey = options.ApiKey, BaseUrl = endpoint.ToString() }
                        : new AnthropicClient { ApiKey = options.ApiKey };
                    return client.AsIChatClient(options.Model);
                }

            default:
                throw new InvalidOperationException($"Agents:Provider must be openai or anthropic, not '{options.Provider}'.");
        }
    }
}
