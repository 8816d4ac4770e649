using System.Diagnostics;

namespace GitHubBot.App.Tests;

/// <summary>`dotnet ghbot.dll …` from the test's output folder, run to its end: what a user typing the command sees.</summary>
internal static class GhbotProcess
{
    /// <summary>Runs ghbot with <paramref name="args"/> and <paramref name="environment"/> added to this process's; its exit code and standard error.</summary>
    public static async Task<(int ExitCode, string Said)> RunToExitAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args.Prepend(Path.Combine(AppContext.BaseDirectory, "ghbot.dll")))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var ghbot = Process.Start(start)!;
        var stderr = ghbot.StandardError.ReadToEndAsync();
        var stdout = ghbot.StandardOutput.ReadToEndAsync();
        try
        {
            await ghbot.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            ghbot.Kill(entireProcessTree: true);
            throw new TimeoutException($"ghbot {string.Join(' ', args)} did not end within {timeout}:\n{await stdout}\n{await stderr}");
        }

        _ = await stdout;
        return (ghbot.ExitCode, await stderr);
    }
}
