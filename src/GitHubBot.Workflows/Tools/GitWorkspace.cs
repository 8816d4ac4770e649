using System.Text;
using CliWrap;
using CliWrap.Buffered;

namespace GitHubBot.Workflows.Tools;

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
    /// Adds a detached worktree of the checkout's HEAD at <paramref name="path"/>: a check gets a tree of its own, so
    /// checks running side by side never share build outputs, while the fetched objects are shared.
    /// </summary>
    public static async Task AddWorktreeAsync(string checkout, string path, CancellationToken cancellationToken)
    {
        await GitAsync("worktree", ["-C", checkout, "worktree", "add", "--quiet", "--force", "--detach", "--end-of-options", path, "HEAD"], checkout, LocalEnvironment, null, cancellationToken);
    }

    /// <summary>Forgets worktrees whose directories are gone.</summary>
    public static Task PruneWorktreesAsync(string checkout, CancellationToken cancellationToken) =>
        GitAsync("worktree", ["-C", checkout, "worktree", "prune"], checkout, LocalEnvironment, null, cancellationToken);

    /// <summary>Repository-relative paths of the files in the checkout.</summary>
    public static async Task<IReadOnlyList<string>> ListFilesAsync(string checkout, CancellationToken cancellationToken)
    {
        var output = await GitAsync("ls-files", ["-C", checkout, "ls-files", "-z"], checkout, LocalEnvironment, null, cancellationToken);
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The e-mail address of the author of the checkout's HEAD commit.</summary>
    public static async Task<string> HeadAuthorEmailAsync(string checkout, CancellationToken cancellationToken) =>
        (await GitAsync("log", ["-C", checkout, "log", "-1", "--format=%ae", "HEAD"], checkout, LocalEnvironment, null, cancellationToken)).Trim();

    /// <summary>Whether the working tree differs from HEAD (changed, added or removed files, untracked ones included).</summary>
    public static async Task<string> StatusAsync(string checkout, CancellationToken cancellationToken) =>
        await GitAsync("status", ["-C", checkout, "status", "--porcelain", "--untracked-files=all"], checkout, LocalEnvironment, null, cancellationToken);

    /// <summary>Stages every change and returns it as a unified diff.</summary>
    public static async Task<string> StageAllAsync(string checkout, CancellationToken cancellationToken)
    {
        await GitAsync("add", ["-C", checkout, "add", "--all"], checkout, LocalEnvironment, null, cancellationToken);
        return await GitAsync("diff", ["-C", checkout, "diff", "--cached", "--no-color", "--no-ext-diff"], checkout, LocalEnvironment, null, cancellationToken);
    }

    /// <summary>Commits what is staged as <paramref name="author"/> (author and committer) and returns the new commit's SHA.</summary>
    public static async Task<string> CommitAsync(string checkout, string message, (string Name, string Email) author, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?>(LocalEnvironment)
        {
            ["GIT_AUTHOR_NAME"] = author.Name,
            ["GIT_AUTHOR_EMAIL"] = author.Email,
            ["GIT_COMMITTER_NAME"] = author.Name,
            ["GIT_COMMITTER_EMAIL"] = author.Email,
        };
        await GitAsync("commit", ["-C", checkout, "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", message], checkout, environment, null, cancellationToken);
        return (await GitAsync("rev-parse", ["-C", checkout, "rev-parse", "HEAD"], checkout, LocalEnvironment, null, cancellationToken)).Trim();
    }

    /// <summary>
    /// Pushes the checkout's HEAD to <paramref name="branch"/> of <paramref name="remoteUrl"/>, fast-forward only: a
    /// branch that moved since the checkout is left alone and the push fails with git's reason.
    /// </summary>
    /// <remarks>
    /// The checkout has run the PR's code, which may have rewritten its git configuration (an insteadOf that sends
    /// the push elsewhere, a proxy, hooks). So the commit is first copied into a fresh repository at
    /// <paramref name="scratch"/> that no check ever touched, and pushed from there with system and global
    /// configuration ignored: the token only ever meets configuration GitHubBot wrote.
    /// </remarks>
    public static async Task PushAsync(string checkout, string scratch, Uri remoteUrl, string branch, string? token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remoteUrl);
        if (remoteUrl.Scheme is not ("https" or "http" or "file"))
        {
            throw new GitCommandException($"push URLs must be https (or file for local repositories), not {remoteUrl.Scheme}");
        }

        await GitAsync("check-ref-format", ["check-ref-format", "--branch", branch], checkout, LocalEnvironment, null, cancellationToken);
        var sha = (await GitAsync("rev-parse", ["-C", checkout, "rev-parse", "--verify", "HEAD^{commit}"], checkout, LocalEnvironment, null, cancellationToken)).Trim();
        Remove(scratch);
        Directory.CreateDirectory(scratch);
        var clean = Environment(remoteUrl, token);
        await GitAsync("init", ["init", "--quiet", "--bare", scratch], scratch, CleanLocalEnvironment, null, cancellationToken);
        await GitAsync("fetch", ["-C", scratch, "fetch", "--quiet", "--update-shallow", "--no-tags", "--end-of-options", checkout, "+HEAD:refs/ghbot/fixes"], scratch, CleanLocalEnvironment, null, cancellationToken);
        var copied = (await GitAsync("rev-parse", ["-C", scratch, "rev-parse", "--verify", "refs/ghbot/fixes^{commit}"], scratch, CleanLocalEnvironment, null, cancellationToken)).Trim();
        if (copied != sha)
        {
            throw new GitCommandException($"the fixes commit changed while it was copied ({sha} → {copied})");
        }

        await GitAsync("push", ["-C", scratch, "push", "--quiet", "--no-verify", "--end-of-options", remoteUrl.ToString(), $"{sha}:refs/heads/{branch}"], scratch, clean, token, cancellationToken);
    }

    /// <summary>Removes a checkout; a directory that is already gone is fine.</summary>
    public static void Remove(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Dictionary<string, string?> Environment(Uri cloneUrl, string? token)
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

    private static readonly Dictionary<string, string?> LocalEnvironment = new()
    {
        ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_ASKPASS"] = "/bin/false",
    };

    /// <summary>Git with no configuration but the repository's own (which GitHubBot wrote).</summary>
    private static readonly Dictionary<string, string?> CleanLocalEnvironment = new(LocalEnvironment)
    {
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
    };

    private static async Task<string> GitAsync(string step, string[] arguments, string directory, Dictionary<string, string?> environment, string? token, CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap("git")
            .WithArguments(arguments)
            .WithWorkingDirectory(Directory.Exists(directory) ? directory : Path.GetTempPath())
            .WithEnvironmentVariables(environment)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        if (result.ExitCode != 0)
        {
            var said = result.StandardError.Trim();
            if (!string.IsNullOrEmpty(token))
            {
                var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"x-access-token:{token}"));
                said = said.Replace(token, "***", StringComparison.Ordinal).Replace(basic, "***", StringComparison.Ordinal);
            }

            throw new GitCommandException($"git {step} failed ({result.ExitCode}): {said}");
        }

        return result.StandardOutput;
    }
}
