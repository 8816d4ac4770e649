using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace GitHubBot.App.Cli;

/// <summary><c>ghbot status</c> and <c>ghbot signal</c>: one workflow, looked at or told something.</summary>
internal static partial class OperatorCommands
{
    private static Command Status()
    {
        var id = new Argument<string>("workflow-id") { Description = "The workflow ID, e.g. gate/octo/app/7/<sha>." };
        var output = CliOutput.Option();
        var command = new Command("status", "Show a workflow's state and its Status query. Exit 1 when there is no such workflow, 2 for a bad argument or setting.")
        {
            id, output, AddressOption, NamespaceOption,
        };
        command.SetAction((parse, cancellationToken) => GuardAsync(parse, async () =>
        {
            if (CliOutput.Format(parse, output) is not { } format || await ConnectAsync(parse) is not { } client)
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
                return 1;
            }

            var status = await QueryStatusAsync(handle, cancellationToken);
            var fields = new Dictionary<string, object?>
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
            if (format == CliOutput.Json)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(CliOutput.ToJson(fields));
                return 0;
            }

            var rows = fields.Where(f => f.Key != "status").Select(f => (f.Key, f.Value switch
            {
                DateTime time => time.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                var other => other?.ToString(),
            }));
            var statusRows = status is null ? [("status", "(no answer to the Status query)")] : CliOutput.Properties(status).Select(p => ($"status.{p.Name}", p.Value));
            CliOutput.Write(parse.InvocationConfiguration.Output, CliOutput.Fields([.. rows, .. statusRows]));
            return 0;
        }));
        return command;
    }

    private static Command Signal()
    {
        var id = new Argument<string>("workflow-id") { Description = "The workflow ID." };
        var name = new Argument<string>("signal") { Description = "The signal's name, e.g. Cancel." };
        var arg = new Option<string?>("--arg") { Description = "The signal's argument as JSON." };
        var command = new Command("signal", "Send a signal to a running workflow. Exit 1 when none runs with that ID.") { id, name, arg, AddressOption, NamespaceOption };
        command.SetAction((parse, cancellationToken) => GuardAsync(parse, async () =>
        {
            object?[] args;
            try
            {
                args = parse.GetValue(arg) is { } json ? [JsonDocument.Parse(json).RootElement.Clone()] : [];
            }
            catch (JsonException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"--arg must be JSON (a string is '\"text\"'): {ex.Message}");
                return 2;
            }

            if (await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var handle = client.GetWorkflowHandle(parse.GetValue(id)!);
            try
            {
                await handle.SignalAsync(parse.GetValue(name)!, args, new() { Rpc = new() { CancellationToken = cancellationToken } });
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"No running workflow with ID {handle.Id}.");
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync($"Sent {parse.GetValue(name)} to {handle.Id}.");
            return 0;
        }));
        return command;
    }
}
