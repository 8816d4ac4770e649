using GitHubBot.Core.Agents;
using GitHubBot.Core.Common;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.CodeMigration;

/// <summary>
/// Input of CodeMigrationWorkflow (the seed's <c>migration_type</c>, <c>source_version</c>, <c>target_version</c>,
/// <c>incremental</c>, <c>auto_rollback</c>, plus a dry run and step approval).
/// </summary>
public sealed record CodeMigrationInput
{
    public required string Owner { get; init; }

    public required string Repo { get; init; }

    public long? InstallationId { get; init; }

    /// <summary>What is migrated: a framework, runtime or package a recipe knows (react, dotnet, node, a package name), or a free-form name.</summary>
    public required string MigrationType { get; init; }

    public required string SourceVersion { get; init; }

    public required string TargetVersion { get; init; }

    /// <summary>A commit per step (true), or one commit at the end (false: <c>--batch</c>).</summary>
    public bool Incremental { get; init; } = true;

    /// <summary>A step that still fails after its fix attempts is reverted and the others go on (false: the run stops there).</summary>
    public bool AutoRollback { get; init; } = true;

    /// <summary>Stop after the plan, with the plan and the recipe's diff; nothing is changed.</summary>
    public bool DryRun { get; init; }

    /// <summary>Pause after every step until it is approved (<c>/approve</c>) or rejected (<c>/reject</c>, which reverts it).</summary>
    public bool StepApproval { get; init; }

    /// <summary>The issue the plan, the progress and the report are posted on; none: the run reports only in its result.</summary>
    public int? IssueNumber { get; init; }

    public string? RequestedBy { get; init; }

    /// <summary>What started it: /migrate, the CLI, a client.</summary>
    public string Trigger { get; init; } = "client";

    /// <summary>
    /// The business-key ID of a migration: <c>migration/{owner}/{repo}/{type}/{to}</c>, the type as the recipes name
    /// it (the seed's <c>react-upgrade</c> is <c>react</c>).
    /// </summary>
    public string WorkflowId => WorkflowIds.CodeMigration(Owner, Repo, MigrationTexts.Slug(MigrationRecipes.Subject(MigrationType).Type), MigrationTexts.Slug(TargetVersion));
}

/// <summary>One step of a migration's plan.</summary>
/// <param name="Id">Its id, unique in the plan ("1", "2", "bump-react").</param>
/// <param name="Title">One line.</param>
/// <param name="Description">What the step changes and how (the coder's task).</param>
/// <param name="Files">The files it changes (a coder is shown them in full).</param>
/// <param name="DependsOn">Ids of the steps that must be done first.</param>
public sealed record MigrationStep(string Id, string Title, string Description, IReadOnlyList<string> Files, IReadOnlyList<string> DependsOn)
{
    /// <summary>recipe: the deterministic version bumps; code: a coder writes the change; recipe+code: the bumps and the code they break, together.</summary>
    public string Kind { get; init; } = "code";

    /// <summary>The step's acceptance: texts that must no longer occur in the repository once it is done (the old API).</summary>
    public IReadOnlyList<string> Forbidden { get; init; } = [];
}

/// <summary>A plan: its steps in the order they are applied when several are ready, and a summary.</summary>
public sealed record MigrationPlan(string Summary, IReadOnlyList<MigrationStep> Steps);

/// <summary>A use of an API the migration changes.</summary>
public sealed record ApiUsage(string File, string Api, int Count);

/// <summary>Input of Analyze: the commit to look at, what is migrated, and the time the recipe's commit carries.</summary>
public sealed record AnalyzeRequest(RepoSnapshot Snapshot, string MigrationType, string From, string To, DateTimeOffset When);

/// <summary>What the analysis found, within bounds.</summary>
/// <param name="FilesTotal">Files in the tree.</param>
/// <param name="FilesScanned">Files read (text, small enough, within the scan's limits).</param>
/// <param name="Manifests">The subject's dependencies in manifests, with their versions before the migration.</param>
/// <param name="AffectedFiles">Files that use the subject (most used first, capped).</param>
/// <param name="Usages">Uses of the APIs that change.</param>
/// <param name="Complexity">low, medium or high.</param>
/// <param name="Recipe">The deterministic bumps as one patch; null when no recipe changes anything.</param>
/// <param name="RecipeDiff">The recipe's change as a unified diff (capped).</param>
/// <param name="Notes">What the analysis found worth saying.</param>
public sealed record MigrationAnalysis(
    int FilesTotal,
    int FilesScanned,
    IReadOnlyList<ManifestVersion> Manifests,
    IReadOnlyList<string> AffectedFiles,
    IReadOnlyList<ApiUsage> Usages,
    string Complexity,
    Patch? Recipe,
    string RecipeDiff,
    IReadOnlyList<string> Notes)
{
    /// <summary>Subject as the recipes read it (framework, runtime, package, free-form).</summary>
    public string Kind { get; init; } = "package";

    /// <summary>Whether an LLM is configured on the worker (code steps need one).</summary>
    public bool AgentsAvailable { get; init; }

    /// <summary>The repository's default branch and clone URL, read with the commit.</summary>
    public string DefaultBranch { get; init; } = "main";
}

/// <summary>Input of VerifyStep: the patches so far plus the step's, committed locally and checked.</summary>
/// <param name="Snapshot">The base commit.</param>
/// <param name="Patches">Every accepted patch, then the step's (last).</param>
/// <param name="Checks">The gate's checks to run (names); empty: those the repository has of unit and integration tests.</param>
/// <param name="Forbidden">Texts that must no longer occur in the tree.</param>
/// <param name="Key">Names the step's workspace.</param>
public sealed record VerifyStepRequest(RepoSnapshot Snapshot, IReadOnlyList<Patch> Patches, IReadOnlyList<string> Checks, IReadOnlyList<string> Forbidden, string Key)
{
    /// <summary>The repository's quality_gate section (configured checks and their commands).</summary>
    public Config.QualityGateSection Gate { get; init; } = new();

    /// <summary>Where <see cref="Forbidden"/> is searched: the step's files; empty: the whole tree but vendored code.</summary>
    public IReadOnlyList<string> ForbiddenIn { get; init; } = [];
}

/// <summary>How a step's verification went.</summary>
/// <param name="Passed">Every check passed and nothing forbidden remains.</param>
/// <param name="Checks">One line per check: name, state, seconds.</param>
/// <param name="Failure">What failed, as the fixer reads it (capped): the checks' summaries, the remaining uses.</param>
/// <param name="Sha">The local commit that was checked.</param>
public sealed record VerifyStepResult(bool Passed, IReadOnlyList<string> Checks, string? Failure, string Sha)
{
    public double Seconds { get; init; }
}

/// <summary>What became of one step.</summary>
/// <param name="Id">The step.</param>
/// <param name="Title">Its title.</param>
/// <param name="State">pending, running, done, failed, rolled-back, skipped, rejected, stopped.</param>
/// <param name="Attempts">Times it was generated (1 + fix attempts).</param>
/// <param name="Checks">The last verification's lines.</param>
/// <param name="Seconds">Wall time of the step.</param>
/// <param name="Why">Why it failed or was skipped.</param>
public sealed record StepReport(string Id, string Title, string State, int Attempts, IReadOnlyList<string> Checks, double Seconds, string? Why)
{
    /// <summary>The files the step's patch changed.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
}

/// <summary>Status query of CodeMigrationWorkflow (the seed's fields first).</summary>
public sealed record CodeMigrationStatus(int CompletedSteps, int TotalSteps, string? CurrentStep, bool Paused)
{
    public IReadOnlyList<string> FailedSteps { get; init; } = [];

    public string Stage { get; init; } = "starting";

    public bool WaitingForApproval { get; init; }

    public IReadOnlyList<StepReport> Steps { get; init; } = [];

    public int? IssueNumber { get; init; }

    public string? Branch { get; init; }

    public string? PrUrl { get; init; }

    public AgentUsage Usage { get; init; } = new(0, 0);
}

/// <summary>Result of CodeMigrationWorkflow.</summary>
public sealed record CodeMigrationResult(int CompletedSteps, int TotalSteps, string? FinalPrUrl, string Report)
{
    /// <summary>completed, partial (some steps rolled back or skipped), failed (stopped at a step), dry-run, cancelled, rolled-back, nothing-to-do.</summary>
    public string Outcome { get; init; } = "completed";

    public IReadOnlyList<StepReport> Steps { get; init; } = [];

    public IReadOnlyList<string> FailedSteps { get; init; } = [];

    public string? Branch { get; init; }

    public int? PullRequestNumber { get; init; }

    public bool Merged { get; init; }

    /// <summary>The commit the migration started from, and the head it pushed (for a rollback later).</summary>
    public string? BaseSha { get; init; }

    public string? HeadSha { get; init; }

    public int? IssueNumber { get; init; }

    public MigrationPlan? Plan { get; init; }

    /// <summary>What the analysis found, in figures.</summary>
    public AnalysisFigures? Analysis { get; init; }

    public AgentUsage Usage { get; init; } = new(0, 0);
}

/// <summary>The analysis in figures: files in the tree, read, using what is migrated, uses of APIs that change, and the complexity.</summary>
public sealed record AnalysisFigures(int FilesTotal, int FilesScanned, int FilesAffected, int ApiUses, string Complexity);

/// <summary>Signal names of CodeMigrationWorkflow (the seed's, and the step approval's).</summary>
public static class MigrationSignals
{
    public const string Pause = "pause_migration";
    public const string Resume = "resume_migration";
    public const string Rollback = "Rollback";
}

/// <summary>A person's answer to a step waiting for approval.</summary>
/// <param name="Approved">Kept (true) or left out.</param>
/// <param name="By">Who answered.</param>
/// <param name="Reason">Why, for a rejection.</param>
public sealed record StepDecision(bool Approved, string By, string? Reason = null)
{
    /// <summary>The step the answer is for (from the Status the person saw); an answer for another step is ignored. Null: the one waiting.</summary>
    public string? Step { get; init; }
}

/// <summary>A migration as the command workflow sees it: running or ended, with its status or result.</summary>
public sealed record MigrationInfo(string WorkflowId, bool Running, CodeMigrationStatus? Status, CodeMigrationResult? Result, string? UiUrl);
