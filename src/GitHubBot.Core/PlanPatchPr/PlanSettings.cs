using GitHubBot.Core.Config;

namespace GitHubBot.Core.PlanPatchPr;

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

    /// <summary>The plan's settings from the repository's typed configuration.</summary>
    public static PlanSettings From(RepoConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new PlanSettings
        {
            TriggerLabel = config.TriggerLabel ?? DefaultTriggerLabel,
            MaxTokens = config.Agents.MaxTokens,
            MaxIterations = config.Agents.MaxIterations,
            FixRounds = config.Agents.FixRounds,
            CoderAttempts = config.Agents.CoderAttempts,
            RequireApproval = config.Agents.RequireDesignApproval,
            ApprovalTimeout = config.Agents.ApprovalTimeout,
            OnFailure = config.Agents.OnFailure,
            AutoMerge = config.AutoMerge.Enabled,
            MergeMethod = config.AutoMerge.Method,
            MinScore = config.AutoMerge.MinScore,
        };
    }
}
