using System.Text.RegularExpressions;

namespace GitHubBot.Core.Workspaces;

/// <summary>
/// Texts that leave the worker — comments, check runs, issue and PR bodies — say nothing of where the worker keeps
/// its files: its DataDir, its workspaces and snapshot repositories, its temporary directory. Repository paths are
/// relative and stay; any absolute path is the worker's own and is cut to its last part ("…/calc.git").
/// </summary>
public static partial class WorkerPaths
{
    /// <summary>
    /// <paramref name="text"/> with each of <paramref name="known"/> (directories of the worker, e.g. the repository a
    /// git command ran in) said as <c>&lt;repository&gt;</c>-like names, and every other absolute path cut to its last
    /// part. URLs are left alone.
    /// </summary>
    /// <param name="text">What is about to leave the worker.</param>
    /// <param name="known">Directories of the worker, most specific first.</param>
    public static string Scrub(string text, params string[] known)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(known);
        try
        {
            foreach (var directory in known.Where(d => d is { Length: > 1 }).Select(d => d.TrimEnd('/')).Where(d => d.Length > 1))
            {
                // The directory itself or a path inside it, not a longer name that starts the same.
                text = Regex.Replace(text, Regex.Escape(directory) + @"(?=[/\s'""`:;,)]|$)", "<repository>", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }

            return AbsolutePath().Replace(text, match => match.Value.StartsWith("/dev/", StringComparison.Ordinal)
                ? match.Value
                : "…/" + match.Value.TrimEnd('/').Split('/')[^1]);
        }
        catch (RegexMatchTimeoutException)
        {
            // Too hostile to read within the bound: no slash-separated path of it leaves the worker.
            return "(a message with paths of the worker, left out)";
        }
    }

    /// <summary>An absolute path of two parts or more, not inside a URL or a relative path.</summary>
    [GeneratedRegex(@"(?<![\w.~:/\\-])/(?:[^\s/'""`:;,()<>\[\]|*?]+/)+[^\s/'""`:;,()<>\[\]|*?]*", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AbsolutePath();
}
