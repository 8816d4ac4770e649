using GitHubBot.Testing;
using GitHubBot.Workflows.Hosting;

namespace GitHubBot.Workflows.Tests;

public sealed class TemporalServerFixtureTests
{
    [Fact]
    public void A_variable_naming_a_missing_file_fails_naming_the_variable_to_set()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            TemporalServerFixture.CliPath(() => TemporalCli.Find("/nonexistent/temporal", null), () => throw new InvalidOperationException("not asked")));

        Assert.Contains("TEMPORAL_CLI_PATH", ex.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/temporal", ex.Message, StringComparison.Ordinal);
        Assert.Contains("shared/tools/temporal/path", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Without_the_variable_a_temporal_on_path_is_used(string? variable)
    {
        using var dir = new TempDirectory("ghbot-path-");
        var cli = Path.Combine(dir.Path, "temporal");
        File.WriteAllText(cli, "#!/bin/sh\n");
        var searchPath = string.Join(Path.PathSeparator, "/nonexistent-dir", dir.Path);

        var found = TemporalServerFixture.CliPath(() => TemporalCli.Find(variable, searchPath), () => throw new InvalidOperationException("not asked"));

        Assert.Equal(cli, found);
    }

    [Fact]
    public void With_neither_the_variable_nor_path_the_sdk_download_is_used_and_its_failure_names_the_variable()
    {
        Assert.Equal("/downloads/temporal", TemporalServerFixture.CliPath(() => TemporalCli.Find(null, "/nonexistent-dir"), () => "/downloads/temporal"));

        var ex = Assert.Throws<InvalidOperationException>(() =>
            TemporalServerFixture.CliPath(() => TemporalCli.Find(null, "/nonexistent-dir"), () => throw new HttpRequestException("temporal.download unreachable")));

        Assert.Contains("TEMPORAL_CLI_PATH", ex.Message, StringComparison.Ordinal);
        Assert.Contains("temporal.download unreachable", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_tests_cli_exists()
    {
        var path = TemporalServerFixture.CliPath();

        Assert.True(File.Exists(path));
    }
}
