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
    /// extensions, <c>*Tests.cs</c>, <c>*Test.cs</c>, <c>*_test.go</c>). The names are compared ignoring case, except the
    /// PascalCase <c>Tests</c>/<c>Test</c> suffixes of .NET names, so that <c>Latest.cs</c> or <c>contests/</c> are not tests.
    /// </summary>
    public static bool IsTest(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            return false;
        }

        for (var i = 0; i < segments.Length - 1; i++)
        {
            var directory = segments[i];
            if (TestDirectories.Contains(directory)
                || TestProjectSuffixes.Any(s => directory.EndsWith(s, StringComparison.OrdinalIgnoreCase))
                || (directory.Length > "Tests".Length && directory.EndsWith("Tests", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return IsTestFileName(segments[^1]);
    }

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

        if (lower.EndsWith(".cs", StringComparison.Ordinal))
        {
            var stem = name[..^3];
            return stem.EndsWith("Tests", StringComparison.Ordinal) || stem.EndsWith("Test", StringComparison.Ordinal);
        }

        return false;
    }
}
