using System.Globalization;

namespace GitHubBot.Core.GitHub;

/// <summary>GitHub's limits on what a check run or comment may carry.</summary>
public static partial class GitHubText
{
    /// <summary>GitHub rejects check-run output text and comment bodies longer than this.</summary>
    public const int MaxLength = 65535;

    /// <summary>Annotations one check-run request may carry.</summary>
    public const int MaxAnnotationsPerRequest = 50;

    /// <summary>
    /// The most annotations one check run gets, and one check hands back to its workflow: each batch of 50 is a
    /// request against GitHub's rate limit, and every finding travels through the workflow's history.
    /// </summary>
    public const int MaxAnnotationsPerCheckRun = 500;

    /// <summary>A markdown code fence longer than any run of backticks in <paramref name="text"/>, so the text cannot close it.</summary>
    public static string Fence(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int longest = 0, run = 0;
        foreach (var c in text)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return new string('`', Math.Max(3, longest + 1));
    }

    /// <summary>Cuts <paramref name="text"/> below <paramref name="limit"/> characters, saying so at the end.</summary>
    public static string Truncate(string text, int limit = MaxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= limit)
        {
            return text;
        }

        // The note's length depends on the number it carries; reserve room for the longest one.
        var reserve = string.Create(CultureInfo.InvariantCulture, $"\n\n… cut here: {text.Length} more characters are in the full report.").Length;
        if (limit < reserve)
        {
            return Cut(text, limit);
        }

        var kept = Cut(text, limit - reserve);
        return string.Create(CultureInfo.InvariantCulture, $"{kept}\n\n… cut here: {text.Length - kept.Length} more characters are in the full report.");
    }

    /// <summary>The first <paramref name="length"/> characters at most, never splitting a surrogate pair.</summary>
    private static string Cut(string text, int length)
    {
        var keep = Math.Max(0, length);
        if (keep > 0 && keep < text.Length && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return text[..keep];
    }

    /// <summary>Annotations in the batches GitHub accepts, in order.</summary>
    public static IEnumerable<T[]> Batches<T>(IEnumerable<T> annotations) => annotations.Chunk(MaxAnnotationsPerRequest);

    /// <summary>
    /// Text from outside (an alert, an agent, a repository) on one line, made inert in GitHub markdown: it cannot open
    /// an HTML comment (forging GitHubBot's markers), mention people, or reference (and so close) issues, by number or
    /// by URL; cut at 500.
    /// </summary>
    public static string Inline(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var oneLine = IssueReference().Replace(
            text.Replace('\r', ' ').Replace('\n', ' ').Replace("<!--", "&lt;!--", StringComparison.Ordinal).Replace("@", "@\u200b", StringComparison.Ordinal)
                .Replace("/issues/", "/issues/\u200b", StringComparison.OrdinalIgnoreCase).Replace("/pull/", "/pull/\u200b", StringComparison.OrdinalIgnoreCase),
            "#\u200b");
        return oneLine.Length > 500 ? oneLine[..497] + "..." : oneLine;
    }

    [System.Text.RegularExpressions.GeneratedRegex("#(?=[0-9])")]
    private static partial System.Text.RegularExpressions.Regex IssueReference();
}
