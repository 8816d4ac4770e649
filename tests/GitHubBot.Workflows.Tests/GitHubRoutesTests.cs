using GitHubBot.Workflows.GitHub;

namespace GitHubBot.Workflows.Tests;

/// <summary>The route label of GitHub metrics: a dashboard groups calls by it, and it never grows with owners, repositories or numbers.</summary>
public sealed class GitHubRoutesTests
{
    [Theory]
    [InlineData("/repos/Codertocat/Hello-World/check-runs/42", "/repos/{owner}/{repo}/check-runs/{id}")]
    [InlineData("/repos/octo-org/app/check-runs", "/repos/{owner}/{repo}/check-runs")]
    [InlineData("/repos/o/r/issues/7/comments", "/repos/{owner}/{repo}/issues/{id}/comments")]
    [InlineData("/repos/o/r/pulls/3/merge", "/repos/{owner}/{repo}/pulls/{id}/merge")]
    [InlineData("/repos/o/r/contents/.github/ghbot.yml", "/repos/{owner}/{repo}/contents/{path}")]
    [InlineData("/repos/o/r/git/refs/heads/ghbot/plan-7", "/repos/{owner}/{repo}/git/refs/{ref}")]
    [InlineData("/repos/o/r/commits/0123456789abcdef0123456789abcdef01234567/check-runs", "/repos/{owner}/{repo}/commits/{sha}/check-runs")]
    [InlineData("/repos/o/r/branches/main", "/repos/{owner}/{repo}/branches/{branch}")]
    [InlineData("/app/hook/deliveries", "/app/hook/deliveries")]
    [InlineData("/app/hook/deliveries/70000012/attempts", "/app/hook/deliveries/{id}/attempts")]
    [InlineData("/repos/o/r/installation", "/repos/{owner}/{repo}/installation")]
    [InlineData("/app/installations/12345/access_tokens", "/app/installations/{id}/access_tokens")]
    [InlineData("/api/v3/repos/o/r/pulls", "/repos/{owner}/{repo}/pulls")]
    [InlineData("/app", "/app")]
    public void Known_paths_become_templates_without_names_or_numbers(string path, string route) =>
        Assert.Equal(route, GitHubRoutes.Template(path));

    [Theory]
    [InlineData("/")]
    [InlineData("/repos/only-owner")]
    [InlineData("/repos/o/r/some-new-endpoint/x")]
    [InlineData("/anything-a-payload-could-say")]
    [InlineData("/repos/o/r/issues/1/comments/2/reactions/3/issues/4/comments/5/reactions/6/issues")]
    public void Other_shapes_are_other(string path) =>
        Assert.Equal("other", GitHubRoutes.Template(path));
}
