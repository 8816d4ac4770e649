using System.Net;
using System.Net.Sockets;

namespace GitHubBot.Testing;

/// <summary>
/// Ports for servers a test must start on a known port (e.g. to restart on the same one). They come from below the
/// kernel's ephemeral range, which outgoing connections draw from, so a port found free stays free until it is bound.
/// Prefer port 0 wherever the server can report the port it took.
/// </summary>
public static class TestPorts
{
    private const int Low = 20000;
    private const int High = 32000;

    public static int Free()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(Low, High);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }

        throw new InvalidOperationException($"No free port between {Low} and {High}.");
    }
}
