using GitHubBot.Core.Agents;
using GitHubBot.Core.ChangeRequests;
using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;
using GitHubBot.Core.Workspaces;
using GitHubBot.Testing;
using GitHubBot.Workflows.Agents;
using GitHubBot.Workflows.ChangeRequests;
using GitHubBot.Workflows.Commands;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Hosting;
using GitHubBot.Workflows.PlanPatchPr;
using GitHubBot.Workflows.QualityGate;
using GitHubBot.Workflows.Temporal;
using GitHubBot.Workflows.Workspaces;
using Microsoft.Extensions.Options;

namespace GitHubBot.Workflows.Tests;

/// <summary>Builds the App's GitHub plumbing against a <see cref="GitHubFake"/>.</summary>
internal static class TestApp
{
    public static IOptions<GitHubOptions> Options(GitHubFake fake) => Microsoft.Extensions.Options.Options.Create(new GitHubOptions
    {
        AppId = fake.AppId,
        PrivateKey = fake.PrivateKeyPem,
        WebhookSecret = "test-secret",
        ApiBaseUrl = fake.ApiBaseUrl,
    });

    public static GitHubClients Clients(GitHubFake fake, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        var options = Options(fake);
        return new GitHubClients(options, new AppJwtFactory(options, clock), clock);
    }
}
