using GitHubBot.Core.Agents;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Workspaces;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Agents;

/// <summary>The agent activities: one role asked one thing, its answer validated against the role's schema.</summary>
/// <param name="model">The configured model (none when Agents:Provider is not set).</param>
/// <param name="options">The agent settings.</param>
/// <param name="snapshots">Reads the repositories agents are shown (<see cref="AgentRequest.Repository"/>); null: requests carry their context.</param>
public sealed class AgentActivities(AgentModel model, AgentOptions options, RepoSnapshots? snapshots = null)
{
    /// <summary>The most of a diff the reviewer is shown.</summary>
    public const int MaxDiffChars = 60_000;

    /// <summary>The most files of the tree a task's text can name into the context.</summary>
    public const int MaxFilesNamedInTask = 20;

    /// <summary>
    /// Asks <see cref="AgentRequest.Role"/>. Fails at once, without retrying, when no model is configured (saying
    /// what to set) or when the model gave no valid answer in its attempts (saying what was wrong).
    /// </summary>
    [Activity]
    public async Task<AgentReply> AskAsync(AgentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (model.Chat is not { } chat)
        {
            throw new ApplicationFailureException(AgentOptions.NotConfigured, errorType: "AgentsNotConfigured", nonRetryable: true);
        }

        var role = AgentRoles.Get(request.Role);
        var token = ActivityExecutionContext.Current.CancellationToken;
        var context = request.Repository is { } view ? $"{request.Context}\n\n{await RepositoryContextAsync(view, request.Task, token)}" : request.Context;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(options.RequestTimeout);
        try
        {
            var answer = await StructuredAgent.AskAsync(
                chat, role.Name, role.Instructions, $"{request.Task}\n\n{context}", role.Schema, Math.Max(1, options.MaxAttempts), timeout.Token);
            AgentMetrics.Record(role.Name, "answered", answer.InputTokens, answer.OutputTokens);
            return new AgentReply(answer.Value.ToJsonString(), answer.Attempts, answer.InputTokens, answer.OutputTokens);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
        {
            // Retryable: the step's retry policy tries again, and the run explains the last try's words.
            AgentMetrics.Record(role.Name, "timeout", 0, 0);
            throw new ApplicationFailureException(TimedOut(role.Name, options.RequestTimeout), errorType: "AgentTimeout");
        }
        catch (AgentOutputException ex)
        {
            AgentMetrics.Record(role.Name, "invalid", ex.InputTokens, ex.OutputTokens);
            throw new ApplicationFailureException(ex.Message, errorType: "AgentOutputInvalid", nonRetryable: true, details: [ex.Tokens]);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            AgentMetrics.Record(role.Name, "error", 0, 0);
            throw;
        }
    }

    /// <summary>What a step says when its agent did not answer in time (naming the setting).</summary>
    public static string TimedOut(string role, TimeSpan timeout)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var within = timeout.TotalSeconds < 120 ? string.Create(invariant, $"{timeout.TotalSeconds:0} s") : string.Create(invariant, $"{timeout.TotalMinutes:0} min");
        return $"The {role} agent did not answer within {within} (Agents:RequestTimeout); the model may be overloaded or unreachable.";
    }

    /// <summary>
    /// The bounded context of a repository view: the tree, the named files (and those the task names) after the
    /// view's patches, the repository's configuration, and for the reviewer the patches as a diff.
    /// </summary>
    private async Task<string> RepositoryContextAsync(RepoView view, string task, CancellationToken cancellationToken)
    {
        if (snapshots is null)
        {
            throw new InvalidOperationException("This worker's agent activities were built without repository access.");
        }

        const string config = ".github/ghbot.yml";
        var named = view.Files.ToList();
        var (files, patched) = await snapshots.ApplyAsync(view.Snapshot, view.Patches, tree =>
        {
            if (view.FilesNamedInTask)
            {
                named.AddRange(tree.Where(path => task.Contains(path, StringComparison.Ordinal)).Take(MaxFilesNamedInTask));
            }

            return [.. named, config];
        }, cancellationToken);
        var allFiles = files.Tree.Union(patched.Changed.Keys, StringComparer.Ordinal).Except(patched.Deleted, StringComparer.Ordinal).ToList();
        var text = RepoContext.Build(allFiles, patched.Read, named, files.Read(config), ContextLimits.Default);
        if (view.Diff && view.Patches.Count > 0)
        {
            var sha = await snapshots.CommitAsync(view.Snapshot, view.Patches, ("GitHubBot review", "review@ghbot.invalid"), cancellationToken);
            var diff = await snapshots.DiffAsync(view.Snapshot, sha, MaxDiffChars, cancellationToken);
            var fence = GitHubText.Fence(diff);
            text += $"\n## The change\n\n{fence}diff\n{diff}\n{fence}\n";
        }

        return text;
    }
}
