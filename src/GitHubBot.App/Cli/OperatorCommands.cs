using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using GitHubBot.App.Hosting;
using GitHubBot.Core.Common;
using GitHubBot.Core.PlanPatchPr;
using GitHubBot.Core.QualityGate;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace GitHubBot.App.Cli;

/// <summary>
/// The operator's client commands: <c>ghbot start|status|wait|signal|list</c>. They reach Temporal at
/// --address, else Temporal:Address, else the embedded server of a local <c>ghbot serve</c> (127.0.0.1:EmbeddedPort).
/// </summary>
internal static partial class OperatorCommands
{
    private static readonly Option<string?> AddressOption = new("--address") { Description = "Temporal frontend host:port (default: Temporal:Address, else the local embedded server)." };
    private static readonly Option<string?> NamespaceOption = new("--namespace") { Description = "Temporal namespace (default: Temporal:Namespace, else default)." };

    public static IEnumerable<Command> All()
    {
        yield return Start();
        yield return Status();
        yield return Wait();
        yield return Signal();
        yield return List();
    }

    private static Command Start()
    {
        var command = new Command("start", "Start a workflow.");
        command.Subcommands.Add(StartQualityGate());
        command.Subcommands.Add(StartPlanPatchPr());
        command.Subcommands.Add(StartIncident());
        command.Subcommands.Add(StartMigration());
        return command;
    }

    private static Option<string> RepoOption() => new("--repo") { Description = "The repository, owner/name.", Required = true };

    private static Command StartQualityGate()
    {
        var repo = RepoOption();
        var pr = new Option<int>("--pr") { Description = "The pull request's number.", Required = true };
        var branch = new Option<string?>("--branch") { Description = "The PR's head branch (default: as GitHub reports it)." };
        var autoFix = new Option<bool>("--auto-fix") { Description = "Apply the checks' fixes and re-check once." };
        var coverage = new Option<int?>("--required-coverage") { Description = "Line coverage needed, 0–100 (default: the repository's config, else 80)." };
        var score = new Option<int?>("--required-score") { Description = "Weighted score needed, 0–100 (default: the repository's config, else 85)." };
        var installation = new Option<long?>("--installation") { Description = "The App installation (default: looked up)." };
        var queue = new Option<string?>("--task-queue") { Description = "The workers' task queue (default: Temporal:TaskQueue, else ghbot)." };
        var command = new Command("quality-gate", "Run the quality gate on a pull request's current head; prints the workflow ID.")
        {
            repo, pr, branch, autoFix, coverage, score, installation, queue, AddressOption, NamespaceOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (RepositoryOf(parse.GetValue(repo)) is not var (owner, name))
            {
                await error.WriteLineAsync($"--repo must be owner/name, not '{parse.GetValue(repo)}'.");
                return 2;
            }

            if (parse.GetValue(pr) < 1 || parse.GetValue(coverage) is < 0 or > 100 || parse.GetValue(score) is < 0 or > 100)
            {
                await error.WriteLineAsync("--pr must be a PR number; --required-coverage and --required-score must be 0–100.");
                return 2;
            }

            if (await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var settings = LoadSettings();
            var id = WorkflowIds.QualityGateManual(owner, name, parse.GetValue(pr), DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture));
            var input = new QualityGateInput
            {
                Owner = owner,
                Repo = name,
                PullRequestNumber = parse.GetValue(pr),
                HeadSha = string.Empty,
                Branch = parse.GetValue(branch) ?? string.Empty,
                InstallationId = parse.GetValue(installation),
                AttemptAutoFix = parse.GetValue(autoFix),
                RequiredCoverage = parse.GetValue(coverage),
                RequiredScore = parse.GetValue(score),
                Trigger = "cli",
            };
            var handle = await StartAsync(client, WorkflowTypes.QualityGate, input, new WorkflowOptions(id, parse.GetValue(queue) ?? settings.TaskQueue)
            {
                Rpc = new() { CancellationToken = cancellationToken },
            }, settings, error);
            await parse.InvocationConfiguration.Output.WriteLineAsync(handle.Id);
            await error.WriteLineAsync($"Started the quality gate of {owner}/{name}#{parse.GetValue(pr)}; follow it with: ghbot wait {handle.Id}");
            return 0;
        });
        return command;
    }

    private static Command StartPlanPatchPr()
    {
        var repo = RepoOption();
        var requirement = new Option<string?>("--requirement") { Description = "What to build; filed as an issue when --issue is not given." };
        var issue = new Option<int?>("--issue") { Description = "An existing issue to implement." };
        var autoMerge = new Option<bool?>("--auto-merge") { Description = "Merge when the gate passes (default: the repository's auto_merge.enabled)." };
        var installation = new Option<long?>("--installation") { Description = "The App installation (default: looked up)." };
        var queue = new Option<string?>("--task-queue") { Description = "The workers' task queue (default: Temporal:TaskQueue, else ghbot)." };
        var command = new Command("plan-patch-pr", "Turn a requirement or an issue into a tested pull request through the agents; prints the workflow ID.")
        {
            repo, requirement, issue, autoMerge, installation, queue, AddressOption, NamespaceOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (RepositoryOf(parse.GetValue(repo)) is not var (owner, name))
            {
                await error.WriteLineAsync($"--repo must be owner/name, not '{parse.GetValue(repo)}'.");
                return 2;
            }

            var text = parse.GetValue(requirement);
            var number = parse.GetValue(issue);
            if (number is < 1 || number is null && string.IsNullOrWhiteSpace(text))
            {
                await error.WriteLineAsync("Give --requirement \"…\", or --issue N (an issue number), or both.");
                return 2;
            }

            if (await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var settings = LoadSettings();
            var id = number is { } n ? WorkflowIds.PlanPatchPr(owner, name, n) : WorkflowIds.PlanPatchPrRequirement(owner, name, text!);
            var input = new PlanPatchPrInput
            {
                Owner = owner,
                Repo = name,
                InstallationId = parse.GetValue(installation),
                IssueNumber = number,
                Requirement = string.IsNullOrWhiteSpace(text) ? null : text,
                AutoMerge = parse.GetValue(autoMerge),
                RequestedBy = null,
                Trigger = "cli",
            };
            var handle = await StartAsync(client, WorkflowTypes.PlanPatchPr, input, new WorkflowOptions(id, parse.GetValue(queue) ?? settings.TaskQueue)
            {
                IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.UseExisting,
                Rpc = new() { CancellationToken = cancellationToken },
            }, settings, error);
            await parse.InvocationConfiguration.Output.WriteLineAsync(handle.Id);
            await error.WriteLineAsync($"Started plan → patch → PR on {owner}/{name}; follow it with: ghbot wait {handle.Id}");
            return 0;
        });
        return command;
    }

    /// <summary>A top-level start with GitHubBot's search attributes (without them, and a warning, where the cluster lacks them).</summary>
    private static Task<WorkflowHandle> StartAsync(TemporalClient client, string workflowType, object input, WorkflowOptions options, TemporalSettings settings, TextWriter error) =>
        StartAttributes.StartAsync(options, StartAttributes.For(workflowType, input, settings), o => client.StartWorkflowAsync(workflowType, [input], o), advice => error.WriteLine($"Warning: started without search attributes: {advice}."));

    /// <summary>"owner/name" → (owner, name); null when it is not that.</summary>
    private static (string Owner, string Name)? RepositoryOf(string? text) =>
        text?.Split('/') is [{ Length: > 0 } owner, { Length: > 0 } name] ? (owner, name) : null;

    /// <summary>The workflow's Status query, or null when it has none or no worker answers in time.</summary>
    private static async Task<JsonElement?> QueryStatusAsync(WorkflowHandle handle, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            return await handle.QueryAsync<JsonElement>("Status", [], new() { Rpc = new() { CancellationToken = timeout.Token } });
        }
        catch (Exception ex) when (ex is WorkflowQueryFailedException or RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static string StateName(WorkflowExecutionStatus status) => status switch
    {
        WorkflowExecutionStatus.Running => "running",
        WorkflowExecutionStatus.Completed => "completed",
        WorkflowExecutionStatus.Failed => "failed",
        WorkflowExecutionStatus.Canceled => "cancelled",
        WorkflowExecutionStatus.Terminated => "terminated",
        WorkflowExecutionStatus.ContinuedAsNew => "continued",
        WorkflowExecutionStatus.TimedOut => "timed_out",
        _ => status.ToString(),
    };

    internal static IConfigurationRoot LoadConfiguration() =>
        new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();

    private static TemporalSettings LoadSettings() =>
        LoadConfiguration().GetSection(TemporalSettings.SectionName).Get<TemporalSettings>() ?? new TemporalSettings();

    /// <summary>A client as the settings say; null, once the unusable setting was named in one line, when it cannot be made.</summary>
    private static async Task<TemporalClient?> ConnectAsync(ParseResult parse)
    {
        var settings = LoadSettings();
        settings.Address = parse.GetValue(AddressOption)
            ?? (string.IsNullOrWhiteSpace(settings.Address) ? string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{settings.EmbeddedPort}") : settings.Address);
        settings.Namespace = parse.GetValue(NamespaceOption) ?? settings.Namespace;
        if (TemporalSettings.Problem(settings) is { } problem)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync(problem);
            return null;
        }

        var options = new TemporalClientConnectOptions();
        TemporalClientSetup.Apply(settings, options);
        try
        {
            return await TemporalClient.ConnectAsync(options);
        }
        catch (Exception ex) when (ex is InvalidOperationException or RpcException or IOException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"Temporal is not reachable at {settings.Address} (--address, else Temporal:Address): {FirstLine(ex.Message)}");
            return null;
        }
    }

    /// <summary>
    /// A client command's action, its failures in one line: Temporal refusing a call (an unregistered search attribute
    /// named with the fix) ends with exit code 2, like a bad argument or setting; no stack trace.
    /// </summary>
    private static async Task<int> GuardAsync(ParseResult parse, Func<Task<int>> action)
    {
        var error = parse.InvocationConfiguration.Error;
        try
        {
            return await action();
        }
        catch (RpcException ex) when (StartAttributes.Unregistered(ex))
        {
            await error.WriteLineAsync($"Temporal refused the query: {StartAttributes.Advice}.");
            return 2;
        }
        catch (RpcException ex) when (ex.Code == RpcException.StatusCode.InvalidArgument)
        {
            await error.WriteLineAsync($"Temporal refused the request as invalid (check --query): {FirstLine(ex.Message)}");
            return 2;
        }
        catch (RpcException ex)
        {
            await error.WriteLineAsync($"Temporal at --address/Temporal:Address failed the call ({ex.Code}): {FirstLine(ex.Message)}");
            return 2;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
