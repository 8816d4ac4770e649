using Temporalio.Extensions.Hosting;

namespace GitHubBot.App.Hosting;

/// <summary>
/// serve's hosted Temporal worker: one that fails (Temporal unreachable at start-up, a namespace refused) is logged at
/// Critical and made again after a backoff (1 s, doubling, at most <see cref="MaxBackoff"/>), so it no longer takes
/// the intake down with it nor stays down; <c>/healthz/ready</c> says it is Unhealthy meanwhile. On stop the running
/// worker shuts down gracefully (<c>Worker:GracefulShutdownTimeout</c>).
/// </summary>
internal sealed partial class RestartingWorker(int index, Func<TemporalWorkerService> create, ILogger<RestartingWorker> logger) : BackgroundService
{
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    private volatile TemporalWorkerService? current;
    private volatile string? lastFailure;
    private CancellationToken hostStopping;

    /// <summary>Which worker of the process (1-based), for logs and /healthz/ready.</summary>
    public int Index => index;

    /// <summary>Whether a worker polls now (made and not ended).</summary>
    public bool Running => current?.ExecuteTask is { IsCompleted: false };

    /// <summary>Why the last worker ended, while it waits to be made again; null when running.</summary>
    public string? Failure => Running ? null : lastFailure;

    /// <summary>How many times a worker failed and was made again.</summary>
    public int Restarts { get; private set; }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        hostStopping = cancellationToken;
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = FirstBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            var worker = create();
            var started = DateTimeOffset.UtcNow;
            current = worker;
            try
            {
                await worker.StartAsync(CancellationToken.None);
                await worker.ExecuteTask!.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // The host stops: the worker stops polling and its running activities get the grace period.
                await worker.StopAsync(hostStopping);
                worker.Dispose();
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // ExecuteTask's own failure is reported below.
                lastFailure = ex.GetBaseException().Message;
            }

            var failure = worker.ExecuteTask?.Exception?.GetBaseException();
            lastFailure = failure?.Message ?? lastFailure ?? "the worker stopped";
            worker.Dispose();

            // A worker that ran a while and then failed starts again from the first backoff.
            backoff = DateTimeOffset.UtcNow - started > MaxBackoff ? FirstBackoff : backoff;
            Restarts++;
            Log.WorkerFailed(logger, index, backoff, lastFailure, failure);
            try
            {
                await Task.Delay(backoff, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>
    /// Makes each hosted Temporal worker registered by <paramref name="register"/> a <see cref="RestartingWorker"/>:
    /// the registration's own factory makes a new worker on every start.
    /// </summary>
    public static void Wrap(IServiceCollection services, Action register)
    {
        var before = services.Count;
        register();
        var index = 0;
        for (var i = before; i < services.Count; i++)
        {
            if (services[i] is { ServiceType: var type, ImplementationFactory: { } factory } && type == typeof(IHostedService))
            {
                services[i] = ServiceDescriptor.Singleton<IHostedService>(provider => factory(provider) switch
                {
                    TemporalWorkerService first => new RestartingWorker(
                        Interlocked.Increment(ref index),
                        OnceThen(first, () => (TemporalWorkerService)factory(provider)),
                        provider.GetRequiredService<ILogger<RestartingWorker>>()),
                    var other => (IHostedService)other,
                });
            }
        }
    }

    private static Func<T> OnceThen<T>(T first, Func<T> next)
    {
        var used = 0;
        return () => Interlocked.Exchange(ref used, 1) == 0 ? first : next();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 190, Level = LogLevel.Critical, Message = "Temporal worker {Index} failed and polls no more: {Reason}; the intake keeps answering, /healthz/ready reports it Unhealthy, and it is made again in {Backoff}")]
        public static partial void WorkerFailed(ILogger logger, int index, TimeSpan backoff, string reason, Exception? exception);
    }
}
