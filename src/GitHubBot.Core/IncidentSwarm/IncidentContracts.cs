using GitHubBot.Core.Agents;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Common;

namespace GitHubBot.Core.IncidentSwarm;

/// <summary>Input of IncidentSwarmWorkflow: the alert that opened the incident, and how to work on it.</summary>
public sealed record IncidentInput
{
    public required Alert Alert { get; init; }

    /// <summary>Diagnostic agents; null: the repository's configuration, else the App's (3).</summary>
    public int? Agents { get; init; }

    /// <summary>Fix when the consensus is sure enough; null: the repository's configuration, else the App's.</summary>
    public bool? AutoFix { get; init; }

    /// <summary>What opened it: an endpoint, the monitor, a GitHub alert, the CLI.</summary>
    public string Trigger { get; init; } = "alert";
}

/// <summary>Where an incident works and how, as the App's and the repository's settings decide it.</summary>
/// <param name="Repository">The service's repository; null: diagnosis only, nothing is written to GitHub.</param>
/// <param name="MetricsQueries">PromQL queries, named, already templated with the alert's labels.</param>
/// <param name="LogsQuery">A LogQL query, templated; null: no logs.</param>
/// <param name="Agents">Diagnostic agents.</param>
/// <param name="Threshold">The consensus confidence a hotfix needs (0–1).</param>
/// <param name="AutoFix">Whether a sure consensus is fixed.</param>
/// <param name="PostmortemPullRequest">Whether the postmortem also goes into a PR adding docs/postmortems/….</param>
/// <param name="Notes">What the resolution found worth saying (an unknown service, a setting that could not be read).</param>
public sealed record IncidentPlan(
    RepositoryTarget? Repository,
    IReadOnlyList<NamedQuery> MetricsQueries,
    string? LogsQuery,
    int Agents,
    double Threshold,
    bool AutoFix,
    bool PostmortemPullRequest,
    IReadOnlyList<string> Notes)
{
    /// <summary>When the incident waits for its alert to resolve before it writes the postmortem.</summary>
    public TimeSpan HoldOpen { get; init; } = TimeSpan.FromDays(3);

    /// <summary>How far back context is read.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The agents' budget (the repository's agents section).</summary>
    public AgentBudget Budget { get; init; } = new();

    /// <summary>Times the hotfix's gate failures go back to a coder.</summary>
    public int FixRounds { get; init; } = 2;

    /// <summary>Times a coder is asked again when its edits do not apply.</summary>
    public int CoderAttempts { get; init; } = 3;

    /// <summary>Whether and how a hotfix that passed its gate is merged (the repository's auto_merge section).</summary>
    public MergePolicy Merge { get; init; } = new();

    /// <summary>Whether the hotfix's coders may change test, build and CI configuration (agents.allow_config_edits).</summary>
    public bool AllowConfigEdits { get; init; }
}

/// <summary>A query with the name evidence refers to it by.</summary>
public sealed record NamedQuery(string Name, string Query);

/// <summary>Input of FetchMetrics and FetchLogs: queries over a time window.</summary>
public sealed record ContextRequest(IReadOnlyList<NamedQuery> Queries, DateTimeOffset From, DateTimeOffset To);

/// <summary>Input of FetchRecentChanges: the repository's changes since a time.</summary>
public sealed record ChangesRequest(RepositoryTarget Repository, DateTimeOffset Since);

/// <summary>One series over the window, summarised: never the raw points.</summary>
public sealed record SeriesSummary(string Query, string Labels, int Points, double Min, double Max, double Mean, double First, double Last);

/// <summary>What the metrics said: the series of each query, or why there are none.</summary>
public sealed record MetricsContext(IReadOnlyList<SeriesSummary> Series, string? Gap);

/// <summary>A log line (digits folded) and how often it came.</summary>
public sealed record LogLine(string Text, int Count);

/// <summary>What the logs said: the most frequent lines, errors first, or why there are none.</summary>
public sealed record LogsContext(IReadOnlyList<LogLine> Lines, int Total, string? Gap);

/// <summary>A recent commit of the repository.</summary>
public sealed record CommitSummary(string Sha, string Title, string Author, DateTimeOffset When);

/// <summary>A recently merged pull request of the repository.</summary>
public sealed record MergedPullRequest(int Number, string Title, DateTimeOffset MergedAt, string Url);

/// <summary>What changed in the repository before the alert.</summary>
public sealed record ChangesContext(IReadOnlyList<CommitSummary> Commits, IReadOnlyList<MergedPullRequest> PullRequests, string? Gap);

/// <summary>Everything the diagnosers are shown.</summary>
public sealed record IncidentContext(MetricsContext Metrics, LogsContext Logs, ChangesContext Changes);

/// <summary>One piece of evidence a diagnosis rests on.</summary>
/// <param name="Source">metrics, logs, change or alert.</param>
/// <param name="Ref">What it points at: a query's name, a log line, a commit SHA or PR number, a label.</param>
/// <param name="Detail">What it shows.</param>
public sealed record Evidence(string Source, string Ref, string Detail);

/// <summary>A diagnostic agent's answer (validated against its role's schema).</summary>
public sealed record DiagnosisAnswer(string RootCause, string Category, IReadOnlyList<Evidence> Evidence, double Confidence, string SuggestedFix, IReadOnlyList<string> Files);

/// <summary>One diagnostic agent's part: its perspective, and its answer or why it has none.</summary>
public sealed record Diagnosis(int Agent, string Perspective, DiagnosisAnswer? Answer, string? Problem);

/// <summary>A root cause several agents may share, with the weight the consensus gives it.</summary>
/// <param name="RootCause">The cause, in the words of its most confident supporter.</param>
/// <param name="Category">The category its supporters agree on.</param>
/// <param name="Confidence">0–1: the agreement of the agents, weighted by their confidence and their evidence.</param>
/// <param name="Supporters">The agents (numbers) that hold it.</param>
/// <param name="Evidence">The supporters' evidence, verified items first.</param>
/// <param name="Verified">How many evidence items point at something in the context.</param>
/// <param name="SuggestedFix">The most confident supporter's suggested fix.</param>
/// <param name="Files">The files its supporters name.</param>
public sealed record Hypothesis(string RootCause, string Category, double Confidence, IReadOnlyList<int> Supporters, IReadOnlyList<Evidence> Evidence, int Verified, string SuggestedFix, IReadOnlyList<string> Files);

/// <summary>The consensus: up to three hypotheses ranked, whether the first is sure enough, and the dissent.</summary>
/// <param name="Hypotheses">Ranked, most confident first (at most three).</param>
/// <param name="Reached">The first hypothesis reaches the threshold, with at least two agents behind it.</param>
/// <param name="Dissent">Agents that answered but do not support the first hypothesis.</param>
/// <param name="Unanswered">Agents that gave no usable answer.</param>
public sealed record Consensus(IReadOnlyList<Hypothesis> Hypotheses, bool Reached, IReadOnlyList<int> Dissent, IReadOnlyList<int> Unanswered)
{
    public Hypothesis? Top => Hypotheses.Count > 0 ? Hypotheses[0] : null;

    public double Confidence => Top?.Confidence ?? 0;
}

/// <summary>Something that happened to the incident, when (the postmortem's timeline).</summary>
public sealed record TimelineEntry(DateTimeOffset At, string What);

/// <summary>The Status query of IncidentSwarmWorkflow: the seed's fields first.</summary>
public sealed record IncidentStatus(string AlertId, int DiagnosesCount, bool ConsensusReached, double ConsensusConfidence, bool FixApplied)
{
    public string Stage { get; init; } = "starting";

    /// <summary>The ranked hypotheses so far, one line each.</summary>
    public IReadOnlyList<string> Hypotheses { get; init; } = [];

    /// <summary>How often the alert fired again while the incident ran.</summary>
    public int Repeats { get; init; }

    public bool Resolved { get; init; }

    public string? IssueUrl { get; init; }

    public string? HotfixPrUrl { get; init; }
}

/// <summary>An incident as the commands on its issue or hotfix PR see it: running or not, its status while it runs.</summary>
public sealed record IncidentInfo(string WorkflowId, bool Running, IncidentStatus? Status, string? Url)
{
    /// <summary>The incident's issue (from its status while it runs, its result once it completed).</summary>
    public string? IssueUrl { get; init; }

    /// <summary>The incident's hotfix PR (from its status while it runs, its result once it completed).</summary>
    public string? HotfixPrUrl { get; init; }

    /// <summary>Whether the issue or PR at <paramref name="url"/> is this incident's own: only then do its commands act on it.</summary>
    public bool Owns(string url) => (IssueUrl is not null && IssueUrl == url) || (HotfixPrUrl is not null && HotfixPrUrl == url);
}

/// <summary>What the consensus concluded, as the result gives it.</summary>
public sealed record ConsensusSummary(string RootCause, string Category, double Confidence, IReadOnlyList<int> SupportingAgents);

/// <summary>Result of IncidentSwarmWorkflow.</summary>
public sealed record IncidentResult
{
    /// <summary>fixed (hotfix merged or ready), issue (handed to people), rolled-back, diagnosed (no repository), cancelled.</summary>
    public required string Outcome { get; init; }

    public ConsensusSummary? Consensus { get; init; }

    public double ResolutionTimeMinutes { get; init; }

    public bool FixApplied { get; init; }

    public string? HotfixPrUrl { get; init; }

    public string? IssueUrl { get; init; }

    /// <summary>The postmortem, as markdown.</summary>
    public string Postmortem { get; init; } = string.Empty;

    /// <summary>The repository the incident worked in (owner/name); null when its service has none.</summary>
    public string? Repository { get; init; }

    public IReadOnlyList<string> Hypotheses { get; init; } = [];

    public int Repeats { get; init; }
}

/// <summary>The signals an incident takes (besides Cancel).</summary>
public static class IncidentSignals
{
    /// <summary>The alert fired (argument: the endpoint it came through); the first delivery of a signal-with-start counts too.</summary>
    public const string AlertFired = "AlertFired";

    /// <summary>The alert resolved (argument: by whom or what).</summary>
    public const string Resolved = "Resolved";

    /// <summary>Undo the hotfix (argument: who asked).</summary>
    public const string Rollback = "Rollback";
}
