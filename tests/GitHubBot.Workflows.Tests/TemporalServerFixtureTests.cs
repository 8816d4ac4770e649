using GitHubBot.Testing;

namespace GitHubBot.Workflows.Tests;

public sealed class TemporalServerFixtureTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/nonexistent/temporal")]
    public void A_missing_cli_fails_naming_the_variable_to_set(string? value)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TemporalServerFixture.CliPath(value));

        Assert.Contains("TEMPORAL_CLI_PATH", ex.Message, StringComparison.Ordinal);
        Assert.Contains("shared/tools/temporal/path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_configured_cli_is_used_when_it_exists()
    {
        var path = TemporalServerFixture.CliPath();

        Assert.True(File.Exists(path));
    }
}
