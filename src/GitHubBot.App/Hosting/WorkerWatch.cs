using Temporalio.Extensions.Hosting;

namespace GitHubBot.App.Hosting;

/// <summary>
/// serve's watch over its Temporal workers: a worker that fails no longer stops the host (the intake keeps
/// answering; <c>/healthz/ready</c> reports the worker Unhealthy); its failure is logged at Critical instead.
/// </summary>
internal sealed partial class WorkerWatch(IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<WorkerWatch> logger) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var workers = services.GetServices<IHostedService>().OfType<TemporalWorkerService>().ToList();
        for (var i = 0; i < workers.Count; i++)
        {
            var index = i + 1;
            _ = workers[i].ExecuteTask?.ContinueWith(
                task =>
                {
                    if (task.Exception is { } failure)
                    {
                        Log.WorkerFailed(logger, index, workers.Count, failure);
                    }
                    else if (!lifetime.ApplicationStopping.IsCancellationRequested)
                    {
                        Log.WorkerStopped(logger, index, workers.Count);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 190, Level = LogLevel.Critical, Message = "Temporal worker {Index} of {Count} failed and polls no more; the intake keeps answering and /healthz/ready reports it Unhealthy until serve is restarted")]
        public static partial void WorkerFailed(ILogger logger, int index, int count, Exception exception);

        [LoggerMessage(EventId = 191, Level = LogLevel.Critical, Message = "Temporal worker {Index} of {Count} stopped and polls no more; /healthz/ready reports it Unhealthy until serve is restarted")]
        public static partial void WorkerStopped(ILogger logger, int index, int count);
    }
}
