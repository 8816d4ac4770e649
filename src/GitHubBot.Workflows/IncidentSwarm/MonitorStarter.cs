using GitHubBot.Core.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace GitHubBot.Workflows.IncidentSwarm;

/// <summary>
/// Starts the monitor of each configured Alertmanager (Incidents:Monitors) when a worker starts; one already
/// running is left as it is, so any number of workers start it once.
/// </summary>
public sealed partial class MonitorStarter(ITemporalClient temporal, IOptions<IncidentOptions> options, string taskQueue, ILogger<MonitorStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var (name, monitor) in options.Value.Monitors)
        {
            var input = new MonitorInput { Name = name, Url = monitor.Url!, Interval = monitor.Interval, MaxNewPerPoll = monitor.MaxNewPerPoll };
            for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
            {
                try
                {
                    await temporal.StartWorkflowAsync(
                        (AlertmanagerMonitorWorkflow wf) => wf.RunAsync(input),
                        new WorkflowOptions(WorkflowIds.AlertmanagerMonitor(name), taskQueue)
                        {
                            IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting,
                            Rpc = new() { CancellationToken = stoppingToken },
                        });
                    LogStarted(logger, name, monitor.Url!);
                    break;
                }
                catch (Exception ex) when ((ex is RpcException or InvalidOperationException) && !stoppingToken.IsCancellationRequested)
                {
                    // Temporal not up yet: try again shortly, for as long as the worker runs.
                    LogNotYet(logger, name, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), stoppingToken);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitoring the Alertmanager {Name} at {Url}")]
    private static partial void LogStarted(ILogger logger, string name, Uri url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not start the monitor of {Name} yet: {Reason}")]
    private static partial void LogNotYet(ILogger logger, string name, string reason);
}
