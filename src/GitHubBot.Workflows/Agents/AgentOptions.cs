using System.ClientModel;
using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace GitHubBot.Workflows.Agents;

/// <summary>The LLM behind GitHubBot's agents (configuration section "Agents"; the README lists its keys).</summary>
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

    /// <summary>
    /// How long one agent may take to answer (its attempts at a valid answer included) before the step gives up on that
    /// try with "did not answer within": a model that hangs is retried like any failed step, then explained, instead of
    /// holding the run for the activity's whole 15-minute bound on each of its tries.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>What is wrong with the settings (naming the setting), or null when they describe a model or none.</summary>
    public string? Problem()
    {
        if (RequestTimeout <= TimeSpan.Zero)
        {
            return "Agents:RequestTimeout must be a positive time span, e.g. 00:10:00.";
        }

        if (string.IsNullOrWhiteSpace(Provider))
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            return "Agents:Model is required when Agents:Provider is set.";
        }

        return Provider.Trim().ToLowerInvariant() switch
        {
            "openai" => null,
            "anthropic" when string.IsNullOrWhiteSpace(ApiKey) => "Agents:ApiKey is required for the anthropic provider.",
            "anthropic" => null,
            _ => $"Agents:Provider must be openai or anthropic, not '{Provider}'.",
        };
    }

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
        if (options.Problem() is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        if (string.IsNullOrWhiteSpace(options.Provider))
        {
            return null;
        }

        if (options.Provider.Trim().Equals("anthropic", StringComparison.OrdinalIgnoreCase))
        {
            var anthropic = options.Endpoint is { } endpoint
                ? new AnthropicClient { ApiKey = options.ApiKey, BaseUrl = endpoint.ToString() }
                : new AnthropicClient { ApiKey = options.ApiKey };
            return anthropic.AsIChatClient(options.Model);
        }

        // Local OpenAI-compatible servers often need no key; the client requires one, so any text does.
        var credential = new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "none" : options.ApiKey);
        var openAi = new OpenAIClient(credential, new OpenAIClientOptions { Endpoint = options.Endpoint });
        return openAi.GetChatClient(options.Model).AsIChatClient();
    }
}

/// <summary>The configured model, made once per worker: null when Agents:Provider is not set.</summary>
public sealed record AgentModel(IChatClient? Chat);

/// <summary>Fails start-up, naming the setting, when the agent settings describe no usable model.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problem = options.Problem();
        return problem is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problem);
    }
}
