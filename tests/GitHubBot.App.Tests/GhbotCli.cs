using GitHubBot.App.Cli;

namespace GitHubBot.App.Tests;

/// <summary>The ghbot command line run in the test's process, with writers of its own.</summary>
internal static class GhbotCli
{
    /// <summary>Its exit code, what it wrote to standard output, and what to standard error.</summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GhbotCommandLine.RunAsync(args, CancellationToken.None, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
