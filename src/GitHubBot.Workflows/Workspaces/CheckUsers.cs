using System.Globalization;
using CliWrap;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>
/// Hands out the user IDs the PR's code runs as (Gate:CheckUids): each workspace gets one no other live workspace on
/// this machine has, recorded in lock files in the worker's own directory (so several worker processes on one
/// machine share the pool), and given back when the workspace is removed. Everything the worker does to files that
/// user owns, it does as that user, so a path swapped for a symbolic link cannot turn the worker's privileges on
/// files elsewhere.
/// </summary>
public sealed class CheckUsers(string workerDirectory, string workspacesRoot, int first, int last)
{
    private string Pool => Path.Combine(workerDirectory, "uids");

    /// <summary>The user of workspace <paramref name="key"/>, taking a free one when it has none yet.</summary>
    /// <exception cref="InvalidOperationException">Every user ID of the range belongs to a live workspace.</exception>
    public RunAs Acquire(string key)
    {
        if (Find(key) is { } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(Pool);
        var count = last - first + 1;
        var start = (int)(StableHash(key) % (uint)count);
        for (var i = 0; i < count; i++)
        {
            var uid = first + ((start + i) % count);
            try
            {
                using (var claim = new FileStream(Path.Combine(Pool, uid.ToString(CultureInfo.InvariantCulture)), FileMode.CreateNew, FileAccess.Write))
                using (var writer = new StreamWriter(claim))
                {
                    writer.Write(key);
                }

                File.WriteAllText(Path.Combine(workerDirectory, $"{key}.uid"), uid.ToString(CultureInfo.InvariantCulture));
                return For(key, uid);
            }
            catch (IOException) when (File.Exists(Path.Combine(Pool, uid.ToString(CultureInfo.InvariantCulture))))
            {
                // Taken by another workspace: try the next.
            }
        }

        throw new InvalidOperationException($"All {count} user IDs of Gate:CheckUids are in use by live workspaces.");
    }

    /// <summary>The user workspace <paramref name="key"/> was given, if any.</summary>
    public RunAs? Find(string key)
    {
        var file = Path.Combine(workerDirectory, $"{key}.uid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file), NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? For(key, uid) : null;
    }

    /// <summary>Every workspace key that holds a user ID, with it.</summary>
    public IEnumerable<(string Key, RunAs User)> Held() =>
        Directory.Exists(Pool)
            ? Directory.EnumerateFiles(Pool)
                .Select(file => (Key: File.ReadAllText(file), Uid: int.Parse(Path.GetFileName(file), CultureInfo.InvariantCulture)))
                .Select(held => (held.Key, For(held.Key, held.Uid)))
                .ToList()
            : [];

    /// <summary>Gives the user ID of <paramref name="key"/> back (its processes must be gone and its files removed).</summary>
    public void Release(string key)
    {
        if (Find(key) is { } user)
        {
            File.Delete(Path.Combine(Pool, user.Uid.ToString(CultureInfo.InvariantCulture)));
        }

        File.Delete(Path.Combine(workerDirectory, $"{key}.uid"));
    }

    /// <summary>
    /// Kills every process of <paramref name="user"/>, including ones that left their check's process tree: a kill of
    /// all its processes sent as that user, repeated until none is left (a process that forks while it is killed).
    /// </summary>
    public static async Task KillAllAsync(RunAs user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        for (var round = 0; round < 20; round++)
        {
            await Cli.Wrap(RunAs.Program).WithArguments(user.Wrap(KillProgram, ["-KILL", "-1"]))
                .WithEnvironmentVariables(CheckProcess.EnvironmentFor(user.Environment))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(cancellationToken);
            // Zombies (killed, not yet reaped by their parent) do not count: they run nothing.
            var left = await Cli.Wrap("pgrep").WithArguments(["-U", user.Uid.ToString(CultureInfo.InvariantCulture), "--runstates", "R,S,D,T,t,I,W"])
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(cancellationToken);
            if (left.ExitCode == 1)
            {
                return;
            }

            await Task.Delay(50 * (round + 1), cancellationToken);
        }
    }

    /// <summary>
    /// Removes <paramref name="path"/>, which <paramref name="user"/> owns, as that user (<c>rm</c> does not follow
    /// symbolic links and stays on one file system); what it cannot remove itself (its top directory inside a
    /// directory of the worker's) the worker then removes only if it is an empty directory.
    /// </summary>
    public static async Task RemoveAsync(string path, RunAs user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!Path.Exists(path))
        {
            return;
        }

        // In the user's sandbox when it has one: the sandbox's mounts are made as the worker, so the directories
        // above the workspace (DataDir may be private to the worker) need not be open to that user.
        var line = user.Command("rm", ["-rf", "--one-file-system", "--", path]);
        await Cli.Wrap(line[0]).WithArguments(line.Skip(1))
            .WithEnvironmentVariables(CheckProcess.EnvironmentFor(user.Environment))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(cancellationToken);
        var left = new DirectoryInfo(path);
        if (left.Exists && left.LinkTarget is null)
        {
            left.Delete(recursive: false);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Whether this machine can run the PR's code as other users: root, with setpriv, kill and pgrep.</summary>
    public static string? WhyNot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "the worker does not run as root";
        }

        var missing = new[] { RunAs.Program, KillProgram, "pgrep", "rm" }.Where(tool => !OnPath(tool)).ToList();
        return missing.Count > 0 ? $"{string.Join(", ", missing)} not found on PATH" : null;
    }

    private const string KillProgram = "kill";

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, tool)));

    private RunAs For(string key, int uid) => new(uid, Path.Combine(workspacesRoot, key, "home"));

    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
