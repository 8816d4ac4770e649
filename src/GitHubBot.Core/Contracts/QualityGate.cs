namespace GitHubBot.Core.Contracts;

/// <summary>Input of QualityGateWorkflow (PRODUCT.md §5). New fields get defaults so running histories keep working.</summary>
public sealed record QualityGateInput
{
    public required string Owner { get; init; }

    public required string Repo { get; init; }

    public required int PullRequestNumber { get; init; }

    public required string HeadSha { get; init; }

    public required string Branch { get; init; }

    /// <summary>The App installation that owns the repository; null when unknown (looked up through the API).</summary>
    public long? InstallationId { get; init; }

    /// <summary>Where the PR head can be fetched from (the head repository's clone_url).</summary>
    public string? CloneUrl { get; init; }

    public bool AttemptAutoFix { get; init; }

    public int RequiredCoverage { get; init; } = 80;

    public int RequiredScore { get; init; } = 85;

    /// <summary>What started the gate, e.g. "pull_request.opened" or "check_run.rerequested".</summary>
    public string Trigger { get; init; } = "pull_request";
}

/// <summary>One check's outcome in a gate result.</summary>
public sealed record CheckOutcome(string Name, bool Passed, double Score, bool Required, string Summary, int AnnotationsCount);

/// <summary>Result of QualityGateWorkflow (PRODUCT.md §5).</summary>
public sealed record QualityGateResult
{
    public required double OverallScore { get; init; }

    public required bool CanMerge { get; init; }

    public required string Conclusion { get; init; }

    public long CheckRunId { get; init; }

    public IReadOnlyList<CheckOutcome> Checks { get; init; } = [];

    public IReadOnlyList<string> AutoFixesApplied { get; init; } = [];

    public IReadOnlyList<string> BlockingIssues { get; init; } = [];
}

/// <summary>What the gate's Status query answers.</summary>
public sealed record QualityGateStatus(string Stage, int ChecksDone, int ChecksTotal, long? CheckRunId);
