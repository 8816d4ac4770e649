using System.Globalization;
using CliWrap;
using CliWrap.Buffered;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>
/// The limits of one sandboxed process tree. CPU time, memory, processes and file size are kernel resource limits
/// (<c>prlimit</c>), inherited by every process of the tree; disk written and output are counted by the worker, which
/// stops the whole tree when one is passed.
/// </summary>
public sealed record SandboxLimits
{
    /// <summary>CPU seconds one process may use (RLIMIT_CPU; the check's timeout bounds the wall time of all).</summary>
    public long CpuSeconds { get; init; } = 3600;

    /// <summary>Memory one process may make writable (RLIMIT_DATA: heap and anonymous mappings, not address space reserved).</summary>
    public long MemoryBytes { get; init; } = 4L << 30;

    /// <summary>Processes and threads of the sandbox's user (RLIMIT_NPROC, counted within the sandbox's user namespace).</summary>
    public int Processes { get; init; } = 2048;

    /// <summary>The largest file it may write (RLIMIT_FSIZE).</summary>
    public long FileBytes { get; init; } = 4L << 30;

    /// <summary>Bytes the whole tree may write to disk (the kernel's per-process I/O accounting, summed over the sandbox).</summary>
    public long DiskBytes { get; init; } = 16L << 30;

    /// <summary>The size of its private /tmp (memory-backed).</summary>
    public long TmpBytes { get; init; } = 1L << 30;

    /// <summary>Bytes of output (stdout and stderr together, lines or not) before it is stopped.</summary>
    public long OutputBytes { get; init; } = 64L << 20;

    /// <summary>Open files per process (RLIMIT_NOFILE).</summary>
    public int OpenFiles { get; init; } = 8192;
}

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

    private readonly IReadOnlyList<string> readOnlyPaths;
    private readonly IReadOnlyList<string> hiddenPaths;
    private readonly string? resolvConf;

    /// <param name="limits">What one process tree may use.</param>
    /// <param name="readOnlyPaths">Directories visible read-only: <see cref="SystemPaths"/> plus any an operator adds (e.g. a toolchain).</param>
    /// <param name="hiddenPaths">Paths of the worker's that must never be visible even when they lie under a read-only directory (DataDir, the key file).</param>
    /// <param name="stateDirectory">A directory of the worker's for the sandbox's own files (a resolv.conf when the host's points at its loopback).</param>
    public Sandbox(SandboxLimits limits, IReadOnlyList<string> readOnlyPaths, IReadOnlyList<string> hiddenPaths, string stateDirectory)
    {
        Limits = limits;
        this.readOnlyPaths = readOnlyPaths;
        this.hiddenPaths = [.. hiddenPaths.Where(path => !string.IsNullOrWhiteSpace(path)).Select(Path.GetFullPath)];
        resolvConf = ResolvConf(stateDirectory);
    }

    public SandboxLimits Limits { get; }

    /// <summary>
    /// The command line that runs <paramref name="program"/> in a sandbox whose only writable directory is
    /// <paramref name="workspace"/>, with HOME <paramref name="home"/>; with <paramref name="network"/> it waits (at
    /// most a few seconds) for <see cref="AttachNetworkAsync"/> to give it the outside network.
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
    public IReadOnlyList<string> Arguments(string program, IEnumerable<string> arguments, string workspace, string home, bool network, int? user = null)
    {
        var limits = Limits;
        var ancestors = new Stack<string>();
        var line = new List<string>
        {
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
        };
        if (user is null)
        {
            line.Add("--unshare-user");
        }

        foreach (var path in readOnlyPaths.Distinct(StringComparer.Ordinal))
        {
            var info = new DirectoryInfo(path);
            if (info.LinkTarget is { } target)
            {
                line.AddRange(["--symlink", target, path]);
            }
            else if (info.Exists || File.Exists(path))
            {
                line.AddRange(["--ro-bind", path, path]);
            }
        }

        foreach (var hidden in hiddenPaths.Where(Visible))
        {
            line.AddRange(Directory.Exists(hidden) ? ["--tmpfs", hidden] : ["--ro-bind", "/dev/null", hidden]);
        }

        if (resolvConf is not null)
        {
            line.AddRange(["--ro-bind", resolvConf, "/etc/resolv.conf"]);
        }

        line.AddRange(["--proc", "/proc", "--dev", "/dev"]);
        line.AddRange(["--size", limits.TmpBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", "/tmp"]);
        var full = Path.GetFullPath(workspace);
        // The directories above the workspace exist only as mount points here, open to pass through (bubblewrap
        // would otherwise make them private to root, and the user the code runs as could not reach its workspace).
        for (var parent = Path.GetDirectoryName(full); parent is not null && parent != "/" && parent != "/tmp"; parent = Path.GetDirectoryName(parent))
        {
            var hidden = hiddenPaths.Any(path => Under(parent, path));
            if (hiddenPaths.Contains(parent) || (Visible(parent) && !hidden))
            {
                break;
            }

            ancestors.Push(parent);
        }

        while (ancestors.TryPop(out var directory))
        {
            line.AddRange(["--perms", "0755", "--dir", directory]);
        }

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
            line.AddRange(["/bin/sh", "-c", $"i=0; while ! grep -q '^{NetworkDevice}[[:space:]]*00000000' /proc/net/route 2>/dev/null; do i=$((i+1)); if [ $i -ge 500 ]; then echo '[GitHubBot] the sandbox got no network' >&2; break; fi; sleep 0.01; done; exec \"$@\"", "ghbot-sandbox"]);
        }

        line.Add(program);
        line.AddRange(arguments);
        return line;
    }

    /// <summary>
    /// Gives the sandbox started as process <paramref name="processId"/> (bubblewrap, after <c>setpriv</c> and
    /// <c>prlimit</c> replaced themselves with it) the outside network: slirp4netns attached to the network namespace
    /// of bubblewrap's child, with the host's loopback disabled. Disposing stops it.
    /// </summary>
    /// <returns>Null when the sandbox ended before its namespace could be found.</returns>
    public static async Task<IAsyncDisposable?> AttachNetworkAsync(int processId, CancellationToken cancellationToken)
    {
        var child = await ChildOfAsync(processId, TimeSpan.FromSeconds(5), cancellationToken);
        if (child is null)
        {
            return null;
        }

        string[] arguments = Environment.IsPrivilegedProcess
            ? ["--configure", "--mtu=65520", "--disable-host-loopback", "--netns-type=path", $"/proc/{child}/ns/net", NetworkDevice]
            : ["--configure", "--mtu=65520", "--disable-host-loopback", $"--userns-path=/proc/{child}/ns/user", "--netns-type=path", $"/proc/{child}/ns/net", NetworkDevice];
        var stop = new CancellationTokenSource();
        var running = Cli.Wrap("slirp4netns").WithArguments(arguments)
            .WithEnvironmentVariables(CheckProcess.EnvironmentFor(null))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(stop.Token);
        return new Attachment(stop, running);
    }

    /// <summary>The PID namespace of the sandbox started as <paramref name="processId"/> (its child's), for counting what its processes wrote.</summary>
    public static async Task<string?> NamespaceOfAsync(int processId, CancellationToken cancellationToken)
    {
        var child = await ChildOfAsync(processId, TimeSpan.FromSeconds(5), cancellationToken);
        return child is null ? null : ReadLink($"/proc/{child}/ns/pid");
    }

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
            line = Arguments("/bin/grep", ["-q", $"^{NetworkDevice}[[:space:]]*00000000", "/proc/net/route"], probe.FullName, probe.FullName, network: true, probeUid);
            var task = Cli.Wrap(line[0]).WithArguments(line.Skip(1))
                .WithWorkingDirectory("/")
                .WithEnvironmentVariables(CheckProcess.EnvironmentFor(null))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
            var attached = await AttachNetworkAsync(task.ProcessId, cancellationToken);
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

    /// <summary>The first child of <paramref name="processId"/> (bubblewrap's sandboxed child), waited for up to <paramref name="wait"/>.</summary>
    private static async Task<int?> ChildOfAsync(int processId, TimeSpan wait, CancellationToken cancellationToken)
    {
        var parent = processId.ToString(CultureInfo.InvariantCulture);
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline && Directory.Exists($"/proc/{parent}"))
        {
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                var name = Path.GetFileName(directory);
                if (name.Length == 0 || !char.IsAsciiDigit(name[0]))
                {
                    continue;
                }

                try
                {
                    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
                    var stat = await File.ReadAllTextAsync(Path.Combine(directory, "stat"), cancellationToken);
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 3);
                    if (fields.Length > 1 && fields[1] == parent)
                    {
                        return int.Parse(name, CultureInfo.InvariantCulture);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Gone while it was read.
                }
            }

            await Task.Delay(5, cancellationToken);
        }

        return null;
    }

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
