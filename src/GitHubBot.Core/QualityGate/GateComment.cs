using System.Globalization;
using System.Text;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.QualityGate;

/// <summary>One row of the gate's score table.</summary>
public sealed record GateCommentRow(string Name, CheckState State, double Score, bool Required)
{
    /// <summary>Why it was skipped or is neutral (one line), or what it measured, e.g. "84.2% of lines; changed lines 25.0%".</summary>
    public string? Note { get; init; }
}

/// <summary>What the gate says beyond the table: coverage figures and the fixes it could not make.</summary>
/// <param name="Coverage">The coverage line, e.g. "84.2% of lines overall; 3 of 12 changed lines (25.0%)", or null.</param>
/// <param name="FixesAvailable">Fixes GitHubBot would make with an LLM configured (what they would fix).</param>
public sealed record GateCommentExtras(string? Coverage, IReadOnlyList<string> FixesAvailable)
{
    public static readonly GateCommentExtras None = new(null, []);
}

/// <summary>
/// The quality gate's one sticky PR comment: found again by its hidden marker and edited in place, so a PR carries
/// one comment however often the gate runs.
/// </summary>
public static class GateComment
{
    /// <summary>The hidden marker that identifies GitHubBot's gate comment on a PR.</summary>
    public const string Marker = "<!-- ghbot:quality-gate -->";

    /// <summary>Whether a comment body is the gate's sticky comment.</summary>
    public static bool IsGateComment(string? body) => body?.Contains(Marker, StringComparison.Ordinal) == true;

    public static string Render(string headSha, Verdict verdict, IReadOnlyList<GateCommentRow> rows, IReadOnlyList<string> fixesApplied, Uri? workflowUrl, GateCommentExtras? extras = null)
    {
        extras ??= GateCommentExtras.None;
        ArgumentNullException.ThrowIfNull(headSha);
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(fixesApplied);
        var text = new StringBuilder();
        void Line(string value) => text.Append(value).Append('\n');

        Line(Marker);
        var sha = Shas.Abbreviate(headSha);
        Line(string.Create(CultureInfo.InvariantCulture, $"## {(verdict.CanMerge ? "✅" : "❌")} GitHubBot quality gate: {verdict.Score:0.#}/100 on `{sha}`"));
        Line(string.Empty);
        Line("| check | result | score | required |");
        Line("|---|---|---|---|");
        foreach (var row in rows)
        {
            var result = row.State switch
            {
                CheckState.Passed => "✅ passed",
                CheckState.Failed => "❌ failed",
                CheckState.TimedOut => "⏱️ timed out",
                CheckState.Cancelled => "🚫 cancelled",
                CheckState.Neutral => "⚪ neutral",
                _ => "➖ skipped",
            };
            var note = row.Note is { Length: > 0 } why ? $" — {Cell(why)}" : string.Empty;
            var score = row.State is CheckState.Skipped or CheckState.Neutral ? "—" : row.Score.ToString("0.#", CultureInfo.InvariantCulture);
            Line($"| {row.Name.Replace('_', ' ')} | {result}{note} | {score} | {(row.Required ? "yes" : "no")} |");
        }

        if (extras.Coverage is { } coverage)
        {
            Line(string.Empty);
            Line($"**Coverage:** {coverage}");
        }

        if (verdict.BlockingIssues.Count > 0)
        {
            Line(string.Empty);
            Line("**Blocking**");
            foreach (var issue in verdict.BlockingIssues)
            {
                Line($"- {issue}");
            }
        }

        if (fixesApplied.Count > 0)
        {
            Line(string.Empty);
            Line("**Fixes applied**");
            foreach (var fix in fixesApplied)
            {
                Line($"- {fix}");
            }
        }

        if (extras.FixesAvailable.Count > 0)
        {
            Line(string.Empty);
            Line("**Fixes available with an LLM configured** (set `Agents:*` on the App)");
            foreach (var fix in extras.FixesAvailable)
            {
                Line($"- {fix}");
            }
        }

        if (workflowUrl is not null)
        {
            Line(string.Empty);
            Line($"[Workflow in Temporal]({workflowUrl})");
        }

        return GitHubText.Truncate(text.ToString());
    }

    /// <summary>A reason inside a table cell: one inert line, no pipe to break the table, at most 160 characters.</summary>
    private static string Cell(string text)
    {
        var line = GitHubText.Inline(text).Replace("|", "\\|", StringComparison.Ordinal);
        return line.Length > 160 ? line[..159] + "…" : line;
    }
}
