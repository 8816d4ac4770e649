using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class UnifiedDiffTests
{
    // `git diff --cached --unified=0 --no-color --no-ext-diff --no-renames` (git 2.39) of a change that deletes a file,
    // adds one with a non-ASCII name (quoted), changes a binary, renames with an edit, adds lines that look like headers,
    // and adds a file whose name has a space (git ends that +++ line with a tab, written <TAB> here) and no final newline.
    private static readonly string NoRenames = """
        diff --git a/deleted.txt b/deleted.txt
        deleted file mode 100644
        index 286c5f5..0000000
        --- a/deleted.txt
        +++ /dev/null
        @@ -1 +0,0 @@
        -gone
        diff --git "a/dir/na\303\257ve.txt" "b/dir/na\303\257ve.txt"
        new file mode 100644
        index 0000000..572eb43
        --- /dev/null
        +++ "b/dir/na\303\257ve.txt"
        @@ -0,0 +1 @@
        +café
        diff --git a/logo.bin b/logo.bin
        index 88768ef..3e3315e 100644
        Binary files a/logo.bin and b/logo.bin differ
        diff --git a/moved.txt b/moved.txt
        deleted file mode 100644
        index 71ac1b5..0000000
        --- a/moved.txt
        +++ /dev/null
        @@ -1,8 +0,0 @@
        -a
        -b
        -c
        -d
        -e
        -f
        -g
        -h
        diff --git a/renamed.txt b/renamed.txt
        new file mode 100644
        index 0000000..b236ae5
        --- /dev/null
        +++ b/renamed.txt
        @@ -0,0 +1,9 @@
        +a
        +b
        +c
        +d
        +e
        +f
        +g
        +h
        +i
        diff --git a/src/app.py b/src/app.py
        index b2f931a..9642008 100644
        --- a/src/app.py
        +++ b/src/app.py
        @@ -2 +2 @@ one
        -two
        +TWO
        @@ -5,0 +6 @@ five
        +six
        diff --git a/tricky.txt b/tricky.txt
        new file mode 100644
        index 0000000..e180451
        --- /dev/null
        +++ b/tricky.txt
        @@ -0,0 +1,2 @@
        +--- x
        ++++ y
        diff --git a/with space.txt b/with space.txt
        new file mode 100644
        index 0000000..e051732
        --- /dev/null
        +++ b/with space.txt<TAB>
        @@ -0,0 +1,2 @@
        +++ not a header
        +last
        \ No newline at end of file
        """.Replace("<TAB>", "\t", StringComparison.Ordinal);

    // The same change with rename detection (-M).
    private static readonly string Renames = """
        diff --git a/deleted.txt b/deleted.txt
        deleted file mode 100644
        index 286c5f5..0000000
        --- a/deleted.txt
        +++ /dev/null
        @@ -1 +0,0 @@
        -gone
        diff --git "a/dir/na\303\257ve.txt" "b/dir/na\303\257ve.txt"
        new file mode 100644
        index 0000000..572eb43
        --- /dev/null
        +++ "b/dir/na\303\257ve.txt"
        @@ -0,0 +1 @@
        +café
        diff --git a/logo.bin b/logo.bin
        index 88768ef..3e3315e 100644
        Binary files a/logo.bin and b/logo.bin differ
        diff --git a/moved.txt b/renamed.txt
        similarity index 88%
        rename from moved.txt
        rename to renamed.txt
        index 71ac1b5..b236ae5 100644
        --- a/moved.txt
        +++ b/renamed.txt
        @@ -8,0 +9 @@ h
        +i
        diff --git a/src/app.py b/src/app.py
        index b2f931a..9642008 100644
        --- a/src/app.py
        +++ b/src/app.py
        @@ -2 +2 @@ one
        -two
        +TWO
        @@ -5,0 +6 @@ five
        +six
        diff --git a/tricky.txt b/tricky.txt
        new file mode 100644
        index 0000000..e180451
        --- /dev/null
        +++ b/tricky.txt
        @@ -0,0 +1,2 @@
        +--- x
        ++++ y
        diff --git a/with space.txt b/with space.txt
        new file mode 100644
        index 0000000..e051732
        --- /dev/null
        +++ b/with space.txt<TAB>
        @@ -0,0 +1,2 @@
        +++ not a header
        +last
        \ No newline at end of file
        """.Replace("<TAB>", "\t", StringComparison.Ordinal);

    [Fact]
    public void Added_lines_per_file_with_their_new_line_numbers()
    {
        var added = UnifiedDiff.AddedLines(NoRenames);

        Assert.Equal(["dir/naïve.txt", "renamed.txt", "src/app.py", "tricky.txt", "with space.txt"], added.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([new AddedLine(1, "café")], added["dir/naïve.txt"]);
        Assert.Equal(Enumerable.Range(1, 9), added["renamed.txt"].Select(l => l.Line));
        Assert.Equal([new AddedLine(2, "TWO"), new AddedLine(6, "six")], added["src/app.py"]);
        Assert.Equal([new AddedLine(1, "--- x"), new AddedLine(2, "+++ y")], added["tricky.txt"]);
        Assert.Equal([new AddedLine(1, "++ not a header"), new AddedLine(2, "last")], added["with space.txt"]);
    }

    [Fact]
    public void A_rename_with_an_edit_adds_only_the_edit()
    {
        var added = UnifiedDiff.AddedLines(Renames);

        Assert.Equal([new AddedLine(9, "i")], added["renamed.txt"]);
        Assert.False(added.ContainsKey("moved.txt"));
        Assert.False(added.ContainsKey("logo.bin"));
        Assert.False(added.ContainsKey("deleted.txt"));
    }

    [Fact]
    public void Context_lines_count_in_the_new_file()
    {
        // `git diff` with the default three lines of context.
        const string diff = """
            diff --git a/src/app.py b/src/app.py
            index b2f931a..9642008 100644
            --- a/src/app.py
            +++ b/src/app.py
            @@ -1,5 +1,6 @@
             one
            -two
            +TWO
             three
             four
             five
            +six
            """;

        Assert.Equal([new AddedLine(2, "TWO"), new AddedLine(6, "six")], UnifiedDiff.AddedLines(diff)["src/app.py"]);
    }

    [Fact]
    public void Crlf_line_ends_and_rename_to_without_a_plus_plus_plus_line()
    {
        var diff = "diff --git a/old.txt b/new.txt\r\nsimilarity index 90%\r\nrename from old.txt\r\nrename to new.txt\r\n@@ -3,0 +4,2 @@\r\n+x\r\n+y\r\n";

        Assert.Equal([new AddedLine(4, "x"), new AddedLine(5, "y")], UnifiedDiff.AddedLines(diff)["new.txt"]);
    }

    [Fact]
    public void Files_and_lines_are_bounded()
    {
        var diff = string.Concat(Enumerable.Range(0, 10).Select(i => $"diff --git a/f{i} b/f{i}\n--- a/f{i}\n+++ b/f{i}\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n"));

        Assert.Equal(["f0", "f1"], UnifiedDiff.AddedLines(diff, maxFiles: 2).Keys.Order(StringComparer.Ordinal));
        var lines = UnifiedDiff.AddedLines(diff, maxLines: 7);
        Assert.Equal(7, lines.Values.Sum(l => l.Count));
        Assert.Equal([1], lines["f2"].Select(l => l.Line));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a diff at all\n+++ \n@@ -x +y @@\n+z")]
    [InlineData("+++ b/a\n@@ -1 +99999999999999 @@\n+big\n@@ -1,2 +0,5 @@\n+zero\n")]
    [InlineData("+++ \"b/unterminated\\\n@@ -0,0 +1 @@\n+ok\n")]
    [InlineData("+++ \"b/\\777\\\"q\\n\"\n@@ -0,0 +1,1 @@\n+ok\n")]
    [InlineData("@@ -0,0 +1,1000000 @@\n+no file yet\n")]
    public void Garbage_never_throws(string diff)
    {
        var added = UnifiedDiff.AddedLines(diff);

        Assert.All(added.Values.SelectMany(l => l), l => Assert.True(l.Line >= 1));
    }

    [Fact]
    public void Quoted_paths_decode_escapes_and_utf8_octets()
    {
        const string diff = "+++ \"b/a\\tb\\\"c\\\\d\\303\\251.txt\"\n@@ -0,0 +1 @@\n+x\n";

        Assert.Equal(["a\tb\"c\\dé.txt"], UnifiedDiff.AddedLines(diff).Keys);
    }
}
