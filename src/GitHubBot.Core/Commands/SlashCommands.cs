using System.Text;

namespace GitHubBot.Core.Commands;

/// <summary>Where a command makes sense.</summary>
public enum CommandScope
{
    Anywhere,
    PullRequest,
    Issue,
}

/// <summary>A repository permission, lowest first, as GitHub's collaborator permission API names them.</summary>
public enum AccessLevel
{
    None,
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

/// <summary>One command GitHubBot knows.</summary>
/// <param name="Name">Its name, lower case, without the slash.</param>
/// <param name="Aliases">Other names for it.</param>
/// <param name="Scope">Where it may be used.</param>
/// <param name="Usage">How it is written, for /help.</param>
/// <param name="Description">What it does, for /help.</param>
public sealed record CommandSpec(string Name, IReadOnlyList<string> Aliases, CommandScope Scope, string Usage, string Description);

/// <summary>A command found in a comment.</summary>
/// <param name="Name">The canonical name (an alias is resolved), lower case; for an unknown command, what was written.</param>
/// <param name="Arguments">Its arguments; quoted text is one argument.</param>
/// <param name="Line">The line as written.</param>
/// <param name="Known">Whether GitHubBot knows it.</param>
public sealed record SlashCommand(string Name, IReadOnlyList<string> Arguments, string Line, bool Known);

/// <summary>
/// Slash commands in comments: each line that starts with <c>/</c> is one; several per comment;
/// names are case-insensitive; arguments may be quoted. Lines inside code blocks and quoted replies (<c>&gt;</c>)
/// are not commands, so quoting someone's <c>/approve</c> does not approve again.
/// </summary>
public static class SlashCommands
{
    /// <summary>The most commands one comment may carry; more are ignored.</summary>
    public const int MaxPerComment = 10;

    public static readonly IReadOnlyList<CommandSpec> All =
    [
        new("gate", ["retest"], CommandScope.PullRequest, "/gate", "run the quality gate again on the PR's head (also `/retest`)"),
        new("fix", [], CommandScope.PullRequest, "/fix", "run the checks' fixes and push them (forks get the patch in a comment)"),
        new("ok-to-test", [], CommandScope.PullRequest, "/ok-to-test", "let the gate run the code of a PR from a fork or a first-time contributor"),
        new("plan", [], CommandScope.Issue, "/plan [text]", "start plan → patch → PR for the issue"),
        new("approve", [], CommandScope.Anywhere, "/approve", "approve what a workflow waits for"),
        new("reject", [], CommandScope.Anywhere, "/reject [reason]", "reject what a workflow waits for"),
        new("migrate", [], CommandScope.Issue, "/migrate <type> <from> <to> [--batch] [--no-rollback] [--dry-run] [--step-approval]", "start a code migration of the repository"),
        new("pause", [], CommandScope.Anywhere, "/pause", "pause the workflow of this issue or PR"),
        new("resume", [], CommandScope.Anywhere, "/resume", "resume it"),
        new("cancel", [], CommandScope.Anywhere, "/cancel", "stop the workflow of this issue or PR"),
        new("rollback", [], CommandScope.Anywhere, "/rollback", "roll the workflow's changes back"),
        new("status", [], CommandScope.Anywhere, "/status", "show the workflow's progress"),
        new("help", [], CommandScope.Anywhere, "/help", "list the commands"),
    ];

    private static readonly Dictionary<string, CommandSpec> ByName = All
        .SelectMany(spec => spec.Aliases.Append(spec.Name).Select(name => (name, spec)))
        .ToDictionary(entry => entry.name, entry => entry.spec, StringComparer.OrdinalIgnoreCase);

    /// <summary>The command called <paramref name="name"/> (or an alias of it), if GitHubBot knows one.</summary>
    public static CommandSpec? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The commands in a comment's body, in order (at most <see cref="MaxPerComment"/>).</summary>
    public static IReadOnlyList<SlashCommand> Parse(string? body)
    {
        var commands = new List<SlashCommand>();
        if (string.IsNullOrEmpty(body))
        {
            return commands;
        }

        string? fence = null;
        foreach (var raw in body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            if (fence is not null)
            {
                if (line.StartsWith(fence, StringComparison.Ordinal))
                {
                    fence = null;
                }

                continue;
            }

            if (line.StartsWith("```", StringComparison.Ordinal) || line.StartsWith("~~~", StringComparison.Ordinal))
            {
                fence = line[..3];
                continue;
            }

            // Indented code (four spaces or a tab) and quoted replies are text, not commands.
            if (raw.StartsWith("    ", StringComparison.Ordinal) || raw.StartsWith('\t') || line.Length < 2 || line[0] != '/' || !char.IsAsciiLetter(line[1]))
            {
                continue;
            }

            var words = Split(line[1..]);
            var name = words[0];
            if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                // A path such as /usr/bin is not a command.
                continue;
            }

            var spec = Find(name);
            commands.Add(new SlashCommand(spec?.Name ?? name.ToLowerInvariant(), [.. words.Skip(1)], line, spec is not null));
            if (commands.Count == MaxPerComment)
            {
                break;
            }
        }

        return commands;
    }

    /// <summary>The permission a command needs: the repository's setting for it, else write.</summary>
    /// <param name="command">The command's canonical name.</param>
    /// <param name="configured">The repository configuration's <c>commands</c> map (command → read/triage/write/maintain/admin).</param>
    public static AccessLevel Required(string command, IReadOnlyDictionary<string, string>? configured) =>
        configured is not null && configured.TryGetValue(command, out var level) && ParsePermission(level) is { } permission
            ? permission
            : AccessLevel.Write;

    /// <summary>GitHub's name of a permission or role (admin, maintain, write, triage, read, none) as a level.</summary>
    public static AccessLevel? ParsePermission(string? name) => name?.ToLowerInvariant() switch
    {
        "admin" => AccessLevel.Admin,
        "maintain" => AccessLevel.Maintain,
        "write" or "push" => AccessLevel.Write,
        "triage" => AccessLevel.Triage,
        "read" or "pull" => AccessLevel.Read,
        "none" => AccessLevel.None,
        _ => null,
    };

    /// <summary>The /help text: every command, what it does, and where it works.</summary>
    public static string Help()
    {
        var text = new StringBuilder("GitHubBot understands these commands, each on a line of its own:\n\n| command | does |\n|---|---|\n");
        foreach (var spec in All)
        {
            var where = spec.Scope switch
            {
                CommandScope.PullRequest => " (PRs)",
                CommandScope.Issue => " (issues)",
                _ => string.Empty,
            };
            text.Append('|').Append(' ').Append('`').Append(spec.Usage).Append('`').Append(" | ").Append(spec.Description).Append(where).Append(" |\n");
        }

        return text.ToString();
    }

    /// <summary>Splits on white space; text in double or single quotes is one word (quotes removed).</summary>
    private static List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        char? quote = null;
        var inWord = false;
        foreach (var c in text)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'' && !inWord)
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
