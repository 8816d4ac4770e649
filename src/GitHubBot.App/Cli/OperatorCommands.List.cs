using System.CommandLine;
using System.Globalization;
using GitHubBot.Core.Common;
using GitHubBot.Workflows.Temporal;
using Spectre.Console;

namespace GitHubBot.App.Cli;

/// <summary><c>ghbot list</c>: workflows filtered on the server by a visibility query made of the flags.</summary>
internal static partial class OperatorCommands
{
    /// <summary>--status values → Temporal's ExecutionStatus names.</summary>
    private static readonly IReadOnlyDictionary<string, string> ExecutionStatuses = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["running"] = "Running",
        ["completed"] = "Completed",
        ["failed"] = "Failed",
        ["cancelled"] = "Canceled",
        ["terminated"] = "Terminated",
        ["timed_out"] = "TimedOut",
    };

    private static Command List()
    {
        var repo = new Option<string?>("--repo") { Description = "Only workflows of this repository, owner/name (the GhbotRepository search attribute: top-level starts only)." };
        var type = new Option<string?>("--type") { Description = $"Only this kind: {string.Join('|', WorkflowKinds.All.Select(k => k.Kind))}." };
        var status = new Option<string?>("--status") { Description = $"Only in this state: {string.Join('|', ExecutionStatuses.Keys)}." };
        var query = new Option<string?>("--query") { Description = "A Temporal list filter, ANDed with the others, e.g. \"StartTime > '2025-01-01T00:00:00Z'\"." };
        var limit = new Option<int>("--limit") { Description = "At most this many (default 20).", DefaultValueFactory = _ => 20 };
        var output = CliOutput.Option();
        var command = new Command("list", "List workflows, newest first; the filters are evaluated by Temporal.") { repo, type, status, query, limit, output, AddressOption, NamespaceOption };
        command.SetAction((parse, cancellationToken) => GuardAsync(parse, async () =>
        {
            var error = parse.InvocationConfiguration.Error;
            var (filter, problem) = ListQuery(parse.GetValue(repo), parse.GetValue(type), parse.GetValue(status), parse.GetValue(query));
            if (problem is not null || parse.GetValue(limit) < 1)
            {
                await error.WriteLineAsync(problem ?? "--limit must be 1 or more.");
                return 2;
            }

            if (CliOutput.Format(parse, output) is not { } format || await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var rows = new List<Dictionary<string, object?>>();
            await foreach (var execution in client.ListWorkflowsAsync(filter, new() { Limit = parse.GetValue(limit), Rpc = new() { CancellationToken = cancellationToken } }))
            {
                rows.Add(new Dictionary<string, object?>
                {
                    ["workflowId"] = execution.Id,
                    ["runId"] = execution.RunId,
                    ["type"] = execution.WorkflowType,
                    ["kind"] = WorkflowKinds.KindOf(execution.WorkflowType),
                    ["state"] = StateName(execution.Status),
                    ["repository"] = execution.TypedSearchAttributes.TryGetValue(GhbotSearchAttributes.Repository, out var r) ? r : null,
                    ["number"] = execution.TypedSearchAttributes.TryGetValue(GhbotSearchAttributes.Number, out var n) ? n : null,
                    ["started"] = execution.StartTime,
                    ["closed"] = execution.CloseTime,
                });
            }

            if (rows.Count == 0)
            {
                await error.WriteLineAsync(filter.Length == 0 ? "No workflows." : $"No workflows match {filter}");
            }

            if (format == CliOutput.Json)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(CliOutput.ToJson(rows));
            }
            else if (rows.Count > 0)
            {
                var table = new Table().Border(TableBorder.Rounded).AddColumns("started", "state", "kind", "repository", "#", "workflow id");
                foreach (var row in rows)
                {
                    table.AddRow(
                        string.Create(CultureInfo.InvariantCulture, $"{row["started"]:yyyy-MM-dd HH:mm:ss}"),
                        (string)row["state"]!,
                        (string?)row["kind"] ?? (string)row["type"]!,
                        (string?)row["repository"] ?? "-",
                        row["number"]?.ToString() ?? "-",
                        (string)row["workflowId"]!);
                }

                CliOutput.Write(parse.InvocationConfiguration.Output, table);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The visibility query of <c>ghbot list</c>'s flags (--type as WorkflowType, --status as ExecutionStatus, --repo as
    /// GhbotRepository, --query ANDed as it is), or the one flag that is wrong.
    /// </summary>
    internal static (string Query, string? Problem) ListQuery(string? repo, string? type, string? status, string? query)
    {
        var parts = new List<string>();
        if (repo is not null)
        {
            if (RepositoryOf(repo) is null)
            {
                return (string.Empty, $"--repo must be owner/name, not '{repo}'.");
            }

            parts.Add($"{GhbotSearchAttributes.Repository.Name} = '{VisibilityQuery.Escape(repo)}'");
        }

        if (type is not null)
        {
            if (WorkflowKinds.TypeOf(type) is not { } workflowType)
            {
                return (string.Empty, $"--type must be one of {string.Join(", ", WorkflowKinds.All.Select(k => k.Kind))}, not '{type}'.");
            }

            parts.Add($"WorkflowType = '{workflowType}'");
        }

        if (status is not null)
        {
            if (!ExecutionStatuses.TryGetValue(status.Replace('-', '_'), out var executionStatus))
            {
                return (string.Empty, $"--status must be one of {string.Join(", ", ExecutionStatuses.Keys)}, not '{status}'.");
            }

            parts.Add($"ExecutionStatus = '{executionStatus}'");
        }

        if (!string.IsNullOrWhiteSpace(query))
        {
            parts.Add(parts.Count == 0 ? query.Trim() : $"({query.Trim()})");
        }

        return (string.Join(" AND ", parts), null);
    }
}
