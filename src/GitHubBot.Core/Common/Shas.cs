namespace GitHubBot.Core.Common;

/// <summary>Commit SHAs as people read them.</summary>
public static class Shas
{
    /// <summary>The first seven characters, as GitHub shows a commit.</summary>
    public static string Abbreviate(string sha)
    {
        ArgumentNullException.ThrowIfNull(sha);
        return sha.Length > 7 ? sha[..7] : sha;
    }
}
