using System.Diagnostics;
using System.Text;
using GitHubBot.Testing;
using GitHubBot.Workflows.Workspaces;

namespace GitHubBot.Workflows.Tests;

/// <summary>Checkouts from real repositories: a local bare repository stands in for GitHub's remote.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GitWorkspaceTests : IDisposable
{
    private readonly TempDirectory temp = new("ghbot-git-");

    private string root => temp.Path;

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task The_pull_requests_head_commit_is_checked_out_from_a_file_url()
    {
        var (remote, headSha) = await BareRepositoryWithBranchAsync();
        var checkout = Path.Combine(root, "work", "run-1");

        await GitWorkspace.CheckoutAsync(new Uri(remote), headSha, checkout, token: null, CancellationToken.None);

        Assert.Equal("feature work\n", await File.ReadAllTextAsync(Path.Combine(checkout, "feature.txt")));
        Assert.Equal(headSha, (await GitAsync(checkout, "rev-parse", "HEAD")).Trim());
        Assert.Equal(string.Empty, (await GitAsync(checkout, "remote")).Trim());

        GitWorkspace.Remove(checkout);
        Assert.False(Directory.Exists(checkout));
    }

    [Fact]
    public async Task An_unknown_commit_fails_with_gits_reason()
    {
        var (remote, _) = await BareRepositoryWithBranchAsync();

        var ex = await Assert.ThrowsAsync<GitCommandException>(() => GitWorkspace.CheckoutAsync(
            new Uri(remote), "0123456789012345678901234567890123456789", Path.Combine(root, "bad"), token: null, CancellationToken.None));

        Assert.StartsWith("git fetch failed", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("file:///tmp/x.git", "--upload-pack=touch /tmp/pwned")]
    [InlineData("file:///tmp/x.git", "main")]
    [InlineData("ssh://git@example.com/x.git", "0123456789012345678901234567890123456789")]
    [InlineData("ext::sh -c touch% /tmp/pwned", "0123456789012345678901234567890123456789")]
    public async Task Only_full_shas_from_https_or_file_urls_are_fetched(string url, string sha)
    {
        await Assert.ThrowsAsync<GitCommandException>(() => GitWorkspace.CheckoutAsync(new Uri(url), sha, Path.Combine(root, "refused"), token: null, CancellationToken.None));

        Assert.False(Directory.Exists(Path.Combine(root, "refused")));
    }

    [Fact]
    public async Task Over_https_the_token_goes_in_a_header_and_nowhere_else()
    {
        using var github = new GitHubFake();
        var checkout = Path.Combine(root, "https");

        var ex = await Assert.ThrowsAsync<GitCommandException>(() => GitWorkspace.CheckoutAsync(
            new Uri(github.ApiBaseUrl, "octo/app.git"), "0123456789012345678901234567890123456789", checkout, "ghs_secret_token", CancellationToken.None));

        var request = Assert.Single(github.Requests.Select(e => e.RequestMessage), r => r.Path.EndsWith("/info/refs", StringComparison.Ordinal));
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:ghs_secret_token"));
        Assert.Equal(expected, request.Headers!["Authorization"].Single());
        Assert.DoesNotContain("ghs_secret_token", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_secret_token", await File.ReadAllTextAsync(Path.Combine(checkout, ".git", "config")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fixes_are_committed_and_pushed_from_a_repository_of_their_own_ignoring_what_the_checks_did_to_the_checkout()
    {
        var (remote, headSha) = await BareRepositoryWithBranchAsync();
        var evil = Path.Combine(root, "evil.git");
        await GitAsync(root, "init", "--quiet", "--bare", evil);
        var checkout = Path.Combine(root, "work", "push");
        await GitWorkspace.CheckoutAsync(new Uri(remote), headSha, checkout, token: null, CancellationToken.None);

        // What a PR's check could do: send later pushes elsewhere, run a hook when git commits.
        var evilUrl = new Uri(evil).AbsoluteUri;
        await GitAsync(checkout, "config", $"url.{evilUrl}.insteadOf", remote);
        await GitAsync(checkout, "config", $"url.{evilUrl}.pushInsteadOf", remote);
        await GitAsync(checkout, "config", "core.hooksPath", Path.Combine(root, "hooks"));
        await File.WriteAllTextAsync(Path.Combine(checkout, "fixed.txt"), "fixed\n");
        await File.WriteAllTextAsync(Path.Combine(checkout, "feature.txt"), "feature work, formatted\n");
        var patch = await GitWorkspace.StageAllAsync(checkout, null, CancellationToken.None);

        var sha = await GitWorkspace.CommitAndPushAsync(
            Path.Combine(root, "scratch"), new Uri(remote), headSha, patch, "fix", ("bot[bot]", "bot[bot]@users.noreply.github.com"), "feature", token: null, CancellationToken.None);

        var bare = new Uri(remote).LocalPath;
        Assert.Equal(sha, (await GitAsync(root, "--git-dir", bare, "rev-parse", "refs/heads/feature")).Trim());
        Assert.Equal($"bot[bot] <bot[bot]@users.noreply.github.com>\n{headSha}\n", await GitAsync(root, "--git-dir", bare, "log", "-1", "--format=%an <%ae>%n%P", sha));
        Assert.Equal("fixed\n", await GitAsync(root, "--git-dir", bare, "show", $"{sha}:fixed.txt"));
        Assert.Equal("feature work, formatted\n", await GitAsync(root, "--git-dir", bare, "show", $"{sha}:feature.txt"));
        Assert.Equal(string.Empty, (await GitAsync(root, "--git-dir", evil, "for-each-ref")).Trim());
    }

    [Fact]
    public async Task A_push_to_a_branch_that_moved_is_refused_and_leaves_it_alone()
    {
        var (remote, headSha) = await BareRepositoryWithBranchAsync();
        var seed = Path.Combine(root, "seed");
        await File.WriteAllTextAsync(Path.Combine(seed, "other.txt"), "someone else\n");
        await GitAsync(seed, "add", ".");
        await GitAsync(seed, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "meanwhile");
        await GitAsync(seed, "push", "--quiet", new Uri(remote).LocalPath, "feature");
        var moved = (await GitAsync(seed, "rev-parse", "HEAD")).Trim();
        const string patch = "diff --git a/fixed.txt b/fixed.txt\nnew file mode 100644\n--- /dev/null\n+++ b/fixed.txt\n@@ -0,0 +1 @@\n+fixed\n";

        var ex = await Assert.ThrowsAsync<GitCommandException>(() => GitWorkspace.CommitAndPushAsync(
            Path.Combine(root, "scratch"), new Uri(remote), headSha, patch, "fix", ("bot[bot]", "bot[bot]@users.noreply.github.com"), "feature", token: null, CancellationToken.None));

        Assert.StartsWith("git push failed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(moved, (await GitAsync(root, "--git-dir", new Uri(remote).LocalPath, "rev-parse", "refs/heads/feature")).Trim());
    }

    [Theory]
    [InlineData("diff --git a/../outside.txt b/../outside.txt\nnew file mode 100644\n--- /dev/null\n+++ b/../outside.txt\n@@ -0,0 +1 @@\n+escaped\n")]
    [InlineData("diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+/tmp\n\\ No newline at end of file\ndiff --git a/link/x b/link/x\nnew file mode 100644\n--- /dev/null\n+++ b/link/x\n@@ -0,0 +1 @@\n+through the link\n")]
    public async Task A_patch_that_writes_outside_the_tree_is_refused(string patch)
    {
        var (remote, headSha) = await BareRepositoryWithBranchAsync();

        var ex = await Assert.ThrowsAsync<GitCommandException>(() => GitWorkspace.CommitAndPushAsync(
            Path.Combine(root, "scratch", "repo"), new Uri(remote), headSha, patch, "fix", ("bot[bot]", "bot[bot]@users.noreply.github.com"), "feature", token: null, CancellationToken.None));

        Assert.StartsWith("git apply failed", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "scratch", "outside.txt")));
        Assert.Equal(headSha, (await GitAsync(root, "--git-dir", new Uri(remote).LocalPath, "rev-parse", "refs/heads/feature")).Trim());
    }

    [Fact]
    public async Task Git_in_a_checkout_runs_no_monitor_or_hook_a_check_configured_and_passes_none_of_the_workers_secrets()
    {
        var (remote, headSha) = await BareRepositoryWithBranchAsync();
        var checkout = Path.Combine(root, "work", "hooks");
        await GitWorkspace.CheckoutAsync(new Uri(remote), headSha, checkout, token: null, CancellationToken.None);
        var leak = Path.Combine(root, "leak.txt");
        var hooks = Directory.CreateDirectory(Path.Combine(root, "evil-hooks")).FullName;
        foreach (var hook in new[] { "post-checkout", "pre-commit", "post-index-change", "reference-transaction" })
        {
            await File.WriteAllTextAsync(Path.Combine(hooks, hook), $"#!/bin/sh\nenv >> {leak}\n");
            File.SetUnixFileMode(Path.Combine(hooks, hook), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await GitAsync(checkout, "config", "core.fsmonitor", Path.Combine(hooks, "post-checkout"));
        await GitAsync(checkout, "config", "core.hooksPath", hooks);
        Environment.SetEnvironmentVariable("GHBOT_TEST_WORKER_SECRET", "worker-secret-value");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(checkout, "new.txt"), "x\n");
            await GitWorkspace.StatusAsync(checkout, null, CancellationToken.None);
            await GitWorkspace.StageAllAsync(checkout, null, CancellationToken.None);
            await GitWorkspace.AddWorktreeAsync(checkout, Path.Combine(root, "work", "tree"), null, CancellationToken.None);
        }
        finally
        {
            Environment.SetEnvironmentVariable("GHBOT_TEST_WORKER_SECRET", null);
        }

        Assert.False(File.Exists(leak), File.Exists(leak) ? await File.ReadAllTextAsync(leak) : null);
    }

    private async Task<(string RemoteUrl, string HeadSha)> BareRepositoryWithBranchAsync()
    {
        var bare = Path.Combine(root, "remote.git");
        var seed = Path.Combine(root, "seed");
        await GitAsync(root, "init", "--quiet", "--bare", bare);
        await GitAsync(root, "init", "--quiet", "--initial-branch=main", seed);
        await File.WriteAllTextAsync(Path.Combine(seed, "README.md"), "hello\n");
        await GitAsync(seed, "add", ".");
        await GitAsync(seed, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base");
        await GitAsync(seed, "push", "--quiet", bare, "main");
        await GitAsync(seed, "checkout", "--quiet", "-b", "feature");
        await File.WriteAllTextAsync(Path.Combine(seed, "feature.txt"), "feature work\n");
        await GitAsync(seed, "add", ".");
        await GitAsync(seed, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "feature");
        await GitAsync(seed, "push", "--quiet", bare, "feature");
        return (new Uri(bare).AbsoluteUri, (await GitAsync(seed, "rev-parse", "HEAD")).Trim());
    }

    private static async Task<string> GitAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var git = Process.Start(start)!;
        var output = await git.StandardOutput.ReadToEndAsync();
        var error = await git.StandardError.ReadToEndAsync();
        await git.WaitForExitAsync();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)}: {error}");
        return output;
    }
}
