using System.CommandLine;
using GitHubBot.Core.Common;
using GitHubBot.Core.IncidentSwarm;
using GitHubBot.Workflows.IncidentSwarm;
using Temporalio.Client;

namespace GitHubBot.App.Cli;

/// <summary><c>ghbot start incident</c>: an incident from an alert file, as if its sender had posted it.</summary>
internal static partial class OperatorCommands
{
    private static Command StartIncident()
    {
        var file = new Option<FileInfo>("--alert-file") { Description = "The alert: Alertmanager's or Grafana's webhook body, or the seed's JSON (id, severity, service, message, …).", Required = true };
        var source = new Option<string?>("--source") { Description = "alertmanager, grafana or generic (default: generic for the seed's JSON, else alertmanager)." };
        var agents = new Option<int?>("--agents") { Description = "Diagnostic agents, 1–10 (default: the repository's config, else Incidents:Agents)." };
        var autoFix = new Option<bool?>("--auto-fix") { Description = "Open a hotfix PR when the consensus is sure enough (default: the repository's config, else Incidents:AutoFix)." };
        var queue = new Option<string?>("--task-queue") { Description = "The workers' task queue (default: Temporal:TaskQueue, else ghbot)." };
        var command = new Command("incident", "Open an incident for each firing alert of a file (one already running for an alert is joined); prints the workflow IDs.")
        {
            file, source, agents, autoFix, queue, AddressOption, NamespaceOption,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            if (!path.Exists || path.Length > AlertLimits.MaxBodyBytes)
            {
                await error.WriteLineAsync(path.Exists ? $"--alert-file {path.FullName} is larger than {AlertLimits.MaxBodyBytes} bytes." : $"--alert-file {path.FullName} does not exist.");
                return 2;
            }

            if (parse.GetValue(agents) is < 1 or > 10)
            {
                await error.WriteLineAsync("--agents must be 1 to 10.");
                return 2;
            }

            var body = await File.ReadAllTextAsync(path.FullName, cancellationToken);
            var kind = parse.GetValue(source) ?? (body.Contains("\"alerts\"", StringComparison.Ordinal) ? "alertmanager" : "generic");
            if (kind is not ("alertmanager" or "grafana" or "generic"))
            {
                await error.WriteLineAsync($"--source must be alertmanager, grafana or generic, not '{kind}'.");
                return 2;
            }

            var incidents = new IncidentOptions();
            LoadConfiguration().GetSection(IncidentOptions.SectionName).Bind(incidents);
            var (notices, problem) = AlertPayloads.Parse(body, kind, incidents.ServiceLabelList());
            if (problem is not null)
            {
                await error.WriteLineAsync($"{path.Name} cannot be read as a {kind} alert: {problem}.");
                return 2;
            }

            var firing = notices.Where(n => !n.Resolved).ToList();
            if (firing.Count == 0)
            {
                await error.WriteLineAsync($"{path.Name} has no firing alert: nothing to open.");
                return 2;
            }

            if (await ConnectAsync(parse) is not { } client)
            {
                return 2;
            }

            var settings = LoadSettings();
            foreach (var notice in firing)
            {
                var input = new IncidentInput { Alert = notice.Alert, Agents = parse.GetValue(agents), AutoFix = parse.GetValue(autoFix), Trigger = "cli" };
                var options = new WorkflowOptions(WorkflowIds.Incident(notice.Alert.Source, notice.Alert.Fingerprint), parse.GetValue(queue) ?? settings.TaskQueue)
                {
                    Rpc = new() { CancellationToken = cancellationToken },
                };
                options.SignalWithStart(IncidentSignals.AlertFired, ["cli"]);
                var handle = await StartAsync(client, WorkflowTypes.IncidentSwarm, input, options, settings, error);
                await parse.InvocationConfiguration.Output.WriteLineAsync(handle.Id);
                await error.WriteLineAsync($"Opened or joined the incident of {notice.Alert.Name}; follow it with: ghbot wait {handle.Id}");
            }

            return 0;
        });
        return command;
    }
}
