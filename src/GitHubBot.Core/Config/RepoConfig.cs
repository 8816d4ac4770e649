using System.Globalization;
using System.Text.Json.Nodes;

namespace GitHubBot.Core.Config;

/// <summary>
/// A repository's <c>.github/ghbot.yml</c>, merged over its organization's and validated against the schema
/// (<see cref="RepoConfigLoader"/>), as the typed record workflows receive. Every key of the schema is here, with the
/// default a repository without the key gets; nothing downstream reads the YAML or JSON again.
/// </summary>
public sealed record RepoConfig
{
    /// <summary>The label that starts plan → patch → PR when the App's configuration names none.</summary>
    public const string DefaultTriggerLabel = "ghbot:implement";

    /// <summary>trigger_label: the issue label that starts plan → patch → PR; null: the App's (Intake:TriggerLabel).</summary>
    public string? TriggerLabel { get; init; }

    /// <summary>commands: a command's name (or alias, as written) → the permission it needs (read … admin).</summary>
    public IReadOnlyDictionary<string, string> Commands { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public QualityGateSection QualityGate { get; init; } = new();

    public AutoMergeSection AutoMerge { get; init; } = new();

    public AgentsSection Agents { get; init; } = new();

    public IncidentsSection Incidents { get; init; } = new();

    public MigrationSection Migration { get; init; } = new();

    /// <summary>The typed configuration of a merged, schema-valid document.</summary>
    /// <exception cref="FormatException">A value the schema lets through cannot be used (the message says which).</exception>
    public static RepoConfig From(JsonObject merged)
    {
        ArgumentNullException.ThrowIfNull(merged);
        var gate = merged["quality_gate"] as JsonObject ?? [];
        var merge = merged["auto_merge"] as JsonObject ?? [];
        var agents = merged["agents"] as JsonObject ?? [];
        var incidents = merged["incidents"] as JsonObject ?? [];
        var migration = merged["migration"] as JsonObject ?? [];
        var defaultAgents = new AgentsSection();
        return new RepoConfig
        {
            TriggerLabel = Text(merged["trigger_label"]),
            Commands = (merged["commands"] as JsonObject ?? []).Where(c => Text(c.Value) is not null).ToDictionary(c => c.Key, c => Text(c.Value)!, StringComparer.Ordinal),
            QualityGate = new QualityGateSection
            {
                RequiredScore = Number(gate["required_score"]),
                RequiredCoverage = Number(gate["required_coverage"]),
                AutoFix = Flag(gate["auto_fix"]) ?? false,
                TrustForks = Flag(gate["trust_forks"]) ?? false,
                CoverageAppliesTo = Text(gate["coverage_applies_to"]) ?? "both",
                Checks = gate["checks"] is JsonObject checks
                    ? [.. CheckConfig.Names.Where(checks.ContainsKey).Select(name => Check(name, checks[name] as JsonObject ?? []))]
                    : [],
            },
            AutoMerge = new AutoMergeSection
            {
                Enabled = Flag(merge["enabled"]) ?? false,
                Method = Text(merge["method"]) ?? "merge",
                MinScore = Number(merge["min_score"]),
            },
            Agents = new AgentsSection
            {
                MaxTokens = Number(agents["max_tokens"]) is { } tokens ? (long)tokens : defaultAgents.MaxTokens,
                MaxIterations = Number(agents["max_iterations"]) is { } calls ? (int)calls : defaultAgents.MaxIterations,
                FixRounds = Number(agents["fix_rounds"]) is { } rounds ? (int)rounds : defaultAgents.FixRounds,
                CoderAttempts = Number(agents["coder_attempts"]) is { } attempts ? (int)attempts : defaultAgents.CoderAttempts,
                RequireDesignApproval = Flag(agents["require_design_approval"]) ?? false,
                ApprovalTimeout = Number(agents["approval_timeout_hours"]) is { } hours ? TimeSpan.FromHours(hours) : defaultAgents.ApprovalTimeout,
                OnFailure = Text(agents["on_failure"]) ?? defaultAgents.OnFailure,
                AllowConfigEdits = Flag(agents["allow_config_edits"]) ?? false,
            },
            Incidents = new IncidentsSection
            {
                Agents = Number(incidents["agents"]) is { } count ? (int)count : null,
                ConfidenceThreshold = Number(incidents["auto_fix_threshold"]) ?? Number(incidents["confidence_threshold"]),
                AutoFix = Flag(incidents["auto_fix"]),
                PostmortemPullRequest = Flag(incidents["postmortem_pr"]),
                Services = (incidents["services"] as JsonObject ?? []).ToDictionary(
                    s => s.Key,
                    s => new IncidentService(
                        Text(s.Value?["repo"]) ?? throw new FormatException($"incidents.services.{s.Key}.repo is required."),
                        Text(s.Value?["metrics_query"]),
                        Text(s.Value?["logs_query"])),
                    StringComparer.Ordinal),
            },
            Migration = new MigrationSection
            {
                FixAttempts = Number(migration["fix_attempts"]) is { } fixAttempts ? (int)fixAttempts : new MigrationSection().FixAttempts,
                Checks = migration["checks"] is JsonArray names ? [.. names.Select(Text).OfType<string>()] : [],
                StepTimeout = Number(migration["step_timeout_minutes"]) is { } minutes ? TimeSpan.FromMinutes(minutes) : new MigrationSection().StepTimeout,
            },
        };
    }

    /// <summary>The typed configuration of a merged document kept as JSON (results recorded before configuration was typed).</summary>
    public static RepoConfig FromJson(string mergedJson) => From(JsonNode.Parse(mergedJson) as JsonObject ?? []);

    private static CheckConfig Check(string name, JsonObject check) => new(
        name,
        Text(check["run"]) ?? throw new FormatException($"quality_gate.checks.{name}.run is required."),
        Text(check["fix"]),
        CheckConfig.ParseTimeout(Text(check["timeout"])),
        Number(check["weight"]) ?? 1,
        Flag(check["required"]) ?? name == "unit_tests",
        CheckConfig.ParseFormat(Text(check["report"])),
        Text(check["report_path"]),
        Detected: false)
    {
        Network = Flag(check["network"]) ?? true,
    };

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static bool? Flag(JsonNode? node) => node is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    private static double? Number(JsonNode? node) =>
        node is not JsonValue value ? null
        : value.TryGetValue<double>(out var number) ? number
        : value.TryGetValue<long>(out var whole) ? whole
        : double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : null;
}

/// <summary><c>quality_gate</c>: the gate's thresholds and the checks configured for it (empty: detected from the files).</summary>
public sealed record QualityGateSection
{
    /// <summary>The score a PR needs; null: 85.</summary>
    public double? RequiredScore { get; init; }

    /// <summary>The line coverage a PR needs; null: 80.</summary>
    public double? RequiredCoverage { get; init; }

    public bool AutoFix { get; init; }

    /// <summary>Run fork PRs without /ok-to-test.</summary>
    public bool TrustForks { get; init; }

    /// <summary>What required_coverage applies to: overall, changed (the lines the PR changed) or both (the default).</summary>
    public string CoverageAppliesTo { get; init; } = "both";

    /// <summary>The configured checks, in report order; empty when the repository configures none.</summary>
    public IReadOnlyList<CheckConfig> Checks { get; init; } = [];
}

/// <summary><c>auto_merge</c>: whether and how GitHubBot merges the PRs it opened once their gate passed.</summary>
public sealed record AutoMergeSection
{
    public bool Enabled { get; init; }

    /// <summary>merge, squash or rebase.</summary>
    public string Method { get; init; } = "merge";

    /// <summary>The gate score a PR needs to be merged; null: the gate's own verdict decides.</summary>
    public double? MinScore { get; init; }
}

/// <summary><c>agents</c>: the budgets and habits of the LLM agents of one run.</summary>
public sealed record AgentsSection
{
    /// <summary>Tokens (input + output) one run's agents may use.</summary>
    public long MaxTokens { get; init; } = 400_000;

    /// <summary>Agent calls one run may make.</summary>
    public int MaxIterations { get; init; } = 40;

    /// <summary>Times the gate's failures go back to the coders.</summary>
    public int FixRounds { get; init; } = 2;

    /// <summary>Times one coder is asked again when its edits do not apply or conflict.</summary>
    public int CoderAttempts { get; init; } = 3;

    public bool RequireDesignApproval { get; init; }

    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromDays(7);

    /// <summary>draft (leave the draft PR, failures explained) or close (undo the run) when the gate keeps failing.</summary>
    public string OnFailure { get; init; } = "draft";

    /// <summary>
    /// allow_config_edits: whether coders may change test, build and CI configuration (see
    /// <see cref="Workspaces.ConfigEdits"/>); off: such edits are refused. Either way a change that edits it is not merged automatically.
    /// </summary>
    public bool AllowConfigEdits { get; init; }
}

/// <summary><c>incidents</c>: how many agents diagnose, how sure they must be, and which service lives here.</summary>
public sealed record IncidentsSection
{
    /// <summary>Diagnostic agents per incident; null: the App's default.</summary>
    public int? Agents { get; init; }

    /// <summary>auto_fix_threshold (or its older name confidence_threshold): the consensus confidence a hotfix needs (0–1); null: the App's default.</summary>
    public double? ConfidenceThreshold { get; init; }

    /// <summary>auto_fix: whether a sure consensus gets a hotfix PR; null: the App's default.</summary>
    public bool? AutoFix { get; init; }

    /// <summary>postmortem_pr: whether the postmortem also goes into a PR; null: the App's default.</summary>
    public bool? PostmortemPullRequest { get; init; }

    /// <summary>Service name → its repository and the queries that describe it.</summary>
    public IReadOnlyDictionary<string, IncidentService> Services { get; init; } = new Dictionary<string, IncidentService>(StringComparer.Ordinal);
}

/// <summary>One service of <c>incidents.services</c>: its repository (owner/name) and its metrics and logs queries.</summary>
public sealed record IncidentService(string Repo, string? MetricsQuery, string? LogsQuery);

/// <summary><c>migration</c>: how code migrations verify and fix their steps.</summary>
public sealed record MigrationSection
{
    /// <summary>fix_attempts: times a failing step goes back to a coder with its failure.</summary>
    public int FixAttempts { get; init; } = 2;

    /// <summary>checks: the gate's checks every step must pass; empty: unit_tests and integration_tests (those the repository has).</summary>
    public IReadOnlyList<string> Checks { get; init; } = [];

    /// <summary>step_timeout_minutes: how long one step's checks may take together.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
