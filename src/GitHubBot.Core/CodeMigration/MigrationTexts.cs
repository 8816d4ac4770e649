using System.Globalization;
using System.Text;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.CodeMigration;

/// <summary>What a code migration writes on GitHub: its plan, its progress, its commits, its PR and its report.</summary>
public static class MigrationTexts
{
    /// <summary>The progress comment's marker on the migration's issue.</summary>
    public const string ProgressMarker = "<!-- ghbot:migration-progress -->";

    /// <summary>The label of migration PRs.</summary>
    public const string Label = "ghbot:migration";

    /// <summary>The stages a migration shows before its steps.</summary>
    public static readonly IReadOnlyList<string> Stages = ["Analysis", "Plan"];

    /// <summary>The trailer naming the step a commit made.</summary>
    public const string StepTrailer = "Migration-Step";

    /// <summary>The migration's branch: <c>ghbot/migrate-{type}-{to}</c>, made safe for git.</summary>
    public static string Branch(string type, string to) => $"ghbot/migrate-{Slug(type)}-{Slug(to)}";

    /// <summary>The type or version as branch names and IDs carry it: lower case, letters, digits, '.', '_' and '-'.</summary>
    public static string Slug(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slug = new StringBuilder();
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }

        var result = slug.ToString().Trim('-', '.');
        while (result.Contains("--", StringComparison.Ordinal))
        {
            result = result.Replace("--", "-", StringComparison.Ordinal);
        }

        while (result.Contains("..", StringComparison.Ordinal))
        {
            result = result.Replace("..", ".", StringComparison.Ordinal);
        }

        result = result.Length > 40 ? result[..40].TrimEnd('-', '.') : result;
        return result.Length == 0 ? "x" : result;
    }

    public static string Title(string type, string from, string to) => $"Migrate {GitHubText.Inline(type)} from {from} to {to}";

    /// <summary>A step's commit message, with the trailer that names it.</summary>
    public static string CommitMessage(MigrationStep step, string? summary)
    {
        ArgumentNullException.ThrowIfNull(step);
        // The agents' words, made inert: a commit message saying "Fixes #12" would close #12 when the PR merges.
        var lines = (summary ?? string.Empty).Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n').Take(40).Select(GitHubText.Inline);
        var body = string.Join('\n', lines).Trim();
        return $"{OneLine(GitHubText.Inline(step.Title), 72)}{(body.Length > 0 ? $"\n\n{body}" : string.Empty)}\n\n{StepTrailer}: {GitHubText.Inline(step.Id)}";
    }

    /// <summary>The plan as a task list: each step with its id, dependencies, files and kind.</summary>
    public static string PlanComment(string type, string from, string to, MigrationPlan plan, MigrationAnalysis analysis, bool dryRun, string workflowId)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(analysis);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"### GitHubBot: migration plan — {Title(type, from, to)}\n\n");
        if (plan.Summary.Length > 0)
        {
            text.Append(GitHubText.Inline(plan.Summary)).Append("\n\n");
        }

        foreach (var step in plan.Steps)
        {
            var after = step.DependsOn.Count == 0 ? string.Empty : $" — after {string.Join(", ", step.DependsOn.Select(Code))}";
            text.Append(CultureInfo.InvariantCulture, $"- [ ] **{Code(step.Id)}** {GitHubText.Inline(step.Title)}{after}{(step.Kind == "recipe" ? " (recipe)" : string.Empty)}\n");
            if (step.Files.Count > 0)
            {
                text.Append("  files: ").Append(string.Join(", ", step.Files.Take(20).Select(Code))).Append(step.Files.Count > 20 ? ", …" : string.Empty).Append('\n');
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"\n{Analysis(analysis)}\n");
        if (dryRun)
        {
            text.Append("\n**Dry run:** nothing was changed. The recipe's change:\n\n");
            var diff = analysis.RecipeDiff.Length == 0 ? "(no recipe change)" : analysis.RecipeDiff;
            var fence = GitHubText.Fence(diff);
            text.Append(CultureInfo.InvariantCulture, $"{fence}diff\n{diff}\n{fence}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\n<sub>workflow `{workflowId}`</sub>\n");
        return GitHubText.Truncate(text.ToString());
    }

    /// <summary>The analysis in a few lines.</summary>
    public static string Analysis(MigrationAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Analysis: {analysis.FilesTotal} files, {analysis.FilesScanned} read; {analysis.Manifests.Count} manifest entries; {analysis.AffectedFiles.Count} files use it; {analysis.Usages.Sum(u => u.Count)} uses of APIs that change; complexity **{analysis.Complexity}**.");
        foreach (var manifest in analysis.Manifests.Take(10))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {Code(manifest.Path)}: {Code(manifest.Package)} {Code(manifest.Version)}");
        }

        foreach (var note in analysis.Notes.Take(10))
        {
            text.Append("\n- ").Append(GitHubText.Inline(note));
        }

        return text.ToString();
    }

    /// <summary>The migration report: every step with its state, checks, attempts and time; what was not migrated and why.</summary>
    public static string Report(string type, string from, string to, IReadOnlyList<StepReport> steps, string outcome, long tokens, int calls, IReadOnlyList<string> notes)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(notes);
        var text = new StringBuilder();
        var done = steps.Count(s => s.State == "done");
        text.Append(CultureInfo.InvariantCulture, $"## Migration report: {Title(type, from, to)}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"**{outcome}** — {done} of {steps.Count} steps migrated.\n\n");
        text.Append("| step | title | state | attempts | checks | time |\n|---|---|---|---|---|---|\n");
        foreach (var step in steps)
        {
            var checks = step.Checks.Count == 0 ? "—" : string.Join("<br>", step.Checks.Select(c => GitHubText.Inline(c).Replace("|", "\\|", StringComparison.Ordinal)));
            text.Append(CultureInfo.InvariantCulture, $"| {Code(step.Id)} | {Cell(step.Title)} | {step.State} | {step.Attempts} | {checks} | {step.Seconds:0.#} s |\n");
        }

        var missed = steps.Where(s => s.State != "done").ToList();
        if (missed.Count > 0)
        {
            text.Append("\n### Not migrated\n\n");
            foreach (var step in missed)
            {
                text.Append(CultureInfo.InvariantCulture, $"- {Code(step.Id)} {GitHubText.Inline(step.Title)}: {step.State}{(step.Why is { Length: > 0 } why ? $" — {GitHubText.Inline(why)}" : string.Empty)}\n");
            }
        }

        foreach (var note in notes.Take(20))
        {
            text.Append("\n- ").Append(GitHubText.Inline(note));
        }

        text.Append(CultureInfo.InvariantCulture, $"\n\nAgents: {calls} calls, {tokens} tokens.\n");
        return GitHubText.Truncate(text.ToString(), 60_000);
    }

    /// <summary>The PR's body: the report, the issue it belongs to, and the migration's marker.</summary>
    public static string PullRequestBody(string report, int? issue, string workflowId) =>
        $"{report}\n{(issue is { } number ? $"\nMigration requested in #{number}.\n" : string.Empty)}\n<!-- ghbot:migration {workflowId} -->\n";

    /// <summary>The reply to /status on a migration's issue.</summary>
    public static string StatusReply(MigrationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Migration `{info.WorkflowId}` ({(info.Running ? "running" : "ended")})");
        if (info.Status is { } status)
        {
            text.Append(CultureInfo.InvariantCulture, $": {status.CompletedSteps}/{status.TotalSteps} steps, stage {status.Stage}{(status.CurrentStep is { } current ? $", step {Code(current)}" : string.Empty)}{(status.Paused ? ", **paused**" : string.Empty)}{(status.WaitingForApproval ? ", waiting for `/approve` or `/reject`" : string.Empty)}.");
        }
        else if (info.Result is { } result)
        {
            text.Append(CultureInfo.InvariantCulture, $": {result.Outcome}, {result.CompletedSteps}/{result.TotalSteps} steps{(result.FinalPrUrl is { } url ? $", {url}" : string.Empty)}.");
        }

        if (info.UiUrl is { } ui)
        {
            text.Append(CultureInfo.InvariantCulture, $" [Temporal UI]({ui})");
        }

        return text.ToString();
    }

    private static string Code(string text) => $"`{GitHubText.Inline(text).Replace('`', '\'')}`";

    private static string Cell(string text) => GitHubText.Inline(text).Replace("|", "\\|", StringComparison.Ordinal);

    private static string OneLine(string text, int limit)
    {
        var line = text.Replace('\r', ' ').Replace('\n', ' ').Trim();
        return line.Length > limit ? line[..(limit - 1)] + "…" : line;
    }
}
