using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.Tests;

public sealed class ConfigEditsTests
{
    private const string PackageJson = """
        {
          "name": "app",
          "scripts": { "test": "node --test", "lint": "eslint ." },
          "dependencies": { "left-pad": "^1.0.0" }
        }
        """;

    [Theory]
    [InlineData(".eslintrc.json", "lint configuration")]
    [InlineData("web/eslint.config.mjs", "lint configuration")]
    [InlineData(".editorconfig", "lint configuration")]
    [InlineData("src/.globalconfig", "lint configuration")]
    [InlineData("rules.ruleset", "lint configuration")]
    [InlineData(".pylintrc", "lint configuration")]
    [InlineData(".flake8", "lint configuration")]
    [InlineData("tests/unit.runsettings", "test configuration")]
    [InlineData("tests/conftest.py", "test configuration")]
    [InlineData("pytest.ini", "test configuration")]
    [InlineData(".coveragerc", "test configuration")]
    [InlineData("tox.ini", "test configuration")]
    [InlineData("jest.config.js", "test configuration")]
    [InlineData(".npmrc", "package source or build switch configuration")]
    [InlineData("NuGet.Config", "package source or build switch configuration")]
    [InlineData("Directory.Build.rsp", "package source or build switch configuration")]
    [InlineData(".github/workflows/ci.yml", "CI configuration")]
    [InlineData(".github/ghbot.yml", "CI configuration")]
    [InlineData(".gitlab-ci.yml", "CI configuration")]
    public void Files_that_are_the_bar_as_a_whole_count_whatever_the_edit(string path, string what)
    {
        Assert.True(ConfigEdits.Watched(path));
        Assert.Equal(what, ConfigEdits.Change(path, "a = 1\n", "a = 2\n"));
        Assert.Equal(what, ConfigEdits.Change(path, null, "new\n"));
        Assert.Equal(what, ConfigEdits.Change(path, "old\n", null));
    }

    [Theory]
    [InlineData("src/app.js")]
    [InlineData("README.md")]
    [InlineData("tests/test_calc.py")]
    [InlineData("package-lock.json")]
    [InlineData("requirements.txt")]
    [InlineData("global.json")]
    public void Code_tests_docs_and_lock_files_are_not_the_bar(string path)
    {
        Assert.False(ConfigEdits.Watched(path));
        Assert.Null(ConfigEdits.Change(path, "a", "b"));
    }

    [Fact]
    public void A_package_json_edit_counts_only_when_it_changes_the_scripts_or_a_tools_settings()
    {
        var dependency = PackageJson.Replace("^1.0.0", "^1.3.0", StringComparison.Ordinal).Replace("\"dependencies\"", "\"devDependencies\": { \"jest\": \"29\" },\n  \"dependencies\"", StringComparison.Ordinal);
        Assert.Null(ConfigEdits.Change("package.json", PackageJson, dependency));

        var script = PackageJson.Replace("node --test", "echo ok", StringComparison.Ordinal);
        Assert.Equal("changes the scripts `test`", ConfigEdits.Change("package.json", PackageJson, script));

        var added = PackageJson.Replace("\"name\": \"app\",", "\"name\": \"app\",\n  \"jest\": { \"coverageThreshold\": {} },", StringComparison.Ordinal);
        Assert.Equal("changes `jest`", ConfigEdits.Change("package.json", PackageJson, added));

        Assert.Equal("it cannot be read as JSON, so its scripts cannot be told apart", ConfigEdits.Change("package.json", PackageJson, "{ broken"));
        Assert.Equal("changes the scripts `lint`, `test`", ConfigEdits.Change("package.json", null, PackageJson));
    }

    [Fact]
    public void A_pyproject_edit_counts_in_the_test_and_lint_tool_sections_only()
    {
        const string before = """
            [project]
            name = "app"
            dependencies = ["requests>=2.30"]

            [tool.pytest.ini_options]
            addopts = "-q"

            [tool.coverage.report]
            fail_under = 80

            [tool.black]
            line-length = 100
            """;
        Assert.Null(ConfigEdits.Change("pyproject.toml", before, before.Replace("requests>=2.30", "requests>=2.32", StringComparison.Ordinal)));
        Assert.Null(ConfigEdits.Change("pyproject.toml", before, before.Replace("line-length = 100", "line-length = 120", StringComparison.Ordinal)));
        Assert.Null(ConfigEdits.Change("pyproject.toml", before, before.Replace("addopts = \"-q\"", "# quiet\naddopts = \"-q\"\n", StringComparison.Ordinal)));
        Assert.Equal("changes [tool.coverage.report]", ConfigEdits.Change("pyproject.toml", before, before.Replace("fail_under = 80", "fail_under = 0", StringComparison.Ordinal)));
        Assert.Equal("changes [tool.ruff]", ConfigEdits.Change("pyproject.toml", before, before + "\n[tool.ruff]\nignore = [\"E501\"]\n"));
        Assert.Equal("changes [tool]", ConfigEdits.Change("pyproject.toml", before, before + "\n[tool]\nmypy.ignore_errors = true\n"));
    }

    [Fact]
    public void A_setup_cfg_edit_counts_in_the_tools_sections_not_in_the_packages_metadata()
    {
        const string before = "[metadata]\nname = app\n\n[options]\ninstall_requires =\n    requests>=2.30\n\n[flake8]\nmax-line-length = 100\n";
        Assert.Null(ConfigEdits.Change("setup.cfg", before, before.Replace("2.30", "2.32", StringComparison.Ordinal)));
        Assert.Equal("changes [flake8]", ConfigEdits.Change("setup.cfg", before, before.Replace("100", "200", StringComparison.Ordinal)));
        Assert.Equal("changes [coverage:run]", ConfigEdits.Change("setup.cfg", before, before + "\n[coverage:run]\nomit = src/*\n"));
    }

    [Fact]
    public void An_msbuild_edit_counts_for_warning_analyzer_test_and_coverage_settings_not_for_versions_or_frameworks()
    {
        const string project = """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net8.0</TargetFramework>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Newtonsoft.Json" Version="13.0.1" />
                <PackageReference Include="StyleCop.Analyzers" Version="1.1.118" PrivateAssets="all" />
                <PackageReference Include="coverlet.collector" Version="6.0.0" />
              </ItemGroup>
            </Project>
            """;
        string Edit(string from, string to) => project.Replace(from, to, StringComparison.Ordinal);

        Assert.Null(ConfigEdits.Change("src/App/App.csproj", project, Edit("net8.0", "net10.0")));
        Assert.Null(ConfigEdits.Change("src/App/App.csproj", project, Edit("13.0.1", "13.0.3").Replace("1.1.118", "1.2.0", StringComparison.Ordinal)));
        Assert.Null(ConfigEdits.Change("src/App/App.csproj", project, Edit("</ItemGroup>", "  <PackageReference Include=\"Serilog\" Version=\"4.0.0\" />\n  </ItemGroup>")));
        Assert.Equal("changes `TreatWarningsAsErrors`", ConfigEdits.Change("src/App/App.csproj", project, Edit(">true<", ">false<")));
        Assert.Equal("changes `NoWarn`", ConfigEdits.Change("Directory.Build.props", project, Edit("</PropertyGroup>", "  <NoWarn>$(NoWarn);CA1822</NoWarn>\n  </PropertyGroup>")));
        Assert.Equal("changes `PackageReference StyleCop.Analyzers`", ConfigEdits.Change("src/App/App.csproj", project, Edit(" PrivateAssets=\"all\"", " IncludeAssets=\"none\"")));
        Assert.Equal("changes `PackageReference coverlet.collector`", ConfigEdits.Change("tests/App.Tests/App.Tests.csproj", project, Edit("<PackageReference Include=\"coverlet.collector\" Version=\"6.0.0\" />", string.Empty)));
        Assert.Equal("changes `Target VSTest`", ConfigEdits.Change("Directory.Build.targets", project, Edit("</Project>", "  <Target Name=\"VSTest\" />\n</Project>")));
        Assert.Equal("changes `RunSettingsFilePath`", ConfigEdits.Change("tests/T/T.csproj", project, Edit("</PropertyGroup>", "<RunSettingsFilePath>x.runsettings</RunSettingsFilePath></PropertyGroup>")));
        Assert.Equal("it cannot be read as MSBuild XML, so its build settings cannot be told apart", ConfigEdits.Change("src/App/App.csproj", project, "<Project"));
    }

    [Fact]
    public void Central_package_versions_may_move_but_its_properties_and_global_references_are_build_configuration()
    {
        const string packages = """
            <Project>
              <PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup>
              <ItemGroup>
                <PackageVersion Include="xunit" Version="2.9.0" />
                <GlobalPackageReference Include="Roslynator.Analyzers" Version="4.12.0" />
              </ItemGroup>
            </Project>
            """;
        Assert.Null(ConfigEdits.Change("Directory.Packages.props", packages, packages.Replace("2.9.0", "2.9.3", StringComparison.Ordinal).Replace("4.12.0", "4.13.0", StringComparison.Ordinal)));
        Assert.Null(ConfigEdits.Change("Directory.Packages.props", packages, packages.Replace("</ItemGroup>", "  <PackageVersion Include=\"Polly\" Version=\"8.0.0\" />\n  </ItemGroup>", StringComparison.Ordinal)));
        Assert.Equal(
            "changes `GlobalPackageReference Roslynator.Analyzers`",
            ConfigEdits.Change("Directory.Packages.props", packages, packages.Replace("<GlobalPackageReference Include=\"Roslynator.Analyzers\" Version=\"4.12.0\" />", string.Empty, StringComparison.Ordinal)));
        Assert.Equal("changes `ManagePackageVersionsCentrally`", ConfigEdits.Change("Directory.Packages.props", packages, packages.Replace(">true<", ">false<", StringComparison.Ordinal)));
    }

    [Fact]
    public void Found_edits_are_named_in_path_order_with_what_they_change()
    {
        var before = new Dictionary<string, string> { ["package.json"] = PackageJson, ["src/a.js"] = "a" };
        var after = new Dictionary<string, string>
        {
            ["package.json"] = PackageJson.Replace("eslint .", "true", StringComparison.Ordinal),
            ["src/a.js"] = "b",
            [".eslintrc.json"] = "{}",
        };

        var found = ConfigEdits.Find(after.Keys, p => before.GetValueOrDefault(p), p => after.GetValueOrDefault(p));

        Assert.Equal([new ConfigEdit(".eslintrc.json", "lint configuration"), new ConfigEdit("package.json", "changes the scripts `lint`")], found);
        Assert.Equal("`.eslintrc.json` (lint configuration), `package.json` (changes the scripts `lint`)", ConfigEdits.Describe(found));
        Assert.Contains("- `package.json`: changes the scripts `lint`", ConfigEdits.Refusal(found), StringComparison.Ordinal);
        Assert.StartsWith("it changes test, build or CI configuration (`.eslintrc.json`", ConfigEdits.NotMerged(found), StringComparison.Ordinal);
    }

    [Fact]
    public void The_pull_request_says_what_was_refused_and_what_was_allowed()
    {
        Assert.Equal(string.Empty, ConfigEdits.PullRequestSection([], []));
        var section = ConfigEdits.PullRequestSection(["Add mul: `package.json` (changes the scripts `test`)"], ["Test mul: `pytest.ini` (test configuration)"]);
        Assert.Contains("### Test, build and CI configuration", section, StringComparison.Ordinal);
        Assert.Contains("refused and are not in this PR", section, StringComparison.Ordinal);
        Assert.Contains("- Add mul: `package.json` (changes the scripts `test`)", section, StringComparison.Ordinal);
        Assert.Contains("never merges such a change by itself", section, StringComparison.Ordinal);
    }

    [Fact]
    public void The_gates_lint_list_is_shared_and_still_refused_by_its_static_analysis_fixer()
    {
        foreach (var name in ConfigEdits.GateLintConfiguration)
        {
            Assert.NotNull(QualityGate.GateFixes.Suppresses(new Patch("x", [new FileEdit($"src/{name}", Content: "x")], DateTimeOffset.UnixEpoch)));
            Assert.Equal("lint configuration", ConfigEdits.Change(name, null, "x"));
        }
    }

    [Fact]
    public void Allowing_config_edits_is_a_repository_setting_that_is_off_by_default()
    {
        Assert.False(RepoConfig.From([]).Agents.AllowConfigEdits);
        var load = RepoConfigLoader.Load(new ConfigFile("octo/app: .github/ghbot.yml", "agents:\n  allow_config_edits: true\n"));
        Assert.True(load.IsValid, string.Join("; ", load.Problems));
        Assert.True(RepoConfig.From(load.Merged).Agents.AllowConfigEdits);
        Assert.False(RepoConfigLoader.Load(new ConfigFile("octo/app: .github/ghbot.yml", "agents:\n  allow_config_edits: sometimes\n")).IsValid);
    }
}

public sealed class ClosingKeywordsTests
{
    [Theory]
    [InlineData("Closes #7.", "refs #7.")]
    [InlineData("This fixes #7 and resolves: #8", "This refs #7 and refs #8")]
    [InlineData("FIXED octo/other#12", "refs octo/other#12")]
    [InlineData("closes https://github.com/octo/app/issues/9", "refs https://github.com/octo/app/issues/9")]
    [InlineData("Resolves #12, closes #3", "Resolves #12, refs #3")]
    [InlineData("Closes octo/app#13", "Closes octo/app#13")]
    [InlineData("prefixes #7; see #7; fixes the bug", "prefixes #7; see #7; fixes the bug")]
    public void Only_the_runs_own_issues_keep_their_closing_keywords(string text, string expected)
    {
        Assert.Equal(expected, ClosingKeywords.Neutralize(text, [12, 13], "octo/app"));
    }

    [Fact]
    public void Agent_text_closes_nothing_when_the_run_owns_nothing()
    {
        var text = ClosingKeywords.Neutralize("Fixes #1\nCloses #2", []);
        Assert.Equal("refs #1\nrefs #2", text);
        Assert.False(ClosingKeywords.Any(text));
        Assert.True(ClosingKeywords.Any("resolved #4"));
    }

    [Fact]
    public void A_long_hostile_text_is_read_in_bounded_time()
    {
        var text = string.Concat(Enumerable.Repeat("fixes   ", 20_000)) + "#5";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var neutral = ClosingKeywords.Neutralize(text, []);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
        Assert.False(ClosingKeywords.Any(neutral));
    }
}
