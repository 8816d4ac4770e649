using System.Globalization;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.QualityGate;

/// <summary>What the quality gate says on GitHub, and the names of its states: one place, unit-tested.</summary>
public static class GateTexts
{
    private static readonly HashSet<string> TrustedAssociations = new(StringComparer.OrdinalIgnoreCase) { "OWNER", "MEMBER", "COLLABORATOR" };
    private static readonly HashSet<string> FirstTimers = new(StringComparer.OrdinalIgnoreCase) { "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "NONE", "MANNEQUIN" };

    /// <summary>A check's state as the Status query and the check run's title name it.</summary>
    public static string StateName(CheckState state) => state switch
    {
        CheckState.Passed => "passed",
        CheckState.Failed => "failed",
        CheckState.TimedOut => "timed_out",
        CheckState.Cancelled => "cancelled",
        CheckState.Neutral => "neutral",
        _ => "skipped",
    };

    /// <summary>The conclusion of one check's run: a check that need not pass is neutral when it fails.</summary>
    public static string Conclusion(CheckState state, bool required) => state switch
    {
        CheckState.Passed => "success",
        CheckState.Neutral => "neutral",
        CheckState.Cancelled => "cancelled",
        CheckState.TimedOut when required => "timed_out",
        _ => required ? "failure" : "neutral",
    };

    /// <summary>The title of one check's run, e.g. "timed out — 0/100".</summary>
    public static string CheckTitle(CheckState state, double score) =>
        string.Create(CultureInfo.InvariantCulture, $"{StateName(state).Replace('_', ' ')} — {score:0.#}/100");

    /// <summary>A check's summary as one reason: its first line, without the "`command` — " it starts with.</summary>
    public static string Reason(string summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var line = summary.Split('\n', 2)[0];
        var separator = line.StartsWith('`') ? line.IndexOf("` — ", StringComparison.Ordinal) : -1;
        return separator > 0 ? line[(separator + 4)..] : line;
    }

    /// <summary>The coverage line of the report: overall and of the changed lines; null when nothing measured coverage.</summary>
    public static string? CoverageLine(double? overall, ChangedCoverage? changed)
    {
        var parts = new List<string>();
        if (overall is { } percent)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{percent:0.0}% of lines overall"));
        }

        if (changed is { Total: > 0 } lines)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{lines.Covered} of {lines.Total} changed lines covered ({lines.Percent:0.0}%)"));
        }
        else if (changed is not null)
        {
            parts.Add("no changed line is instrumented");
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    /// <summary>The summary run's title, e.g. "92.5/100 — ready to merge".</summary>
    public static string SummaryTitle(Verdict verdict, int checksRun)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return string.Create(CultureInfo.InvariantCulture, $"{verdict.Score:0.#}/100 — {(verdict.CanMerge ? "ready to merge" : checksRun == 0 ? "no checks ran" : "blocked")}");
    }

    /// <summary>What the in-progress summary run says while the gate works.</summary>
    public static string Started(string headSha, int pullRequest, string trigger) =>
        string.Create(CultureInfo.InvariantCulture, $"GitHubBot is checking `{Shas.Abbreviate(headSha)}` of #{pullRequest} ({trigger}).");

    /// <summary>The summary: the sticky comment's table, then the notes (fixes, why a fix did not happen).</summary>
    public static string Summary(string headSha, Verdict verdict, IReadOnlyList<GateCommentRow> rows, IReadOnlyList<string> fixesApplied, IReadOnlyList<string> notes, GateCommentExtras? extras = null)
    {
        ArgumentNullException.ThrowIfNull(notes);
        var text = GateComment.Render(headSha, verdict, rows, fixesApplied, null, extras);
        return notes.Count == 0 ? text : GitHubText.Truncate($"{text}\n**Notes**\n\n{string.Join("\n\n", notes)}\n");
    }

    /// <summary>Why the PR's code may not run before a trusted user's /ok-to-test, or null when it may.</summary>
    /// <param name="authorAssociation">GitHub's author_association of the PR's author; null: a trusted person started the gate.</param>
    /// <param name="fromFork">The PR comes from a fork.</param>
    /// <param name="trustForks">quality_gate.trust_forks.</param>
    public static string? Untrusted(string? authorAssociation, bool fromFork, bool trustForks)
    {
        if (authorAssociation is null || TrustedAssociations.Contains(authorAssociation))
        {
            return null;
        }

        if (FirstTimers.Contains(authorAssociation))
        {
            return "This pull request is from a first-time contributor.";
        }

        return fromFork && !trustForks ? "This pull request comes from a fork." : null;
    }

    /// <summary>The waiting run's text: why nothing runs, and who can release it.</summary>
    public static string WaitingForOkToTest(string why, int pullRequest) =>
        string.Create(CultureInfo.InvariantCulture, $"{why} GitHubBot runs nothing from it until someone with write access comments `/ok-to-test` on #{pullRequest}.");

    /// <summary>Why the gate stopped early, for its check run: a person's reason, or the newer gate that replaced it.</summary>
    public static string CancelledNote(CancelGate? cancel) =>
        cancel is null ? "The gate was cancelled before it finished."
        : cancel.SupersededBy is null ? cancel.Reason
        : $"{cancel.Reason}\n\nNewer gate: {(cancel.SupersededByUrl is { } url ? $"[{cancel.SupersededBy}]({url})" : $"`{cancel.SupersededBy}`")}";

    /// <summary>What became of the fixes, for the summary's notes (null: nothing to say beyond the fixes applied).</summary>
    public static string? FixNote(ApplyFixesResult fixes, bool pushAllowed)
    {
        ArgumentNullException.ThrowIfNull(fixes);
        if (fixes.NotAttempted is { } why)
        {
            return why;
        }

        if (fixes.PushedSha is { } pushed)
        {
            return $"Fixes pushed as `{Shas.Abbreviate(pushed)}`; the gate of that commit checks them again.";
        }

        if (fixes.Diff is { } diff)
        {
            var fence = GitHubText.Fence(diff);
            return pushAllowed
                ? $"The fixes could not be pushed ({fixes.PushError}). The change they make:\n\n{fence}diff\n{diff}\n{fence}"
                : $"This pull request comes from a fork, so GitHubBot does not push to it. Apply the fixes with `git apply`:\n\n{fence}diff\n{diff}\n{fence}";
        }

        return fixes.Applied.Count == 0 ? "The fix commands changed nothing." : null;
    }

    /// <summary>The failed check run of a configuration that cannot be used: every problem, one per line.</summary>
    public static string InvalidConfig(IEnumerable<string> problems) =>
        "GitHubBot cannot run the gate until the configuration is fixed:\n\n" + string.Join("\n", problems.Select(p => $"- {p}"));
}
