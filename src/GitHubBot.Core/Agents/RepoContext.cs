using System.Text;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.Agents;

/// <summary>Bounds of what an agent is shown of a repository.</summary>
/// <param name="MaxTreeEntries">Paths of the file tree listed.</param>
/// <param name="MaxFileChars">Characters shown of one file.</param>
/// <param name="MaxTotalChars">Characters shown of all files together.</param>
public sealed record ContextLimits(int MaxTreeEntries = 2000, int MaxFileChars = 40_000, int MaxTotalChars = 160_000)
{
    public static ContextLimits Default { get; } = new();
}

/// <summary>
/// The bounded repository context agents receive: the file tree, the files the task names, and the
/// repository's configuration, each cut to its limit with a note saying so, so no prompt grows without bound.
/// </summary>
public static class RepoContext
{
    /// <param name="tree">Repository-relative paths of the files.</param>
    /// <param name="read">Reads a file of the tree; null when it cannot be read.</param>
    /// <param name="named">The files the task names, most important first.</param>
    /// <param name="configYaml">The repository's .github/ghbot.yml, when there is one.</param>
    /// <param name="limits">The bounds.</param>
    public static string Build(IReadOnlyList<string> tree, Func<string, string?> read, IEnumerable<string> named, string? configYaml, ContextLimits limits)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(named);
        ArgumentNullException.ThrowIfNull(limits);
        var text = new StringBuilder();
        text.Append("## File tree\n\n");
        foreach (var path in tree.Order(StringComparer.Ordinal).Take(limits.MaxTreeEntries))
        {
            text.Append(path).Append('\n');
        }

        if (tree.Count > limits.MaxTreeEntries)
        {
            text.Append("… ").Append(tree.Count - limits.MaxTreeEntries).Append(" more files not listed\n");
        }

        var known = tree.ToHashSet(StringComparer.Ordinal);
        var budget = limits.MaxTotalChars;
        foreach (var path in named.Distinct(StringComparer.Ordinal))
        {
            if (!known.Contains(path))
            {
                text.Append("\n## ").Append(path).Append("\n\n(not in the repository: a new file)\n");
                continue;
            }

            if (budget <= 0)
            {
                text.Append("\n## ").Append(path).Append("\n\n(not shown: the context is full)\n");
                continue;
            }

            var content = read(path) ?? "(could not be read)";
            var limit = Math.Min(limits.MaxFileChars, budget);
            var shown = content.Length > limit ? content[..limit] + $"\n… cut: {content.Length - limit} more characters" : content;
            budget -= Math.Min(content.Length, limit);
            var fence = GitHubText.Fence(shown);
            text.Append("\n## ").Append(path).Append("\n\n").Append(fence).Append('\n').Append(shown).Append('\n').Append(fence).Append('\n');
        }

        if (!string.IsNullOrWhiteSpace(configYaml))
        {
            text.Append("\n## .github/ghbot.yml\n\n```yaml\n").Append(configYaml.Length > 8000 ? configYaml[..8000] : configYaml).Append("\n```\n");
        }

        return text.ToString();
    }
}
