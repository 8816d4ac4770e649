using System.Globalization;
using System.Text;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.PlanPatchPr;

/// <summary>What plan → patch → PR writes: the design comment, sub-issues, the agents' tasks and the PR. One place, unit-tested.</summary>
public static class PlanTexts
{
    /// <summary>The label of the sub-issues GitHubBot opens.</summary>
    public const string SubIssueLabel = "ghbot:sub-issue";

    /// <summary>The label sub-issues get when their run was undone.</summary>
    public const string AbandonedLabel = "ghbot:abandoned";

    /// <summary>What the issue asks (its body without GitHubBot's task list), and what /plan added to it.</summary>
    public static string Requirement(IssueInfo issue, string? alsoAsked)
    {
        ArgumentNullException.ThrowIfNull(issue);
        var body = issue.Body;
        var start = body.IndexOf(TaskListRequest.Start, StringComparison.Ordinal);
        if (start >= 0)
        {
            body = body[..start].TrimEnd();
        }

        return string.IsNullOrWhiteSpace(alsoAsked) ? body : $"{body}\n\n**Also asked for**: {alsoAsked}";
    }

    /// <summary>The title of the issue filed for a requirement given alone: its first line, at most 80 characters.</summary>
    public static string IssueTitle(string requirement)
    {
        ArgumentNullException.ThrowIfNull(requirement);
        var firstLine = requirement.Trim().Split('\n')[0].Trim();
        return firstLine.Length > 80 ? firstLine[..77] + "..." : firstLine;
    }

    /// <summary>The body of the issue filed for a requirement given alone.</summary>
    public static string IssueBody(string requirement, string? requestedBy, string trigger) =>
        $"{requirement.Trim()}\n\n_Filed by GitHubBot for {requestedBy ?? "an operator"} ({trigger})._";

    /// <summary>The architect's design as a comment on the issue, asking for /approve when the configuration wants it.</summary>
    public static string DesignComment(DesignAnswer design, bool approval)
    {
        ArgumentNullException.ThrowIfNull(design);
        var text = new StringBuilder("### Design (GitHubBot architect)\n\n").Append(design.Design.Trim()).Append("\n\n");
        if (design.Risks.Count > 0)
        {
            text.Append("**Risks**\n\n").AppendJoin('\n', design.Risks.Select(r => $"- {r}")).Append("\n\n");
        }

        if (design.Files.Count > 0)
        {
            text.Append("**Files likely touched**: ").AppendJoin(", ", design.Files.Select(f => $"`{f}`")).Append("\n\n");
        }

        if (approval)
        {
            text.Append("Comment `/approve` to go on, or `/reject [reason]` to stop.\n");
        }

        return text.ToString();
    }

    /// <summary>Why the design gate ended without an approval: a rejection (with its reason) or the timeout.</summary>
    public static string NotApproved(PlanDecision? decision, TimeSpan timeout) =>
        decision is not null
            ? $"@{decision.By} rejected the design{(string.IsNullOrWhiteSpace(decision.Reason) ? "." : $": {decision.Reason}")}"
            : string.Create(CultureInfo.InvariantCulture, $"Nobody approved the design within {timeout.TotalHours:0} hours.");

    /// <summary>The body of one sub-issue: its parent, what to do, its acceptance criteria, files and dependencies.</summary>
    /// <param name="parent">The parent issue's number.</param>
    /// <param name="sub">The planner's sub-issue.</param>
    /// <param name="opened">The numbers of the sub-issues opened before this one, by index.</param>
    public static string SubIssueBody(int parent, SubIssuePlan sub, IReadOnlyList<int> opened)
    {
        ArgumentNullException.ThrowIfNull(sub);
        ArgumentNullException.ThrowIfNull(opened);
        var body = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Part of #{parent}.\n\n{sub.Body}\n\n**Acceptance criteria**\n\n")
            .AppendJoin('\n', sub.AcceptanceCriteria.Select(c => $"- [ ] {c}"));
        if (sub.Files.Count > 0)
        {
            body.Append("\n\n**Files**: ").AppendJoin(", ", sub.Files.Select(f => $"`{f}`"));
        }

        if (sub.DependsOn.Count > 0)
        {
            body.Append("\n\n**After**: ").AppendJoin(", ", sub.DependsOn.Select(d => d < opened.Count ? $"#{opened[d]}" : $"sub-issue {d + 1}"));
        }

        return body.ToString();
    }

    /// <summary>The parent issue's task list of its sub-issues.</summary>
    public static string TaskList(IEnumerable<int> subIssues) =>
        "**Sub-issues (GitHubBot)**\n\n" + string.Join("\n", subIssues.Select(s => $"- [ ] #{s}"));

    /// <summary>The task of the planner: the issue and the design.</summary>
    public static string PlannerTask(IssueInfo issue, string requirement, DesignAnswer design)
    {
        ArgumentNullException.ThrowIfNull(issue);
        ArgumentNullException.ThrowIfNull(design);
        return $"{Heading(issue)}\n\n{requirement}\n\n# Design\n\n{design.Design}";
    }

    /// <summary>The task of one sub-issue's coder.</summary>
    public static string CoderTask(IssueInfo issue, DesignAnswer design, SubIssuePlan sub, int subIssue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(sub);
        return $"# Sub-issue #{subIssue}: {sub.Title}\n\n{sub.Body}\n\n## Acceptance criteria\n\n{string.Join("\n", sub.AcceptanceCriteria.Select(c => $"- {c}"))}\n\n"
            + $"## Files\n\n{string.Join("\n", sub.Files.Select(f => $"- {f}"))}\n\n# Parent issue #{issue.Number}: {issue.Title}\n\n# Design\n\n{design.Design}";
    }

    /// <summary>The files a sub-issue's coder is shown: its own, then the design's.</summary>
    public static IReadOnlyList<string> CoderFiles(SubIssuePlan sub, DesignAnswer design)
    {
        ArgumentNullException.ThrowIfNull(sub);
        ArgumentNullException.ThrowIfNull(design);
        return [.. sub.Files.Concat(design.Files).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The commit message of a sub-issue's patch (the coder's summary follows).</summary>
    public static string PatchMessage(SubIssuePlan sub, int subIssue) => $"{sub.Title}\n\nCloses #{subIssue}.";

    /// <summary>What a coder whose patch conflicts with the ones merged before it is told.</summary>
    public static string Conflict(IEnumerable<string> conflicts) =>
        "Your edits conflict with the changes of the other sub-issues, which are already in the files you are shown now:\n"
        + string.Join("\n", conflicts.Select(c => $"- {c}"));

    /// <summary>The commit message of the reviewer's edits.</summary>
    public static string ReviewMessage(int issue, ReviewAnswer review)
    {
        ArgumentNullException.ThrowIfNull(review);
        // The reviewer's words close nothing: "Fixes #7" in a commit that reaches the default branch would close #7.
        return $"Apply review findings for #{issue}\n\n{ClosingKeywords.Neutralize(string.Join("\n", review.Findings.Select(f => $"- {f.Severity}: {f.Message}")), [])}";
    }

    /// <summary>
    /// The PR's body: what it closes, the design, the review. It closes the issue and its sub-issues only: a closing
    /// keyword in the agents' words that names any other issue becomes a reference.
    /// </summary>
    public static string PullRequestBody(int issue, IEnumerable<int> subIssues, DesignAnswer design, ReviewAnswer review)
    {
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(review);
        ArgumentNullException.ThrowIfNull(subIssues);
        var subs = subIssues.ToList();
        var owned = new HashSet<int>(subs) { issue };
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Closes #{issue}.\n\n")
            .AppendJoin('\n', subs.Select(s => $"Closes #{s}."))
            .Append("\n\n### Design\n\n")
            .Append(design.Design.Trim())
            .Append("\n\n### Review\n\n")
            .Append(review.Approve ? "The reviewer approved the change." : "The reviewer asked for changes.");
        foreach (var finding in review.Findings)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- **{finding.Severity}**{(finding.Path is { Length: > 0 } path ? $" `{path}`" : string.Empty)}: {finding.Message}");
        }

        text.Append("\n\n<sub>Written by GitHubBot's agents; the quality gate checks it before it is marked ready.</sub>\n");
        return ClosingKeywords.Neutralize(text.ToString(), owned);
    }

    /// <summary>"# Issue #12: Multiply numbers", the heading the agents read the issue under.</summary>
    public static string Heading(IssueInfo issue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        return $"# Issue #{issue.Number}: {issue.Title}";
    }
}
