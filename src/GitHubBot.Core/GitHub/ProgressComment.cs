using System.Text;

namespace GitHubBot.Core.GitHub;

/// <summary>One step of a run's progress: its state (pending, running, done, failed, skipped, waiting, undone) and a detail.</summary>
public sealed record ProgressStep(string Name, string State, string? Detail = null);

/// <summary>
/// The one comment a long run keeps up to date on its issue: a title, a headline, its steps with their states, notes
/// and a footer. A hidden marker finds it again, so each update edits it instead of adding one.
/// </summary>
public static class ProgressComment
{
    public static string Render(string marker, string title, string headline, IReadOnlyList<ProgressStep> steps, IReadOnlyList<string> notes, string? footer)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(notes);
        var text = new StringBuilder();
        text.Append(marker).Append('\n');
        text.Append("### ").Append(title).Append("\n\n");
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

    /// <summary><paramref name="steps"/> with the step named <paramref name="name"/> set to <paramref name="state"/> (and its detail).</summary>
    public static void Set(List<ProgressStep> steps, string name, string state, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var index = steps.FindIndex(s => s.Name == name);
        if (index < 0)
        {
            throw new ArgumentException($"No step is named '{name}'.", nameof(name));
        }

        steps[index] = new ProgressStep(name, state, detail);
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
