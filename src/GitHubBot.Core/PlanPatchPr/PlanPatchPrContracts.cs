namespace GitHubBot.Core.PlanPatchPr;

/// <summary>
/// Input of PlanPatchPrWorkflow: an issue of a repository, or a requirement the workflow files as
/// an issue first (so the design, the progress and the PR have a home). New fields get defaults.
/// </summary>
public sealed record PlanPatchPrInput
{
    public required string Owner { get; init; }

    public required string Repo { get; init; }

    public long? InstallationId { get; init; }

    /// <summary>The issue to implement; null when <see cref="Requirement"/> is given alone.</summary>
    public int? IssueNumber { get; init; }

    /// <summary>What to build, when there is no issue yet (the CLI), or extra words given with /plan.</summary>
    public string? Requirement { get; init; }

    /// <summary>Merge when the gate passes: true or false overrides the repository's auto_merge.enabled; null follows it.</summary>
    public bool? AutoMerge { get; init; }

    /// <summary>Who asked (the labeller, the /plan author, the operator), for the progress comment.</summary>
    public string? RequestedBy { get; init; }

    /// <summary>What started it: "label", "/plan" or "cli".</summary>
    public string Trigger { get; init; } = "label";
}

/// <summary>Result of PlanPatchPrWorkflow: the PR, its quality score, whether it was merged.</summary>
public sealed record PlanPatchPrResult
{
    /// <summary>merged, ready (gate passed, not merged), draft (gate failed after the fix rounds), closed, cancelled or rejected.</summary>
    public required string Outcome { get; init; }

    public string? PrUrl { get; init; }

    public int? PrNumber { get; init; }

    /// <summary>The last quality gate's score (0 when no gate ran).</summary>
    public double QaScore { get; init; }

    public bool Merged { get; init; }

    /// <summary>The issue the run worked for (created from the requirement when there was none).</summary>
    public int IssueNumber { get; init; }

    public IReadOnlyList<int> SubIssues { get; init; } = [];

    /// <summary>The branch's head when the run ended.</summary>
    public string? HeadSha { get; init; }

    /// <summary>What happened, in a sentence or two (also in the progress comment).</summary>
    public string Explanation { get; init; } = string.Empty;

    public long TokensUsed { get; init; }

    public int Iterations { get; init; }
}

/// <summary>The Status query of PlanPatchPrWorkflow: the seed's fields first.</summary>
public sealed record PlanPatchPrStatus(bool HasDesign, int IssuesCount, int PatchesCount, bool QaCompleted, bool PrCreated, string? PrUrl)
{
    public string Stage { get; init; } = "starting";

    /// <summary>The issue the run works for (known once it was read, or filed from the requirement).</summary>
    public int? IssueNumber { get; init; }

    public bool WaitingForApproval { get; init; }

    public int FixRound { get; init; }

    public double? QaScore { get; init; }

    public long TokensUsed { get; init; }

    public int Iterations { get; init; }
}

/// <summary>An answer to the design gate (/approve or /reject).</summary>
public sealed record PlanDecision(bool Approved, string By, string? Reason = null);
