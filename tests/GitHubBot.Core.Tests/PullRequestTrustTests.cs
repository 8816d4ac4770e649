using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class PullRequestTrustTests
{
    [Theory]
    [InlineData(1L, 1L, false)]
    [InlineData(2L, 1L, true)]
    [InlineData(null, 1L, true)]
    [InlineData(1L, null, true)]
    public void A_pr_comes_from_a_fork_unless_its_head_repository_is_known_to_be_its_base(long? head, long? baseRepository, bool fork)
    {
        Assert.Equal(fork, PullRequestTrust.FromFork(head, baseRepository));
    }

    [Theory]
    [InlineData("MEMBER", false, false, "MEMBER", false)]
    [InlineData("NONE", true, false, null, false)]
    [InlineData("NONE", true, true, "NONE", true)]
    [InlineData(null, false, false, "NONE", true)]
    [InlineData("", false, true, "NONE", true)]
    [InlineData("CONTRIBUTOR", false, true, "CONTRIBUTOR", true)]
    [InlineData("CONTRIBUTOR", false, false, "CONTRIBUTOR", false)]
    public void Only_a_bots_pr_from_the_repository_itself_needs_no_vouching_and_a_missing_association_is_nobodys(
        string? association, bool bot, bool fork, string? judged, bool waits)
    {
        var result = PullRequestTrust.Association(association, bot, fork);

        Assert.Equal(judged, result);
        Assert.Equal(waits, GateTexts.Untrusted(result, fork, trustForks: false) is not null);
    }
}
