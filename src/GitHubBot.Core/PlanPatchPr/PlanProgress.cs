using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.PlanPatchPr;

/// <summary>The one progress comment plan → patch → PR keeps up to date on its issue.</summary>
public static class PlanProgress
{
    /// <summary>Marks GitHubBot's progress comment, so each update edits it instead of adding one.</summary>
    public const string Marker = "<!-- ghbot:plan-progress -->";

    /// <summary>The plan's own steps; the change's (branch, pull request, quality gate, merge) follow them.</summary>
    public static readonly IReadOnlyList<string> Steps = ["Design", "Approval", "Sub-issues", "Patches", "Review"];

    public static string Render(string headline, IReadOnlyList<ProgressStep> steps, IReadOnlyList<string> notes, string? footer) =>
        ProgressComment.Render(Marker, "GitHubBot: plan → patch → PR", headline, steps, notes, footer);
}
