namespace GitHubBot.Testing;

/// <summary>
/// Small real projects (path → text, for <see cref="FixtureRepository.CreateAsync"/>) for the quality gate's
/// zero-configuration mode: none has a <c>.github/ghbot.yml</c>, and each is laid out so that the gate's detection
/// finds all eight checks (unit_tests, integration_tests, coverage, linting, static_analysis, dependency_check,
/// performance, security_scan) and every one of them really runs with this machine's toolchains, offline.
/// <list type="bullet">
/// <item><see cref="DotNet"/>, <see cref="Node"/>, <see cref="Python"/>: the base commit, on which every check passes
/// (tests green, no lint or analyzer finding, coverage 100 %, no secret).</item>
/// <item><c>…UncoveredChange</c>: a PR adding a function with branches and no test (all tests still pass, the changed
/// lines are under 20 % covered); <c>…CoveringTest</c>: the test file an agent adds so they are 100 % covered.</item>
/// <item><c>…AnalyzerFinding</c> / <c>…LintFinding</c>: a PR bringing one finding the tool's own fixer removes and
/// one it cannot; <c>…Fix</c>: the text an agent writes to clear both.</item>
/// <item><see cref="SecretChange"/>: a PR planting an AWS access key id in any of the three.</item>
/// </list>
/// </summary>
public static partial class GateFixtures
{
    /// <summary>The file <see cref="SecretChange"/> adds: a Python settings module, which none of the three projects' tools collect or lint as code under test.</summary>
    public const string SecretPath = "config/settings.py";

    /// <summary>The 1-based line of <see cref="SecretPath"/> holding <see cref="SecretValue"/>.</summary>
    public const int SecretLine = 4;

    /// <summary>The planted key: a made-up AWS-style access key id (not the documentation example, which scanners allow), matching <c>(?:AKIA|ASIA)[0-9A-Z]{16}</c>.</summary>
    public const string SecretValue = "AKIA" + "QX7TG2MZ5NW3PL8R";

    /// <summary>A settings file (<see cref="SecretPath"/>) with an AWS access key id (<see cref="SecretValue"/>) hard-coded on line <see cref="SecretLine"/>; adds to any of the three fixtures.</summary>
    public static IReadOnlyDictionary<string, string> SecretChange() => Files(
        (SecretPath, $""""
            """Deployment settings."""

            AWS_REGION = "eu-west-1"
            AWS_ACCESS_KEY_ID = "{SecretValue}"
            """"));

    /// <summary><see cref="SecretPath"/> as an agent rewrites it: the key is read from the environment, no secret is left.</summary>
    public static IReadOnlyDictionary<string, string> SecretRemoved() => Files(
        (SecretPath, """"
            """Deployment settings."""

            import os

            AWS_REGION = "eu-west-1"
            AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "")
            """"));

    /// <summary>What none of the fixtures commits: build output, installed packages, the gate's reports, caches.</summary>
    private static string GitIgnore(params string[] more) =>
        string.Join('\n', ["bin/", "obj/", "node_modules/", ".ghbot-reports/", "__pycache__/", .. more]);

    /// <summary>The files, each ending with a newline as an editor saves it.</summary>
    private static Dictionary<string, string> Files(params (string Path, string Text)[] files) =>
        files.ToDictionary(file => file.Path, file => file.Text + "\n", StringComparer.Ordinal);
}
