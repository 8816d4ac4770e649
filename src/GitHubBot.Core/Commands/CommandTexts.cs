using System.Globalization;
using System.Text;

namespace GitHubBot.Core.Commands;

/// <summary>What the command workflow replies: refusals, and the /status of gates and plans. One place, unit-tested.</summary>
public static class CommandTexts
{
    /// <summary>Nothing of GitHubBot's was ever run on the issue or PR.</summary>
    public static string NothingYet(int number) => string.Create(CultureInfo.InvariantCulture, $"GitHubBot has run nothing on #{number} yet.");

    /// <summary>/cancel found nothing running.</summary>
    public static string NothingRunning(int number) => string.Create(CultureInfo.InvariantCulture, $"Nothing of GitHubBot's is running on #{number}.");

    /// <summary>A command whose author lacks the permission it needs.</summary>
    public static string Refused(string command, AccessLevel required, string owner, string repo, string has) =>
        $"Sorry, `/{command}` needs {required.ToString().ToLowerInvariant()} permission on {owner}/{repo}, and you have {has}. Ask a maintainer to run it.";

    /// <summary>The trigger label added by someone who may not start a plan.</summary>
    public static string LabelRefused(string author, string label, AccessLevel required, string owner, string repo, string has) =>
        $"@{author} GitHubBot starts work from the `{label}` label only when it is added by someone with {required.ToString().ToLowerInvariant()} permission on {owner}/{repo}; you have {has}. Ask a maintainer to add it.";

    /// <summary>/status on a PR: its newest gates (at most three), each with its stage and checks.</summary>
    public static string GatesStatus(int pullRequest, IReadOnlyList<GateInfo> gates)
    {
        ArgumentNullException.ThrowIfNull(gates);
        if (gates.Count == 0)
        {
            return NothingYet(pullRequest);
        }

        var text = new StringBuilder();
        foreach (var gate in gates.Take(3))
        {
            text.Append(CultureInfo.InvariantCulture, $"**Quality gate** {Link(gate.WorkflowId, gate.Url)}: {(gate.Running ? "running" : "finished")}");
            if (gate.Status is { } status)
            {
                text.Append(CultureInfo.InvariantCulture, $", {status.Stage}, {status.ChecksDone}/{status.ChecksTotal} checks done");
                if (status.WaitingForOkToTest)
                {
                    text.Append(", waiting for `/ok-to-test`");
                }

                text.Append('\n');
                foreach (var check in status.Checks)
                {
                    text.Append(CultureInfo.InvariantCulture, $"- {check.Name.Replace('_', ' ')}: {check.State.Replace('_', ' ')}\n");
                }
            }
            else
            {
                text.Append('\n');
            }

            text.Append('\n');
        }

        return text.ToString().TrimEnd() + "\n";
    }

    /// <summary>/status on an issue: its plan → patch → PR run, how far it got.</summary>
    public static string PlanStatus(int issue, PlanInfo? plan)
    {
        if (plan is null)
        {
            return NothingYet(issue);
        }

        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"**Plan → patch → PR** ({Link(plan.WorkflowId, plan.Url)}): {(plan.Running ? "running" : "finished")}");
        if (plan.Status is { } status)
        {
            text.Append(CultureInfo.InvariantCulture, $", {status.Stage}\n");
            text.Append(CultureInfo.InvariantCulture, $"- design: {(status.HasDesign ? "written" : "not yet")}{(status.WaitingForApproval ? ", waiting for `/approve`" : string.Empty)}\n");
            text.Append(CultureInfo.InvariantCulture, $"- sub-issues: {status.IssuesCount}, patches: {status.PatchesCount}\n");
            text.Append(CultureInfo.InvariantCulture, $"- quality gate: {(status.QaCompleted ? $"{status.QaScore:0.#}/100" : "not run yet")}{(status.FixRound > 0 ? $", fix round {status.FixRound}" : string.Empty)}\n");
            text.Append(CultureInfo.InvariantCulture, $"- pull request: {(status.PrCreated ? status.PrUrl : "not yet")}\n");
            text.Append(CultureInfo.InvariantCulture, $"- agents: {status.Iterations} calls, {status.TokensUsed} tokens\n");
        }
        else
        {
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A plan already works on the issue.</summary>
    public static string PlanAlreadyRunning(int issue, PlanInfo plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return string.Create(CultureInfo.InvariantCulture, $"GitHubBot is already working on #{issue} ({Link(plan.WorkflowId, plan.Url)}); `/status` shows how far it got, `/cancel` stops it.");
    }

    /// <summary>A workflow's ID, linked to its page in the Temporal UI when there is one.</summary>
    public static string Link(string workflowId, string? url) => url is { } link ? $"[`{workflowId}`]({link})" : $"`{workflowId}`";
}
