namespace GitHubBot.Core.QualityGate;

/// <summary>
/// Whether a repository path is test code by the common conventions: to tell an edit that touches only tests from one
/// that changes the product, and to leave tests out of coverage.
/// </summary>
public static class TestFiles
{
    private static readonly HashSet<string> TestDirectories = new(StringComparer.OrdinalIgnoreCase)
    {
        "test", "tests", "__tests__", "spec", "specs", "e2e",
    };

    private static readonly string[] TestProjectSuffixes = [".Tests", ".Test", ".IntegrationTests", ".UnitTests"];

    private static readonly string[] ScriptExtensions = ["js", "mjs", "cjs", "ts", "tsx", "jsx"];

    /// <summary>
    /// True for a file under a test directory (<c>test</c>, <c>tests</c>, <c>__tests__</c>, <c>spec</c>, <c>specs</c>,
    /// <c>e2e</c>, a .NET test project such as <c>App.Tests</c> or <c>GreeterTests</c>) or named like a test
    /// (<c>test_*.py</c>, <c>*_test.py</c>, <c>conftest.py</c>, <c>*.test.js</c>, <c>*.spec.ts</c> and the other script
    /// extensions, <c>*_test.go</c>); a C# file only inside a test project's folder or a top-level <c>tests/</c>. The names are compared
    /// ignoring case, except the PascalCase <c>Tests</c> suffix of .NET folder names, so that <c>contests/</c> is not one.
    /// </summary>
    public static bool IsTest(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            return false;
        }

        if (segments[^1].EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
        {
            // C# compiles every .cs file under a project's folder into it: a file is test code only inside a test
            // project's folder (App.Tests/, GreeterTests/) or under a top-level tests/ folder, never by its name alone
            // (src/App/AbTest.cs, src/App/tests/Init.cs are built into the product).
            return segments[..^1].Any(IsTestProjectDirectory)
                || (segments.Length > 1 && segments[0] is var top && (top.Equals("tests", StringComparison.OrdinalIgnoreCase) || top.Equals("test", StringComparison.OrdinalIgnoreCase)));
        }

        for (var i = 0; i < segments.Length - 1; i++)
        {
            var directory = segments[i];
            if (TestDirectories.Contains(directory) || IsTestProjectDirectory(directory))
            {
                return true;
            }
        }

        return IsTestFileName(segments[^1]);
    }

    private static bool IsTestProjectDirectory(string directory) =>
        TestProjectSuffixes.Any(s => directory.EndsWith(s, StringComparison.OrdinalIgnoreCase))
        || (directory.Length > "Tests".Length && directory.EndsWith("Tests", StringComparison.Ordinal));

    private static bool IsTestFileName(string name)
    {
        var lower = name.ToLowerInvariant();
        if (lower is "conftest.py"
            || (lower.StartsWith("test_", StringComparison.Ordinal) && lower.EndsWith(".py", StringComparison.Ordinal))
            || lower.EndsWith("_test.py", StringComparison.Ordinal)
            || lower.EndsWith("_test.go", StringComparison.Ordinal))
        {
            return true;
        }

        var dot = lower.LastIndexOf('.');
        if (dot > 0 && ScriptExtensions.Contains(lower[(dot + 1)..]))
        {
            var stem = lower[..dot];
            if (stem.EndsWith(".test", StringComparison.Ordinal) || stem.EndsWith(".spec", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
