using GitHubBot.Core.Checks;

namespace GitHubBot.Core.Tests;

public sealed class GitHubTextTests
{
    [Fact]
    public void Text_within_the_limit_is_unchanged()
    {
        Assert.Equal("short", GitHubText.Truncate("short"));
    }

    [Fact]
    public void Long_text_is_cut_below_githubs_limit_with_a_note()
    {
        var text = new string('x', 200_000);

        var cut = GitHubText.Truncate(text);

        Assert.True(cut.Length <= GitHubText.MaxLength, $"{cut.Length} characters");
        Assert.EndsWith("more characters are in the full report.", cut, StringComparison.Ordinal);
        Assert.Contains($"{200_000 - cut.IndexOf('\n', StringComparison.Ordinal)} more characters", cut, StringComparison.Ordinal);
    }

    [Fact]
    public void Annotations_go_in_batches_of_at_most_fifty_in_order()
    {
        var annotations = Enumerable.Range(1, 120).Select(i => new Annotation("a.cs", i, i, AnnotationLevel.Warning, "m")).ToList();

        var batches = GitHubText.Batches(annotations).ToList();

        Assert.Equal([50, 50, 20], batches.Select(b => b.Length));
        Assert.Equal(annotations, batches.SelectMany(b => b));
    }
}
