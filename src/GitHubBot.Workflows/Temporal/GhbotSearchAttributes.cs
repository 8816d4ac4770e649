using Temporalio.Common;

namespace GitHubBot.Workflows.Temporal;

/// <summary>
/// GitHubBot's custom search attributes, set on every top-level start (webhooks, alerts, <c>ghbot start</c>) so
/// <c>ghbot list --repo</c> filters on the server. A cluster must have them registered (the embedded and the tests'
/// dev servers register <see cref="All"/> at start-up); children started inside workflows do not carry them.
/// </summary>
public static class GhbotSearchAttributes
{
    /// <summary>"owner/repo" of the repository the workflow works on.</summary>
    public static readonly SearchAttributeKey<string> Repository = SearchAttributeKey.CreateKeyword("GhbotRepository");

    /// <summary>The pull request's or issue's number, when the workflow is about one.</summary>
    public static readonly SearchAttributeKey<long> Number = SearchAttributeKey.CreateLong("GhbotNumber");

    /// <summary>gate, plan, incident, migration, change or command (<see cref="Core.Common.WorkflowKinds"/>).</summary>
    public static readonly SearchAttributeKey<string> Kind = SearchAttributeKey.CreateKeyword("GhbotKind");

    /// <summary>Every key, to register on a server.</summary>
    public static IReadOnlyCollection<SearchAttributeKey> All { get; } = [Repository, Number, Kind];
}
