using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.ChangeRequests;

/// <summary>Branch names of change requests: new for every run, so no run ever pushes to, or undoes, another's branch.</summary>
public static class ChangeBranches
{
    /// <summary>Where every branch GitHubBot pushes a change to lives; a change request refuses any other.</summary>
    public const string Namespace = "ghbot/";

    /// <summary>
    /// "{prefix}-{eight hex digits of the run ID's hash}". Run IDs are time-ordered, so their first characters repeat
    /// for runs started within a minute; a hash of the whole ID does not.
    /// </summary>
    public static string For(string prefix, string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return $"{prefix}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(runId)))[..8]}";
    }
}

/// <summary>What a change request says on GitHub and to its fixer: one place, unit-tested.</summary>
public static class ChangeTexts
{
    /// <summary>The progress steps a change request owns, in order.</summary>
    public static readonly IReadOnlyList<string> Steps = ["Branch", "Pull request", "Quality gate", "Merge"];

    /// <summary>The most of one failed check's summary the fixer and the PR comment are shown (its end: where the failures are).</summary>
    public const int MaxCheckSummary = 4000;

    /// <summary>A score as people read it, e.g. "72.5/100".</summary>
    public static string Score(double score) => string.Create(CultureInfo.InvariantCulture, $"{score:0.#}/100");

    /// <summary>The gate's blocking issues and each failed check's summary (its end).</summary>
    public static string GateFailures(QualityGateResult gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        var text = new StringBuilder("**Quality gate failures**\n\n");
        foreach (var issue in gate.BlockingIssues)
        {
            text.Append("- ").Append(issue).Append('\n');
        }

        foreach (var check in gate.Checks.Where(c => !c.Passed && !c.Neutral))
        {
            var summary = check.Summary.Length > MaxCheckSummary ? "…" + check.Summary[^MaxCheckSummary..] : check.Summary;
            text.Append("\n**").Append(check.Name.Replace('_', ' ')).Append("** failed:\n\n").Append(summary).Append('\n');
            if (check.Findings.Count > 0)
            {
                text.Append("\nFindings (rule, place):\n");
                foreach (var finding in check.Findings)
                {
                    text.Append(CultureInfo.InvariantCulture, $"- `{finding.Path}:{finding.StartLine}` {GitHubText.Inline(finding.Title ?? "finding")}: {GitHubText.Inline(finding.Message)}\n");
                }
            }

            if (check.ChangedLines is { Uncovered.Count: > 0 } changed)
            {
                text.Append("\nChanged lines no test runs:\n");
                foreach (var span in changed.Uncovered.Take(CheckOutcome.MaxFindings))
                {
                    text.Append(CultureInfo.InvariantCulture, $"- {GateFixes.Describe(span)}\n");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The fixer's task: make the gate pass, with its failures and the change's context.</summary>
    public static string FixTask(FixPolicy fix, QualityGateResult gate)
    {
        ArgumentNullException.ThrowIfNull(fix);
        return $"# Make the quality gate pass for {fix.Goal}\n\nThe branch implements the design below, but the quality gate failed. "
            + $"Change the code (not the tests' expectations, unless they are wrong) so the failing checks pass.\n\n{GateFailures(gate)}\n\n{fix.Context}";
    }

    /// <summary>The message of the commit of one round's fixes.</summary>
    public static string FixCommit(int round, string reference) =>
        string.Create(CultureInfo.InvariantCulture, $"Fix the quality gate's failures (round {round}) for {reference}");

    /// <summary>The comment on a PR left as a draft because its gate still fails.</summary>
    public static string StaysDraft(QualityGateResult gate, int rounds)
    {
        ArgumentNullException.ThrowIfNull(gate);
        return string.Create(CultureInfo.InvariantCulture, $"GitHubBot could not make the quality gate pass ({Score(gate.OverallScore)}) in {rounds} fix rounds, so this stays a draft.\n\n{GateFailures(gate)}");
    }

    /// <summary>What undoing did, as a sentence ("GitHubBot closed #12, deleted the branch `x`."); empty when nothing was undone.</summary>
    public static string Undone(IReadOnlyList<string> undone)
    {
        ArgumentNullException.ThrowIfNull(undone);
        return undone.Count == 0 ? string.Empty : $"GitHubBot {string.Join(", ", undone)}.";
    }
}
