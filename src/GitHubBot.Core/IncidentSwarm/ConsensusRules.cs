using System.Text.RegularExpressions;

namespace GitHubBot.Core.IncidentSwarm;

/// <summary>
/// The consensus of the diagnostic agents, computed in code, not asked of another model. Answers are grouped by
/// category and by what their causes say (their words, or a commit they both blame); a group's confidence is the
/// agreement of all the agents asked, weighted by its members' own confidence and by how much of their evidence
/// points at something really in the context — so one self-assured agent, or a few that cite nothing real, cannot
/// reach the threshold alone.
/// </summary>
public static partial class ConsensusRules
{
    /// <summary>The categories a diagnosis may name (its role's schema holds the same list).</summary>
    public static readonly IReadOnlyList<string> Categories =
        ["code-regression", "configuration", "dependency", "capacity", "infrastructure", "external", "data", "unknown"];

    /// <summary>How many hypotheses are kept.</summary>
    public const int MaxHypotheses = 3;

    /// <summary>How alike two causes' words must be (Jaccard of their significant words) to be one hypothesis.</summary>
    public const double SameCause = 0.3;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "was", "were", "are", "that", "this", "with", "from", "into", "after", "before", "because", "caused",
        "causing", "cause", "due", "which", "when", "its", "has", "have", "had", "not", "but", "been", "being", "than", "then",
        "there", "their", "they", "them", "what", "while", "some", "most", "more", "less", "very", "too", "also", "all", "any",
    };

    /// <summary>The consensus of <paramref name="diagnoses"/> (one per agent asked, answered or not).</summary>
    /// <param name="diagnoses">Every agent's diagnosis.</param>
    /// <param name="context">What the agents were shown, to verify their evidence against.</param>
    /// <param name="alert">The alert, whose labels are evidence too.</param>
    /// <param name="threshold">The confidence the first hypothesis needs to be a consensus.</param>
    public static Consensus Decide(IReadOnlyList<Diagnosis> diagnoses, IncidentContext context, Alert alert, double threshold)
    {
        ArgumentNullException.ThrowIfNull(diagnoses);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(alert);
        var asked = Math.Max(1, diagnoses.Count);
        var answered = diagnoses.Where(d => d.Answer is not null).OrderByDescending(d => Clamp(d.Answer!.Confidence)).ThenBy(d => d.Agent).ToList();
        var groups = new List<List<Diagnosis>>();
        foreach (var diagnosis in answered)
        {
            var home = groups.FirstOrDefault(group => Agree(group[0].Answer!, diagnosis.Answer!));
            if (home is null)
            {
                groups.Add([diagnosis]);
            }
            else
            {
                home.Add(diagnosis);
            }
        }

        var hypotheses = groups
            .Select(group => Hypothesis(group, asked, context, alert))
            .OrderByDescending(h => h.Confidence)
            .ThenByDescending(h => h.Supporters.Count)
            .ThenBy(h => h.Supporters[0])
            .Take(MaxHypotheses)
            .ToList();
        var top = hypotheses.FirstOrDefault();
        var reached = top is not null && top.Confidence >= threshold && top.Supporters.Count >= 2;
        var dissent = answered.Select(d => d.Agent).Where(agent => top is null || !top.Supporters.Contains(agent)).Order().ToList();
        var unanswered = diagnoses.Where(d => d.Answer is null).Select(d => d.Agent).Order().ToList();
        return new Consensus(hypotheses, reached, dissent, unanswered);
    }

    /// <summary>
    /// How much of an evidence list points at something really there: a query or series that was read, a log line
    /// that was seen, a commit or PR of the recent changes, a label of the alert.
    /// </summary>
    public static bool Verified(Evidence evidence, IncidentContext context, Alert alert)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(alert);
        var reference = evidence.Ref.Trim();
        if (reference.Length == 0)
        {
            return false;
        }

        return evidence.Source switch
        {
            "metrics" => context.Metrics.Series.Any(s => s.Query.Equals(reference, StringComparison.OrdinalIgnoreCase) || (reference.Length >= 4 && s.Labels.Contains(reference, StringComparison.OrdinalIgnoreCase)))
                || alert.Metrics.ContainsKey(reference),
            "logs" => reference.Length >= 10 && (context.Logs.Lines.Any(l => l.Text.Contains(Fold(reference), StringComparison.OrdinalIgnoreCase) || Fold(l.Text).Contains(Fold(reference), StringComparison.OrdinalIgnoreCase))
                || alert.Logs.Any(l => l.Contains(reference, StringComparison.OrdinalIgnoreCase))),
            "change" => Sha().Match(reference) is { Success: true } sha && sha.Value.Length >= 7
                    ? context.Changes.Commits.Any(c => c.Sha.StartsWith(sha.Value, StringComparison.OrdinalIgnoreCase))
                    : PullNumber().Match(reference) is { Success: true } number && context.Changes.PullRequests.Any(p => $"#{p.Number}" == number.Value),
            "alert" => alert.Labels.Any(l => reference.Contains(l.Key, StringComparison.OrdinalIgnoreCase) && reference.Contains(l.Value, StringComparison.OrdinalIgnoreCase))
                || alert.Labels.ContainsKey(reference),
            _ => false,
        };
    }

    /// <summary>The significant words of a cause, lower case (what two causes are compared by).</summary>
    public static IReadOnlySet<string> Words(string cause) =>
        Word().Matches(cause.ToLowerInvariant()).Select(m => m.Value).Where(w => w.Length >= 3 && !StopWords.Contains(w)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Log text with digits folded, so lines differing only in numbers count as one.</summary>
    public static string Fold(string line) => Digits().Replace(line, "#");

    private static bool Agree(DiagnosisAnswer a, DiagnosisAnswer b)
    {
        if (!string.Equals(a.Category, b.Category, StringComparison.Ordinal))
        {
            return false;
        }

        var wordsA = Words(a.RootCause);
        var wordsB = Words(b.RootCause);
        var union = wordsA.Union(wordsB).Count();
        var jaccard = union == 0 ? 0 : (double)wordsA.Intersect(wordsB).Count() / union;
        if (jaccard >= SameCause)
        {
            return true;
        }

        // The same commit blamed by both: the same cause in other words.
        var shasA = a.Evidence.Where(e => e.Source == "change").Select(e => Sha().Match(e.Ref)).Where(m => m.Success && m.Value.Length >= 7).Select(m => m.Value[..7].ToLowerInvariant());
        var shasB = b.Evidence.Where(e => e.Source == "change").Select(e => Sha().Match(e.Ref)).Where(m => m.Success && m.Value.Length >= 7).Select(m => m.Value[..7].ToLowerInvariant());
        return shasA.Intersect(shasB).Any();
    }

    private static Hypothesis Hypothesis(List<Diagnosis> group, int asked, IncidentContext context, Alert alert)
    {
        double weighted = 0;
        var verifiedTotal = 0;
        foreach (var diagnosis in group)
        {
            var answer = diagnosis.Answer!;
            var verified = answer.Evidence.Count(e => Verified(e, context, alert));
            verifiedTotal += verified;

            // Evidence that points at nothing real weighs half: a cause must show where it was seen.
            var weight = 0.5 + (0.25 * Math.Min(2, verified));
            weighted += Clamp(answer.Confidence) * weight;
        }

        var agreement = Math.Sqrt((double)group.Count / asked);
        var confidence = Math.Round(agreement * (weighted / group.Count), 3);
        var lead = group[0].Answer!;
        var evidence = group.SelectMany(d => d.Answer!.Evidence)
            .OrderByDescending(e => Verified(e, context, alert))
            .DistinctBy(e => (e.Source, e.Ref))
            .Take(12)
            .ToList();
        return new Hypothesis(
            lead.RootCause,
            lead.Category,
            confidence,
            [.. group.Select(d => d.Agent).Order()],
            evidence,
            verifiedTotal,
            lead.SuggestedFix,
            [.. group.SelectMany(d => d.Answer!.Files).Distinct(StringComparer.Ordinal).Take(20)]);
    }

    private static double Clamp(double confidence) => double.IsFinite(confidence) ? Math.Clamp(confidence, 0, 1) : 0;

    [GeneratedRegex("[a-z0-9]+(?:[_.-][a-z0-9]+)*")]
    private static partial Regex Word();

    [GeneratedRegex("\\b[0-9a-fA-F]{7,40}\\b")]
    private static partial Regex Sha();

    [GeneratedRegex("#[0-9]+")]
    private static partial Regex PullNumber();

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Digits();
}
