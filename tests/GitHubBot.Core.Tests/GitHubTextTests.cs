using GitHubBot.Core.GitHub;

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

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair_and_respects_tiny_limits()
    {
        var emoji = string.Concat(Enumerable.Repeat("😀", 100));

        var tiny = GitHubText.Truncate(emoji, 5);
        var cut = GitHubText.Truncate(emoji + new string('x', 200), 120);

        Assert.True(tiny.Length <= 5);
        Assert.False(char.IsHighSurrogate(tiny[^1]));
        Assert.True(cut.Length <= 120);
        Assert.DoesNotContain("\uFFFD", System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(cut)), StringComparison.Ordinal);
    }
}
