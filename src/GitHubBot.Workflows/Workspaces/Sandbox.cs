using System.Globalization;
using CliWrap;
using CliWrap.Buffered;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>
/// Runs repository and agent-written code (checks, fix commands, migration steps, incident fix tests, and git in a
/// workspace they wrote) in a bubblewrap sandbox: its own user, PID, mount, IPC, UTS and network namespaces; a file
/// system holding only the system's read-only directories, a private /tmp and the one workspace; no capabilities;
/// every process killed when the sandbox's first process ends; and the limits of <see cref="SandboxLimits"/>. Outside
/// network, when a check has it, comes through slirp4netns, a user-mode TCP/IP stack with the host's loopback
/// disabled: the sandbox reaches the internet (package registries) but not the Temporal frontend, the bot's port or
/// anything else listening on the worker's 127.0.0.1.
/// </summary>
/// <remarks>
/// Why these parts: bubblewrap needs no daemon, no root and no setuid bit (it uses unprivileged user namespaces), and
/// Debian ships it; slirp4netns likewise runs unprivileged and has one switch that cuts the host's loopback off.
/// Resource limits are rlimits rather than cgroups because a non-root worker in a container rarely may create cgroups,
/// while rlimits need no privilege anywhere; the two limits rlimits cannot express per tree (disk written, output) are
/// counted by the worker.
/// </remarks>
public sealed class Sandbox
{
    /// <summary>The directories every sandbox sees, read-only (those that exist; symbolic links are copied as links).</summary>
    public static readonly IReadOnlyList<string> SystemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"];

    private const string NetworkDevice = "tap0";

    private static readonly string[] Tools = ["bwrap", "slirp4netns", "prlimit", "/bin/sh"];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> Probed = new();

    private readonly IReadOnlyList<string> readOnlyPaths;
    private readonly IReadOnlyList<string> hiddenPaths;
    private readonly string? resolvConf;
    private readonly string stateDirectory;

    /// <param name="limits">What one process tree may use.</param>
    /// <param name="readOnlyPaths">Directories visible read-only: <see cref="SystemPaths"/> plus any an operator adds (e.g. a toolchain).</param>
    /// <param name="hiddenPaths">Paths of the worker's that must never be visible even when they lie under a read-only directory (DataDir, the key file).</param>
    /// <param name="stateDirectory">A directory of the worker's for the sandbox's own files (a resolv.conf when the host's points at its loopback).</param>
    public Sandbox(SandboxLimits limits, IReadOnlyList<string> readOnlyPaths, IReadOnlyList<string> hiddenPaths, string stateDirectory)
    {
        Limits = limits;
        this.readOnlyPaths = readOnlyPaths;
        this.hiddenPaths = [.. hiddenPaths.Where(path => !string.IsNullOrWhiteSpace(path)).Select(Path.GetFullPath)];
        this.stateDirectory = stateDirectory;
        resolvConf = ResolvConf(stateDirectory);
    }

    public SandboxLimits Limits { get; }

    /// <summary>
    /// The command line that runs <paramref name="program"/> in a sandbox whose only writable directory is
    /// <paramref name="workspace"/>, with HOME <paramref name="home"/>; with <paramref name="network"/> it waits (at
    /// most a few seconds) for <see cref="AttachNetwork"/> to give it the outside network.
    /// </summary>
    /// <param name="program">The program to run.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="workspace">The one directory it may write.</param>
    /// <param name="home">Its HOME, inside <paramref name="workspace"/>.</param>
    /// <param name="network">Whether it gets the outside network.</param>
    /// <param name="user">
    /// The user it runs as, when the worker is root: then bubblewrap keeps the worker's user namespace (root sets up
    /// the mounts, so no directory above the workspace need be open to that user) and <c>setpriv</c> drops to the
    /// user inside, with no capabilities and no way to regain any. Null: bubblewrap makes an unprivileged user namespace.
    /// </param>
    /// <param name="infoFile">
    /// A file of the worker's where bubblewrap writes its sandbox's process ID (<see cref="ChildAsync"/> reads it),
    /// or null. The descriptor is closed before the command starts.
    /// </param>
    public IReadOnlyList<string> Arguments(string program, IEnumerable<string> arguments, string workspace, string home, bool network, int? user = null, string? infoFile = null)
    {
        var limits = Limits;
        var line = new List<string>();
        if (infoFile is not null)
        {
            line.AddRange(["/bin/sh", "-c", "exec 3>\"$0\" && exec \"$@\"", infoFile]);
        }

        line.AddRange(
        [
            "prlimit",
            Limit("cpu", limits.CpuSeconds),
            Limit("data", limits.MemoryBytes),
            Limit("nproc", limits.Processes),
            Limit("fsize", limits.FileBytes),
            Limit("nofile", limits.OpenFiles),
            "--core=0",
            "--",
            "bwrap",
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
            "--hostname", "ghbot-check",
        ]);
        if (infoFile is not null)
        {
            line.AddRange(["--info-fd", "3"]);
        }

        if (user is null)
        {
            line.Add("--unshare-user");
        }

        // POSIX shared memory (Python's multiprocessing, flake8's jobs) needs a /dev/shm everyone may write.
        line.AddRange(["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", limits.TmpBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", "/dev/shm"]);
        line.AddRange(["--perms", "1777", "--size", limits.TmpBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", "/tmp"]);
        var made = new HashSet<string>(StringComparer.Ordinal) { "/", "/tmp", "/proc", "/dev" };
        foreach (var path in readOnlyPaths.Distinct(StringComparer.Ordinal))
        {
            var info = new DirectoryInfo(path);
            if (info.LinkTarget is { } target)
            {
                line.AddRange(["--symlink", target, path]);
            }
            else if (info.Exists || File.Exists(path))
            {
                Parents(line, path, made);
                line.AddRange(["--ro-bind", path, path]);
            }

            made.Add(path);
        }

        foreach (var hidden in hiddenPaths.Where(path => Visible(path) && Path.Exists(path)))
        {
            line.AddRange(Directory.Exists(hidden) ? ["--tmpfs", hidden] : ["--ro-bind", "/dev/null", hidden]);
            made.Add(hidden);
        }

        if (resolvConf is not null)
        {
            line.AddRange(["--ro-bind", resolvConf, "/etc/resolv.conf"]);
        }

        var full = Path.GetFullPath(workspace);
        Parents(line, full, made);
        line.AddRange(["--bind", full, full]);
        line.AddRange(["--setenv", "HOME", home, "--setenv", "TMPDIR", Path.Combine(home, "tmp")]);
        line.Add("--");
        if (user is { } uid)
        {
            var id = uid.ToString(CultureInfo.InvariantCulture);
            line.AddRange(["setpriv", "--reuid", id, "--regid", id, "--clear-groups", "--no-new-privs", "--inh-caps", "-all", "--bounding-set", "-all", "--"]);
        }

        if (network)
        {
            // Waits for slirp4netns's default route, so the command starts with the network it was promised.
            line.AddRange(["/bin/sh", "-c", $"exec 3>&-; i=0; while ! grep -q '^{NetworkDevice}[[:space:]]*00000000' /proc/net/route 2>/dev/null; do i=$((i+1)); if [ $i -ge 1000 ]; then echo '[GitHubBot] the sandbox got no network' >&2; break; fi; sleep 0.01; done; exec \"$@\"", "ghbot-sandbox"]);
        }
        else if (infoFile is not null)
        {
            line.AddRange(["/bin/sh", "-c", "exec 3>&- && exec \"$@\"", "ghbot-sandbox"]);
        }

        line.Add(program);
        line.AddRange(arguments);
        return line;
    }

    /// <summary>
    /// Whether a sandboxed command that ended with <paramref name="exitCode"/> and wrote <paramref name="output"/>
    /// never started: bubblewrap failed to set its sandbox up (it says so first, and exits 1).
    /// </summary>
    public static bool SetUpFailed(int exitCode, string output) =>
        exitCode == 1 && output.StartsWith("bwrap: ", StringComparison.Ordinal);

    /// <summary>
    /// Runs a sandboxed command, and again (up to three more times, a little later each) while <paramref name="setUpFailed"/>
    /// says bubblewrap could not set its sandbox up (seen: a kernel answering a netlink request for the loopback with
    /// a transient error): the command never started, so its result is not the command's.
    /// </summary>
    public static async Task<T> RetryingSetUpAsync<T>(Func<Task<T>> run, Func<T, bool> setUpFailed, CancellationToken cancellationToken)
    {
        var result = await run();
        for (var attempt = 1; attempt < 4 && setUpFailed(result); attempt++)
        {
            await Task.Delay(100 * attempt, cancellationToken);
            result = await run();
        }

        return result;
    }

    /// <summary>A new file, in the worker's own directory, for <see cref="Arguments"/>'s <c>infoFile</c>.</summary>
    public string NewInfoFile()
    {
        Directory.CreateDirectory(stateDirectory);
        return Path.Combine(stateDirectory, $"{Guid.NewGuid():N}.info");
    }

    /// <summary>
    /// The process ID, as the worker sees it, of the sandbox whose bubblewrap (process <paramref name="processId"/>)
    /// writes <paramref name="infoFile"/>; null when it ended first, or wrote nothing within <paramref name="wait"/>.
    /// </summary>
    public static async Task<int?> ChildAsync(string infoFile, int processId, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var text = File.Exists(infoFile) ? await File.ReadAllTextAsync(infoFile, cancellationToken) : string.Empty;
                if (text.Contains('}', StringComparison.Ordinal))
                {
                    using var info = System.Text.Json.JsonDocument.Parse(text);
                    return info.RootElement.TryGetProperty("child-pid", out var pid) && pid.TryGetInt32(out var child) ? child : null;
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not all written yet.
            }

            if (!Directory.Exists($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}"))
            {
                return null;
            }

            await Task.Delay(5, cancellationToken);
        }

        return null;
    }

    /// <summary>
    /// Gives sandbox <paramref name="child"/> (<see cref="ChildAsync"/>) the outside network: slirp4netns attached to
    /// its network namespace, with the host's loopback disabled. Disposing stops it.
    /// </summary>
    /// <returns>Null when the sandbox has no network namespace of its own (it ended, or its PID was reused).</returns>
    public static IAsyncDisposable? AttachNetwork(int child)
    {
        var id = child.ToString(CultureInfo.InvariantCulture);
        var own = ReadLink("/proc/self/ns/net");
        if (ReadLink($"/proc/{id}/ns/net") is not { } theirs || theirs == own)
        {
            // Never configure the worker's own network namespace.
            return null;
        }

        string[] arguments = Environment.IsPrivilegedProcess
            ? ["--configure", "--mtu=65520", "--disable-host-loopback", "--netns-type=path", $"/proc/{id}/ns/net", NetworkDevice]
            : ["--configure", "--mtu=65520", "--disable-host-loopback", $"--userns-path=/proc/{id}/ns/user", "--netns-type=path", $"/proc/{id}/ns/net", NetworkDevice];
        var stop = new CancellationTokenSource();
        var running = Cli.Wrap("slirp4netns").WithArguments(arguments)
            .WithEnvironmentVariables(CheckProcess.EnvironmentFor(null))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(stop.Token);
        return new Attachment(stop, running);
    }

    /// <summary>The PID namespace of sandbox <paramref name="child"/>, for counting what its processes wrote.</summary>
    public static string? NamespaceOf(int child) => ReadLink($"/proc/{child.ToString(CultureInfo.InvariantCulture)}/ns/pid");

    /// <summary>Bytes written to storage by every process of PID namespace <paramref name="pidNamespace"/>, those it reaped included.</summary>
    public static long BytesWritten(string pidNamespace)
    {
        long total = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(directory);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || ReadLink(Path.Combine(directory, "ns", "pid")) != pidNamespace)
            {
                continue;
            }

            try
            {
                foreach (var line in File.ReadLines(Path.Combine(directory, "io")))
                {
                    if (line.StartsWith("write_bytes:", StringComparison.Ordinal) && long.TryParse(line.AsSpan(12).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
                    {
                        total += bytes;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while it was read: what it wrote is now its parent's.
            }
        }

        return total;
    }

    /// <summary>
    /// Why a sandbox cannot be set up on this machine (a program missing, user namespaces refused), or null when one
    /// started and ran <c>true</c>. As root, it drops to <paramref name="probeUid"/> inside, as checks will.
    /// </summary>
    public async Task<string?> WhyNotAsync(int? probeUid, CancellationToken cancellationToken)
    {
        // A machine that could sandbox once can again (the tools and the kernel do not change under a worker); a
        // refusal is tried once more, as a loaded machine can be slow to attach the network.
        if (Probed.ContainsKey(probeUid ?? -1))
        {
            return null;
        }

        var why = await ProbeAsync(probeUid, cancellationToken);
        if (why is not null)
        {
            why = await ProbeAsync(probeUid, cancellationToken);
        }

        if (why is null)
        {
            Probed[probeUid ?? -1] = true;
        }

        return why;
    }

    private async Task<string?> ProbeAsync(int? probeUid, CancellationToken cancellationToken)
    {
        var missing = Tools.Concat(probeUid is null ? [] : ["setpriv"]).Where(tool => !OnPath(tool)).ToList();
        if (missing.Count > 0)
        {
            return $"{string.Join(", ", missing)} not found (Debian packages bubblewrap, slirp4netns, util-linux)";
        }

        if (!File.Exists("/dev/net/tun"))
        {
            return "/dev/net/tun is missing, which slirp4netns needs to give checks the outside network (in a container: pass the device)";
        }

        var probe = Directory.CreateTempSubdirectory("ghbot-sandbox-probe-");
        try
        {
            var line = Arguments("/bin/true", [], probe.FullName, probe.FullName, network: false, probeUid);
            var run = await Cli.Wrap(line[0]).WithArguments(line.Skip(1))
                .WithWorkingDirectory("/")
                .WithEnvironmentVariables(CheckProcess.EnvironmentFor(null))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
            if (run.ExitCode != 0)
            {
                return $"bubblewrap could not create its namespaces ({run.StandardError.Trim()}); unprivileged user namespaces must be allowed (in a container: a seccomp profile that allows them)";
            }

            // The outside network, as a check gets it: slirp4netns attached to the sandbox's network namespace.
            var info = Path.Combine(probe.FullName, "info");
            line = Arguments("/bin/grep", ["-q", $"^{NetworkDevice}[[:space:]]*00000000", "/proc/net/route"], probe.FullName, probe.FullName, network: true, probeUid, info);
            var task = Cli.Wrap(line[0]).WithArguments(line.Skip(1))
                .WithWorkingDirectory("/")
                .WithEnvironmentVariables(CheckProcess.EnvironmentFor(null))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
            var child = await ChildAsync(info, task.ProcessId, TimeSpan.FromSeconds(30), cancellationToken);
            var attached = child is { } pid ? AttachNetwork(pid) : null;
            var routed = await task;
            if (attached is not null)
            {
                await attached.DisposeAsync();
            }

            return routed.ExitCode == 0
                ? null
                : "slirp4netns could not give the sandbox its outside-only network here (it must be able to join the network namespace bubblewrap made, with /dev/net/tun)";
        }
        finally
        {
            probe.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Makes the directories above mount point <paramref name="path"/> that nothing mounted yet provides, open to pass
    /// through: bubblewrap would otherwise create them private to root, and the user the code runs as could not reach
    /// what is mounted below them.
    /// </summary>
    private void Parents(List<string> line, string path, HashSet<string> made)
    {
        var missing = new Stack<string>();
        for (var parent = Path.GetDirectoryName(path); parent is not null && !made.Contains(parent); parent = Path.GetDirectoryName(parent))
        {
            // Inside a bound directory of the host's it exists already (unless a hidden path's empty tmpfs covers it).
            var deepest = made.Where(mounted => Under(parent, mounted)).MaxBy(mounted => mounted.Length);
            if (deepest is not null && readOnlyPaths.Contains(deepest))
            {
                break;
            }

            missing.Push(parent);
        }

        while (missing.TryPop(out var directory))
        {
            line.AddRange(["--perms", "0755", "--dir", directory]);
            made.Add(directory);
        }
    }

    private static string Limit(string name, long value) => $"--{name}={value.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Whether <paramref name="path"/> lies under one of the read-only directories (so it would be visible unless hidden).</summary>
    private bool Visible(string path) => readOnlyPaths.Any(root => Under(path, root));

    private static bool Under(string path, string root) => path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>A resolv.conf naming slirp4netns's DNS when the host's names only its own loopback (unreachable from the sandbox).</summary>
    private static string? ResolvConf(string stateDirectory)
    {
        var host = File.Exists("/etc/resolv.conf") ? File.ReadAllLines("/etc/resolv.conf") : [];
        var servers = host.Where(line => line.TrimStart().StartsWith("nameserver", StringComparison.Ordinal)).Select(line => line.Trim()[10..].Trim()).ToList();
        if (servers.Count > 0 && servers.Any(server => !server.StartsWith("127.", StringComparison.Ordinal) && server != "::1"))
        {
            return null;
        }

        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, "resolv.conf");
        File.WriteAllText(path, "nameserver 10.0.2.3\n");
        return path;
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool OnPath(string tool) =>
        tool.StartsWith('/') ? File.Exists(tool)
        : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, tool)));

    private sealed class Attachment(CancellationTokenSource stop, Task<BufferedCommandResult> running) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            try
            {
                await running;
            }
            catch (OperationCanceledException)
            {
                // Stopped, as asked.
            }

            stop.Dispose();
        }
    }
}
