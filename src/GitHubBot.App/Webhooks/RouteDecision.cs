namespace GitHubBot.App.Webhooks;

/// <summary>What the routing table decided for one delivery.</summary>
public abstract record RouteDecision
{
    private RouteDecision()
    {
    }

    /// <summary>Nothing to do: answered 200 and logged.</summary>
    public sealed record Ignore(string Reason) : RouteDecision;

    /// <summary>The payload lacks something the route needs: answered 400 with the reason.</summary>
    public sealed record BadPayload(string Reason) : RouteDecision;

    /// <summary>Start (or find) the workflow with this business-key ID.</summary>
    /// <param name="WorkflowType">The workflow type name.</param>
    /// <param name="WorkflowId">The business-key workflow ID.</param>
    /// <param name="Input">The workflow's input record.</param>
    public sealed record Start(string WorkflowType, string WorkflowId, object Input) : RouteDecision
    {
        /// <summary>A finished workflow with the ID is started again (a reopened alert is a new incident); otherwise it has handled the key.</summary>
        public bool RestartFinished { get; init; }

        /// <summary>
        /// Set for actions whose side effects a replay could repeat (commands, buttons, re-runs, labels): the newest
        /// time the signed body carries about what it acts on and its repository. A body is never younger than its
        /// newest time, so the intake refuses such a delivery once that time is older than Intake:FreshnessWindow
        /// (<see cref="DateTimeOffset.MinValue"/>: the body carries no time, and is refused). Null: nothing to refuse by
        /// age (a PR head's gate, an alert by its number: their keys name what they do).
        /// </summary>
        public DateTimeOffset? SignedAt { get; init; }
    }

    /// <summary>The event belongs to a capability this version does not have yet: answered 200 and logged as a warning.</summary>
    public sealed record NotAvailable(string Capability, string? WorkflowId) : RouteDecision;
}
