namespace GitHubBot.Workflows.Temporal;

/// <summary>Temporal list filters built from values (workflow ID prefixes hold owner and repository names).</summary>
public static class VisibilityQuery
{
    /// <summary><paramref name="value"/> as the inside of a single-quoted string of a list filter.</summary>
    public static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
}
