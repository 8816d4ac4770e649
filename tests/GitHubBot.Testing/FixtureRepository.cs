using System.Diagnostics;

namespace GitHubBot.Testing;

/// <summary>
/// A real git repository built by a test: a bare repository stands in for GitHub's remote (its <see cref="CloneUrl"/>
/// is a file:// URL), and a working copy beside it makes the commits that are pushed there.
/// </summary>
public sealed class FixtureRepository : IDisposable
{
    private readonly TempDirectory temp = new("ghbot-fixture-repo-");

    private FixtureRepository()
    {
    }

    /// <summary>The bare repository's directory.</summary>
    public string BarePath => Path.Combine(temp.Path, "remote.git");

    /// <summary>The remote as GitHub's clone_url would name it, here a file:// URL.</summary>
    public string CloneUrl => new Uri(BarePath).AbsoluteUri;

    private string WorkPath => Path.Combine(temp.Path, "work");

    /// <summary>A repository whose <c>main</c> holds <paramref name="files"/> (path → text).</summary>
    public static async Task<FixtureRepository> CreateAsync(IReadOnlyDictionary<string, string> files)
    {
        var repository = new FixtureRepository();
        await GitAsync(repository.temp.Path, "init", "--quiet", "--bare", "--initial-branch=main", repository.BarePath);
        await GitAsync(repository.temp.Path, "init", "--quiet", "--initial-branch=main", repository.WorkPath);
        await repository.CommitAsync("main", files, "Initial commit");
        return repository;
    }

    /// <summary>Writes <paramref name="files"/> on <paramref name="branch"/> (created from main when new), commits, pushes; returns the commit's SHA.</summary>
    public async Task<string> CommitAsync(string branch, IReadOnlyDictionary<string, string> files, string message = "Change")
    {
        ArgumentNullException.ThrowIfNull(files);
        var branches = await GitAsync(WorkPath, "branch", "--list", branch);
        if (branches.Trim().Length > 0)
        {
            await GitAsync(WorkPath, "checkout", "--quiet", branch);
        }
        else if ((await GitAsync(WorkPath, "branch", "--list")).Trim().Length > 0)
        {
            await GitAsync(WorkPath, "checkout", "--quiet", "-b", branch, "main");
        }
        else
        {
            await GitAsync(WorkPath, "checkout", "--quiet", "-b", branch);
        }

        foreach (var (path, text) in files)
        {
            var full = Path.Combine(WorkPath, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, text);
        }

        await GitAsync(WorkPath, "add", "--all");
        await GitAsync(WorkPath, "-c", "user.name=Octo Cat", "-c", "user.email=octocat@example.com", "-c", "commit.gpgsign=false", "commit", "--quiet", "--allow-empty", "-m", message);
        await GitAsync(WorkPath, "push", "--quiet", BarePath, branch);
        return (await GitAsync(WorkPath, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>Marks <paramref name="path"/> on main executable (mode 100755), commits and pushes; returns the commit's SHA.</summary>
    public async Task<string> MakeExecutableAsync(string path)
    {
        await GitAsync(WorkPath, "checkout", "--quiet", "main");
        await GitAsync(WorkPath, "update-index", "--chmod=+x", "--", path);
        await GitAsync(WorkPath, "-c", "user.name=Octo Cat", "-c", "user.email=octocat@example.com", "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", $"Make {path} executable");
        await GitAsync(WorkPath, "push", "--quiet", BarePath, "main");
        return (await GitAsync(WorkPath, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>Adds <paramref name="path"/> on main as a symbolic link to <paramref name="target"/> (replacing a file there), commits and pushes; returns the commit's SHA.</summary>
    public async Task<string> LinkAsync(string path, string target)
    {
        await GitAsync(WorkPath, "checkout", "--quiet", "main");
        var full = System.IO.Path.Combine(WorkPath, path);
        File.Delete(full);
        File.CreateSymbolicLink(full, target);
        await GitAsync(WorkPath, "add", "--all");
        await GitAsync(WorkPath, "-c", "user.name=Octo Cat", "-c", "user.email=octocat@example.com", "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", $"Link {path}");
        await GitAsync(WorkPath, "push", "--quiet", BarePath, "main");
        return (await GitAsync(WorkPath, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>The commit <paramref name="branch"/> points at in the remote.</summary>
    public async Task<string> HeadOfAsync(string branch) => (await GitAsync(temp.Path, "--git-dir", BarePath, "rev-parse", $"refs/heads/{branch}")).Trim();

    /// <summary>Runs git against the remote (e.g. "log", "-1", "--format=%an", "feature").</summary>
    public Task<string> RemoteGitAsync(params string[] args) => GitAsync(temp.Path, ["--git-dir", BarePath, .. args]);

    public void Dispose() => temp.Dispose();

    private static async Task<string> GitAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEndAsync();
        var error = git.StandardError.ReadToEndAsync();
        await git.WaitForExitAsync();
        if (git.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {await error}");
        }

        return await output;
    }
}
