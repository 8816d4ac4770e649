using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Core.Checks;

namespace GitHubBot.Core.Config;

/// <summary>One check the gate runs: a command in the checkout, how long it may take, how much it counts.</summary>
public sealed record CheckConfig(
    string Name,
    string Run,
    string? Fix,
    TimeSpan Timeout,
    double Weight,
    bool Required,
    ReportFormat Report,
    string? ReportPath,
    bool Detected);

/// <summary>The quality gate's settings for one repository.</summary>
public sealed record QualityGateConfig(double RequiredScore, double RequiredCoverage, bool AutoFix, bool TrustForks, IReadOnlyList<CheckConfig> Checks)
{
    /// <summary>The seed's eight checks, in report order. Those neither configured nor detected are skipped.</summary>
    public static readonly IReadOnlyList<string> CheckNames =
        ["unit_tests", "integration_tests", "linting", "security_scan", "coverage", "performance", "dependency_check", "static_analysis"];

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The longest a check may be given.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(6);

    /// <summary>
    /// The gate's settings from a loaded configuration. Without configured checks they are detected from the
    /// repository's files: a .NET solution or project, package.json scripts, or a Python project.
    /// </summary>
    /// <param name="config">The merged configuration (<see cref="RepoConfigLoader"/>).</param>
    /// <param name="files">Repository-relative paths of the checkout's files.</param>
    /// <param name="packageJson">The root package.json's text, when there is one.</param>
    public static QualityGateConfig From(JsonObject config, IReadOnlyCollection<string> files, string? packageJson = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(files);
        var gate = config["quality_gate"] as JsonObject;
        var configured = gate?["checks"] as JsonObject;
        var checks = configured is { Count: > 0 }
            ? [.. CheckNames.Where(configured.ContainsKey).Select(name => FromConfig(name, (JsonObject)configured[name]!))]
            : Detect(files, packageJson);
        return new QualityGateConfig(
            Number(gate, "required_score") ?? 85,
            Number(gate, "required_coverage") ?? 80,
            gate?["auto_fix"]?.GetValue<bool>() ?? false,
            gate?["trust_forks"]?.GetValue<bool>() ?? false,
            checks);
    }

    /// <summary>"90s", "10m", "1h".</summary>
    public static TimeSpan ParseTimeout(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return DefaultTimeout;
        }

        if (text.Length is < 2 or > 6 || !int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw new FormatException($"'{text}' is not a timeout like 90s, 10m or 1h.");
        }

        var timeout = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            _ => throw new FormatException($"'{text}' is not a timeout like 90s, 10m or 1h."),
        };
        return timeout < MaxTimeout ? timeout : MaxTimeout;
    }

    private static CheckConfig FromConfig(string name, JsonObject check) => new(
        name,
        check["run"]!.GetValue<string>(),
        check["fix"]?.GetValue<string>(),
        ParseTimeout(check["timeout"]?.GetValue<string>()),
        Number(check, "weight") ?? 1,
        check["required"]?.GetValue<bool>() ?? name == "unit_tests",
        ParseFormat(check["report"]?.GetValue<string>()),
        check["report_path"]?.GetValue<string>(),
        Detected: false);

    private static ReportFormat ParseFormat(string? format) => format switch
    {
        null or "exit-code" => ReportFormat.ExitCode,
        "trx" => ReportFormat.Trx,
        "junit" => ReportFormat.JUnit,
        "cobertura" => ReportFormat.Cobertura,
        "lcov" => ReportFormat.Lcov,
        "sarif" => ReportFormat.Sarif,
        _ => throw new FormatException($"'{format}' is not a report format."),
    };

    private static double? Number(JsonObject? obj, string key) =>
        obj?[key] is JsonValue value && value.TryGetValue<double>(out var number) ? number
        : obj?[key] is JsonValue whole && whole.TryGetValue<long>(out var integer) ? integer
        : null;

    private static List<CheckConfig> Detect(IReadOnlyCollection<string> files, string? packageJson)
    {
        var checks = new List<CheckConfig>();
        bool Has(Func<string, bool> match) => files.Any(match);

        if (Has(f => f.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)))
        {
            // One TRX per test project (no fixed LogFileName, which each project would overwrite): the runner reads them all.
            checks.Add(new("unit_tests", "dotnet test --logger trx --results-directory .ghbot-reports", null, DefaultTimeout, 3, true, ReportFormat.Trx, ".ghbot-reports/*.trx", true));
            checks.Add(new("linting", "dotnet format --verify-no-changes", "dotnet format", DefaultTimeout, 1, false, ReportFormat.ExitCode, null, true));
            return checks;
        }

        if (packageJson is not null && Scripts(packageJson) is { Count: > 0 } scripts && (scripts.Contains("test") || scripts.Contains("lint")))
        {
            if (scripts.Contains("test"))
            {
                checks.Add(new("unit_tests", "npm test", null, DefaultTimeout, 3, true, ReportFormat.ExitCode, null, true));
            }

            if (scripts.Contains("lint"))
            {
                checks.Add(new("linting", "npm run lint", scripts.Contains("lint:fix") ? "npm run lint:fix" : null, DefaultTimeout, 1, false, ReportFormat.ExitCode, null, true));
            }

            return checks;
        }

        if (Has(f => f is "pyproject.toml" or "setup.cfg" or "setup.py"))
        {
            checks.Add(new("unit_tests", "pytest --junitxml=.ghbot-reports/junit.xml", null, DefaultTimeout, 3, true, ReportFormat.JUnit, ".ghbot-reports/junit.xml", true));
            checks.Add(new("linting", "ruff check .", "ruff check --fix .", DefaultTimeout, 1, false, ReportFormat.ExitCode, null, true));
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
