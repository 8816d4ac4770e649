using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;
using GitHubBot.Workflows.Temporal;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace GitHubBot.App.Hosting;

/// <summary>
/// The search attributes of a top-level start (<see cref="GhbotSearchAttributes"/>: repository, PR or issue number,
/// kind), read from the workflow's input, and the start that falls back to none when the cluster has not registered
/// them — a delivery or an operator's start is never lost to a missing attribute; the warning names the fix.
/// </summary>
public static class StartAttributes
{
    /// <summary>What to do when a cluster refuses the attributes, in one line.</summary>
    public const string Advice =
        "the Temporal cluster has not registered the search attributes GhbotRepository (Keyword), GhbotNumber (Int) and GhbotKind (Keyword): " +
        "register them (README, \"Search attributes\") or set Temporal:SearchAttributes=false";

    /// <summary>The attributes of a start of <paramref name="workflowType"/> with <paramref name="input"/>; null when there are none or they are off.</summary>
    public static SearchAttributeCollection? For(string workflowType, object input, TemporalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.SearchAttributes)
        {
            return null;
        }

        var (repository, number) = Subject(input);
        return For(workflowType, repository, number, settings);
    }

    /// <summary>The attributes of a start of <paramref name="workflowType"/> about <paramref name="repository"/> and <paramref name="number"/> (what <see cref="Subject"/> found in its input).</summary>
    public static SearchAttributeCollection? For(string workflowType, string? repository, long? number, TemporalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.SearchAttributes)
        {
            return null;
        }

        var builder = new SearchAttributeCollection.Builder();
        var any = false;
        if (WorkflowKinds.KindOf(workflowType) is { } kind)
        {
            builder.Set(GhbotSearchAttributes.Kind, kind);
            any = true;
        }

        if (repository is not null)
        {
            builder.Set(GhbotSearchAttributes.Repository, repository);
            any = true;
        }

        if (number is { } n)
        {
            builder.Set(GhbotSearchAttributes.Number, n);
        }

        return any ? builder.ToSearchAttributeCollection() : null;
    }

    /// <summary>
    /// Starts with <paramref name="attributes"/> on <paramref name="options"/>; when the cluster refuses them as
    /// unregistered, <paramref name="warn"/> hears <see cref="Advice"/> and the start is made again without them.
    /// The workflow ID and policies stay the same, so a duplicate still finds the same workflow.
    /// </summary>
    public static async Task<T> StartAsync<T>(WorkflowOptions options, SearchAttributeCollection? attributes, Func<WorkflowOptions, Task<T>> start, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(warn);
        options.TypedSearchAttributes = attributes;
        try
        {
            return await start(options);
        }
        catch (RpcException ex) when (attributes is not null && Unregistered(ex))
        {
            warn(Advice);
            options.TypedSearchAttributes = null;
            return await start(options);
        }
    }

    /// <summary>Whether Temporal refused a call for naming a search attribute it does not know.</summary>
    public static bool Unregistered(RpcException ex) =>
        ex is { Code: RpcException.StatusCode.InvalidArgument } && ex.Message.Contains("search attribute", StringComparison.OrdinalIgnoreCase);

    /// <summary>The repository and number a start's input is about (its search attributes).</summary>
    public static (string? Repository, long? Number) Subject(object input) => input switch
    {
        QualityGateInput gate => ($"{gate.Owner}/{gate.Repo}", gate.PullRequestNumber),
        PlanPatchPrInput plan => ($"{plan.Owner}/{plan.Repo}", plan.IssueNumber),
        CodeMigrationInput migration => ($"{migration.Owner}/{migration.Repo}", migration.IssueNumber),
        CommandInput command => ($"{command.Owner}/{command.Repo}", command.IssueNumber),
        IncidentInput { Alert.GitHub: { } github } => ($"{github.Owner}/{github.Repo}", null),
        _ => (null, null),
    };
}
