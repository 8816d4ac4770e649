using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.Tests;

public sealed class EditsTests
{
    private static readonly Dictionary<string, string> Base = new()
    {
        ["src/calc.py"] = "def add(a, b):\n    return a - b\n\ndef sub(a, b):\n    return a - b\n",
        ["README.md"] = "calc\n",
    };

    private static string? Read(string path) => Base.GetValueOrDefault(path);

    [Fact]
    public void Search_and_replace_and_whole_files_apply_in_order()
    {
        var result = Edits.Apply(
        [
            new FileEdit("src/calc.py", "def add(a, b):\n    return a - b", "def add(a, b):\n    return a + b"),
            new FileEdit("src/calc.py", "return a + b", "return b + a"),
            new FileEdit("tests/test_calc.py", Content: "from calc import add\n"),
        ], Read);

        Assert.True(result.Applies, string.Join("; ", result.Problems));
        Assert.Equal("def add(a, b):\n    return b + a\n\ndef sub(a, b):\n    return a - b\n", result.Files["src/calc.py"]);
        Assert.Equal("from calc import add\n", result.Files["tests/test_calc.py"]);
        Assert.False(result.Files.ContainsKey("README.md"));
    }

    [Fact]
    public void Edits_that_do_not_apply_say_why_and_nothing_is_applied()
    {
        var result = Edits.Apply(
        [
            new FileEdit("README.md", "calc", "calculator"),
            new FileEdit("src/calc.py", "return a - b", "return a * b"),
            new FileEdit("src/calc.py", "return a / b", "x"),
            new FileEdit("src/missing.py", "x", "y"),
            new FileEdit("src/calc.py"),
        ], Read);

        Assert.False(result.Applies);
        Assert.Empty(result.Files);
        Assert.Equal(
        [
            "src/calc.py: the search text occurs more than once; include more lines around the change.",
            "src/calc.py: the search text was not found; copy it exactly from the file.",
            "src/missing.py: the file does not exist; give its whole content to create it.",
            "src/calc.py: an edit needs either content, or search and replace.",
        ], result.Problems);
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("/etc/passwd")]
    [InlineData(".git/hooks/pre-commit")]
    [InlineData("src/./calc.py")]
    [InlineData("src//calc.py")]
    [InlineData("vendor/.GIT/config")]
    public void Paths_outside_the_repository_are_refused(string path)
    {
        var result = Edits.Apply([new FileEdit(path, Content: "x")], Read);

        Assert.Equal($"{path}: not a path inside the repository.", Assert.Single(result.Problems));
    }

    [Theory]
    [InlineData(".github/workflows/ci.yml")]
    [InlineData(".GitHub/Workflows/release.yaml")]
    [InlineData(".github/actions/setup/action.yml")]
    [InlineData(".github/ghbot.yml")]
    [InlineData("CODEOWNERS")]
    [InlineData("docs/CODEOWNERS")]
    public void Ci_workflows_code_owners_and_the_bots_own_configuration_are_left_to_people(string path)
    {
        var result = Edits.Apply([new FileEdit(path, Content: "on: push\n")], Read);

        Assert.Contains("GitHubBot does not change CI workflows", Assert.Single(result.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_separators_and_stray_spaces_name_the_same_file()
    {
        var result = Edits.Apply([new FileEdit(" src\\calc.py ", "return a - b\n\ndef sub", "return a + b\n\ndef sub")], Read);

        Assert.True(result.Applies, string.Join("; ", result.Problems));
        Assert.StartsWith("def add(a, b):\n    return a + b", result.Files["src/calc.py"], StringComparison.Ordinal);
    }
}
