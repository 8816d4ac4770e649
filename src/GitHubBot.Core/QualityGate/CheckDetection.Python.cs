using GitHubBot.Core.Config;

namespace GitHubBot.Core.QualityGate;

/// <summary>
/// Python: pytest (with pytest-cov), flake8 or Ruff, pylint, pip-audit, bandit. The tools' own executables are run
/// (not <c>python3 -m</c>), so each brings the interpreter it was installed for.
/// </summary>
public static partial class CheckDetection
{
    private static readonly ToolRequirement Pytest = new("pytest", "command -v pytest", "apt-get install python3-pytest, or pip install pytest");

    private static readonly string[] IntegrationDirectories = ["tests/integration", "test/integration", "integration_tests", "tests/e2e"];

    private static readonly string[] BenchmarkDirectories = ["benchmarks", "bench"];

    private static Found? Python(RepoFiles repo)
    {
        var requirements = repo.All.Where(f => !f.Contains('/', StringComparison.Ordinal) && f.StartsWith("requirements", StringComparison.Ordinal) && f.EndsWith(".txt", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (!repo.Has("pyproject.toml") && !repo.Has("setup.cfg") && !repo.Has("setup.py") && requirements.Count == 0)
        {
            return null;
        }

        var pyproject = repo.Text("pyproject.toml") ?? string.Empty;
        var setupCfg = repo.Text("setup.cfg") ?? string.Empty;
        var ruff = repo.Has("ruff.toml") || repo.Has(".ruff.toml") || pyproject.Contains("[tool.ruff", StringComparison.Ordinal);
        var integration = IntegrationDirectories.FirstOrDefault(repo.UnderDirectory);
        var benchmarks = BenchmarkDirectories.FirstOrDefault(d => repo.Any(f => f.StartsWith(d + "/", StringComparison.Ordinal) && f.EndsWith(".py", StringComparison.Ordinal)));
        var ignores = string.Concat(new[] { integration, benchmarks }.OfType<string>().Select(d => $" --ignore={Quote(d)}"));
        var checks = new List<CheckConfig>();
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        CheckConfig Tool(string name, string run, ReportFormat report, string? reportPath, double weight, bool required, params ToolRequirement[] requires) =>
            Check(name, $"mkdir -p {ReportDirectory} && {run}", report, reportPath, weight, required) with { Requires = requires };

        checks.Add(Tool("unit_tests", $"pytest --junitxml={ReportDirectory}/junit.xml{ignores}", ReportFormat.JUnit, $"{ReportDirectory}/junit.xml", 3, true, Pytest));
        checks.Add(Tool(
            "coverage",
            $"pytest --cov=. --cov-report=xml:{ReportDirectory}/coverage.xml{ignores}",
            ReportFormat.Cobertura,
            $"{ReportDirectory}/coverage.xml",
            2,
            false,
            Pytest,
            new("pytest-cov", "pytest --help 2>/dev/null | grep -q -- --cov", "apt-get install python3-pytest-cov, or pip install pytest-cov")));
        if (integration is not null)
        {
            checks.Add(Tool("integration_tests", $"pytest {Quote(integration)} --junitxml={ReportDirectory}/integration.xml", ReportFormat.JUnit, $"{ReportDirectory}/integration.xml", 2, true, Pytest));
        }
        else
        {
            skipped["integration_tests"] = $"no integration tests: none of {string.Join(", ", IntegrationDirectories.Select(d => d + "/"))} exists";
        }

        var ruffTool = new ToolRequirement("ruff", "command -v ruff", "pip install ruff");
        checks.Add(ruff
            ? Tool("linting", $"ruff check --exit-zero --output-format=sarif --output-file={ReportDirectory}/ruff.sarif .", ReportFormat.Sarif, $"{ReportDirectory}/ruff.sarif", 1, false, ruffTool) with { Fix = "ruff check --fix ." }
            : Tool("linting", $"flake8 --exit-zero --exclude=.git,{ReportDirectory},__pycache__,.venv,venv,build,dist --output-file={ReportDirectory}/flake8.txt .", ReportFormat.Flake8, $"{ReportDirectory}/flake8.txt", 1, false, new ToolRequirement("flake8", "command -v flake8", "apt-get install flake8, or pip install flake8")));

        var pylint = Tool(
            "static_analysis",
            $"pylint --recursive=y --disable=C,R --ignore={ReportDirectory} --exit-zero --output-format=json:{ReportDirectory}/pylint.json .",
            ReportFormat.PylintJson,
            $"{ReportDirectory}/pylint.json",
            2,
            false,
            new ToolRequirement("pylint", "command -v pylint", "apt-get install pylint, or pip install pylint"));
        checks.Add(ruff ? pylint with { Fix = "ruff check --fix ." } : pylint);

        var auditTarget = requirements.Count > 0 ? string.Concat(requirements.Select(r => $" -r {Quote(r)}")) : " .";
        checks.Add(Tool("dependency_check", $"pip-audit -f json -o {ReportDirectory}/pip-audit.json{auditTarget}", ReportFormat.PipAudit, $"{ReportDirectory}/pip-audit.json", 1, false, new ToolRequirement("pip-audit", "command -v pip-audit", "pip install pip-audit")));

        if (benchmarks is not null)
        {
            checks.Add(Tool("performance", $"pytest {Quote(benchmarks)} --junitxml={ReportDirectory}/performance.xml", ReportFormat.JUnit, $"{ReportDirectory}/performance.xml", 1, false, Pytest));
        }
        else
        {
            skipped["performance"] = "no benchmarks: neither benchmarks/ nor bench/ holds Python files";
        }

        var bandit = repo.Has(".bandit") || repo.Has("bandit.yaml") || pyproject.Contains("[tool.bandit", StringComparison.Ordinal) || setupCfg.Contains("[bandit", StringComparison.Ordinal);
        checks.Add(bandit
            ? Tool("security_scan", $"bandit -r . -x ./{ReportDirectory},./.git -f json -o {ReportDirectory}/bandit.json || true", ReportFormat.BanditJson, $"{ReportDirectory}/bandit.json", 2, true, new ToolRequirement("bandit", "command -v bandit", "apt-get install bandit, or pip install bandit")) with { WithSecretScan = true }
            : SecurityScan(repo));
        return new Found(checks, skipped);
    }
}
