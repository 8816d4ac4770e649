using Microsoft.Extensions.Options;

namespace GitHubBot.App.Hosting;

/// <summary>A setting that stops <c>serve</c> or <c>worker</c> from starting: said in one line naming it, exit code 2.</summary>
public sealed class SettingException(string message, Exception? inner = null) : InvalidOperationException(message, inner)
{
    /// <summary>The exit code of a process stopped by a setting.</summary>
    public const int ExitCode = 2;

    /// <summary>
    /// The one line that says which setting stopped the start — options validation, a value configuration binding
    /// cannot convert, this exception — or null for any other failure (which stays what it is).
    /// </summary>
    public static string? OneLine(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception switch
        {
            OptionsValidationException invalid => string.Join(" ", invalid.Failures),
            SettingException setting => setting.Message,
            InvalidOperationException binding when binding.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => binding.Message,
            AggregateException aggregate when aggregate.InnerExceptions.All(inner => OneLine(inner) is not null) =>
                string.Join(" ", aggregate.InnerExceptions.Select(inner => OneLine(inner))),
            _ => null,
        };
        return message?.ReplaceLineEndings(" ");
    }

    /// <summary>Runs a command, turning a setting that stops it into one line on standard error and exit code 2.</summary>
    public static async Task<int> OrOneLineAsync(Func<Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            return await run();
        }
        catch (Exception ex) when (OneLine(ex) is { } line)
        {
            await Console.Error.WriteLineAsync(line);
            return ExitCode;
        }
    }
}
