using System.Globalization;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>
/// A user of its own for one gate's PR code (checks, fixes, and git in the checkout they touched): the worker drops
/// to it with <c>setpriv</c> (no supplementary groups, no new privileges), so that code cannot read the worker's
/// environment or files (the App's private key), nor another gate's workspace.
/// </summary>
/// <param name="Uid">User and group ID; need not exist in /etc/passwd.</param>
/// <param name="Home">HOME and TMPDIR of its processes, inside the gate's workspace.</param>
public sealed record RunAs(int Uid, string Home)
{
    /// <summary>The command line that runs <paramref name="program"/> as this user.</summary>
    public IReadOnlyList<string> Wrap(string program, IEnumerable<string> arguments)
    {
        var uid = Uid.ToString(CultureInfo.InvariantCulture);
        return ["--reuid", uid, "--regid", uid, "--clear-groups", "--no-new-privs", "--", program, .. arguments];
    }

    /// <summary>Variables its processes get in place of the worker's.</summary>
    public Dictionary<string, string?> Environment => new(StringComparer.Ordinal)
    {
        ["HOME"] = Home,
        ["TMPDIR"] = Path.Combine(Home, "tmp"),
        ["USER"] = "ghbot-check",
    };

    public const string Program = "setpriv";
}
