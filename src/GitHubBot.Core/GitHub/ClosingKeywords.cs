using System.Text.RegularExpressions;

namespace GitHubBot.Core.GitHub;

/// <summary>
/// GitHub closes an issue when a PR body, or a commit message reaching the default branch, says "Closes #7" (or
/// close, closed, fix, fixes, fixed, resolve, resolves, resolved; with <c>owner/repo#7</c> or the issue's URL). What
/// GitHubBot writes closes only the issues its run owns — the one it works for and the sub-issues it opened —: any
/// other closing keyword, typically in an agent's words, becomes a plain reference ("refs #7").
/// </summary>
public static partial class ClosingKeywords
{
    /// <summary>
    /// <paramref name="text"/> with every closing keyword that names an issue outside <paramref name="owned"/> (of
    /// <paramref name="repository"/>, "owner/name") turned into "refs".
    /// </summary>
    public static string Neutralize(string text, IReadOnlyCollection<int> owned, string? repository = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(owned);
        try
        {
            return Closing().Replace(text, match =>
            {
                var number = int.TryParse(match.Groups["number"].Success ? match.Groups["number"].Value : match.Groups["url"].Value, out var n) ? n : -1;
                var other = match.Groups["repo"].Success ? match.Groups["repo"].Value : match.Groups["urlrepo"].Success ? match.Groups["urlrepo"].Value : null;
                var ours = other is null || (repository is not null && other.Equals(repository, StringComparison.OrdinalIgnoreCase));
                return ours && owned.Contains(number) ? match.Value : $"refs {match.Groups["target"].Value}";
            });
        }
        catch (RegexMatchTimeoutException)
        {
            // Text too hostile to read within the bound: no reference in it may link (or close) anything.
            return text.Replace("#", "#\u200b", StringComparison.Ordinal).Replace("/issues/", "/issues/\u200b", StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>Whether <paramref name="text"/> would close any issue at all.</summary>
    public static bool Any(string text) => Closing().IsMatch(text ?? string.Empty);

    [GeneratedRegex(
        @"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)(?:\s*:\s*|\s+)(?<target>(?:(?<repo>[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})?#(?<number>[0-9]{1,9})|https?://[A-Za-z0-9.-]{1,253}/(?<urlrepo>[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})/issues/(?<url>[0-9]{1,9})))",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
        matchTimeoutMilliseconds: 1000)]
    private static partial Regex Closing();
}
