using System.Globalization;
using System.Text;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.IncidentSwarm;

/// <summary>What an incident writes: its issue, its progress, the agents' tasks, the hotfix PR and the postmortem.</summary>
public static partial class IncidentTexts
{
    /// <summary>The label of incident issues.</summary>
    public const string IncidentLabel = "ghbot:incident";

    /// <summary>The label of hotfix PRs.</summary>
    public const string HotfixLabel = "hotfix";

    /// <summary>Marks the incident's progress comment on its issue.</summary>
    public const string ProgressMarker = "<!-- ghbot:incident-progress -->";

    /// <summary>The perspectives the diagnostic agents take, in turn.</summary>
    public static readonly IReadOnlyList<string> Perspectives = ["metrics", "logs", "recent changes", "the alert itself", "dependencies and configuration"];

    /// <summary>The progress steps of an incident.</summary>
    public static readonly IReadOnlyList<string> Steps = ["Context", "Diagnosis", "Consensus", "Decision", "Resolved", "Postmortem"];

    /// <summary>The hidden marker that ties an issue or PR to its incident (the commands on it find the incident by it).</summary>
    public static string Marker(string workflowId) => $"<!-- ghbot:incident {workflowId} -->";

    /// <summary>The incident's workflow ID in a body that carries its marker; null when it carries none.</summary>
    public static string? WorkflowIdIn(string? body)
    {
        const string start = "<!-- ghbot:incident ";
        // The real marker is always the last thing GitHubBot writes; anything before it may have come from outside.
        var at = body?.LastIndexOf(start, StringComparison.Ordinal) ?? -1;
        if (at < 0)
        {
            return null;
        }

        var end = body!.IndexOf(" -->", at + start.Length, StringComparison.Ordinal);
        var id = end < 0 ? null : body[(at + start.Length)..end];
        return id is { Length: > 0 and <= 400 } && id.StartsWith("incident/", StringComparison.Ordinal) && !id.Contains('\n', StringComparison.Ordinal) ? id : null;
    }

    public static string IssueTitle(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var title = Quote($"Incident: {alert.Name}{(alert.Service is { } service && service != alert.Name ? $" on {service}" : string.Empty)} — {alert.Summary}");
        return title.Length > 200 ? title[..197] + "..." : title;
    }

    /// <summary>The incident issue's body: what fired, where to look; the hypotheses are added when there is a decision.</summary>
    public static string IssueBody(Alert alert, string workflowId, Consensus? consensus, string? decision)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"**{Quote(alert.Severity)}** alert `{Code(alert.Name)}` from {alert.Source}, firing since {alert.StartsAt:u}.\n\n> {Quote(alert.Summary)}\n\n");
        if (alert.GeneratorUrl is { } url)
        {
            text.Append(CultureInfo.InvariantCulture, $"Source: {Quote(url)}\n\n");
        }

        if (alert.GitHub is { } github)
        {
            text.Append(CultureInfo.InvariantCulture, $"GitHub {github.Kind.Replace('_', ' ')} alert #{github.Number}: {Quote(github.Rule ?? "?")} — {Quote(github.Detail ?? string.Empty)}{(github.Url is null ? string.Empty : $" ({github.Url})")}\n\n");
            if (github.IsSecret)
            {
                text.Append("**Rotate this secret now**: revoke it where it was issued, issue a new one, and store it outside the repository. GitHubBot never fixes secret alerts by itself.\n\n");
            }
        }

        if (decision is not null)
        {
            text.Append("### Decision\n\n").Append(decision).Append("\n\n");
        }

        if (consensus is not null)
        {
            text.Append(Hypotheses(consensus));
        }

        text.Append("\nComment `/status`, `/rollback` or `/cancel` here (write permission).\n\n");
        var marker = Marker(workflowId) + "\n";
        return GitHubText.Truncate(text.ToString(), GitHubText.MaxLength - marker.Length) + marker;
    }

    /// <summary>The ranked hypotheses with their confidence, supporters and evidence (verified items marked).</summary>
    public static string Hypotheses(Consensus consensus)
    {
        ArgumentNullException.ThrowIfNull(consensus);
        var text = new StringBuilder("### Hypotheses\n\n");
        if (consensus.Hypotheses.Count == 0)
        {
            return text.Append("No agent gave a usable diagnosis.\n").ToString();
        }

        var rank = 1;
        foreach (var hypothesis in consensus.Hypotheses)
        {
            text.Append(CultureInfo.InvariantCulture, $"{rank++}. **{Quote(hypothesis.RootCause)}** ({hypothesis.Category}) — confidence {hypothesis.Confidence:0.00}, agents {string.Join(", ", hypothesis.Supporters)}\n");
            foreach (var evidence in hypothesis.Evidence)
            {
                text.Append(CultureInfo.InvariantCulture, $"   - {evidence.Source} `{Code(evidence.Ref)}`: {Quote(evidence.Detail)}\n");
            }

            if (hypothesis.SuggestedFix.Length > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"   - suggested fix: {Quote(hypothesis.SuggestedFix)}\n");
            }
        }

        if (consensus.Dissent.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\nDissenting agents: {string.Join(", ", consensus.Dissent)}.");
        }

        if (consensus.Unanswered.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\nAgents without a usable answer: {string.Join(", ", consensus.Unanswered)}.");
        }

        return text.Append('\n').ToString();
    }

    /// <summary>One line per hypothesis, for the Status query and the result.</summary>
    public static IReadOnlyList<string> HypothesisLines(Consensus consensus)
    {
        ArgumentNullException.ThrowIfNull(consensus);
        return [.. consensus.Hypotheses.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Confidence:0.00} {h.Category}: {h.RootCause} (agents {string.Join(", ", h.Supporters)})"))];
    }

    /// <summary>/status on an incident's issue or hotfix PR: its stage, diagnoses, consensus and links.</summary>
    public static string StatusReply(IncidentInfo incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var link = incident.Url is { } url ? $"[`{incident.WorkflowId}`]({url})" : $"`{incident.WorkflowId}`";
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"**Incident** {link}: {(incident.Running ? "running" : "finished")}");
        if (incident.Status is not { } status)
        {
            return text.Append('\n').ToString();
        }

        text.Append(CultureInfo.InvariantCulture, $", {status.Stage}\n");
        text.Append(CultureInfo.InvariantCulture, $"- diagnoses: {status.DiagnosesCount}\n");
        text.Append(CultureInfo.InvariantCulture, $"- consensus: {(status.ConsensusReached ? "reached" : "not reached")}, confidence {status.ConsensusConfidence:0.00}\n");
        foreach (var hypothesis in status.Hypotheses)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - {Quote(hypothesis)}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"- hotfix: {(status.HotfixPrUrl is { } pr ? $"{pr}{(status.FixApplied ? " (applied)" : string.Empty)}" : "none")}\n");
        text.Append(CultureInfo.InvariantCulture, $"- alert: {(status.Resolved ? "resolved" : "firing")}, {status.Repeats} repeats\n");
        return text.ToString();
    }

    /// <summary>A diagnostic agent's task: its perspective on the alert and the context.</summary>
    public static string DiagnoserTask(string perspective, string renderedContext) =>
        $"# Diagnose this production incident\n\nLook at it mainly through **{perspective}**, but use everything below. Name the most likely root cause, "
        + "its category, and evidence that points at what is shown here (a query's name, a log line as shown, a commit SHA or PR number, an alert label). "
        + "Give your honest confidence (0 to 1): evidence that points at nothing shown counts for less.\n\n"
        + renderedContext;

    /// <summary>The coder's task for the hotfix: the consensus, its evidence, and the files its supporters name.</summary>
    public static string HotfixTask(Alert alert, Hypothesis hypothesis)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(hypothesis);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"# Hotfix for the incident `{Code(alert.Name)}`\n\nThe alert says: {Quote(alert.Summary)}\n\n")
            .Append(CultureInfo.InvariantCulture, $"The diagnostic agents agree (confidence {hypothesis.Confidence:0.00}) that the root cause is: {hypothesis.RootCause}\n\n")
            .Append(CultureInfo.InvariantCulture, $"Suggested fix: {hypothesis.SuggestedFix}\n\nEvidence:\n");
        foreach (var evidence in hypothesis.Evidence)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {evidence.Source} `{evidence.Ref}`: {evidence.Detail}\n");
        }

        return text.Append("\nMake the smallest change that removes the cause; keep the tests passing.").ToString();
    }

    /// <summary>The hotfix PR's title.</summary>
    public static string HotfixTitle(Alert alert, Hypothesis hypothesis)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(hypothesis);
        var title = Quote($"Hotfix: {alert.Name} — {hypothesis.RootCause}");
        return title.Length > 120 ? title[..117] + "..." : title;
    }

    /// <summary>The hotfix PR's body: the incident, the consensus, the evidence, how to undo it.</summary>
    public static string HotfixBody(Alert alert, Consensus consensus, int? issue, string workflowId)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(consensus);
        var marker = Marker(workflowId) + "\n";
        return GitHubText.Truncate(
            $"Hotfix for the incident `{Code(alert.Name)}`{(issue is { } number ? $" (#{number})" : string.Empty)}.\n\n{Hypotheses(consensus)}\n"
            + "Comment `/rollback` to undo it while the incident is open: before the merge the PR is closed and its branch deleted; after it, a revert PR is opened.\n\n",
            GitHubText.MaxLength - marker.Length) + marker;
    }

    /// <summary>A short name for branches and file names: lower case letters, digits and dashes.</summary>
    public static string Slug(string text, int limit = 40)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slug = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }

            if (slug.Length >= limit)
            {
                break;
            }
        }

        var result = slug.ToString().Trim('-');
        return result.Length == 0 ? "incident" : result;
    }

    /// <summary>
    /// The postmortem: summary and impact, root cause, the hypotheses with their evidence, the timeline from the
    /// incident's own events, the actions taken, and links.
    /// </summary>
    public static string Postmortem(Alert alert, Consensus? consensus, IReadOnlyList<TimelineEntry> timeline, IReadOnlyList<string> actions, IReadOnlyList<string> links, DateTimeOffset? resolvedAt, int repeats)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(links);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"# Postmortem: {Quote(alert.Name)}{(alert.Service is { } service ? $" on {Quote(service)}" : string.Empty)}\n\n")
            .Append("## Summary\n\n")
            .Append(CultureInfo.InvariantCulture, $"- alert: `{Code(alert.Name)}` ({Quote(alert.Severity)}) from {alert.Source}, fingerprint `{Code(alert.Fingerprint)}`\n")
            .Append(CultureInfo.InvariantCulture, $"- said: {Quote(alert.Summary)}\n")
            .Append(CultureInfo.InvariantCulture, $"- started: {alert.StartsAt:u}\n")
            .Append(resolvedAt is { } resolved
                ? string.Create(CultureInfo.InvariantCulture, $"- resolved: {resolved:u} ({Duration(resolved - alert.StartsAt)})\n")
                : "- resolved: not yet when this was written\n")
            .Append(CultureInfo.InvariantCulture, $"- notifications: {repeats + 1}\n\n")
            .Append("## Impact\n\n")
            .Append(CultureInfo.InvariantCulture, $"{(alert.Service is { } affected ? $"The service `{Code(affected)}`" : "The alerting system")} reported `{Code(alert.Name)}` at severity {Quote(alert.Severity)}{(resolvedAt is { } end ? string.Create(CultureInfo.InvariantCulture, $" for {Duration(end - alert.StartsAt)}") : string.Empty)}.\n\n")
            .Append("## Root cause\n\n")
            .Append(consensus?.Top is { } top
                ? string.Create(CultureInfo.InvariantCulture, $"{(consensus.Reached ? "Agreed" : "Most likely, without a consensus")}: {Quote(top.RootCause)} ({top.Category}, confidence {top.Confidence:0.00}).\n\n")
                : "Undetermined.\n\n");
        if (consensus is not null)
        {
            text.Append(Hypotheses(consensus)[1..]).Append('\n');
        }

        text.Append("## Timeline (UTC)\n\n");
        foreach (var entry in timeline)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {entry.At:HH:mm:ss} {entry.What}\n");
        }

        text.Append("\n## Actions\n\n");
        foreach (var action in actions.DefaultIfEmpty("None taken by GitHubBot."))
        {
            text.Append("- ").Append(action).Append('\n');
        }

        if (links.Count > 0)
        {
            text.Append("\n## Links\n\n");
            foreach (var link in links)
            {
                text.Append("- ").Append(link).Append('\n');
            }
        }

        return GitHubText.Truncate(text.ToString());
    }

    /// <summary>Where the postmortem is kept in the repository: docs/postmortems/{date}-{slug}.md.</summary>
    public static string PostmortemPath(Alert alert, DateTimeOffset when)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{alert.Source}/{alert.Fingerprint}")))[..8];
        return string.Create(CultureInfo.InvariantCulture, $"docs/postmortems/{when:yyyy-MM-dd}-{Slug(alert.Name)}-{key}.md");
    }

    /// <summary>A duration as people read it: "1 h 5 min", "7 min", "40 s".</summary>
    public static string Duration(TimeSpan span) =>
        span < TimeSpan.Zero ? "0 s"
        : span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes} min")
        : span.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds} s");

    /// <summary>
    /// Text from outside, safe on one line of markdown: no line breaks, no HTML comments that could fake a marker, no
    /// @mentions that ping people, no #123 references that link (or, after "closes", close) other issues.
    /// </summary>
    public static string Quote(string text) => GitHubText.Inline(text);

    private static string Code(string text) => Quote(text).Replace('`', '\'');
}
