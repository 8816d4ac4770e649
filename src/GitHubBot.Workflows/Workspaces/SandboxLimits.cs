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
