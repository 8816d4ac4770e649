using System.CommandLine;
using System.Text.Json;
using Temporalio.Exceptions;

namespace GitHubBot.App.Cli;

/// <summary><c>ghbot wait</c>: a workflow followed to its end.</summary>
internal static partial class OperatorCommands
{
    private static Command Wait()
    {
        var id = new Argument<string>("workflow-id") { Description = "The workflow ID." };
        var timeout = new Option<TimeSpan?>("--timeout") { Description = "Give up after this long (e.g. 00:10:00); default: wait until it ends." };
        var output = CliOutput.Option();
        var command = new Command("wait", "Wait for a workflow to end, showing its progress on standard error (live on a terminal); prints its result. Exit 0 when it completed, 1 otherwise, 2 for a bad argument or setting.")
        {
            id, timeout, output, AddressOption, NamespaceOption,
        };
        command.SetAction((parse, cancellationToken) => GuardAsync(parse, async () =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(timeout) is { } negative && negative <= TimeSpan.Zero)
            {
                await error.WriteLineAsync($"--timeout must be longer than zero, not {negative}.");
                return 2;
            }

            if (CliOutput.Format(parse, output) is not { } format || await ConnectAsync(parse) is not { } client)
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
            Func<Task<JsonElement?>> poll = () => QueryStatusAsync(handle, limit.Token);
            try
            {
                await (CliOutput.IsTerminal(error)
                    ? ProgressDisplay.LiveAsync(CliOutput.ConsoleFor(error), handle.Id, result, poll, TimeSpan.FromSeconds(1))
                    : ProgressDisplay.LinesAsync(error, result, poll, TimeSpan.FromSeconds(1)));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // the timeout fired while the Status query was asked: the result says so below
            }

            try
            {
                var value = await result;
                if (format == CliOutput.Json)
                {
                    await parse.InvocationConfiguration.Output.WriteLineAsync(CliOutput.ToJson(value));
                }
                else
                {
                    CliOutput.Write(parse.InvocationConfiguration.Output, CliOutput.Fields(CliOutput.Properties(value)));
                }

                return 0;
            }
            catch (WorkflowFailedException ex)
            {
                await error.WriteLineAsync($"{handle.Id} did not complete: {ex.InnerException?.Message ?? ex.Message}");
                return 1;
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
            {
                await error.WriteLineAsync($"No workflow with ID {handle.Id}.");
                return 1;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync($"{handle.Id} is still running after {parse.GetValue(timeout)}.");
                return 1;
            }
        }));
        return command;
    }
}
