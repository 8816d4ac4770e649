using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Core.Config;

namespace GitHubBot.Core.QualityGate;

/// <summary>
/// What the gate runs on one checkout: the repository's configured checks, or those detected from its files, with
/// the thresholds they are held to.
/// </summary>
/// <remarks>The PrepareWorkspace activity's result: workflow histories hold it, so its fields keep their names.</remarks>
public sealed record QualityGateConfig(double RequiredScore, double RequiredCoverage, bool AutoFix, IReadOnlyList<CheckConfig> Checks)
{
    /// <summary>
    /// The gate's settings from the repository's configuration. Without configured checks they are detected from the
    /// repository's files: a .NET solution or project, package.json scripts, or a Python project.
    /// </summary>
    /// <param name="gate">The configuration's quality_gate section.</param>
    /// <param name="files">Repository-relative paths of the checkout's files.</param>
    /// <param name="packageJson">The root package.json's text, when there is one.</param>
    public static QualityGateConfig From(QualityGateSection gate, IReadOnlyCollection<string> files, string? packageJson = null)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(files);
        return new QualityGateConfig(
            gate.RequiredScore ?? 85,
            gate.RequiredCoverage ?? 80,
            gate.AutoFix,
            gate.Checks.Count > 0 ? gate.Checks : Detect(files, packageJson));
    }

    private static List<CheckConfig> Detect(IReadOnlyCollection<string> files, string? packageJson)
    {
        var checks = new List<CheckConfig>();
        bool Has(Func<string, bool> match) => files.Any(match);

        if (Has(f => f.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)))
        {
            // One TRX per test project (no fixed LogFileName, which each project would overwrite): the runner reads them all.
            checks.Add(new("unit_tests", "dotnet test --logger trx --results-directory .ghbot-reports", null, CheckConfig.DefaultTimeout, 3, true, ReportFormat.Trx, ".ghbot-reports/*.trx", true));
            checks.Add(new("linting", "dotnet format --verify-no-changes", "dotnet format", CheckConfig.DefaultTimeout, 1, false, ReportFormat.ExitCode, null, true));
            return checks;
        }

        if (packageJson is not null && Scripts(packageJson) is { Count: > 0 } scripts && (scripts.Contains("test") || scripts.Contains("lint")))
        {
            if (scripts.Contains("test"))
            {
                checks.Add(new("unit_tests", "npm test", null, CheckConfig.DefaultTimeout, 3, true, ReportFormat.ExitCode, null, true));
            }

            if (scripts.Contains("lint"))
            {
                checks.Add(new("linting", "npm run lint", scripts.Contains("lint:fix") ? "npm run lint:fix" : null, CheckConfig.DefaultTimeout, 1, false, ReportFormat.ExitCode, null, true));
            }

            return checks;
        }

        if (Has(f => f is "pyproject.toml" or "setup.cfg" or "setup.py"))
        {
            checks.Add(new("unit_tests", "pytest --junitxml=.ghbot-reports/junit.xml", null, CheckConfig.DefaultTimeout, 3, true, ReportFormat.JUnit, ".ghbot-reports/junit.xml", true));
            checks.Add(new("linting", "ruff check .", "ruff check --fix .", CheckConfig.DefaultTimeout, 1, false, ReportFormat.ExitCode, null, true));
        }

        return checks;
    }

    private static HashSet<string>? Scripts(string packageJson)
    {
        try
        {
            return JsonNode.Parse(packageJson)?["scripts"] is JsonObject scripts ? [.. scripts.Select(s => s.Key)] : [];
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
