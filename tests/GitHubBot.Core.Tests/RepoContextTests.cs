using GitHubBot.Core.Agents;

namespace GitHubBot.Core.Tests;

public sealed class RepoContextTests
{
    [Fact]
    public void The_context_holds_the_tree_the_named_files_and_the_configuration_each_within_bounds()
    {
        string[] tree = ["src/b.cs", "src/a.cs", "README.md", "docs/x.md"];
        var files = new Dictionary<string, string> { ["src/a.cs"] = "class A {}\n", ["src/b.cs"] = new string('b', 100), ["README.md"] = "```code```\n" };

        var context = RepoContext.Build(tree, files.GetValueOrDefault, ["src/a.cs", "src/b.cs", "src/new.cs", "README.md"], "quality_gate: {}", new ContextLimits(MaxTreeEntries: 3, MaxFileChars: 40, MaxTotalChars: 51));

        Assert.StartsWith("## File tree\n\nREADME.md\ndocs/x.md\nsrc/a.cs\n… 1 more files not listed\n", context, StringComparison.Ordinal);
        Assert.Contains("## src/a.cs\n\n```\nclass A {}\n\n```", context, StringComparison.Ordinal);
        Assert.Contains($"{new string('b', 40)}\n… cut: 60 more characters", context, StringComparison.Ordinal);
        Assert.Contains("## src/new.cs\n\n(not in the repository: a new file)", context, StringComparison.Ordinal);
        Assert.Contains("## README.md\n\n(not shown: the context is full)", context, StringComparison.Ordinal);
        Assert.Contains("```yaml\nquality_gate: {}\n```", context, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_full_of_backticks_cannot_close_its_own_fence()
    {
        var context = RepoContext.Build(["a.md"], _ => "````\nnot the end\n", ["a.md"], null, ContextLimits.Default);

        Assert.Contains("`````\n````\nnot the end\n\n`````", context, StringComparison.Ordinal);
    }
}
