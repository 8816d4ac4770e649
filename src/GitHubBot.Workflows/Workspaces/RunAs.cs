using System.Globalization;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>
/// Who runs a gate's PR code (checks, fixes, and git in the checkout they touched), and how: as a user of its own,
/// which the worker drops to with <c>setpriv</c> (no supplementary groups, no new privileges), and in a
/// <see cref="Workspaces.Sandbox"/> whose only writable directory is the gate's workspace. Either keeps that code from
/// the worker's environment and files (the App's private key) and from other gates' workspaces; the sandbox also
/// hides the worker's processes and loopback, and bounds what the code may use.
/// </summary>
/// <param name="Uid">User and group ID; need not exist in /etc/passwd. Ignored when <see cref="SwitchesUser"/> is false.</param>
/// <param name="Home">HOME of its processes, inside the gate's workspace.</param>
public sealed record RunAs(int Uid, string Home)
{
    /// <summary>The sandbox its commands run in, or null (Gate:Sandbox=off).</summary>
    public Sandbox? Sandbox { get; init; }

    /// <summary>Whether its commands run as <see cref="Uid"/> (the worker is root) or as the worker's own user (in the sandbox only).</summary>
    public bool SwitchesUser { get; init; } = true;

    /// <summary>The gate's workspace: the one directory its commands may write.</summary>
    public string Workspace => Path.GetDirectoryName(Path.GetFullPath(Home)) ?? Home;

    /// <summary>The command line that runs <paramref name="program"/> as this user (only the user switch: no sandbox).</summary>
    public IReadOnlyList<string> Wrap(string program, IEnumerable<string> arguments)
    {
        var uid = Uid.ToString(CultureInfo.InvariantCulture);
        return ["--reuid", uid, "--regid", uid, "--clear-groups", "--no-new-privs", "--", program, .. arguments];
    }

    /// <summary>The full command line (program first) that runs <paramref name="program"/> as this user, in its sandbox when it has one.</summary>
    public IReadOnlyList<string> Command(string program, IEnumerable<string> arguments, bool network = false, string? infoFile = null)
    {
        if (Sandbox is { } sandbox)
        {
            return sandbox.Arguments(program, arguments, Workspace, Home, network, SwitchesUser ? Uid : null, infoFile);
        }

        return SwitchesUser ? [Program, .. Wrap(program, arguments)] : [program, .. arguments];
    }

    /// <summary>Variables its processes get in place of the worker's.</summary>
    public Dictionary<string, string?> Environment => new(StringComparer.Ordinal)
    {
        ["HOME"] = Home,
        // Shared by the workspace's checks (not each sandbox's private /tmp): tools lock across processes there (NuGet).
        ["TMPDIR"] = Path.Combine(Home, "tmp"),
        ["USER"] = "ghbot-check",
    };

    public const string Program = "setpriv";
}
