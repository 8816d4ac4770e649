using System.Globalization;
using System.Text;
using GitHubBot.Core.Agents;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.Workspaces;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Agents;

/// <summary>
/// A workflow's agents, asked within the run's budget (runs inside workflows). Each call is counted before it is
/// made and its tokens after; an exhausted budget stops the run with <c>BudgetExhausted</c>, saying which limit to
/// raise. A coder is asked until its edits apply, each refusal fed back with the reasons.
/// </summary>
/// <param name="budget">The run's budget and what it used before this session.</param>
/// <param name="coderAttempts">Times a coder is asked again when its edits do not apply.</param>
/// <param name="allowConfigEdits">
/// Whether coders may change test, build and CI configuration (<see cref="ConfigEdits"/>; agents.allow_config_edits);
/// null: their edits are not looked at for it (the gate's own fixers, which have stricter rules of their own).
/// </param>
internal sealed class AgentSession(AgentBudget budget, int coderAttempts, bool? allowConfigEdits = null)
{
    /// <summary>The most bytes of edits one run's patches may hold together (escaped as JSON, they must stay well under Temporal's 2 MB payloads).</summary>
    public const int MaxChangeBytes = 600_000;

    /// <summary>
    /// The patch that looks at coders' edits of test, build and CI configuration (refused, or noted when allowed),
    /// makes their summaries close no issue, and keeps a change that has such edits from being merged automatically.
    /// </summary>
    public const string ConfigEditsPatch = "agents-config-edits";

    private long tokensUsed = budget.Used.Tokens;
    private int calls = budget.Used.Calls;
    private bool? guarded;

    /// <summary>What the run's agents used so far.</summary>
    public AgentUsage Usage => new(tokensUsed, calls);

    /// <summary>Edits of test, build and CI configuration refused and left out, each "subject: `path` (what)", for the PR and the report.</summary>
    public List<string> Refused { get; } = [];

    /// <summary>Edits of test, build and CI configuration the repository allowed, each "subject: `path` (what)".</summary>
    public List<string> ConfigEdited { get; } = [];

    /// <summary>Whether this session looks at configuration edits (not for the gate's fixers, nor in runs from before <see cref="ConfigEditsPatch"/>).</summary>
    private bool Guarded => guarded ??= allowConfigEdits is not null && Workflow.Patched(ConfigEditsPatch);

    /// <summary>Takes the figures a part of the run reported (a child workflow that asked agents of its own).</summary>
    public void Adopt(AgentUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        tokensUsed = usage.Tokens;
        calls = usage.Calls;
    }

    /// <summary>Asks <paramref name="role"/> once, showing it <paramref name="view"/> (none: the task is all it reads); its answer read as <typeparamref name="T"/>.</summary>
    public async Task<T> AskAsync<T>(string role, string task, RepoView? view, CancellationToken token)
        where T : class
    {
        if (tokensUsed >= budget.MaxTokens)
        {
            throw Exhausted($"the agents used {tokensUsed} tokens, and agents.max_tokens allows {budget.MaxTokens}");
        }

        if (calls >= budget.MaxCalls)
        {
            throw Exhausted($"the agents were asked {calls} times, and agents.max_iterations allows {budget.MaxCalls}");
        }

        calls++;
        var request = new AgentRequest(role, task, string.Empty) { Repository = view };
        AgentReply reply;
        try
        {
            reply = await Workflow.ExecuteActivityAsync((AgentActivities agents) => agents.AskAsync(request), ActivityPresets.Agent.WithCancellation(token));
        }
        catch (ActivityFailureException ex) when (ex.InnerException is ApplicationFailureException { ErrorType: "AgentOutputInvalid" } invalid && invalid.Details.Count > 0)
        {
            tokensUsed += invalid.Details.ElementAt<long>(0);
            throw;
        }

        tokensUsed += reply.InputTokens + reply.OutputTokens;
        try
        {
            return AgentAnswers.Parse<T>(reply.Json);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ApplicationFailureException($"The {role}'s answer could not be read: {ex.Message}", errorType: "AgentOutputInvalid", nonRetryable: true);
        }
    }

    /// <summary>
    /// Asks a coder until its edits apply on the snapshot after <paramref name="applied"/>: each refusal goes back to
    /// it with the reasons, up to the configured attempts.
    /// </summary>
    /// <param name="task">What to do.</param>
    /// <param name="files">The files the coder is shown in full.</param>
    /// <param name="message">The commit message's first lines (the coder's summary follows).</param>
    /// <param name="snapshot">The commit the edits are made on.</param>
    /// <param name="applied">Patches already on top of it.</param>
    /// <param name="feedback">Problems of an earlier answer to start with, if any.</param>
    /// <param name="token">Stops the asking.</param>
    /// <param name="role">The role asked (a coder's answers are edits).</param>
    public async Task<Patch> CodeAsync(
        string task, IReadOnlyList<string> files, string message, RepoSnapshot snapshot, IReadOnlyList<Patch> applied, string? feedback, CancellationToken token, string role = "coder")
    {
        var problems = feedback;
        var guard = Guarded;
        var refusedOnce = false;
        for (var attempt = 1; attempt <= coderAttempts;)
        {
            var asked = problems is null ? task : $"{task}\n\n# Fix this\n\n{problems}";
            var answer = await AskAsync<CoderAnswer>(role, asked, new RepoView(snapshot, applied, files, FilesNamedInTask: true), token);

            // The coder's words close no issue: "Fixes #7" in a commit that reaches the default branch would close #7.
            var summary = guard ? ClosingKeywords.Neutralize(answer.Summary, []) : answer.Summary;
            var patch = new Patch($"{message}\n\n{summary}", Normalized(answer.Edits), Workflow.UtcNow);
            EnsureFits([.. applied, patch]);

            var found = await CheckAsync(snapshot, applied, patch, token);
            if (found.Count == 0)
            {
                if (!guard || await ConfigEditsAsync(snapshot, applied, patch, token) is not { Count: > 0 } config)
                {
                    return patch;
                }

                if (allowConfigEdits == true)
                {
                    ConfigEdited.Add($"{Subject(message)}: {ConfigEdits.Describe(config)}");
                    return patch;
                }

                if (!refusedOnce)
                {
                    // Once more, told why; an answer that still does so loses those edits.
                    refusedOnce = true;
                    problems = ConfigEdits.Refusal(config);
                    continue;
                }

                return LeaveOut(patch, config, message);
            }

            problems = "Your edits could not be applied:\n" + string.Join("\n", found.Select(p => $"- {p}"))
                + (applied.Count > 0 ? "\nThe files you are shown already hold the other sub-issues' changes; your edits must apply to them as shown." : string.Empty);
            attempt++;
        }

        throw new ApplicationFailureException(
            $"The coder's edits for \"{message.Split('\n')[0]}\" still did not apply after {coderAttempts} attempts. {problems}", errorType: "EditsDoNotApply", nonRetryable: true);
    }

    /// <summary>
    /// A patch no agent is asked about again (the reviewer's edits): its edits of test, build and CI configuration
    /// are left out unless the repository allows them (noted either way); null when nothing is left of it.
    /// </summary>
    public async Task<Patch?> WithinBarAsync(RepoSnapshot snapshot, IReadOnlyList<Patch> applied, Patch patch, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(patch);
        if (!Guarded || await ConfigEditsAsync(snapshot, applied, patch, token) is not { Count: > 0 } config)
        {
            return patch;
        }

        if (allowConfigEdits == true)
        {
            ConfigEdited.Add($"{Subject(patch.Message)}: {ConfigEdits.Describe(config)}");
            return patch;
        }

        var kept = WithoutConfig(patch, config);
        Refused.Add($"{Subject(patch.Message)}: {ConfigEdits.Describe(config)}");
        return kept.Edits.Count == 0 ? null : kept;
    }

    /// <summary>The candidate's edits of test, build and CI configuration, on the snapshot after <paramref name="applied"/>.</summary>
    private static Task<IReadOnlyList<ConfigEdit>> ConfigEditsAsync(RepoSnapshot snapshot, IReadOnlyList<Patch> applied, Patch candidate, CancellationToken token)
    {
        var request = new CheckPatchRequest(snapshot, [.. applied], candidate);
        return Workflow.ExecuteActivityAsync((SnapshotActivities repo) => repo.ConfigEditsAsync(request), ActivityPresets.Repo.WithCancellation(token));
    }

    /// <summary>A coder's patch without the edits it was refused twice; a patch with nothing else stops the step.</summary>
    private Patch LeaveOut(Patch patch, IReadOnlyList<ConfigEdit> config, string message)
    {
        var kept = WithoutConfig(patch, config);
        if (kept.Edits.Count == 0)
        {
            throw new ApplicationFailureException(
                $"The coder's change for \"{Subject(message)}\" only edits test, build or CI configuration ({ConfigEdits.Describe(config)}), which this repository does not let agents change (agents.allow_config_edits in .github/ghbot.yml); a maintainer has to make it.",
                errorType: "ConfigEditsRefused",
                nonRetryable: true);
        }

        Refused.Add($"{Subject(message)}: {ConfigEdits.Describe(config)}");
        return kept;
    }

    private static Patch WithoutConfig(Patch patch, IReadOnlyList<ConfigEdit> config) =>
        patch with { Edits = [.. patch.Edits.Where(e => !config.Any(c => c.Path == Edits.NormalizePath(e.Path)))] };

    private static string Subject(string message) => message.Split('\n')[0];

    /// <summary>The problems of <paramref name="candidate"/> on the snapshot after <paramref name="applied"/> (empty: it applies).</summary>
    public static Task<IReadOnlyList<string>> CheckAsync(RepoSnapshot snapshot, IReadOnlyList<Patch> applied, Patch candidate, CancellationToken token)
    {
        var request = new CheckPatchRequest(snapshot, [.. applied], candidate);
        return Workflow.ExecuteActivityAsync((SnapshotActivities repo) => repo.CheckPatchAsync(request), ActivityPresets.Repo.WithCancellation(token));
    }

    /// <summary>
    /// Patches travel through the run's history with every step that works on them (Temporal refuses payloads over
    /// 2 MB): a change larger than <see cref="MaxChangeBytes"/> stops the run, asking for smaller issues.
    /// </summary>
    public static void EnsureFits(IReadOnlyList<Patch> patches)
    {
        var size = patches.Sum(patch => Bytes(patch.Message) + patch.Edits.Sum(e => Bytes(e.Path) + Bytes(e.Search) + Bytes(e.Replace) + Bytes(e.Content)));
        if (size > MaxChangeBytes)
        {
            throw new ApplicationFailureException(
                string.Create(CultureInfo.InvariantCulture, $"The change grew to {size / 1000} kB, more than one run carries ({MaxChangeBytes / 1000} kB); split the issue into smaller ones."),
                errorType: "ChangeTooLarge",
                nonRetryable: true);
        }
    }

    /// <summary>Edits with their paths in the one form every check and commit uses.</summary>
    public static IReadOnlyList<FileEdit> Normalized(IReadOnlyList<FileEdit> edits) => [.. edits.Select(e => e with { Path = Edits.NormalizePath(e.Path) })];

    private static int Bytes(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);

    private static ApplicationFailureException Exhausted(string why) =>
        new($"The budget ran out: {why}. Raise it under `agents:` in .github/ghbot.yml to allow more.", errorType: "BudgetExhausted", nonRetryable: true);
}
