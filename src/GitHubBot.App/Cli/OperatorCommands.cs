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
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

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
            var handle = await client.StartWorkflowAsync(WorkflowTypes.QualityGate, [input], new WorkflowOptions(id, parse.GetValue(queue) ?? settings.TaskQueue)
            {
                Rpc = new() { CancellationToken = cancellationToken },
            });
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
            var handle = await client.StartWorkflowAsync(WorkflowTypes.PlanPatchPr, [input], new WorkflowOptions(id, parse.GetValue(queue) ?? settings.TaskQueue)
            {
                IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.UseExisting,
                Rpc = new() { CancellationToken = cancellationToken },
            });
            await parse.InvocationConfiguration.Output.WriteLineAsync(handle.Id);
            await error.WriteLineAsync($"Started plan → patch → PR on {owner}/{name}; follow it with: ghbot wait {handle.Id}");
            return 0;
        });
        return command;
    }

    /// <summary>"owner/name" → (owner, name); null when it is not that.</summary>
    private static (string Owner, string Name)? RepositoryOf(string? text) =>
        text?.Split('/') is [{ Length: > 0 } owner, { Length: > 0 } name] ? (owner, name) : null;

    private static Command Status()
    {
        var id = new Argument<string>("workflow-id") { Description = "The workflow ID, e.g. gate/octo/app/7/<sha>." };
        var command = new Command("status", "Show a workflow's state and its Status query.") { id, AddressOption, NamespaceOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var handle = client.GetWorkflowHandle(parse.GetValue(id)!);
            WorkflowExecutionDescription description;
            try
            {
                description = await handle.DescribeAsync(new() { Rpc = new() { CancellationToken = cancellationToken } });
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"No workflow with ID {handle.Id}.");
                return 2;
            }

            var status = await QueryStatusAsync(handle, cancellationToken);
            var output = new Dictionary<string, object?>
            {
                ["workflowId"] = description.Id,
                ["runId"] = description.RunId,
                ["type"] = description.WorkflowType,
                ["state"] = StateName(description.Status),
                ["taskQueue"] = description.TaskQueue,
                ["started"] = description.StartTime,
                ["closed"] = description.CloseTime,
                ["deliveryId"] = description.Memo.TryGetValue("deliveryId", out var delivery) ? await delivery.ToValueAsync<string>() : null,
                ["status"] = status,
            };
            await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(output, Indented));
            return 0;
        });
        return command;
    }

    private static Command Wait()
    {
        var id = new Argument<string>("workflow-id") { Description = "The workflow ID." };
        var timeout = new Option<TimeSpan?>("--timeout") { Description = "Give up after this long (e.g. 00:10:00); default: wait until it ends." };
        var command = new Command("wait", "Wait for a workflow to end, showing its progress; prints its result. Exit 0 when it completed, 1 otherwise.") { id, timeout, AddressOption, NamespaceOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var handle = client.GetWorkflowHandle(parse.GetValue(id)!);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (parse.GetValue(timeout) is { } after)
            {
                limit.CancelAfter(after);
            }

            var result = handle.GetResultAsync<JsonElement>(rpcOptions: new() { CancellationToken = limit.Token });
            string? last = null;
            while (!result.IsCompleted)
            {
                var progress = (await QueryStatusAsync(handle, limit.Token))?.ToString();
                if (progress is not null && progress != last)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"{DateTimeOffset.UtcNow:HH:mm:ss} {progress}");
                    last = progress;
                }

                await Task.WhenAny(result, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
            }

            try
            {
                var value = await result;
                await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(value, Indented));
                return 0;
            }
            catch (WorkflowFailedException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"{handle.Id} did not complete: {ex.InnerException?.Message ?? ex.Message}");
                return 1;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"{handle.Id} is still running after {parse.GetValue(timeout)}.");
                return 1;
            }
        });
        return command;
    }

    private static Command Signal()
    {
        var id = new Argument<string>("workflow-id") { Description = "The workflow ID." };
        var name = new Argument<string>("signal") { Description = "The signal's name, e.g. Cancel." };
        var arg = new Option<string?>("--arg") { Description = "The signal's argument as JSON." };
        var command = new Command("signal", "Send a signal to a running workflow.") { id, name, arg, AddressOption, NamespaceOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var handle = client.GetWorkflowHandle(parse.GetValue(id)!);
            object?[] args = parse.GetValue(arg) is { } json ? [JsonDocument.Parse(json).RootElement.Clone()] : [];
            try
            {
                await handle.SignalAsync(parse.GetValue(name)!, args, new() { Rpc = new() { CancellationToken = cancellationToken } });
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"No running workflow with ID {handle.Id}.");
                return 2;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync($"Sent {parse.GetValue(name)} to {handle.Id}.");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var query = new Option<string?>("--query") { Description = "A Temporal list filter, e.g. \"WorkflowType = 'QualityGateWorkflow' AND ExecutionStatus = 'Running'\"." };
        var limit = new Option<int>("--limit") { Description = "At most this many (default 20).", DefaultValueFactory = _ => 20 };
        var command = new Command("list", "List workflows, newest first.") { query, limit, AddressOption, NamespaceOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var count = 0;
            await foreach (var execution in client.ListWorkflowsAsync(parse.GetValue(query) ?? string.Empty, new() { Limit = parse.GetValue(limit), Rpc = new() { CancellationToken = cancellationToken } }))
            {
                count++;
                await parse.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{execution.StartTime:yyyy-MM-ddTHH:mm:ssZ}  {StateName(execution.Status),-10}  {execution.WorkflowType,-22}  {execution.Id}"));
            }

            if (count == 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("No workflows.");
            }

            return 0;
        });
        return command;
    }

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
        WorkflowExecutionStatus.TimedOut => "timed-out",
        _ => status.ToString(),
    };

    private static IConfigurationRoot LoadConfiguration() =>
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
        return await TemporalClient.ConnectAsync(options);
    }
}
