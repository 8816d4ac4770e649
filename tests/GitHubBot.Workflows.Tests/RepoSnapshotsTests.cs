using GitHubBot.Core.Common;
using GitHubBot.Core.Workspaces;
using GitHubBot.Testing;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Workspaces;
using NSubstitute;
using Temporalio.Exceptions;
using Temporalio.Testing;

namespace GitHubBot.Workflows.Tests;

/// <summary>The plan's git work on real repositories: files read from a commit, commits built from patches, pushed.</summary>
public sealed class RepoSnapshotsTests : IDisposable
{
    private static readonly (string, string) Author = ("ghbot-test[bot]", "ghbot-test[bot]@users.noreply.github.com");
    private readonly TempDirectory temp = new("ghbot-snapshots-");

    /// <summary>The App as far as local repositories need it: its slug (file remotes take no token, and no host is GitHub's).</summary>
    private readonly IGitHubClients clients = Substitute.For<IGitHubClients>();

    public RepoSnapshotsTests() => clients.AppSlugAsync().Returns("ghbot-test");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Files_are_read_from_the_commit_with_their_tree_and_nothing_is_checked_out()
    {
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["src/a b.txt"] = "spaced\n", ["docs/ü.md"] = "unicode\n", ["big.txt"] = "x" });
        var snapshot = new RepoSnapshot(new RepositoryTarget("o", "r", 1), remote.CloneUrl, await remote.HeadOfAsync("main"));

        var files = await Snapshots().ReadAsync(snapshot, ["src/a b.txt", "docs/ü.md", "missing.txt"], CancellationToken.None);

        Assert.Equal(["big.txt", "docs/ü.md", "src/a b.txt"], files.Tree.Order(StringComparer.Ordinal));
        Assert.Equal("spaced\n", files.Read("src/a b.txt"));
        Assert.Equal("unicode\n", files.Read("docs/ü.md"));
        Assert.Null(files.Read("missing.txt"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(temp.Path, ".worker", "snapshots"), "*", SearchOption.TopDirectoryOnly)
            .SelectMany(repo => Directory.GetFiles(repo, "a b.txt", SearchOption.AllDirectories)));
    }

    [Fact]
    public async Task The_same_patches_make_the_same_commits_so_pushing_again_or_adding_one_is_a_fast_forward()
    {
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["run.sh"] = "echo one\n", ["README.md"] = "hi\n" });
        var sha = await remote.MakeExecutableAsync("run.sh");
        var snapshot = new RepoSnapshot(new RepositoryTarget("o", "r", 1), remote.CloneUrl, sha);
        var when = DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var first = new Patch("Say two\n\nCloses #5.", [new FileEdit("run.sh", "one", "two")], when);
        var second = new Patch("Add notes", [new FileEdit("docs/notes.md", Content: "notes\n")], when.AddMinutes(1));

        var snapshots = Snapshots();
        var once = await snapshots.CommitAsync(snapshot, [first], Author, CancellationToken.None);
        var again = await snapshots.CommitAsync(snapshot, [first], Author, CancellationToken.None);
        Assert.Equal(once, again);
        await snapshots.PushAsync(snapshot, once, "ghbot/issue-5", CancellationToken.None);
        await snapshots.PushAsync(snapshot, once, "ghbot/issue-5", CancellationToken.None);
        var both = await snapshots.CommitAsync(snapshot, [first, second], Author, CancellationToken.None);
        await snapshots.PushAsync(snapshot, both, "ghbot/issue-5", CancellationToken.None);

        Assert.Equal(both, await remote.HeadOfAsync("ghbot/issue-5"));
        Assert.Equal("Add notes\nSay two\nMake run.sh executable\nInitial commit\n", await remote.RemoteGitAsync("log", "--format=%s", "ghbot/issue-5"));
        Assert.Equal("ghbot-test[bot] 1795608060", (await remote.RemoteGitAsync("log", "-1", "--format=%cn %ct", "ghbot/issue-5")).Trim());
        Assert.Equal("echo two\n", await remote.RemoteGitAsync("show", $"{both}:run.sh"));
        Assert.StartsWith("100755", await remote.RemoteGitAsync("ls-tree", both, "run.sh"), StringComparison.Ordinal);
        Assert.Contains("-echo one\n+echo two", await snapshots.DiffAsync(snapshot, both, 10_000, CancellationToken.None), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revert_undoes_only_what_githubbots_own_commits_changed_even_after_the_branch_took_in_main()
    {
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["app.txt"] = "v1\n", ["other.txt"] = "v1\n" });
        var target = new RepositoryTarget("o", "r", 1);
        var baseSha = await remote.HeadOfAsync("main");
        var snapshots = Snapshots();
        var when = DateTimeOffset.Parse("2026-12-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        // GitHubBot's hotfix changes app.txt; then someone updates the branch with main's newer other.txt, and it is merged.
        var own = await snapshots.CommitAsync(new RepoSnapshot(target, remote.CloneUrl, baseSha), [new Patch("Hotfix", [new FileEdit("app.txt", Content: "v2\n")], when)], Author, CancellationToken.None);
        await snapshots.PushAsync(new RepoSnapshot(target, remote.CloneUrl, baseSha), own, "ghbot/hotfix-x", CancellationToken.None);
        var head = await snapshots.CommitAsync(new RepoSnapshot(target, remote.CloneUrl, own), [new Patch("Update branch from main", [new FileEdit("other.txt", Content: "v2\n")], when)], Author, CancellationToken.None);
        await snapshots.PushAsync(new RepoSnapshot(target, remote.CloneUrl, own), head, "ghbot/hotfix-x", CancellationToken.None);
        await remote.RemoteGitAsync("update-ref", "refs/heads/main", head);

        var revert = await snapshots.RevertAsync(new RevertRequest(new RepoSnapshot(target, remote.CloneUrl, head), baseSha, head, "Revert the hotfix", when) { Own = own }, CancellationToken.None);
        var whole = await snapshots.RevertAsync(new RevertRequest(new RepoSnapshot(target, remote.CloneUrl, head), baseSha, head, "Revert everything", when), CancellationToken.None);

        var edit = Assert.Single(revert.Edits);
        Assert.Equal(("app.txt", "v1\n"), (edit.Path, edit.Content));
        Assert.Equal(["app.txt", "other.txt"], whole.Edits.Select(e => e.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_branch_someone_else_moved_is_not_overwritten()
    {
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["a.txt"] = "a\n" });
        var snapshot = new RepoSnapshot(new RepositoryTarget("o", "r", 1), remote.CloneUrl, await remote.HeadOfAsync("main"));
        await remote.CommitAsync("ghbot/issue-9", new Dictionary<string, string> { ["human.txt"] = "mine\n" });
        var snapshots = Snapshots();
        var sha = await snapshots.CommitAsync(snapshot, [new Patch("A", [new FileEdit("a.txt", "a", "b")], DateTimeOffset.UnixEpoch)], Author, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<GitCommandException>(() => snapshots.PushAsync(snapshot, sha, "ghbot/issue-9", CancellationToken.None));

        Assert.Contains("rejected", refused.Message, StringComparison.Ordinal);
        Assert.Equal("mine\n", await remote.RemoteGitAsync("show", "ghbot/issue-9:human.txt"));
    }

    [Fact]
    public async Task Patches_that_do_not_apply_and_remotes_off_github_get_nothing_committed_and_no_token()
    {
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["a.txt"] = "a\n" });
        var snapshot = new RepoSnapshot(new RepositoryTarget("o", "r", 1), remote.CloneUrl, await remote.HeadOfAsync("main"));

        var bad = await Assert.ThrowsAsync<ApplicationFailureException>(() => Snapshots().CommitAsync(
            snapshot, [new Patch("Escape", [new FileEdit("../outside.txt", Content: "x")], DateTimeOffset.UnixEpoch)], Author, CancellationToken.None));
        var elsewhere = await Assert.ThrowsAsync<ApplicationFailureException>(() => Snapshots().ReadAsync(
            snapshot with { CloneUrl = "https://evil.example.com/o/r.git" }, [], CancellationToken.None));

        Assert.Equal("PatchDoesNotApply", bad.ErrorType);
        Assert.Contains("not a path inside the repository", bad.Message, StringComparison.Ordinal);
        Assert.Equal("InvalidRequest", elsewhere.ErrorType);
        await clients.DidNotReceiveWithAnyArgs().InstallationTokenAsync(default!, default!, default);
    }

    [Fact]
    public async Task A_file_cannot_become_a_directory_or_a_directory_a_file()
    {
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "hi\n", ["src/a.txt"] = "a\n" });
        var snapshot = new RepoSnapshot(new RepositoryTarget("o", "r", 1), remote.CloneUrl, await remote.HeadOfAsync("main"));
        var activities = new SnapshotActivities(Snapshots(), clients);
        var earlier = new Patch("new dir", [new FileEdit("docs/guide.md", Content: "guide\n")], DateTimeOffset.UnixEpoch);

        var problems = await new ActivityEnvironment().RunAsync(() => activities.CheckPatchAsync(new CheckPatchRequest(
            snapshot, [earlier], new Patch("bad", [new FileEdit("README.md/notes.md", Content: "x"), new FileEdit("src", Content: "x"), new FileEdit("docs", Content: "x")], DateTimeOffset.UnixEpoch))));
        var fine = await new ActivityEnvironment().RunAsync(() => activities.CheckPatchAsync(new CheckPatchRequest(
            snapshot, [earlier], new Patch("good", [new FileEdit("docs/more.md", Content: "x"), new FileEdit("src/a.txt", "a", "b")], DateTimeOffset.UnixEpoch))));

        Assert.Equal(
            ["README.md/notes.md: README.md is a file, not a directory.", "docs: a directory of that name exists; choose another path.", "src: a directory of that name exists; choose another path."],
            problems);
        Assert.Empty(fine);
        var itself = await new ActivityEnvironment().RunAsync(() => activities.CheckPatchAsync(new CheckPatchRequest(
            snapshot, [], new Patch("clash", [new FileEdit("lib", Content: "x"), new FileEdit("lib/a.txt", Content: "y")], DateTimeOffset.UnixEpoch))));
        Assert.Equal(["lib: a directory of that name exists; choose another path.", "lib/a.txt: lib is a file, not a directory."], itself);
    }

    [Fact]
    public async Task A_push_to_a_branch_someone_else_moved_fails_as_branch_moved_without_retrying()
    {
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["a.txt"] = "a\n" });
        var snapshot = new RepoSnapshot(new RepositoryTarget("o", "r", 1), remote.CloneUrl, await remote.HeadOfAsync("main"));
        await remote.CommitAsync("ghbot/issue-3", new Dictionary<string, string> { ["human.txt"] = "mine\n" });
        var activities = new SnapshotActivities(Snapshots(), clients);

        var moved = await Assert.ThrowsAsync<ApplicationFailureException>(() => new ActivityEnvironment().RunAsync(() => activities.PushPatchesAsync(
            new PushPatchesRequest(snapshot, [new Patch("A", [new FileEdit("a.txt", "a", "b")], DateTimeOffset.UnixEpoch)], "ghbot/issue-3"))));

        Assert.Equal("BranchMoved", moved.ErrorType);
        Assert.True(moved.NonRetryable);
    }

    [Fact]
    public async Task A_first_push_creates_its_branch_or_finds_its_own_commits_there_and_never_takes_over_an_existing_one()
    {
        using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["a.txt"] = "a\n" });
        var main = await remote.HeadOfAsync("main");
        var snapshot = new RepoSnapshot(new RepositoryTarget("o", "r", 1), remote.CloneUrl, main);
        await remote.RemoteGitAsync("update-ref", "refs/heads/ghbot/theirs", main);
        var activities = new SnapshotActivities(Snapshots(), clients);
        var patch = new Patch("A", [new FileEdit("a.txt", "a", "b")], DateTimeOffset.UnixEpoch);

        var pushed = await new ActivityEnvironment().RunAsync(() => activities.PushPatchesAsync(new PushPatchesRequest(snapshot, [patch], "ghbot/mine") { NewBranch = true }));
        var again = await new ActivityEnvironment().RunAsync(() => activities.PushPatchesAsync(new PushPatchesRequest(snapshot, [patch], "ghbot/mine") { NewBranch = true }));
        var refused = await Assert.ThrowsAsync<ApplicationFailureException>(() => new ActivityEnvironment().RunAsync(() => activities.PushPatchesAsync(
            new PushPatchesRequest(snapshot, [patch], "ghbot/theirs") { NewBranch = true })));

        Assert.Equal((pushed, pushed), (again, await remote.HeadOfAsync("ghbot/mine")));
        Assert.Equal("BranchMoved", refused.ErrorType);
        Assert.Contains("already exists", refused.Message, StringComparison.Ordinal);
        Assert.Equal(main, await remote.HeadOfAsync("ghbot/theirs"));
    }

    [Theory]
    [InlineData("https://api.github.com/", "https://api.github.com/graphql")]
    [InlineData("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql")]
    [InlineData("http://localhost:5000/", "http://localhost:5000/graphql")]
    public void Marking_ready_goes_to_the_graphql_endpoint_of_the_rest_base(string rest, string graphql) =>
        Assert.Equal(new Uri(graphql), GitHubActivities.GraphQlUrl(new Uri(rest)));

    private RepoSnapshots Snapshots() => new(clients, new WorkspaceOptions(temp.Path));
}
