using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class GateCommentTests
{
    [Fact]
    public void The_comment_carries_its_marker_the_score_table_blocking_issues_and_fixes()
    {
        var verdict = new Verdict(72.5, false, ["unit tests (required) failed."]);

        var body = GateComment.Render(
            "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            verdict,
            [
                new("unit_tests", CheckState.Failed, 50, true),
                new("linting", CheckState.Passed, 100, false),
                new("performance", CheckState.Skipped, 0, false),
            ],
            ["linting: dotnet format"],
            new Uri("http://127.0.0.1:8233/namespaces/default/workflows/gate"));

        Assert.True(GateComment.IsGateComment(body));
        Assert.StartsWith(GateComment.Marker, body, StringComparison.Ordinal);
        Assert.Contains("## ❌ GitHubBot quality gate: 72.5/100 on `ec26c3e`", body, StringComparison.Ordinal);
        Assert.Contains("| unit tests | ❌ failed | 50 | yes |", body, StringComparison.Ordinal);
        Assert.Contains("| linting | ✅ passed | 100 | no |", body, StringComparison.Ordinal);
        Assert.Contains("| performance | ➖ skipped | — | no |", body, StringComparison.Ordinal);
        Assert.Contains("- unit tests (required) failed.", body, StringComparison.Ordinal);
        Assert.Contains("- linting: dotnet format", body, StringComparison.Ordinal);
        Assert.Contains("[Workflow in Temporal](http://127.0.0.1:8233/namespaces/default/workflows/gate)", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_comments_are_not_the_gate_comment()
    {
        Assert.False(GateComment.IsGateComment("LGTM"));
        Assert.False(GateComment.IsGateComment(null));
    }

    [Fact]
    public void A_huge_comment_stays_within_githubs_limit()
    {
        var rows = Enumerable.Range(0, 5000).Select(i => new GateCommentRow($"check_{i}_{new string('x', 40)}", CheckState.Failed, 0, true)).ToList();

        var body = GateComment.Render("abc", new Verdict(0, false, []), rows, [], null);

        Assert.True(body.Length <= GitHubText.MaxLength);
        Assert.True(GateComment.IsGateComment(body));
    }
}
