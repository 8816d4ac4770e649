namespace GitHubBot.Core.Common;

/// <summary>Signal names other code sends to workflows.</summary>
public static class WorkflowSignals
{
    public const string OkToTest = "OkToTest";

    /// <summary>Stops a gate (argument: a CancelGate) or a plan → patch → PR run (argument: the reason).</summary>
    public const string Cancel = "Cancel";

    /// <summary>Answers a plan's design gate (argument: who approved).</summary>
    public const string Approve = "Approve";

    /// <summary>Answers a plan's design gate (argument: who rejected it and why).</summary>
    public const string Reject = "Reject";
}
