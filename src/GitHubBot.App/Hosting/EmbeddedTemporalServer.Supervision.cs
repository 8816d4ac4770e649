using System.Globalization;
using System.Net.Sockets;
using Temporalio.Testing;

namespace GitHubBot.App.Hosting;

/// <summary>
/// The embedded server's supervision: its frontend port is tried every <see cref="CheckInterval"/>; refused twice in a
/// row means its process is gone (a slow server still accepts connections), and it is started again on the same
/// address and SQLite database, after a backoff of 1 s doubling to 30 s between failed starts. Meanwhile
/// /healthz/ready reports Temporal unreachable (Degraded), the intake treats deliveries as it does whenever Temporal
/// is down, and serve's workers poll again once it is back.
/// </summary>
public sealed partial class EmbeddedTemporalServer
{
    /// <summary>How often the frontend's port is tried.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastBackoff = TimeSpan.FromSeconds(30);
    private int restarts;

    /// <summary>How often the server was started again after its process was gone.</summary>
    public int Restarts => Volatile.Read(ref restarts);

    private void Supervise() => supervision = Task.Run(() => SuperviseAsync(stopping.Token));

    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        var refused = 0;
        try
        {
            while (true)
            {
                await Task.Delay(CheckInterval, cancellationToken);
                refused = await ListeningAsync(cancellationToken) ? 0 : refused + 1;
                if (refused >= 2)
                {
                    Log.Gone(logger, Address, database);
                    await RestartAsync(cancellationToken);
                    refused = 0;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // serve is stopping: DisposeAsync shuts the server down.
        }
    }

    /// <summary>False only when the frontend's port refuses connections (nothing listens there any more).</summary>
    private async Task<bool> ListeningAsync(CancellationToken cancellationToken)
    {
        var (host, port) = HostAndPort(Address);
        using var tcp = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await tcp.ConnectAsync(host, port, timeout.Token);
            return true;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode != SocketError.ConnectionRefused;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Slow to accept is busy, not gone.
            return true;
        }
    }

    private async Task RestartAsync(CancellationToken cancellationToken)
    {
        await ShutDownGoneAsync();
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                environment = await WorkflowEnvironment.StartLocalAsync(options);
                var count = Interlocked.Increment(ref restarts);
                Log.Restarted(logger, Address, database, count);
                return;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or TimeoutException or Temporalio.Exceptions.RpcException)
            {
                Log.RestartFailed(logger, Address, attempt, ex.Message, backoff.TotalSeconds);
            }

            await Task.Delay(backoff, cancellationToken);
            backoff = backoff * 2 > LastBackoff ? LastBackoff : backoff * 2;
        }
    }

    /// <summary>Lets go of the gone server's process handle and client; what that says is logged, not thrown.</summary>
    private async Task ShutDownGoneAsync()
    {
        try
        {
            await environment.ShutdownAsync();
            await environment.DisposeAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or Temporalio.Exceptions.RpcException)
        {
            Log.GoneShutdown(logger, ex.Message);
        }
    }

    private static (string Host, int Port) HostAndPort(string address)
    {
        var colon = address.LastIndexOf(':');
        return (address[..colon], int.Parse(address[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 105, Level = LogLevel.Critical, Message = "The embedded Temporal dev server at {Address} is gone (its port refuses connections); starting it again on {Database}")]
        public static partial void Gone(ILogger logger, string address, string database);

        [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "The embedded Temporal dev server at {Address} was started again on {Database} (restart {Restarts})")]
        public static partial void Restarted(ILogger logger, string address, string database, int restarts);

        [LoggerMessage(EventId = 107, Level = LogLevel.Error, Message = "The embedded Temporal dev server at {Address} did not start again (attempt {Attempt}: {Reason}); next try in {BackoffSeconds} s")]
        public static partial void RestartFailed(ILogger logger, string address, int attempt, string reason, double backoffSeconds);

        [LoggerMessage(EventId = 108, Level = LogLevel.Debug, Message = "Letting go of the gone embedded Temporal dev server said: {Reason}")]
        public static partial void GoneShutdown(ILogger logger, string reason);
    }
}
