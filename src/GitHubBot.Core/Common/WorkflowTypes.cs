namespace GitHubBot.Core.Common;

/// <summary>Workflow type names as registered on the worker (the workflow class names).</summary>
public static class WorkflowTypes
{
    public const string QualityGate = "QualityGateWorkflow";
    public const string PlanPatchPr = "PlanPatchPrWorkflow";
    public const string IncidentSwarm = "IncidentSwarmWorkflow";
    public const string CodeMigration = "CodeMigrationWorkflow";
    public const string Command = "CommandWorkflow";

    public const string ChangeRequest = "ChangeRequestWorkflow";

    public const string AlertmanagerMonitor = "AlertmanagerMonitorWorkflow";

    public const string RedeliverySweep = "RedeliverySweepWorkflow";
}
