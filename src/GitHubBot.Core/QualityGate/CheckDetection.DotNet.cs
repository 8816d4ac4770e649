using GitHubBot.Core.Config;

namespace GitHubBot.Core.QualityGate;

/// <summary>.NET: test projects by their test SDK, integration ones by name, benchmarks by BenchmarkDotNet.</summary>
public static partial class CheckDetection
{
    private static readonly ToolRequirement DotnetSdk = new("dotnet", "command -v dotnet", "install the .NET SDK (https://dot.net) on the worker, or use the GitHubBot container image");

    /// <summary>
    /// The props file the static analysis build imports (through <c>CustomBeforeMicrosoftCommonProps</c>), so every
    /// project writes its compiler and analyzer findings to a SARIF file of its own.
    /// </summary>
    private const string SarifProps = "<Project><PropertyGroup><ErrorLog>$(MSBuildThisFileDirectory)sarif/$(MSBuildProjectName).sarif,version=2.1</ErrorLog></PropertyGroup></Project>";

    private static Found? DotNet(RepoFiles repo)
    {
        var solutions = repo.All.Where(f => !f.Contains('/', StringComparison.Ordinal) && (f.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase))).Order(StringComparer.Ordinal).ToList();
        var projects = repo.All.Where(f => f.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        if (solutions.Count == 0 && projects.Count == 0)
        {
            return null;
        }

        // What the build and the list commands work on: the root solution, else each project.
        var targets = solutions.Count > 0 ? [solutions[0]] : projects;
        var tests = projects.Where(p => repo.Text(p) is { } text && (text.Contains("Microsoft.NET.Test.Sdk", StringComparison.Ordinal) || text.Contains("<IsTestProject>true", StringComparison.OrdinalIgnoreCase))).ToList();
        var integration = tests.Where(p => p.Contains("integration", StringComparison.OrdinalIgnoreCase) || p.Contains("e2e", StringComparison.OrdinalIgnoreCase)).ToList();
        var unit = tests.Except(integration).ToList();
        var benchmarks = projects.Where(p => repo.Text(p)?.Contains("BenchmarkDotNet", StringComparison.Ordinal) == true && !tests.Contains(p)).ToList();
        var checks = new List<CheckConfig>();
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        CheckConfig WithSdk(CheckConfig check) => check with { Requires = [DotnetSdk] };

        if (unit.Count > 0)
        {
            checks.Add(WithSdk(Check("unit_tests", ForEach(unit, p => $"dotnet test {p} --logger trx --results-directory {ReportDirectory}/unit"), ReportFormat.Trx, $"{ReportDirectory}/unit/*.trx", 3, true)));
            var coverage = WithSdk(Check("coverage", ForEach(unit, p => $"dotnet test {p} --collect \"XPlat Code Coverage\" --results-directory {ReportDirectory}/coverage"), ReportFormat.Cobertura, $"{ReportDirectory}/coverage/**/coverage.cobertura.xml", 2, false));
            checks.Add(unit.Any(p => repo.Text(p)?.Contains("coverlet.collector", StringComparison.OrdinalIgnoreCase) == true)
                ? coverage
                : coverage with { Unavailable = $"No test project references coverlet.collector, so coverage cannot be measured: `dotnet add {unit[0]} package coverlet.collector`." });
        }
        else if (tests.Count == 0 && projects.Any(p => repo.Text(p) is null))
        {
            // Too many projects to read them all: the tests, wherever they are, through the solution or the root.
            var all = solutions.Count > 0 ? $" {Quote(solutions[0])}" : string.Empty;
            checks.Add(WithSdk(Check("unit_tests", $"dotnet test{all} --logger trx --results-directory {ReportDirectory}/unit", ReportFormat.Trx, $"{ReportDirectory}/unit/*.trx", 3, true)));
            skipped["coverage"] = "the test projects could not be told apart (too many projects were found)";
        }
        else
        {
            skipped["unit_tests"] = "no unit test project: a project referencing Microsoft.NET.Test.Sdk whose name does not say Integration";
            skipped["coverage"] = "no unit test project to measure coverage with";
        }

        if (integration.Count > 0)
        {
            checks.Add(WithSdk(Check("integration_tests", ForEach(integration, p => $"dotnet test {p} --logger trx --results-directory {ReportDirectory}/integration"), ReportFormat.Trx, $"{ReportDirectory}/integration/*.trx", 2, true)));
        }
        else
        {
            skipped["integration_tests"] = "no integration test project: a test project whose name contains Integration (e.g. App.IntegrationTests)";
        }

        checks.Add(WithSdk(Check(
            "linting",
            $"dotnet format whitespace --folder --verify-no-changes --report {ReportDirectory}/lint",
            ReportFormat.DotnetFormat,
            $"{ReportDirectory}/lint/format-report.json",
            1,
            false,
            "dotnet format whitespace --folder")));

        var build = string.Join(" && ", targets.Select(t => $"dotnet build {Quote(t)} --no-incremental -p:CustomBeforeMicrosoftCommonProps=\"$PWD/{ReportDirectory}/ghbot.props\""));
        checks.Add(WithSdk(Check(
            "static_analysis",
            $"mkdir -p {ReportDirectory}/sarif && printf '%s' {Quote(SarifProps)} > {ReportDirectory}/ghbot.props && {{ {build}; }}",
            ReportFormat.Sarif,
            $"{ReportDirectory}/sarif/*.sarif",
            2,
            false,
            string.Join(" && ", targets.Select(t => $"dotnet format analyzers {Quote(t)}")))));

        checks.Add(WithSdk(Check(
            "dependency_check",
            $"mkdir -p {ReportDirectory}/vulnerable && " + string.Join(
                " ; ",
                targets.Select((t, i) => $"dotnet restore {Quote(t)} ; dotnet list {Quote(t)} package --vulnerable --include-transitive --format json > {ReportDirectory}/vulnerable/{i}.json")),
            ReportFormat.DotnetVulnerable,
            $"{ReportDirectory}/vulnerable/*.json",
            1,
            false)));

        if (benchmarks.Count > 0)
        {
            checks.Add(WithSdk(Check("performance", $"dotnet run -c Release --project {Quote(benchmarks[0])} -- --filter '*' --job dry --inProcess", ReportFormat.ExitCode, null, 1, false)));
        }
        else
        {
            skipped["performance"] = "no benchmark project (one referencing BenchmarkDotNet)";
        }

        checks.Add(SecurityScan(repo));
        return new Found(checks, skipped);
    }

    /// <summary>One command per project, each run even when an earlier one failed; fails when any did.</summary>
    private static string ForEach(List<string> projects, Func<string, string> command) =>
        projects.Count == 1
            ? command(Quote(projects[0]))
            : $"rc=0; {string.Concat(projects.Select(p => $"{command(Quote(p))} || rc=1; "))}exit $rc";
}
