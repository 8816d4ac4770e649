using System.Globalization;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>Where a worker keeps the gates' checkouts (<c>{DataDir}/workspaces</c>), and who runs the PR's code there, how.</summary>
/// <param name="Root">The workspaces' directory.</param>
public sealed record WorkspaceOptions(string Root)
{
    /// <summary>The user IDs a root worker gives the PR's code when Gate:CheckUids is not set (the sandbox needs a user that is not root).</summary>
    public static readonly (int First, int Last) DefaultCheckUids = (200000, 299999);

    /// <summary>
    /// User IDs for the PR's code (Gate:CheckUids, e.g. 200000-299999): each gate's workspace belongs to one of them
    /// and its checks, fixes and git commands run as it. Null: they run as the worker's own user.
    /// </summary>
    public (int First, int Last)? CheckUids { get; init; }

    /// <summary>The sandbox the PR's code runs in; null only when an operator set Gate:Sandbox=off.</summary>
    public Sandbox? Sandbox { get; init; }

    /// <summary>"200000-299999" → (200000, 299999); empty → null.</summary>
    public static (int First, int Last)? ParseUids(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var parts = text.Split('-', 2);
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            && first >= 1000 && last >= first
            ? (first, last)
            : throw new FormatException($"Gate:CheckUids must be a range of user IDs like 200000-299999 (from 1000 up), not '{text}'.");
    }

    /// <summary>The worker's own directory beside the workspaces: markers, push repositories, the user-ID pool.</summary>
    public string WorkerDirectory => Path.Combine(Path.GetFullPath(Root), ".worker");

    /// <summary>The pool of users for the PR's code, or null when it runs as the worker's own user.</summary>
    public CheckUsers? Users() => CheckUids is { } range ? new CheckUsers(WorkerDirectory, Path.GetFullPath(Root), range.First, range.Last) : null;

    /// <summary>
    /// Who runs the code of workspace <paramref name="key"/>: its own user (when it was given one) in the sandbox; the
    /// worker's user in the sandbox; or null, the worker's user unconfined (Gate:Sandbox=off without CheckUids).
    /// </summary>
    public RunAs? RunAsFor(string key) =>
        Users()?.Find(key) is { } user ? user with { Sandbox = Sandbox }
        : Sandbox is null ? null
        : new RunAs(-1, Path.Combine(Path.GetFullPath(Root), key, "home")) { Sandbox = Sandbox, SwitchesUser = false };

    /// <summary>The workspaces of a worker whose DataDir is <paramref name="dataDir"/>, run as <paramref name="gate"/> says.</summary>
    /// <param name="dataDir">The worker's DataDir (hidden from sandboxes).</param>
    /// <param name="gate">The "Gate" settings.</param>
    /// <param name="secrets">Files of the worker's that no sandbox may see even under a system directory (the App's key file).</param>
    /// <exception cref="FormatException">Gate:CheckUids or a Gate:Limits value is not valid (the message names it).</exception>
    public static WorkspaceOptions From(string dataDir, GateOptions gate, IEnumerable<string?>? secrets = null) =>
        ForRoot(Path.Combine(Path.GetFullPath(dataDir), "workspaces"), gate, [Path.GetFullPath(dataDir), .. (secrets ?? []).OfType<string>()], DefaultCheckUids);

    /// <summary>The workspaces under <paramref name="root"/>, run as <paramref name="gate"/> says.</summary>
    /// <param name="root">The workspaces' directory.</param>
    /// <param name="gate">The "Gate" settings.</param>
    /// <param name="hidden">Paths of the worker's no sandbox may see (DataDir, the key file).</param>
    /// <param name="rootUids">The user IDs a root worker gives the PR's code when Gate:CheckUids is empty.</param>
    /// <exception cref="FormatException">Gate:CheckUids or a Gate:Limits value is not valid (the message names it).</exception>
    public static WorkspaceOptions ForRoot(string root, GateOptions gate, IReadOnlyList<string> hidden, (int First, int Last) rootUids)
    {
        ArgumentNullException.ThrowIfNull(gate);
        var options = new WorkspaceOptions(Path.GetFullPath(root));
        var sandbox = gate.SandboxOff ? null : gate.CreateSandbox(Path.Combine(options.WorkerDirectory, "sandbox"), hidden);
        var uids = ParseUids(gate.CheckUids) ?? (sandbox is not null && Environment.IsPrivilegedProcess ? rootUids : null);
        return options with { CheckUids = uids, Sandbox = sandbox };
    }

    /// <summary>Fails, saying what to change, when the PR's code cannot be run as other users, or sandboxed, here.</summary>
    /// <exception cref="InvalidOperationException">CheckUids is set but the worker cannot change users, or the sandbox cannot be set up.</exception>
    public WorkspaceOptions Validate()
    {
        if (Sandbox is not null && Sandbox.WhyNotAsync(CheckUids?.First, CancellationToken.None).GetAwaiter().GetResult() is { } refused)
        {
            throw new InvalidOperationException(
                $"Gate:Sandbox: pull requests' code cannot be sandboxed on this worker: {refused}. Fix that, or set Gate:Sandbox=off to run it unconfined (it can then read the worker's secrets).");
        }

        if (CheckUids is not null && CheckUsers.WhyNot() is { } why)
        {
            throw new InvalidOperationException($"Gate:CheckUids needs a worker that runs as root with setpriv, kill and pgrep installed ({why}).");
        }

        return this;
    }
}

/// <summary>How the gate runs repository code (configuration section "Gate").</summary>
public sealed class GateOptions
{
    public const string SectionName = "Gate";

    /// <summary>A range of user IDs like 200000-299999 for the PR's code, one per gate; empty: 200000-299999 when the worker is root, else the worker's own user.</summary>
    public string? CheckUids { get; set; }

    /// <summary>"on" (default): the PR's and agents' code runs in a sandbox; "off": unconfined, logged loudly at start.</summary>
    public string? Sandbox { get; set; }

    /// <summary>More directories the sandbox shows read-only, separated by ':' (e.g. a toolchain outside /usr and /opt).</summary>
    public string? SandboxPaths { get; set; }

    /// <summary>What one sandboxed command may use.</summary>
    public GateLimitOptions Limits { get; set; } = new();

    /// <summary>Whether an operator turned the sandbox off.</summary>
    public bool SandboxOff => Sandbox is { } text && !string.IsNullOrWhiteSpace(text) && text.Trim() switch
    {
        "off" or "false" => true,
        "on" or "true" => false,
        _ => throw new FormatException($"Gate:Sandbox must be on or off, not '{text}'."),
    };

    /// <summary>The sandbox these settings describe.</summary>
    /// <exception cref="FormatException">A Gate:Limits value is not positive (the message names it).</exception>
    public Sandbox CreateSandbox(string stateDirectory, IReadOnlyList<string> hidden)
    {
        var paths = (SandboxPaths ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (paths.FirstOrDefault(path => !Path.IsPathRooted(path)) is { } relative)
        {
            throw new FormatException($"Gate:SandboxPaths must hold absolute paths, not '{relative}'.");
        }

        return new Sandbox(Limits.ToLimits(), [.. Workspaces.Sandbox.SystemPaths, .. paths], hidden, stateDirectory);
    }
}

/// <summary>Gate:Limits — what one sandboxed command may use; unset values keep <see cref="SandboxLimits"/>'s defaults.</summary>
public sealed class GateLimitOptions
{
    public long? CpuSeconds { get; set; }

    public long? MemoryMb { get; set; }

    public int? Processes { get; set; }

    public long? FileMb { get; set; }

    public long? DiskMb { get; set; }

    public long? TmpMb { get; set; }

    public long? OutputMb { get; set; }

    /// <exception cref="FormatException">A value is not positive.</exception>
    public SandboxLimits ToLimits()
    {
        var defaults = new SandboxLimits();
        return new SandboxLimits
        {
            CpuSeconds = Positive(nameof(CpuSeconds), CpuSeconds) ?? defaults.CpuSeconds,
            MemoryBytes = Megabytes(nameof(MemoryMb), MemoryMb) ?? defaults.MemoryBytes,
            Processes = (int?)Positive(nameof(Processes), Processes) ?? defaults.Processes,
            FileBytes = Megabytes(nameof(FileMb), FileMb) ?? defaults.FileBytes,
            DiskBytes = Megabytes(nameof(DiskMb), DiskMb) ?? defaults.DiskBytes,
            TmpBytes = Megabytes(nameof(TmpMb), TmpMb) ?? defaults.TmpBytes,
            OutputBytes = Megabytes(nameof(OutputMb), OutputMb) ?? defaults.OutputBytes,
        };
    }

    private static long? Megabytes(string name, long? value) => Positive(name, value) * 1024 * 1024;

    private static long? Positive(string name, long? value) =>
        value is null or > 0 ? value : throw new FormatException($"Gate:Limits:{name} must be a positive number, not {value}.");
}

/// <summary>Fails start-up, naming the Gate setting, when it is not valid or the worker cannot switch users or sandbox.</summary>
public sealed class GateOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<GateOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, GateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            _ = WorkspaceOptions.From(Path.GetTempPath(), options).Validate();
            return Microsoft.Extensions.Options.ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            return Microsoft.Extensions.Options.ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
