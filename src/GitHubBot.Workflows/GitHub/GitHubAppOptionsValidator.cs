using Microsoft.Extensions.Options;

namespace GitHubBot.Workflows.GitHub;

/// <summary>Fails start-up when the App's ID or key is missing or the key cannot be read, naming the setting.</summary>
public sealed class GitHubAppOptionsValidator : IValidateOptions<GitHubOptions>
{
    public ValidateOptionsResult Validate(string? name, GitHubOptions options)
    {
        try
        {
            using var key = AppJwtFactory.LoadKey(options);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException ex)
        {
            return ValidateOptionsResult.Fail($"The worker acts as the GitHub App: {ex.Message}");
        }
    }
}
