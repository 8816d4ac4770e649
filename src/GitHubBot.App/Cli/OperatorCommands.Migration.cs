using System.CommandLine;
using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.Common;
using Temporalio.Client;

namespace GitHubBot.App.Cli;

/// <summary><c>ghbot start migration</c>: a code migration of a repository, from the operator's shell.</summary>
internal static partial class OperatorCommands
{
    private static Command StartMigration()
    {
        var repo = RepoOption();
        var type = new Option<string>("--type") { Description = "What is migrated: react, dotnet, node, python, a package name, or free-form text.", Required = true };
        var from = new Option<string>("--from") { Description = "The version it is at, e.g. 16.14.0.", Required = true };
        var to = new Option<string>("--to") { Description = "The version it goes to, e.g. 18.2.0.", Required = true };
        var batch = new Option<bool>("--batch") { Description = "One commit at the end instead of one per step." };
        var noRollback = new Option<bool>("--no-rollback") { Description = "Stop at a step that still fails instead of rolling it back and going on." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Stop after the plan, with the plan and the recipe's diff; change nothing." };
        var stepApproval = new Option<bool>("--step-approval") { Description = "Wait for /approve (or the Approve signal) after every step." };
        var issue = new Option<int?>("--issue") { Description = "An issue to post the plan, the progress and the report on." };
        var installation = new Option<long?>("--installation") { Description = "The App installation (default: looked up)." };
        var queue = new Option<string?>("--task-queue") { Description = "The workers' task queue (default: Temporal:TaskQueue, else ghbot)." };
        var command = new Command("migration", "Migrate a repository's framework, runtime or package: a plan of steps, each tested, one PR; prints the workflow ID.")
        {
            repo, type, from, to, batch, noRollback, dryRun, stepApproval, issue, installation, queue, AddressOption, NamespaceOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (RepositoryOf(parse.GetValue(repo)) is not var (owner, name))
            {
                await error.WriteLineAsync($"--repo must be owner/name, not '{parse.GetValue(repo)}'.");
                return 2;
            }

            var (parsed, problem) = MigrationCommand.Parse([parse.GetValue(type) ?? string.Empty, parse.GetValue(from) ?? string.Empty, parse.GetValue(to) ?? string.Empty]);
            if (parsed is null || string.IsNullOrWhiteSpace(parsed.Type) || parse.GetValue(issue) is < 1)
            {
                await error.WriteLineAsync(problem?.Replace("`", string.Empty, StringComparison.Ordinal) ?? "--type must name what is migrated and --issue must be an issue number.");
                return 2;
            }

            var input = new CodeMigrationInput
            {
                Owner = owner,
                Repo = name,
                InstallationId = parse.GetValue(installation),
                MigrationType = parsed.Type,
                SourceVersion = parsed.From,
                TargetVersion = parsed.To,
                Incremental = !parse.GetValue(batch),
                AutoRollback = !parse.GetValue(noRollback),
                DryRun = parse.GetValue(dryRun),
                StepApproval = parse.GetValue(stepApproval),
                IssueNumber = parse.GetValue(issue),
                Trigger = "cli",
            };
            if (await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var settings = LoadSettings();
            var handle = await StartAsync(client, WorkflowTypes.CodeMigration, input, new WorkflowOptions(input.WorkflowId, parse.GetValue(queue) ?? settings.TaskQueue)
            {
                // A second request for the same target finds the running migration.
                IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.UseExisting,
                Rpc = new() { CancellationToken = cancellationToken },
            }, settings, error);
            await parse.InvocationConfiguration.Output.WriteLineAsync(handle.Id);
            await error.WriteLineAsync($"Started the migration of {parsed.Type} {parsed.From} → {parsed.To} on {owner}/{name}; follow it with: ghbot wait {handle.Id}");
            return 0;
        });
        return command;
    }
}
