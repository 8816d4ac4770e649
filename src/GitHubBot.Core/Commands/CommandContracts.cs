using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Commands;

/// <summary>Input of CommandWorkflow: the commands of one comment (or one check-run button click) and who gave them.</summary>
public sealed record CommandInput
{
    public required string Owner { get; init; }

    public required string Repo { get; init; }

    public long? InstallationId { get; init; }

    /// <summary>The issue or PR the comment is on (the PR of a clicked button).</summary>
    public required int IssueNumber { get; init; }

    public bool IsPullRequest { get; init; }

    /// <summary>The comment to react to; null for a button click.</summary>
    public long? CommentId { get; init; }

    /// <summary>Who wrote the comment or clicked the button.</summary>
    public required string Author { get; init; }

    public required IReadOnlyList<SlashCommand> Commands { get; init; }

    /// <summary>The head SHA a button was clicked on (gate commands then run on it, not on the PR's newest head).</summary>
    public string? HeadSha { get; init; }

    /// <summary>When the comment was written (the signed payload's comment.created_at): /ok-to-test vouches only for gates started before it.</summary>
    public DateTimeOffset? CommentCreatedAt { get; init; }

    /// <summary>
    /// The label just added to the issue (an issues.labeled delivery; <see cref="Commands"/> is then empty): the
    /// repository's trigger label starts plan → patch → PR, with the permission /plan needs.
    /// </summary>
    public string? Label { get; init; }

    /// <summary>The trigger label when the repository's configuration names none (Intake:TriggerLabel).</summary>
    public string? DefaultTriggerLabel { get; init; }
}

/// <summary>The plan → patch → PR run of an issue as the command workflow sees it.</summary>
/// <param name="WorkflowId">Its workflow ID.</param>
/// <param name="Running">Whether it still runs.</param>
/// <param name="Status">Its Status query, when it answered.</param>
/// <param name="Url">Its page in the Temporal UI, when configured.</param>
public sealed record PlanInfo(string WorkflowId, bool Running, PlanPatchPrStatus? Status, string? Url);

/// <summary>What became of one command: done, refused, unknown, unavailable, nothing-to-do or failed.</summary>
public sealed record CommandOutcome(string Command, string Outcome, string? Message = null, string? WorkflowId = null);

/// <summary>Result of CommandWorkflow.</summary>
public sealed record CommandResult(IReadOnlyList<CommandOutcome> Outcomes);

/// <summary>A gate of a PR as the command activities see it.</summary>
/// <param name="WorkflowId">The gate's workflow ID.</param>
/// <param name="Running">Whether it still runs.</param>
/// <param name="Status">Its Status query, when it answered.</param>
/// <param name="Url">Its page in the Temporal UI, when configured.</param>
public sealed record GateInfo(string WorkflowId, bool Running, QualityGateStatus? Status, string? Url)
{
    /// <summary>When the gate started (its push's delivery, or a re-run); null in results recorded before it was kept.</summary>
    public DateTimeOffset? StartedAt { get; init; }
}
