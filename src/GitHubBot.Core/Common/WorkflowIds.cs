using System.Globalization;

namespace GitHubBot.Core.Common;

/// <summary>
/// Business-key workflow IDs. The same key always yields the same ID, so a
/// redelivered event finds the workflow it already started. IDs are not encrypted: no secrets here.
/// </summary>
public static class WorkflowIds
{
    public static string QualityGate(string owner, string repo, int pullRequest, string headSha) =>
        string.Create(CultureInfo.InvariantCulture, $"gate/{owner}/{repo}/{pullRequest}/{headSha}");

    /// <summary>What every gate ID of one PR starts with (the trailing slash keeps PR 1 apart from PR 12).</summary>
    public static string QualityGatePrefix(string owner, string repo, int pullRequest) =>
        string.Create(CultureInfo.InvariantCulture, $"gate/{owner}/{repo}/{pullRequest}/");

    /// <summary>A gate an operator started (its head is looked up when it runs).</summary>
    public static string QualityGateManual(string owner, string repo, int pullRequest, string requestId) =>
        string.Create(CultureInfo.InvariantCulture, $"gate/{owner}/{repo}/{pullRequest}/manual-{requestId}");

    /// <summary>
    /// A re-run of a PR head's gate: <paramref name="key"/> comes from the signed payload (the check run's or suite's ID
    /// and time, never the unsigned delivery header), so a replayed body finds the gate it already started.
    /// </summary>
    public static string QualityGateRerun(string owner, string repo, int pullRequest, string headSha, string key) =>
        string.Create(CultureInfo.InvariantCulture, $"gate/{owner}/{repo}/{pullRequest}/{headSha}/rerun-{key}");

    /// <summary>The commands of one comment: a redelivered comment finds the workflow that already ran them.</summary>
    public static string CommentCommands(string owner, string repo, long commentId) =>
        string.Create(CultureInfo.InvariantCulture, $"command/{owner}/{repo}/comment-{commentId}");

    /// <summary>One click of a check-run button, by <paramref name="key"/> from the signed payload (check run, button, clicker, time).</summary>
    public static string ButtonCommand(string owner, string repo, string key) =>
        string.Create(CultureInfo.InvariantCulture, $"command/{owner}/{repo}/button-{key}");

    /// <summary>
    /// One label added to an issue (the trigger label starts plan → patch → PR), by <paramref name="key"/> from the signed
    /// payload (issue, label, the issue's update time).
    /// </summary>
    public static string LabelCommand(string owner, string repo, string key) =>
        string.Create(CultureInfo.InvariantCulture, $"command/{owner}/{repo}/label-{key}");

    /// <summary>Plan → patch → PR started by an operator from a requirement alone (the same text finds the same run).</summary>
    public static string PlanPatchPrRequirement(string owner, string repo, string requirement) =>
        PlanPatchPrRequirementPrefix(owner, repo) + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(requirement.Trim())))[..12];

    /// <summary>What the IDs of every plan started from a requirement alone on the repository start with.</summary>
    public static string PlanPatchPrRequirementPrefix(string owner, string repo) =>
        string.Create(CultureInfo.InvariantCulture, $"plan/{owner}/{repo}/requirement-");

    public static string PlanPatchPr(string owner, string repo, int issue) =>
        string.Create(CultureInfo.InvariantCulture, $"plan/{owner}/{repo}/{issue}");

    /// <summary>The change request of one branch: a plan's, a hotfix's or a migration's pull request (branches are unique per run).</summary>
    public static string ChangeRequest(string owner, string repo, string branch) =>
        string.Create(CultureInfo.InvariantCulture, $"change/{owner}/{repo}/{branch}");

    /// <summary>The incident of one alert: its source (alertmanager, grafana, generic) and the alert's fingerprint there.</summary>
    public static string Incident(string source, string fingerprint) =>
        string.Create(CultureInfo.InvariantCulture, $"incident/{source}/{fingerprint}");

    /// <summary>The monitor that polls one configured Alertmanager.</summary>
    public static string AlertmanagerMonitor(string name) =>
        string.Create(CultureInfo.InvariantCulture, $"monitor/alertmanager/{name}");

    /// <summary>
    /// The Schedule of the redelivery sweeper of the workers polling <paramref name="taskQueue"/>, and the workflow ID
    /// its runs start with (Temporal appends each run's time).
    /// </summary>
    public static string RedeliverySweep(string taskQueue) =>
        string.Create(CultureInfo.InvariantCulture, $"redelivery-sweep/{taskQueue}");

    public static string GitHubIncident(string owner, string repo, string alertKind, int number) =>
        string.Create(CultureInfo.InvariantCulture, $"incident/github/{owner}/{repo}/{alertKind}/{number}");

    /// <summary>
    /// The migration of a repository to a target: <c>migration/{owner}/{repo}/{type}/{to}</c>, the type in lower case
    /// (a second request for the same target finds the running one).
    /// </summary>
    public static string CodeMigration(string owner, string repo, string type, string to) =>
        string.Create(CultureInfo.InvariantCulture, $"migration/{owner}/{repo}/{type.Trim().ToLowerInvariant()}/{to.Trim()}");

    /// <summary>What the IDs of every migration of a repository start with.</summary>
    public static string CodeMigrationPrefix(string owner, string repo) =>
        string.Create(CultureInfo.InvariantCulture, $"migration/{owner}/{repo}/");
}
