using GitHubBot.Core.Config;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class RepoConfigTests
{
    private const string Repo = "octo/app: .github/ghbot.yml";
    private const string Org = "octo/.github: .github/ghbot.yml";

    [Fact]
    public void The_repository_file_is_merged_over_the_organizations_key_by_key()
    {
        var load = RepoConfigLoader.Load(
            new ConfigFile(Org, """
                trigger_label: org:implement
                quality_gate:
                  required_score: 90
                  required_coverage: 70
                  checks:
                    linting:
                      run: make lint
                """),
            new ConfigFile(Repo, """
                quality_gate:
                  required_coverage: 85
                  checks:
                    unit_tests:
                      run: make test
                      report: junit
                      report_path: out/junit.xml
                      timeout: 90s
                      weight: 4
                """));

        Assert.True(load.IsValid, string.Join("; ", load.Problems));
        var config = RepoConfig.From(load.Merged);
        var gate = QualityGateConfig.From(config.QualityGate, files: []);
        Assert.Equal("org:implement", config.TriggerLabel);
        Assert.Equal((90d, 85d), (gate.RequiredScore, gate.RequiredCoverage));
        Assert.Collection(
            gate.Checks,
            c => Assert.Equal(new CheckConfig("unit_tests", "make test", null, TimeSpan.FromSeconds(90), 4, true, ReportFormat.JUnit, "out/junit.xml", false), c),
            c => Assert.Equal(("linting", "make lint", ReportFormat.ExitCode, false), (c.Name, c.Run, c.Report, c.Required)));
    }

    [Fact]
    public void An_unknown_key_is_named_with_its_file_and_line()
    {
        var load = RepoConfigLoader.Load(new ConfigFile(Repo, """
            quality_gate:
              checks:
                unit_tests:
                  run: dotnet test
                  timout: 5m
            """));

        var problem = Assert.Single(load.Problems);
        Assert.Equal(new ConfigProblem(Repo, "quality_gate.checks.unit_tests.timout", 5, "unknown key"), problem);
        Assert.Equal("octo/app: .github/ghbot.yml, line 5: quality_gate.checks.unit_tests.timout: unknown key", problem.ToString());
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_named_with_its_line()
    {
        var load = RepoConfigLoader.Load(new ConfigFile(Repo, """
            trigger_label: ghbot:go
            quality_gate:
              required_score: high
              checks:
                linting:
                  run: npm run lint
                  report: xml
            """));

        Assert.Collection(
            load.Problems,
            p => Assert.Equal(("quality_gate.required_score", 3), (p.Key, p.Line)),
            p => Assert.Equal(("quality_gate.checks.linting.report", 7), (p.Key, p.Line)));
    }

    [Fact]
    public void A_check_without_a_command_is_a_problem()
    {
        var load = RepoConfigLoader.Load(new ConfigFile(Repo, "quality_gate:\n  checks:\n    coverage:\n      weight: 2\n"));

        var problem = Assert.Single(load.Problems);
        Assert.Equal(("quality_gate.checks.coverage", 3), (problem.Key, problem.Line));
        Assert.Contains("run", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_yaml_is_reported_with_its_line()
    {
        var load = RepoConfigLoader.Load(new ConfigFile(Repo, "quality_gate:\n  required_score: 90\n   required_coverage: 80\n"));

        var problem = Assert.Single(load.Problems);
        Assert.Equal(("(syntax)", 3), (problem.Key, problem.Line));
    }

    [Theory]
    [InlineData("quality_gate:\n  checks: [unclosed\n  other: 1\n")]
    [InlineData("- just\n- a list\n")]
    public void Yaml_that_cannot_be_a_configuration_is_a_problem_not_a_crash(string yaml)
    {
        var load = RepoConfigLoader.Load(new ConfigFile(Repo, yaml));

        Assert.False(load.IsValid);
        Assert.Empty(load.Merged);
    }

    [Theory]
    [InlineData("a: &a [*a]\n")]
    [InlineData("a: &a [1,2,3,4,5,6,7,8,9,10]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n")]
    [InlineData("? [complex, key]\n: value\n")]
    public void Hostile_yaml_is_a_problem_not_a_crash(string yaml)
    {
        var load = RepoConfigLoader.Load(new ConfigFile(Repo, yaml));

        Assert.False(load.IsValid);
    }

    [Theory]
    [InlineData("quality_gate:\n  required_score: NaN\n", "quality_gate.required_score")]
    [InlineData("quality_gate:\n  required_score: .inf\n", "quality_gate.required_score")]
    [InlineData("quality_gate:\n  checks:\n    linting:\n      run: x\n      timeout: 99999999999m\n", "quality_gate.checks.linting.timeout")]
    [InlineData("quality_gate:\n  checks:\n    linting:\n      run: x\n      timeout: 0s\n", "quality_gate.checks.linting.timeout")]
    public void Numbers_that_are_not_numbers_and_absurd_timeouts_are_rejected(string yaml, string key)
    {
        var load = RepoConfigLoader.Load(new ConfigFile(Repo, yaml));

        Assert.Equal(key, Assert.Single(load.Problems).Key);
    }

    [Fact]
    public void A_package_json_without_scripts_does_not_hide_a_python_project()
    {
        var gate = QualityGateConfig.From(new QualityGateSection(), ["package.json", "pyproject.toml"], new Dictionary<string, string> { ["package.json"] = """{"name":"docs-tooling"}""" });

        Assert.Equal("unit_tests", gate.Checks[0].Name);
        Assert.Contains("pytest", gate.Checks[0].Run, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_gives_the_defaults()
    {
        var load = RepoConfigLoader.Load(new ConfigFile(Repo, "# nothing yet\n"));
        var config = RepoConfig.From(load.Merged);
        var gate = QualityGateConfig.From(config.QualityGate, files: []);

        Assert.True(load.IsValid);
        Assert.Equal((85d, 80d, false, false), (gate.RequiredScore, gate.RequiredCoverage, gate.AutoFix, config.QualityGate.TrustForks));
        Assert.Empty(gate.Checks);
        Assert.Equal(CheckConfig.Names, gate.Skipped.Select(s => s.Name));
    }

    [Fact]
    public void Configured_checks_say_the_other_kinds_are_not_configured()
    {
        var load = RepoConfigLoader.Load(new ConfigFile(Repo, "quality_gate:\n  coverage_applies_to: changed\n  checks:\n    unit_tests:\n      run: make test\n"));
        var gate = QualityGateConfig.From(RepoConfig.From(load.Merged).QualityGate, ["Makefile", "App.sln"]);

        Assert.Equal("unit_tests", Assert.Single(gate.Checks).Name);
        Assert.Equal(7, gate.Skipped.Count);
        Assert.All(gate.Skipped, s => Assert.Equal("not configured in .github/ghbot.yml", s.Reason));
        Assert.Equal("changed", gate.CoverageAppliesTo);
    }

    [Theory]
    [InlineData("45s", 45)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData(null, 600)]
    [InlineData("9999h", 21600)]
    public void Timeouts_read_as_seconds_minutes_or_hours(string? text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), CheckConfig.ParseTimeout(text));
    }

    [Fact]
    public void The_shipped_schema_file_is_the_one_the_loader_uses()
    {
        var shipped = File.ReadAllText(Path.Combine(RepositoryRoot(), "schemas", "ghbot.schema.json"));
        using var stream = typeof(RepoConfigLoader).Assembly.GetManifestResourceStream("ghbot.schema.json")!;
        using var reader = new StreamReader(stream);

        Assert.Equal(shipped, reader.ReadToEnd());
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "GitHubBot.sln")))
        {
            dir = dir.Parent;
        }

        return dir.FullName;
    }
}
