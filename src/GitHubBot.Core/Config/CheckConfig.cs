using System.Globalization;

namespace GitHubBot.Core.Config;

/// <summary>The report format a check writes (the <c>report</c> key of a check in .github/ghbot.yml).</summary>
public enum ReportFormat
{
    ExitCode,
    Trx,
    JUnit,
    Cobertura,
    Lcov,
    Sarif,

    /// <summary>ESLint's built-in JSON formatter (<c>-f json</c>).</summary>
    EslintJson,

    /// <summary>flake8's default text output (<c>path:line:col: CODE message</c>).</summary>
    Flake8,

    /// <summary>pylint's JSON output (<c>--output-format=json</c>).</summary>
    PylintJson,

    /// <summary><c>npm audit --json</c>.</summary>
    NpmAudit,

    /// <summary><c>pip-audit -f json</c>.</summary>
    PipAudit,

    /// <summary><c>dotnet list package --vulnerable --format json</c>.</summary>
    DotnetVulnerable,

    /// <summary>bandit's JSON output (<c>-f json</c>).</summary>
    BanditJson,

    /// <summary><c>dotnet format … --report</c>'s format-report.json.</summary>
    DotnetFormat,
}

/// <summary>A program a check needs on the worker, and how to get it.</summary>
/// <param name="Tool">What people call it, e.g. "ruff".</param>
/// <param name="Probe">A shell command in the check's directory that exits 0 when the tool is there.</param>
/// <param name="Install">How to install it, e.g. "pip install ruff".</param>
public sealed record ToolRequirement(string Tool, string Probe, string Install);

/// <summary>One check the gate runs: a command in the checkout, how long it may take, how much it counts.</summary>
/// <param name="Name">One of <see cref="Names"/>.</param>
/// <param name="Run">The shell command.</param>
/// <param name="Fix">The command that fixes what it can, if any.</param>
/// <param name="Timeout">How long the command may run.</param>
/// <param name="Weight">Its share of the weighted score.</param>
/// <param name="Required">Whether it must pass.</param>
/// <param name="Report">The format of its report.</param>
/// <param name="ReportPath">A glob of the report file in the checkout.</param>
/// <param name="Detected">Chosen from the repository's files, not configured.</param>
public sealed record CheckConfig(
    string Name,
    string Run,
    string? Fix,
    TimeSpan Timeout,
    double Weight,
    bool Required,
    ReportFormat Report,
    string? ReportPath,
    bool Detected)
{
    /// <summary>The command of the built-in secret scan of the PR's added lines (no program runs).</summary>
    public const string SecretScan = "ghbot:secret-scan";

    /// <summary>Programs the worker must have: one missing makes the check neutral, naming it and how to install it.</summary>
    public IReadOnlyList<ToolRequirement> Requires { get; init; } = [];

    /// <summary>The built-in secret scan of the PR's added lines runs too, its findings joined to the tool's report.</summary>
    public bool WithSecretScan { get; init; }

    /// <summary>Whether its sandbox reaches the outside network (dependency installs); never the worker's own loopback.</summary>
    public bool Network { get; init; } = true;

    /// <summary>Why a detected check cannot run on this repository (e.g. no coverage collector referenced): it is neutral, saying so.</summary>
    public string? Unavailable { get; init; }

    /// <summary>The seed's eight checks, in report order. Those neither configured nor detected are skipped.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["unit_tests", "integration_tests", "linting", "security_scan", "coverage", "performance", "dependency_check", "static_analysis"];

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The longest a check may be given.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(6);

    /// <summary>"90s", "10m", "1h" (at most <see cref="MaxTimeout"/>); empty: <see cref="DefaultTimeout"/>.</summary>
    /// <exception cref="FormatException">Not a timeout.</exception>
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

    /// <summary>The format names of the <c>report</c> key, as the schema lists them.</summary>
    public static readonly IReadOnlyDictionary<string, ReportFormat> FormatNames = new Dictionary<string, ReportFormat>(StringComparer.Ordinal)
    {
        ["exit-code"] = ReportFormat.ExitCode,
        ["trx"] = ReportFormat.Trx,
        ["junit"] = ReportFormat.JUnit,
        ["cobertura"] = ReportFormat.Cobertura,
        ["lcov"] = ReportFormat.Lcov,
        ["sarif"] = ReportFormat.Sarif,
        ["eslint-json"] = ReportFormat.EslintJson,
        ["flake8"] = ReportFormat.Flake8,
        ["pylint-json"] = ReportFormat.PylintJson,
        ["npm-audit"] = ReportFormat.NpmAudit,
        ["pip-audit"] = ReportFormat.PipAudit,
        ["dotnet-vulnerable"] = ReportFormat.DotnetVulnerable,
        ["bandit-json"] = ReportFormat.BanditJson,
        ["dotnet-format"] = ReportFormat.DotnetFormat,
    };

    /// <summary>One of <see cref="FormatNames"/>; exit-code is the default.</summary>
    /// <exception cref="FormatException">Not a report format.</exception>
    public static ReportFormat ParseFormat(string? format) =>
        format is null ? ReportFormat.ExitCode
        : FormatNames.TryGetValue(format, out var known) ? known
        : throw new FormatException($"'{format}' is not a report format.");
}
