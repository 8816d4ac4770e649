using Microsoft.Extensions.Options;
using Temporalio.Worker;

namespace GitHubBot.Workflows.Hosting;

/// <summary>
/// How much one worker takes on at once (configuration section "Worker", beside Enabled and Count). Activities run
/// repositories' builds and tests, clone, and wait on GitHub and models; the SDK's default of 100 at once would let a
/// burst of pull requests fork a hundred builds on one machine. Past the limit, work waits in Temporal's task queue,
/// where it is durable and any worker can take it.
/// </summary>
public sealed class WorkerLimits
{
    public const string SectionName = "Worker";

    /// <summary>The most activities one worker runs at once; null: <see cref="DefaultActivities"/> of this machine.</summary>
    public int? MaxConcurrentActivities { get; set; }

    /// <summary>The most workflow tasks one worker runs at once (short, CPU only); null: the SDK's default (100).</summary>
    public int? MaxConcurrentWorkflowTasks { get; set; }

    /// <summary>
    /// Eight activities per core, at least sixteen: most of them wait (on GitHub, a model, a child process, or a gate
    /// started elsewhere, which holds its slot for as long as that gate runs), while the checks they wait on use the
    /// cores themselves. Fewer slots than a burst of waiting activities would leave none for the work they wait for.
    /// </summary>
    public static int DefaultActivities(int processors) => Math.Max(16, 8 * processors);

    /// <summary>Sets the limits on a worker's options.</summary>
    public TemporalWorkerOptions Apply(TemporalWorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MaxConcurrentActivities = MaxConcurrentActivities ?? DefaultActivities(Environment.ProcessorCount);
        if (MaxConcurrentWorkflowTasks is { } tasks)
        {
            options.MaxConcurrentWorkflowTasks = tasks;
        }

        return options;
    }
}

/// <summary>Refuses limits a worker cannot run with, naming the setting.</summary>
internal sealed class WorkerLimitsValidator : IValidateOptions<WorkerLimits>
{
    public ValidateOptionsResult Validate(string? name, WorkerLimits options) => options switch
    {
        { MaxConcurrentActivities: < 1 or > 10_000 } => ValidateOptionsResult.Fail("Worker:MaxConcurrentActivities must be between 1 and 10000."),

        // Workflow tasks are polled from the task queue and from the worker's sticky queue: one slot would starve one of them.
        { MaxConcurrentWorkflowTasks: < 2 or > 10_000 } => ValidateOptionsResult.Fail("Worker:MaxConcurrentWorkflowTasks must be between 2 and 10000."),
        _ => ValidateOptionsResult.Success,
    };
}
