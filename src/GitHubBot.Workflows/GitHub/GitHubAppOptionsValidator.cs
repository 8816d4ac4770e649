using Microsoft.Extensions.Options;

namespace GitHubBot.Workflows.GitHub;

/// <summary>
/// Registered by a process that can create the App itself (<c>ghbot serve</c>'s <c>/setup</c>): with no App configured
/// at all it starts anyway, in setup mode, instead of refusing.
/// </summary>
public sealed class GitHubAppSetup;

/// <summary>
/// Fails start-up when the App's ID or key is missing or the key cannot be read, naming the setting — unless nothing
/// at all is configured and this process has a setup page (<see cref="GitHubAppSetup"/>).
/// </summary>
public sealed class GitHubAppOptionsValidator(IEnumerable<GitHubAppSetup> setup) : IValidateOptions<GitHubOptions>
{
    public ValidateOptionsResult Validate(string? name, GitHubOptions options) =>
        Problem(options, setup.Any()) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;

    /// <summary>Why the App's identity cannot be used (one line naming the setting, never the key), or null.</summary>
    public static string? Problem(GitHubOptions options, bool setupAvailable)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (setupAvailable && options.HasNoApp())
        {
            return null;
        }

        try
        {
            using var key = AppJwtFactory.LoadKey(options);
            return null;
        }
        catch (InvalidOperationException ex)
        {
            return options.HasNoApp()
                ? $"The worker acts as the GitHub App: {ex.Message.TrimEnd('.')}, or let `ghbot serve` create the App: open its /setup page (it stores the App in DataDir)."
                : $"The worker acts as the GitHub App: {ex.Message}";
        }
    }
}
