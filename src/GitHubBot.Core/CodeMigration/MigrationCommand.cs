namespace GitHubBot.Core.CodeMigration;

/// <summary>The arguments of <c>/migrate &lt;type&gt; &lt;from&gt; &lt;to&gt; [--batch] [--no-rollback] [--dry-run] [--step-approval]</c>.</summary>
/// <param name="Type">What is migrated.</param>
/// <param name="From">The version it is at.</param>
/// <param name="To">The version it goes to.</param>
public sealed record MigrationCommand(string Type, string From, string To)
{
    public const string Usage = "/migrate <type> <from> <to> [--batch] [--no-rollback] [--dry-run] [--step-approval]";

    /// <summary>One commit at the end instead of one per step.</summary>
    public bool Batch { get; init; }

    public bool NoRollback { get; init; }

    public bool DryRun { get; init; }

    public bool StepApproval { get; init; }

    /// <summary>The command, or why it cannot be read (with the usage).</summary>
    public static (MigrationCommand? Command, string? Problem) Parse(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var words = new List<string>();
        bool batch = false, noRollback = false, dryRun = false, stepApproval = false;
        foreach (var argument in arguments)
        {
            switch (argument.ToLowerInvariant())
            {
                case "--batch":
                    batch = true;
                    break;
                case "--no-rollback":
                    noRollback = true;
                    break;
                case "--dry-run":
                    dryRun = true;
                    break;
                case "--step-approval":
                    stepApproval = true;
                    break;
                default:
                    if (argument.StartsWith("--", StringComparison.Ordinal))
                    {
                        return (null, $"`{Clean(argument)}` is not an option of `/migrate`. Usage: `{Usage}`");
                    }

                    words.Add(argument);
                    break;
            }
        }

        if (words.Count != 3)
        {
            return (null, $"`/migrate` needs what to migrate, from which version and to which. Usage: `{Usage}` (e.g. `/migrate react 16.14.0 18.2.0`).");
        }

        if (words[0].Length > 100)
        {
            return (null, "The migration type is longer than 100 characters.");
        }

        if (!MigrationRecipes.IsVersion(words[1]) || !MigrationRecipes.IsVersion(words[2]))
        {
            return (null, $"`{Clean(words[1])}` and `{Clean(words[2])}` must be versions such as 16.14.0 or 18.");
        }

        return (new MigrationCommand(words[0], words[1], words[2]) { Batch = batch, NoRollback = noRollback, DryRun = dryRun, StepApproval = stepApproval }, null);
    }

    private static string Clean(string text)
    {
        var cleaned = GitHub.GitHubText.Inline(text).Replace('`', '\'');
        return cleaned.Length > 60 ? cleaned[..60] + "…" : cleaned;
    }
}
