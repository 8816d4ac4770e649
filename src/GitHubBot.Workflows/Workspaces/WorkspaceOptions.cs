using System.Globalization;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>Where a worker keeps the gates' checkouts (<c>{DataDir}/workspaces</c>), and who runs the PR's code there.</summary>
/// <param name="Root">The workspaces' directory.</param>
public sealed record WorkspaceOptions(string Root)
{
    /// <summary>
    /// User IDs for the PR's code (Gate:CheckUids, e.g. 200000-299999): each gate's workspace belongs to one of them
    /// and its checks, fixes and git commands run as it. Null: they run as the worker's own user.
    /// </summary>
    public (int First, int Last)? CheckUids { get; init; }

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

    /// <summary>The workspaces of a worker whose DataDir is <paramref name="dataDir"/>, run as <paramref name="gate"/> says.</summary>
    /// <exception cref="FormatException">Gate:CheckUids is not a range of user IDs (the message names it).</exception>
    public static WorkspaceOptions From(string dataDir, GateOptions gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        return new WorkspaceOptions(Path.Combine(Path.GetFullPath(dataDir), "workspaces")) { CheckUids = ParseUids(gate.CheckUids) };
    }

    /// <summary>Fails, saying what to change, when the PR's code cannot be run as other users here.</summary>
    /// <exception cref="InvalidOperationException">CheckUids is set but the worker cannot change users.</exception>
    public WorkspaceOptions Validate()
    {
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

    /// <summary>A range of user IDs like 200000-299999 for the PR's code, one per gate; empty: the worker's own user.</summary>
    public string? CheckUids { get; set; }
}

/// <summary>Fails start-up, naming Gate:CheckUids, when it is not a range or the worker cannot switch users.</summary>
public sealed class GateOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<GateOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, GateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            _ = WorkspaceOptions.From(".", options).Validate();
            return Microsoft.Extensions.Options.ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            return Microsoft.Extensions.Options.ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
