using System.Text;
using GitHubBot.Core.Common;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.PlanPatchPr;

/// <summary>The one progress comment plan → patch → PR keeps up to date on its issue.</summary>
public static class PlanProgress
{
    /// <summary>Marks GitHubBot's progress comment, so each update edits it instead of adding one.</summary>
    public const string Marker = "<!-- ghbot:plan-progress -->";

    public static string Render(string headline, IReadOnlyList<ProgressStep> steps, IReadOnlyList<string> notes, string? footer)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(notes);
        var text = new StringBuilder();
        text.Append(Marker).Append('\n');
        text.Append("### GitHubBot: plan → patch → PR\n\n");
        text.Append(headline).Append("\n\n");
        foreach (var step in steps)
        {
            text.Append("- ").Append(Icon(step.State)).Append(' ').Append(step.Name);
            if (!string.IsNullOrWhiteSpace(step.Detail))
            {
                text.Append(" — ").Append(step.Detail);
            }

            text.Append('\n');
        }

        foreach (var note in notes)
        {
            text.Append('\n').Append(note).Append('\n');
        }

        if (!string.IsNullOrWhiteSpace(footer))
        {
            text.Append("\n<sub>").Append(footer).Append("</sub>\n");
        }

        return GitHubText.Truncate(text.ToString());
    }

    private static string Icon(string state) => state switch
    {
        "done" => "✅",
        "running" => "⏳",
        "failed" => "❌",
        "waiting" => "⏸️",
        "skipped" => "⏭️",
        "undone" => "↩️",
        _ => "⬜",
    };
}
