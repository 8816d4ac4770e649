using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.PlanPatchPr;

/// <summary>The architect's answer: the design in markdown, its risks, the files it likely touches.</summary>
public sealed record DesignAnswer(string Design, IReadOnlyList<string> Risks, IReadOnlyList<string> Files);

/// <summary>One sub-issue of the planner's answer; <paramref name="DependsOn"/> holds indexes of other sub-issues.</summary>
public sealed record SubIssuePlan(string Title, string Body, IReadOnlyList<string> AcceptanceCriteria, IReadOnlyList<string> Files, IReadOnlyList<int> DependsOn);

/// <summary>The planner's answer.</summary>
public sealed record PlanAnswer(IReadOnlyList<SubIssuePlan> SubIssues);

/// <summary>One finding of the reviewer: blocker, major or minor.</summary>
public sealed record ReviewFinding(string Severity, string? Path, string Message);

/// <summary>The reviewer's answer: approve, findings, and edits that fix blockers.</summary>
public sealed record ReviewAnswer(bool Approve, IReadOnlyList<ReviewFinding> Findings, IReadOnlyList<FileEdit>? Edits);
