using System.Diagnostics;
using System.Text;
using GitHubBot.Core.Common;
using GitHubBot.Core.Workspaces;
using GitHubBot.Testing;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Workspaces;
using NSubstitute;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// Git's output from a repository someone else wrote is read only up to a bound: a commit whose file list is larger
/// than that stops git with a clear failure, a diff shown to an agent is cut, and git's complaints name no path of
/// the worker. The repository is real: one commit adds 50 000 files under long directory names (one blob, built
/// straight into an index, so nothing is written to disk per file).
/// </summary>
[Collection(HugeRepositoryCollection.Name)]
public sealed class GitOutputBoundsTests(HugeRepository huge) : IDisposable
{
    private readonly TempDirectory temp = new("ghbot-bounds-");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_tree_listing_past_the_bound_stops_git_and_fails_for_good_saying_why()
    {
        var snapshots = Snapshots();
        var snapshot = huge.Snapshot(huge.HugeSha);

        var failure = await Assert.ThrowsAsync<ApplicationFailureException>(() => snapshots.ReadAsync(snapshot, ["README.md"], CancellationToken.None));

        Assert.Equal("GitOutputTooLarge", failure.ErrorType);
        Assert.True(failure.NonRetryable);
        Assert.StartsWith("git ls-tree wrote more than 32 MiB, so GitHubBot stopped it", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkouts_file_list_past_the_bound_fails_the_same_way()
    {
        var work = Path.Combine(temp.Path, "work");
        await GitAsync(temp.Path, null, "init", "--quiet", work);
        await GitAsync(work, null, "fetch", "--quiet", huge.Remote.CloneUrl, "huge");
        await GitAsync(work, null, "read-tree", "FETCH_HEAD");

        var failure = await Assert.ThrowsAsync<ApplicationFailureException>(() => GitWorkspace.ListFilesAsync(work, null, CancellationToken.None));

        Assert.Equal("GitOutputTooLarge", failure.ErrorType);
        Assert.StartsWith("git ls-files wrote more than 32 MiB", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_of_too_many_files_is_not_listed_and_its_diff_for_the_reviewer_is_cut_where_it_is_shown()
    {
        var snapshots = Snapshots();
        var start = huge.Snapshot(huge.BaseSha);

        Assert.Null(await snapshots.ChangedPathsAsync(start, huge.HugeSha, 20_000, CancellationToken.None));
        var diff = await snapshots.DiffAsync(start, huge.HugeSha, 60_000, CancellationToken.None);

        Assert.EndsWith("\n[diff cut]\n", diff, StringComparison.Ordinal);
        Assert.True(diff.Length <= 60_000 + "\n[diff cut]\n".Length, $"{diff.Length} characters");
        Assert.StartsWith("diff --git a/", diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gits_complaints_name_no_path_of_the_worker()
    {
        var missing = Path.Combine(temp.Path, "nowhere", "gone.git");

        var failure = await Assert.ThrowsAsync<GitCommandException>(() => GitWorkspace.CheckoutAsync(
            new Uri(missing), "0123456789012345678901234567890123456789", Path.Combine(temp.Path, "checkout"), token: null, CancellationToken.None));

        Assert.StartsWith("git fetch failed", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(temp.Path, failure.Message, StringComparison.Ordinal);
        Assert.Contains("…/gone.git", failure.Message, StringComparison.Ordinal);
    }

    private RepoSnapshots Snapshots()
    {
        var clients = Substitute.For<IGitHubClients>();
        clients.AppSlugAsync().Returns("ghbot-test");
        return new RepoSnapshots(clients, new WorkspaceOptions(temp.Path));
    }

    internal static Task<string> GitAsync(string directory, string? input, params string[] arguments) => GitWithIndexAsync(directory, input, null, arguments);

    internal static async Task<string> GitWithIndexAsync(string directory, string? input, string? indexFile, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (indexFile is not null)
        {
            start.Environment["GIT_INDEX_FILE"] = indexFile;
        }

        using var git = Process.Start(start)!;
        var output = git.StandardOutput.ReadToEndAsync();
        var errors = git.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await git.StandardInput.WriteAsync(input);
            git.StandardInput.Close();
        }

        await git.WaitForExitAsync();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', arguments)}: {await errors}");
        return (await output).Trim();
    }
}

/// <summary>The huge repository the bounds tests share (built once: a few seconds).</summary>
[CollectionDefinition(Name)]
public sealed class HugeRepositoryCollection : ICollectionFixture<HugeRepository>
{
    public const string Name = "huge repository";
}

/// <summary>A remote whose branch <c>huge</c> adds 50 000 files under four 200-character directory names to <c>main</c>.</summary>
public sealed class HugeRepository : IAsyncLifetime
{
    public const int Files = 50_000;

    public FixtureRepository Remote { get; private set; } = null!;

    public string BaseSha { get; private set; } = string.Empty;

    public string HugeSha { get; private set; } = string.Empty;

    public RepoSnapshot Snapshot(string sha) => new(new RepositoryTarget("o", "huge", 1), Remote.CloneUrl, sha);

    public async Task InitializeAsync()
    {
        Remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hi\n" });
        BaseSha = await Remote.HeadOfAsync("main");
        var bare = Remote.BarePath;
        var blob = await GitOutputBoundsTests.GitAsync(bare, "x\n", "--git-dir", bare, "hash-object", "-w", "--stdin");
        var directory = string.Join('/', "abcd".Select(c => new string(c, 200)));
        var index = new StringBuilder();
        for (var i = 0; i < Files; i++)
        {
            index.Append("100644 ").Append(blob).Append('\t').Append(directory).Append("/file-").Append(i).Append('\n');
        }

        var indexFile = Path.Combine(Path.GetDirectoryName(bare)!, "huge-index");
        await GitOutputBoundsTests.GitWithIndexAsync(bare, null, indexFile, "--git-dir", bare, "read-tree", BaseSha);
        await GitOutputBoundsTests.GitWithIndexAsync(bare, index.ToString(), indexFile, "--git-dir", bare, "update-index", "--index-info");
        var tree = await GitOutputBoundsTests.GitWithIndexAsync(bare, null, indexFile, "--git-dir", bare, "write-tree");
        HugeSha = await GitOutputBoundsTests.GitAsync(bare, null, "--git-dir", bare, "-c", "user.name=Octo Cat", "-c", "user.email=octo@example.com", "commit-tree", tree, "-p", BaseSha, "-m", "Add 50000 files");
        await GitOutputBoundsTests.GitAsync(bare, null, "--git-dir", bare, "update-ref", "refs/heads/huge", HugeSha);
    }

    public Task DisposeAsync()
    {
        Remote.Dispose();
        return Task.CompletedTask;
    }
}
