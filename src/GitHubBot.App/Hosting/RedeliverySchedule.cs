using System.Globalization;
using GitHubBot.Core.Common;
using GitHubBot.Core.Redelivery;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Redelivery;
using Microsoft.Extensions.Options;
using Temporalio.Client;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;

namespace GitHubBot.App.Hosting;

/// <summary>The redelivery sweeper's settings (configuration section "Redelivery").</summary>
public sealed class RedeliverySettings
{
    public const string SectionName = "Redelivery";

    /// <summary>Whether the sweeper's Schedule exists; unset: once a GitHub App is configured. False deletes it.</summary>
    public bool? Enabled { get; set; }

    /// <summary>How often a sweep runs (a run is skipped while the last one still runs).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far back a sweep looks; at most GitHub's redelivery window, three days.</summary>
    public TimeSpan Window { get; set; } = RedeliveryLimits.GitHubWindow;

    /// <summary>The most redeliveries a sweep asks for; the rest wait for the next sweep.</summary>
    public int MaxPerSweep { get; set; } = 100;

    /// <summary>The most pages (of 100 deliveries) of the delivery log a sweep reads.</summary>
    public int MaxPages { get; set; } = 50;

    /// <summary>The least time between two redelivery requests.</summary>
    public TimeSpan PauseBetweenRequests { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The sweep's input made of these settings.</summary>
    public RedeliverySweepInput Input => new() { Window = Window, MaxPerSweep = MaxPerSweep, MaxPages = MaxPages, PauseBetweenRequests = PauseBetweenRequests };

    /// <summary>The setting that cannot be used, in one line naming it; null when all can.</summary>
    public string? Problem() =>
        Interval < TimeSpan.FromMinutes(1) || Interval > TimeSpan.FromDays(1) ? "Redelivery:Interval must be a time span from 00:01:00 to 1.00:00:00, e.g. 00:05:00."
        : Window <= Interval || Window > RedeliveryLimits.GitHubWindow ? "Redelivery:Window must be longer than Redelivery:Interval and at most GitHub's redelivery window, 3.00:00:00."
        : MaxPerSweep is < 1 or > RedeliveryLimits.MostPerSweep ? $"Redelivery:MaxPerSweep must be from 1 to {RedeliveryLimits.MostPerSweep}."
        : MaxPages is < 1 or > RedeliveryLimits.MostPages ? $"Redelivery:MaxPages must be from 1 to {RedeliveryLimits.MostPages}."
        : PauseBetweenRequests < TimeSpan.Zero || PauseBetweenRequests > TimeSpan.FromMinutes(1) ? "Redelivery:PauseBetweenRequests must be a time span from 00:00:00 to 00:01:00."
        : null;

    /// <summary>What the Schedule's note says; a Schedule whose note differs is updated.</summary>
    public string Note => string.Create(CultureInfo.InvariantCulture, $"ghbot redelivery sweeper: every {Interval:c}, window {Window:c}, at most {MaxPerSweep} a sweep, {MaxPages} pages, {PauseBetweenRequests:c} apart");
}

/// <summary>
/// Makes the redelivery sweeper's Temporal Schedule (<see cref="WorkflowIds.RedeliverySweep"/> of the task queue) what
/// the settings say when serve or worker starts: created when missing, updated when its settings changed (an
/// operator's pause is kept), deleted when Redelivery:Enabled is false; every process may do it, in any order. Its
/// runs are <see cref="RedeliverySweepWorkflow"/>s whose IDs start with the Schedule's, of kind "redelivery" (<c>ghbot list
/// --type redelivery</c>); a run is skipped while the last one still runs, and missed runs are not caught up on. The
/// first run comes one interval after the Schedule is made (or changed), not at the start of a process.
/// </summary>
public sealed partial class RedeliverySchedule(
    ITemporalClient temporal,
    RedeliverySettings settings,
    IOptions<TemporalSettings> temporalSettings,
    IOptionsMonitor<GitHubOptions> github,
    TimeProvider time,
    ILogger<RedeliverySchedule> logger) : BackgroundService
{
    /// <summary>
    /// Reads and checks the settings — a value that is not a time span or out of bounds stops the process in one line
    /// naming it — and registers the service.
    /// </summary>
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(RedeliverySettings.SectionName).Get<RedeliverySettings>() ?? new RedeliverySettings();
        if (settings.Problem() is { } problem)
        {
            throw new SettingException(problem);
        }

        services.AddHostedService(provider => ActivatorUtilities.CreateInstance<RedeliverySchedule>(provider, settings));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var id = WorkflowIds.RedeliverySweep(temporalSettings.Value.TaskQueue);
        if (settings.Enabled != false && !await AppConfiguredAsync(stoppingToken))
        {
            return;
        }

        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                if (settings.Enabled == false)
                {
                    await DeleteAsync(id, stoppingToken);
                }
                else
                {
                    await CreateOrUpdateAsync(id, stoppingToken);
                }

                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Temporal not up yet (or refusing for a while): try again, for as long as the process runs; this
                // service never stops the host.
                LogNotYet(logger, id, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, attempt * 2)), time, stoppingToken);
            }
        }
    }

    /// <summary>Whether a GitHub App is configured, waiting for /setup to make one in setup mode; false when stopped first.</summary>
    private async Task<bool> AppConfiguredAsync(CancellationToken stoppingToken)
    {
        var configured = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var change = github.OnChange(options =>
        {
            if (!options.HasNoApp())
            {
                configured.TrySetResult();
            }
        });
        if (!github.CurrentValue.HasNoApp())
        {
            return true;
        }

        LogWaitingForApp(logger);
        try
        {
            await configured.Task.WaitAsync(stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task CreateOrUpdateAsync(string id, CancellationToken stoppingToken)
    {
        var start = new WorkflowOptions(id, temporalSettings.Value.TaskQueue);
        var input = settings.Input;
        await StartAttributes.StartAsync(
            start,
            StartAttributes.For(WorkflowTypes.RedeliverySweep, input, temporalSettings.Value),
            async options =>
            {
                var schedule = Schedule(options, input);
                try
                {
                    await temporal.CreateScheduleAsync(id, schedule, new ScheduleOptions { Rpc = new() { CancellationToken = stoppingToken } });
                    LogCreated(logger, id, settings.Interval);
                }
                catch (ScheduleAlreadyRunningException)
                {
                    var changed = false;
                    await temporal.GetScheduleHandle(id).UpdateAsync(
                        current =>
                        {
                            changed = current.Description.Schedule.State.Note != settings.Note;
                            return changed
                                ? new ScheduleUpdate(schedule with { State = schedule.State with { Paused = current.Description.Schedule.State.Paused } })
                                : null!;
                        },
                        new() { CancellationToken = stoppingToken });
                    LogKept(logger, id, settings.Interval, changed ? "updated" : "unchanged");
                }

                return true;
            },
            warning => LogNoAttributes(logger, warning));
    }

    /// <summary>
    /// The Schedule: every Interval, phased (runs at the Unix epoch + offset + n × Interval) so that a run would have been
    /// a few seconds ago: the first comes about one interval from now, not as a process starts.
    /// </summary>
    private Schedule Schedule(WorkflowOptions options, RedeliverySweepInput input)
    {
        var phase = time.GetUtcNow().ToUnixTimeSeconds() - 10;
        var offset = TimeSpan.FromSeconds(phase % (long)settings.Interval.TotalSeconds);
        return new Schedule(
            ScheduleActionStartWorkflow.Create((RedeliverySweepWorkflow wf) => wf.RunAsync(input), options),
            new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(settings.Interval, offset)] })
        {
            Policy = new SchedulePolicy { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.Skip, CatchupWindow = TimeSpan.FromMinutes(1) },
            State = new ScheduleState { Note = settings.Note },
        };
    }

    private async Task DeleteAsync(string id, CancellationToken stoppingToken)
    {
        try
        {
            await temporal.GetScheduleHandle(id).DeleteAsync(new() { CancellationToken = stoppingToken });
            LogDeleted(logger, id);
        }
        catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound)
        {
            // Nothing to delete.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the redelivery sweeper's schedule {ScheduleId}, every {Interval}")]
    private static partial void LogCreated(ILogger logger, string scheduleId, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "The redelivery sweeper's schedule {ScheduleId} runs every {Interval} ({Change})")]
    private static partial void LogKept(ILogger logger, string scheduleId, TimeSpan interval, string change);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the redelivery sweeper's schedule {ScheduleId} (Redelivery:Enabled is false)")]
    private static partial void LogDeleted(ILogger logger, string scheduleId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The redelivery sweeper's schedule waits for a GitHub App (/setup)")]
    private static partial void LogWaitingForApp(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not make the redelivery sweeper's schedule {ScheduleId} yet: {Reason}")]
    private static partial void LogNotYet(ILogger logger, string scheduleId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The redelivery sweeper's runs carry no search attributes: {Advice}")]
    private static partial void LogNoAttributes(ILogger logger, string advice);
}
