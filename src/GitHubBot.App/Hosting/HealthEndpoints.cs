using System.Text.Json;
using GitHubBot.App.Inbox;
using GitHubBot.Workflows.GitHub;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Temporalio.Client;

namespace GitHubBot.App.Hosting;

/// <summary>
/// <c>/healthz/live</c> (the process answers; no dependency looked at; <c>/healthz</c> is the same) and
/// <c>/healthz/ready</c> (Temporal reachable, DataDir writable, the inbox writing, the workers running, the App set up, not stopping),
/// each check's status and description in JSON: 200 Healthy or Degraded, 503 Unhealthy.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";
    public const string Ready = "ready";

    /// <summary>How long the Temporal check waits for the frontend's answer.</summary>
    public static readonly TimeSpan TemporalTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Registers the readiness checks, each tagged <c>ready</c> and with its own name as a tag.</summary>
    public static IServiceCollection AddGitHubBotHealthChecks(this IServiceCollection services)
    {
        services.AddSingleton<WorkersHealthCheck>();
        services.AddHealthChecks()
            .AddCheck<TemporalHealthCheck>("temporal", HealthStatus.Degraded, [Ready, "temporal"])
            .AddCheck<WorkersHealthCheck>("workers", HealthStatus.Unhealthy, [Ready, "workers"])
            .AddCheck<DataDirHealthCheck>("datadir", HealthStatus.Unhealthy, [Ready, "datadir"])
            .AddCheck<InboxHealthCheck>("inbox", HealthStatus.Unhealthy, [Ready, "inbox"])
            .AddCheck<SetupHealthCheck>("setup", HealthStatus.Degraded, [Ready, "setup"])
            .AddCheck<StoppingHealthCheck>("lifetime", HealthStatus.Unhealthy, [Ready, "lifetime"]);
        return services;
    }

    /// <summary>Maps /healthz and /healthz/live (no checks) and /healthz/ready (the checks tagged ready).</summary>
    public static void MapGitHubBotHealth(this IEndpointRouteBuilder app)
    {
        var live = new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync };
        app.MapHealthChecks("/healthz", live);
        app.MapHealthChecks(LivePath, live);
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new Dictionary<string, object>
        {
            ["status"] = report.Status.ToString(),
            ["checks"] = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new Dictionary<string, string?> { ["status"] = entry.Value.Status.ToString(), ["description"] = entry.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    /// <summary>One cheap RPC (the frontend's gRPC health), bounded: unreachable is Degraded, the intake still answers (503).</summary>
    internal sealed class TemporalHealthCheck(ITemporalClient client, IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var inbox = services.GetService<DeliveryInbox>();
            var meanwhile = inbox is null ? "deliveries are answered 503 until it is back" : $"deliveries are accepted into the inbox ({inbox.Backlog} waiting) and start when it is back";
            try
            {
                var serving = await client.Connection.CheckHealthAsync(options: new RpcOptions { Timeout = TemporalTimeout, Retry = false, CancellationToken = cancellationToken })
                    .WaitAsync(TemporalTimeout + TimeSpan.FromSeconds(1), cancellationToken);
                return serving
                    ? HealthCheckResult.Healthy($"Temporal answers at {client.Connection.Options.TargetHost}")
                    : HealthCheckResult.Degraded($"Temporal at {client.Connection.Options.TargetHost} is not serving: {meanwhile}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Degraded($"Temporal at {client.Connection.Options.TargetHost} is unreachable ({ex.GetType().Name}): {meanwhile}");
            }
        }
    }

    /// <summary>
    /// Each hosted Temporal worker of this process runs (one that failed is Unhealthy, and says why, until it is made
    /// again) and Temporal sees this process polling the task queue (asked at most every few seconds).
    /// </summary>
    internal sealed class WorkersHealthCheck(IServiceProvider services, ITemporalClient client, IOptions<TemporalSettings> temporal, IOptions<WorkerSettings> settings) : IHealthCheck, IDisposable
    {
        private static readonly TimeSpan PollersFresh = TimeSpan.FromSeconds(5);

        private readonly Lazy<IReadOnlyList<RestartingWorker>> workers = new(() => [.. services.GetServices<IHostedService>().OfType<RestartingWorker>()]);
        private readonly SemaphoreSlim asking = new(1, 1);
        private (DateTimeOffset At, string? Problem) pollers = (DateTimeOffset.MinValue, null);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var all = workers.Value;
            if (all.Count == 0)
            {
                return HealthCheckResult.Healthy(settings.Value.Enabled ? "no workers in this process" : "no workers in this process (Worker:Enabled is false)");
            }

            var down = all.Where(worker => !worker.Running).ToList();
            if (down.Count > 0)
            {
                var reason = down.Select(worker => worker.Failure).FirstOrDefault(failure => failure is not null) ?? "starting";
                return HealthCheckResult.Unhealthy($"{down.Count} of {all.Count} workers not polling: {reason}; made again after a backoff (at most {RestartingWorker.MaxBackoff.TotalSeconds:0} s)");
            }

            if (await PollerProblemAsync(cancellationToken) is { } problem)
            {
                return HealthCheckResult.Degraded(problem);
            }

            var restarts = all.Sum(worker => worker.Restarts);
            return HealthCheckResult.Healthy(restarts == 0 ? $"{all.Count} workers running" : $"{all.Count} workers running ({restarts} restarts after failures)");
        }

        public void Dispose() => asking.Dispose();

        /// <summary>Null when Temporal lists a poller of this process on the workflow task queue; else why not.</summary>
        private async Task<string?> PollerProblemAsync(CancellationToken cancellationToken)
        {
            await asking.WaitAsync(cancellationToken);
            try
            {
                if (DateTimeOffset.UtcNow - pollers.At < PollersFresh)
                {
                    return pollers.Problem;
                }

                var queue = temporal.Value.TaskQueue;
                string? problem;
                try
                {
                    var described = await client.WorkflowService.DescribeTaskQueueAsync(
                        new() { Namespace = client.Options.Namespace, TaskQueue = new() { Name = queue }, TaskQueueType = Temporalio.Api.Enums.V1.TaskQueueType.Workflow },
                        new RpcOptions { Timeout = TemporalTimeout, Retry = false, CancellationToken = cancellationToken });
                    var identity = client.Connection.Options.Identity ?? string.Empty;
                    problem = described.Pollers.Any(poller => poller.Identity.StartsWith(identity, StringComparison.Ordinal))
                        ? null
                        : $"workers running, but Temporal lists no poller of this process on task queue {queue} yet";
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    problem = $"workers running, but their task queue {queue} could not be described ({ex.GetType().Name})";
                }

                pollers = (DateTimeOffset.UtcNow, problem);
                return problem;
            }
            finally
            {
                asking.Release();
            }
        }
    }

    /// <summary>DataDir takes a new file (where serve's data lives): one is created and deleted.</summary>
    internal sealed class DataDirHealthCheck(IConfiguration configuration) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var dataDir = Path.GetFullPath(configuration["DataDir"] is { Length: > 0 } configured ? configured : ".ghbot");
            var probe = Path.Combine(dataDir, $".healthz-{Guid.NewGuid():N}");
            try
            {
                Directory.CreateDirectory(dataDir);
                await File.WriteAllTextAsync(probe, "ok", cancellationToken);
                File.Delete(probe);
                return HealthCheckResult.Healthy($"DataDir {dataDir} is writable");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return HealthCheckResult.Unhealthy($"DataDir {dataDir} is not writable: {ex.Message}");
            }
        }
    }

    /// <summary>Inbox mode: the journal is open and its last commit succeeded (Unhealthy: deliveries are answered 503). Direct mode: nothing to check.</summary>
    internal sealed class InboxHealthCheck(IServiceProvider services) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (services.GetService<DeliveryInbox>() is not { } inbox)
            {
                return Task.FromResult(HealthCheckResult.Healthy("Intake:Mode is direct: each delivery waits for its workflow start"));
            }

            return Task.FromResult(
                !inbox.Open ? HealthCheckResult.Unhealthy($"the inbox {inbox.Path} is not open{(inbox.Failure is { } why ? $" ({why})" : string.Empty)}: deliveries are answered 503")
                : inbox.Failure is { } failure ? HealthCheckResult.Unhealthy($"the inbox {inbox.Path} cannot write its journal ({failure}): deliveries are answered 503")
                : HealthCheckResult.Healthy($"the inbox {inbox.Path} is writable: {inbox.Backlog} deliveries waiting for their workflows"));
        }
    }

    /// <summary>Setup mode (no App yet): Degraded, saying where to set it up.</summary>
    internal sealed class SetupHealthCheck(IOptionsMonitor<GitHubOptions> github) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(string.IsNullOrEmpty(github.CurrentValue.WebhookSecret)
                ? HealthCheckResult.Degraded("GitHubBot is not set up: open /setup; deliveries are answered 503 until then")
                : HealthCheckResult.Healthy("the GitHub App is set up"));
    }

    /// <summary>Unhealthy once the process is stopping, so a load balancer sends no new deliveries.</summary>
    internal sealed class StoppingHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
                ? HealthCheckResult.Unhealthy("stopping: running work gets Worker:GracefulShutdownTimeout")
                : HealthCheckResult.Healthy("running"));
    }
}
