using System.Text;
using CliWrap;
using GitHubBot.Core.Workspaces;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>A git command failed; the message carries git's own words, never a token.</summary>
public sealed class GitCommandException(string message) : Exception(message);

/// <summary>
/// Checks out exactly one commit of a repository into a directory with the git CLI: a shallow fetch of the SHA from
/// the clone URL GitHub gives (a file:// URL works too, for local runs and tests), then a detached checkout.
/// For http(s) URLs the installation token travels in an <c>http.extraHeader</c> passed through git's environment:
/// it is never on a command line, in a remote URL, in the checkout's config or in an error message.
/// </summary>
public static class GitWorkspace
{
    public static async Task CheckoutAsync(Uri cloneUrl, string sha, string directory, string? token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloneUrl);
        ArgumentNullException.ThrowIfNull(sha);
        if (cloneUrl.Scheme is not ("https" or "http" or "file"))
        {
            throw new GitCommandException($"clone URLs must be https (or file for local repositories), not {cloneUrl.Scheme}");
        }

        // A full commit SHA (SHA-1 or SHA-256), never anything git could read as an option.
        if (sha.Length is not (40 or 64) || !sha.All(char.IsAsciiHexDigitLower))
        {
            throw new GitCommandException($"'{sha}' is not a full commit SHA");
        }

        Directory.CreateDirectory(directory);
        var environment = Environment(cloneUrl, token);
        await GitAsync("init", ["init", "--quiet", directory], directory, environment, token, cancellationToken);
        await GitAsync("fetch", ["-C", directory, "fetch", "--quiet", "--depth=1", "--no-tags", "--end-of-options", cloneUrl.ToString(), sha], directory, environment, token, cancellationToken);
        await GitAsync("checkout", ["-C", directory, "checkout", "--quiet", "--detach", "FETCH_HEAD"], directory, environment, token, cancellationToken);
    }

    /// <summary>
    /// Writes the PR's change as a zero-context unified diff to <paramref name="output"/> (a file git writes itself, so
    /// a huge change never sits in memory): <paramref name="baseSha"/> and the head are fetched with some history, and
    /// the head is compared with their merge base (what GitHub's "Files changed" shows), deepening once when it is not
    /// in reach; without one, with the base itself. Run on a fresh checkout, before any of the PR's code.
    /// </summary>
    public static async Task ChangeAsync(string checkout, Uri cloneUrl, string? token, string headSha, string baseSha, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloneUrl);
        if (baseSha.Length is not (40 or 64) || !baseSha.All(char.IsAsciiHexDigitLower))
        {
            throw new GitCommandException($"'{baseSha}' is not a full commit SHA");
        }

        var environment = Environment(cloneUrl, token);
        string? from = null;
        foreach (var depth in new[] { "--depth=100", "--deepen=1000" })
        {
            await GitAsync("fetch", ["-C", checkout, "fetch", "--quiet", depth, "--no-tags", "--end-of-options", cloneUrl.ToString(), baseSha, headSha], checkout, environment, token, cancellationToken);
            try
            {
                from = (await GitAsync("merge-base", ["-C", checkout, "merge-base", "--end-of-options", baseSha, headSha], checkout, CleanLocalEnvironment, null, cancellationToken)).Trim();
                break;
            }
            catch (GitCommandException)
            {
                // Not in reach yet: deepen once, then compare with the base itself.
            }
        }

        await GitAsync(
            "diff",
            ["-C", checkout, "diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", $"--output={output}", "--end-of-options", from ?? baseSha, headSha],
            checkout,
            CleanLocalEnvironment,
            null,
            cancellationToken);
    }

    /// <summary>
    /// Adds a detached worktree of the checkout's HEAD at <paramref name="path"/>: a check gets a tree of its own, so
    /// checks running side by side never share build outputs, while the fetched objects are shared.
    /// </summary>
    public static Task AddWorktreeAsync(string checkout, string path, RunAs? runAs, CancellationToken cancellationToken) =>
        GitAsync("worktree", ["-C", checkout, "worktree", "add", "--quiet", "--force", "--detach", "--end-of-options", path, "HEAD"], checkout, CleanLocalEnvironment, null, cancellationToken, runAs);

    /// <summary>Repository-relative paths of the files in the checkout.</summary>
    public static async Task<IReadOnlyList<string>> ListFilesAsync(string checkout, RunAs? runAs, CancellationToken cancellationToken)
    {
        var output = await GitAsync("ls-files", ["-C", checkout, "ls-files", "-z"], checkout, CleanLocalEnvironment, null, cancellationToken, runAs, maxOutputBytes: GitOutput.MaxListingBytes);
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The e-mail address of the author of the checkout's HEAD commit.</summary>
    public static async Task<string> HeadAuthorEmailAsync(string checkout, RunAs? runAs, CancellationToken cancellationToken) =>
        (await GitAsync("log", ["-C", checkout, "log", "-1", "--format=%ae", "HEAD"], checkout, CleanLocalEnvironment, null, cancellationToken, runAs)).Trim();

    /// <summary>What differs from HEAD in the working tree (changed, added or removed files, untracked ones included).</summary>
    public static Task<string> StatusAsync(string checkout, RunAs? runAs, CancellationToken cancellationToken) =>
        GitAsync("status", ["-C", checkout, "status", "--porcelain", "--untracked-files=all"], checkout, CleanLocalEnvironment, null, cancellationToken, runAs, maxOutputBytes: GitOutput.MaxListingBytes);

    /// <summary>Stages every change and returns it as a binary-safe unified diff against HEAD (what <c>git apply</c> takes).</summary>
    public static async Task<string> StageAllAsync(string checkout, RunAs? runAs, CancellationToken cancellationToken)
    {
        await GitAsync("add", ["-C", checkout, "add", "--all"], checkout, CleanLocalEnvironment, null, cancellationToken, runAs);
        return await GitAsync(
            "diff", ["-C", checkout, "diff", "--cached", "--binary", "--no-color", "--no-ext-diff", "--no-textconv"], checkout, CleanLocalEnvironment, null, cancellationToken, runAs, maxOutputBytes: GitOutput.MaxPatchBytes);
    }

    /// <summary>The staged changes: status letter (A, M, D, T…), the new mode and blob, and the path (NUL-separated raw output, read safely).</summary>
    public static async Task<IReadOnlyList<StagedChange>> StagedAsync(string checkout, RunAs? runAs, CancellationToken cancellationToken)
    {
        var output = await GitAsync(
            "diff", ["-C", checkout, "diff", "--cached", "--raw", "--no-renames", "--no-abbrev", "-z"], checkout, CleanLocalEnvironment, null, cancellationToken, runAs, maxOutputBytes: GitOutput.MaxListingBytes);
        var parts = output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var staged = new List<StagedChange>();
        for (var i = 0; i + 1 < parts.Length; i += 2)
        {
            // ":100644 100644 <old> <new> M"
            var fields = parts[i].TrimStart(':').Split(' ');
            if (fields.Length >= 5)
            {
                staged.Add(new StagedChange(fields[4][0], fields[1], fields[3], parts[i + 1]));
            }
        }

        return staged;
    }

    /// <summary>A blob's text, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<string?> BlobAsync(string checkout, string sha, int maxBytes, RunAs? runAs, CancellationToken cancellationToken)
    {
        var size = long.Parse((await GitAsync("cat-file", ["-C", checkout, "cat-file", "-s", "--end-of-options", sha], checkout, CleanLocalEnvironment, null, cancellationToken, runAs)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return size > maxBytes ? null : await GitAsync("cat-file", ["-C", checkout, "cat-file", "blob", "--end-of-options", sha], checkout, CleanLocalEnvironment, null, cancellationToken, runAs, maxOutputBytes: maxBytes);
    }

    /// <summary>
    /// Commits <paramref name="patch"/> on top of <paramref name="baseSha"/> as <paramref name="author"/> and pushes it to
    /// <paramref name="branch"/> of <paramref name="remoteUrl"/>, fast-forward only (a branch that moved since is left
    /// alone and the push fails with git's reason). Returns the new commit's SHA.
    /// </summary>
    /// <remarks>
    /// The checkout the patch came from ran the PR's code, which may have rewritten its git configuration (an
    /// insteadOf that sends pushes elsewhere, a proxy, hooks) or planted objects. Nothing of it is used: the base
    /// commit is fetched again into <paramref name="scratch"/>, a repository only GitHubBot wrote, the patch is applied
    /// there as data (<c>git apply</c> refuses paths outside the tree or through symbolic links), and the commit is
    /// made and pushed with system and global configuration ignored. The token only meets configuration GitHubBot wrote.
    /// </remarks>
    public static async Task<string> CommitAndPushAsync(
        string scratch, Uri remoteUrl, string baseSha, string patch, string message, (string Name, string Email) author, string branch, string? token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remoteUrl);
        await GitAsync("check-ref-format", ["check-ref-format", "--branch", branch], Path.GetTempPath(), CleanLocalEnvironment, null, cancellationToken);
        Remove(scratch);
        await CheckoutAsync(remoteUrl, baseSha, scratch, token, cancellationToken);
        await GitAsync("apply", ["-C", scratch, "apply", "--index", "--binary", "--whitespace=nowarn", "-"], scratch, CleanLocalEnvironment, null, cancellationToken, input: patch);
        var environment = new Dictionary<string, string?>(CleanLocalEnvironment)
        {
            ["GIT_AUTHOR_NAME"] = author.Name,
            ["GIT_AUTHOR_EMAIL"] = author.Email,
            ["GIT_COMMITTER_NAME"] = author.Name,
            ["GIT_COMMITTER_EMAIL"] = author.Email,
        };
        await GitAsync("commit", ["-C", scratch, "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", message], scratch, environment, null, cancellationToken);
        var sha = (await GitAsync("rev-parse", ["-C", scratch, "rev-parse", "--verify", "HEAD^{commit}"], scratch, CleanLocalEnvironment, null, cancellationToken)).Trim();
        await GitAsync("push", ["-C", scratch, "push", "--quiet", "--no-verify", "--end-of-options", remoteUrl.ToString(), $"{sha}:refs/heads/{branch}"], scratch, Environment(remoteUrl, token), token, cancellationToken);
        return sha;
    }

    /// <summary>Removes a checkout; a directory that is already gone is fine.</summary>
    public static void Remove(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static Dictionary<string, string?> Environment(Uri cloneUrl, string? token)
    {
        var environment = new Dictionary<string, string?>(CleanLocalEnvironment);
        if (token is not null && cloneUrl.Scheme is "http" or "https")
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"x-access-token:{token}"));
            environment["GIT_CONFIG_COUNT"] = "1";
            environment["GIT_CONFIG_KEY_0"] = "http.extraHeader";
            environment["GIT_CONFIG_VALUE_0"] = $"Authorization: Basic {basic}";
        }

        return environment;
    }

    /// <summary>Git with no configuration but the repository's own, and no prompts.</summary>
    internal static readonly Dictionary<string, string?> CleanLocalEnvironment = new()
    {
        ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_ASKPASS"] = "/bin/false",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
    };

    /// <summary>
    /// Runs git and returns what it wrote, at most <paramref name="maxOutputBytes"/>: more fails the step for good
    /// (<c>GitOutputTooLarge</c>; git is stopped there, and trying again would meet the same), so a repository,
    /// change or listing of any size never sits in the worker's memory whole.
    /// </summary>
    internal static async Task<string> GitAsync(
        string step,
        string[] arguments,
        string directory,
        Dictionary<string, string?> environment,
        string? token,
        CancellationToken cancellationToken,
        RunAs? runAs = null,
        string? input = null,
        int maxOutputBytes = GitOutput.DefaultMaxBytes)
    {
        var (output, cut) = await GitOutputAsync(step, arguments, directory, environment, token, cancellationToken, runAs, input, maxOutputBytes);
        return cut
            ? throw new ApplicationFailureException(
                $"git {step} wrote more than {GitOutput.Describe(maxOutputBytes)}, so GitHubBot stopped it: a repository, change or file list that large is more than it works on.",
                errorType: "GitOutputTooLarge",
                nonRetryable: true)
            : output;
    }

    /// <summary>
    /// Runs git and returns the first <paramref name="maxOutputBytes"/> of what it wrote, and whether there was more
    /// (git is then stopped: nothing past the bound is read). Git's own failure throws, its words kept (at most
    /// <see cref="GitOutput.MaxErrorBytes"/>), without a token or the worker's paths.
    /// </summary>
    internal static async Task<(string Output, bool Cut)> GitOutputAsync(
        string step,
        string[] arguments,
        string directory,
        Dictionary<string, string?> environment,
        string? token,
        CancellationToken cancellationToken,
        RunAs? runAs = null,
        string? input = null,
        int maxOutputBytes = GitOutput.DefaultMaxBytes,
        int setUpAttempt = 0)
    {
        // Git sees none of the worker's environment but the allow-list checks get, and runs no hook or file-system
        // monitor a check may have configured in the checkout: those would run with git's privileges.
        string[] guarded = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", .. arguments];
        // In a workspace the PR's code wrote, git runs as that code does (its user, its sandbox): the checkout's own
        // configuration may name filters and other programs git would start.
        IReadOnlyList<string> line = runAs is null ? ["git", .. guarded] : runAs.Command("git", guarded);
        var command = runAs is null
            ? Cli.Wrap("git").WithArguments(guarded).WithEnvironmentVariables(CheckProcess.EnvironmentFor(environment))
            : Cli.Wrap(line[0]).WithArguments(line.Skip(1))
                .WithEnvironmentVariables(CheckProcess.EnvironmentFor(new Dictionary<string, string?>(CleanLocalEnvironment.Concat(runAs.Environment))));
        using var enough = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var output = new GitOutput(maxOutputBytes, enough);
        var errors = new GitOutput(GitOutput.MaxErrorBytes, stop: null);
        CommandResult result;
        try
        {
            var ready = command
                .WithWorkingDirectory(Directory.Exists(directory) ? directory : Path.GetTempPath())
                .WithStandardInputPipe(input is null ? PipeSource.Null : PipeSource.FromString(input))
                .WithStandardOutputPipe(output.Target)
                .WithStandardErrorPipe(errors.Target)
                .WithValidation(CommandResultValidation.None);
            result = await (runAs?.Sandbox is null ? ready.ExecuteAsync(enough.Token) : SandboxSpawner.Start(() => ready.ExecuteAsync(enough.Token)));
        }
        catch (OperationCanceledException) when (output.Overflowed && !cancellationToken.IsCancellationRequested)
        {
            return (output.Text, true);
        }

        if (runAs?.Sandbox is not null && Sandbox.SetUpFailed(result.ExitCode, errors.Text) && setUpAttempt < 3)
        {
            // The sandbox could not be set up and git never ran (as Sandbox.RetryingSetUpAsync does for the rest;
            // git's buffers are made anew with each run, so it asks itself again).
            await Task.Delay(100 * (setUpAttempt + 1), cancellationToken);
            return await GitOutputAsync(step, arguments, directory, environment, token, cancellationToken, runAs, input, maxOutputBytes, setUpAttempt + 1);
        }

        if (result.ExitCode != 0)
        {
            var said = errors.Text.Trim() + (errors.Overflowed ? " …" : string.Empty);
            if (!string.IsNullOrEmpty(token))
            {
                var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"x-access-token:{token}"));
                said = said.Replace(token, "***", StringComparison.Ordinal).Replace(basic, "***", StringComparison.Ordinal);
            }

            // Git names the repository it ran in, and files of the worker: none of that leaves the worker.
            string[] known = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) == Path.TrimEndingDirectorySeparator(Path.GetTempPath()) ? [] : [Path.GetFullPath(directory)];
            throw new GitCommandException($"git {step} failed ({result.ExitCode}): {WorkerPaths.Scrub(said, known)}");
        }

        return (output.Text, false);
    }
}

/// <summary>One staged change of a checkout.</summary>
/// <param name="Status">git's letter: A, M, D, T….</param>
/// <param name="Mode">The new mode (100644, 100755, 120000 for a link, 160000 for a submodule; 000000 when deleted).</param>
/// <param name="Blob">The new blob's SHA.</param>
/// <param name="Path">The repository path.</param>
public sealed record StagedChange(char Status, string Mode, string Blob, string Path);
