namespace GitHubBot.Core.Common;

/// <summary>
/// The short kinds operators filter by (<c>ghbot list --type gate</c>) and the <c>GhbotKind</c> search attribute holds:
/// one per top-level workflow type.
/// </summary>
public static class WorkflowKinds
{
    public const string Gate = "gate";
    public const string Plan = "plan";
    public const string Incident = "incident";
    public const string Migration = "migration";
    public const string Change = "change";
    public const string Command = "command";

    /// <summary>The redelivery sweeper's runs, started by its Schedule (not by operators).</summary>
    public const string Redelivery = "redelivery";

    /// <summary>Kind → workflow type, in the order help texts list them.</summary>
    public static IReadOnlyList<(string Kind, string WorkflowType)> All { get; } =
    [
        (Gate, WorkflowTypes.QualityGate),
        (Plan, WorkflowTypes.PlanPatchPr),
        (Incident, WorkflowTypes.IncidentSwarm),
        (Migration, WorkflowTypes.CodeMigration),
        (Change, WorkflowTypes.ChangeRequest),
        (Command, WorkflowTypes.Command),
        (Redelivery, WorkflowTypes.RedeliverySweep),
    ];

    /// <summary>The workflow type of <paramref name="kind"/>; null when it is not one of <see cref="All"/>.</summary>
    public static string? TypeOf(string kind) => All.FirstOrDefault(k => k.Kind == kind).WorkflowType;

    /// <summary>The kind of <paramref name="workflowType"/>; null for types operators do not start (the monitor).</summary>
    public static string? KindOf(string workflowType) => All.FirstOrDefault(k => k.WorkflowType == workflowType).Kind;
}
