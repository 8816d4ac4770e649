namespace GitHubBot.Core.QualityGate;

/// <summary>Input of QualityGateWorkflow. New fields get defaults so running histories keep working.</summary>
public sealed record QualityGateInput
{
    public required string Owner { get; init; }

    public required string Repo { get; init; }

    public required int PullRequestNumber { get; init; }

    public required string HeadSha { get; init; }

    public required string Branch { get; init; }

    /// <summary>The App installation that owns the repository; null when unknown (looked up through the API).</summary>
    public long? InstallationId { get; init; }

    /// <summary>The PR's base commit (pull_request.base.sha), for its diff; null: looked up, or unknown.</summary>
    public string? BaseSha { get; init; }

    /// <summary>Where the PR head can be fetched from (the head repository's clone_url).</summary>
    public string? CloneUrl { get; init; }

    public bool AttemptAutoFix { get; init; }

    /// <summary>Line coverage the PR needs; null: the repository's configuration, else 80.</summary>
    public int? RequiredCoverage { get; init; }

    /// <summary>Weighted score the PR needs; null: the repository's configuration, else 85.</summary>
    public int? RequiredScore { get; init; }

    /// <summary>The PR comes from a fork (its head repository is not the base repository).</summary>
    public bool FromFork { get; init; }

    /// <summary>
    /// GitHub's author_association of the PR's author (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR,
    /// FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, NONE, MANNEQUIN); null when the trigger was a trusted person
    /// (an operator's CLI) or the PR a bot's from a branch of the repository.
    /// </summary>
    public string? AuthorAssociation { get; init; }

    /// <summary>
    /// The trigger vouches for no one (a re-run, a button, a command): before anything runs, the gate reads the PR from
    /// GitHub and judges it as a <c>pull_request</c> delivery is judged (<see cref="PullRequestTrust"/>), its fork and
    /// its author's association taking the place of <see cref="FromFork"/> (a fork stays a fork) and
    /// <see cref="AuthorAssociation"/>. A PR that cannot be read runs nothing.
    /// </summary>
    public bool TrustFromPullRequest { get; init; }

    /// <summary>Fixes an earlier gate pushed into this commit, for the report (the gate re-checking them says so).</summary>
    public IReadOnlyList<string> FixesBefore { get; init; } = [];

    /// <summary>
    /// <see cref="RequiredCoverage"/> and <see cref="RequiredScore"/> may only raise the repository's own thresholds,
    /// never lower them (gates a workflow asked for; an operator's gate may lower them).
    /// </summary>
    public bool ThresholdsRaiseOnly { get; init; }

    /// <summary>What started the gate, e.g. "pull_request.opened" or "check_run.rerequested".</summary>
    public string Trigger { get; init; } = "pull_request";
}

/// <summary>One check's outcome in a gate result.</summary>
public sealed record CheckOutcome(string Name, bool Passed, double Score, bool Required, string Summary, int AnnotationsCount)
{
    /// <summary>The check could not reach a verdict (a tool missing, a registry unreachable): neither passed nor failed.</summary>
    public bool Neutral { get; init; }

    /// <summary>Its findings with a place in the code (rule in Title), at most <see cref="MaxFindings"/>: what fixers are given.</summary>
    public IReadOnlyList<GitHubBot.Core.GitHub.Annotation> Findings { get; init; } = [];

    /// <summary>Coverage of the PR's changed lines, for the coverage check.</summary>
    public ChangedCoverage? ChangedLines { get; init; }

    /// <summary>Line coverage overall, for the coverage check.</summary>
    public double? CoveragePercent { get; init; }

    /// <summary>Wall time of its command.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>The most findings a gate result carries per check.</summary>
    public const int MaxFindings = 30;
}

/// <summary>Result of QualityGateWorkflow.</summary>
public sealed record QualityGateResult
{
    public required double OverallScore { get; init; }

    public required bool CanMerge { get; init; }

    public required string Conclusion { get; init; }

    public long CheckRunId { get; init; }

    public IReadOnlyList<CheckOutcome> Checks { get; init; } = [];

    public IReadOnlyList<string> AutoFixesApplied { get; init; } = [];

    public IReadOnlyList<string> BlockingIssues { get; init; } = [];

    /// <summary>The commit of fixes the gate pushed to the PR's branch, if it pushed one.</summary>
    public string? FixedSha { get; init; }

    /// <summary>The result of the gate that re-checked <see cref="FixedSha"/>.</summary>
    public QualityGateResult? Recheck { get; init; }

    /// <summary>A gate that stopped before its verdict: cancelled, saying why.</summary>
    public static QualityGateResult Cancelled(string reason, long checkRunId = 0) => new()
    {
        OverallScore = 0,
        CanMerge = false,
        Conclusion = "cancelled",
        CheckRunId = checkRunId,
        BlockingIssues = [reason],
    };
}

/// <summary>One check's state in the Status query: queued, running, passed, failed, timed_out, cancelled or skipped.</summary>
public sealed record CheckProgress(string Name, string State);

/// <summary>What the gate's Status query answers.</summary>
public sealed record QualityGateStatus(string Stage, int ChecksDone, int ChecksTotal, long? CheckRunId)
{
    public IReadOnlyList<CheckProgress> Checks { get; init; } = [];

    /// <summary>The gate waits for a trusted user's /ok-to-test before it runs the PR's code.</summary>
    public bool WaitingForOkToTest { get; init; }

    /// <summary>The commit the gate checks (empty until a gate started by hand has looked it up).</summary>
    public string? HeadSha { get; init; }
}

/// <summary>Why a gate stops early: a person asked, or a newer head of the same PR replaced it.</summary>
/// <param name="Reason">Said on the check run.</param>
/// <param name="SupersededBy">The newer gate's workflow ID, when a newer push replaced this one.</param>
/// <param name="SupersededByUrl">A link to the newer gate (its Temporal UI page), when known.</param>
public sealed record CancelGate(string Reason, string? SupersededBy = null, string? SupersededByUrl = null);
