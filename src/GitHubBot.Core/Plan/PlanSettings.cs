using System.Globalization;
using System.Text.Json.Nodes;

namespace GitHubBot.Core.Plan;

/// <summary>
/// What plan → patch → PR reads from .github/ghbot.yml (<c>trigger_label</c>, <c>agents</c>, <c>auto_merge</c>),
/// with the defaults a repository without a file gets.
/// </summary>
public sealed record PlanSettings
{
    public const string DefaultTriggerLabel = "ghbot:implement";

    public string TriggerLabel { get; init; } = DefaultTriggerLabel;

    /// <summary>Tokens (input + output) one run's agents may use.</summary>
    public long MaxTokens { get; init; } = 400_000;

    /// <summary>Agent calls one run may make.</summary>
    public int MaxIterations { get; init; } = 40;

    /// <summary>Times the gate's failures go back to the coders.</summary>
    public int FixRounds { get; init; } = 2;

    /// <summary>Times one coder is asked again when its edits do not apply or conflict.</summary>
    public int CoderAttempts { get; init; } = 3;

    public bool RequireApproval { get; init; }

    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromDays(7);

    /// <summary>draft (leave the draft PR, failures explained) or close (compensate) when the gate keeps failing.</summary>
    public string OnFailure { get; init; } = "draft";

    public bool AutoMerge { get; init; }

    public string MergeMethod { get; init; } = "merge";

    /// <summary>The gate score a PR needs to be merged; null: the gate's own verdict decides.</summary>
    public double? MinScore { get; init; }

    /// <summary>Reads the settings from a merged, schema-valid configuration (as JSON).</summary>
    public static PlanSettings From(string mergedJson)
    {
        var root = JsonNode.Parse(mergedJson) as JsonObject ?? [];
        var agents = root["agents"] as JsonObject ?? [];
        var merge = root["auto_merge"] as JsonObject ?? [];
        var defaults = new PlanSettings();
        return new PlanSettings
        {
            TriggerLabel = root["trigger_label"]?.GetValue<string>() ?? defaults.TriggerLabel,
            MaxTokens = Number(agents["max_tokens"]) is { } tokens ? (long)tokens : defaults.MaxTokens,
            MaxIterations = Number(agents["max_iterations"]) is { } iterations ? (int)iterations : defaults.MaxIterations,
            FixRounds = Number(agents["fix_rounds"]) is { } rounds ? (int)rounds : defaults.FixRounds,
            CoderAttempts = Number(agents["coder_attempts"]) is { } attempts ? (int)attempts : defaults.CoderAttempts,
            RequireApproval = agents["require_design_approval"]?.GetValue<bool>() ?? false,
            ApprovalTimeout = Number(agents["approval_timeout_hours"]) is { } hours ? TimeSpan.FromHours(hours) : defaults.ApprovalTimeout,
            OnFailure = agents["on_failure"]?.GetValue<string>() ?? defaults.OnFailure,
            AutoMerge = merge["enabled"]?.GetValue<bool>() ?? false,
            MergeMethod = merge["method"]?.GetValue<string>() ?? defaults.MergeMethod,
            MinScore = Number(merge["min_score"]),
        };
    }

    private static double? Number(JsonNode? node) =>
        node is JsonValue value
            ? value.TryGetValue<double>(out var number) ? number : double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture)
            : null;
}
