using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.Tests;

public sealed class WorkerPathsTests
{
    [Theory]
    [InlineData(
        "git fetch failed (128): fatal: '/home/bot/.ghbot/workspaces/.worker/snapshots/ab12.git' does not appear to be a git repository",
        "git fetch failed (128): fatal: '…/ab12.git' does not appear to be a git repository")]
    [InlineData("The file '/tmp/ghbot-x/.worker/snapshots' already exists.", "The file '…/snapshots' already exists.")]
    [InlineData("could not open /var/lib/ghbot/index-1f2e (No such file)", "could not open …/index-1f2e (No such file)")]
    [InlineData("see https://github.com/octo/app/pull/3 and https://api.github.com/repos/o/r", "see https://github.com/octo/app/pull/3 and https://api.github.com/repos/o/r")]
    [InlineData("src/app/main.cs:12: CA1822 in `tests/x.py`; run `/cancel`", "src/app/main.cs:12: CA1822 in `tests/x.py`; run `/cancel`")]
    [InlineData("stdin was /dev/null", "stdin was /dev/null")]
    public void Absolute_paths_of_the_worker_are_cut_to_their_last_part_and_everything_else_stays(string text, string expected)
    {
        Assert.Equal(expected, WorkerPaths.Scrub(text));
    }

    [Fact]
    public void A_known_directory_is_named_for_what_it_is_and_a_longer_name_that_starts_the_same_is_not_it()
    {
        Assert.Equal(
            "error: <repository>/x.txt and …/x.txt; <repository>",
            WorkerPaths.Scrub("error: /srv/ghbot/ws/gate-1/x.txt and /srv/ghbot/ws/gate-10/x.txt; /srv/ghbot/ws/gate-1", "/srv/ghbot/ws/gate-1/"));
    }
}
