using System.Globalization;
using System.Text;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.QualityGate;

/// <summary>One row of the gate's score table.</summary>
public sealed record GateCommentRow(string Name, CheckState State, double Score, bool Required);

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

    public static string Render(string headSha, Verdict verdict, IReadOnlyList<GateCommentRow> rows, IReadOnlyList<string> fixesApplied, Uri? workflowUrl)
    {
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
                _ => "➖ skipped",
            };
            var score = row.State == CheckState.Skipped ? "—" : row.Score.ToString("0.#", CultureInfo.InvariantCulture);
            Line($"| {row.Name.Replace('_', ' ')} | {result} | {score} | {(row.Required ? "yes" : "no")} |");
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

        if (workflowUrl is not null)
        {
            Line(string.Empty);
            Line($"[Workflow in Temporal]({workflowUrl})");
        }

        return GitHubText.Truncate(text.ToString());
    }
}
