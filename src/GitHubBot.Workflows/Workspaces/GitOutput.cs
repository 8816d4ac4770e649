using System.Buffers;
using System.Globalization;
using System.Text;
using CliWrap;

namespace GitHubBot.Workflows.Workspaces;

/// <summary>
/// What a git process writes to one of its streams, kept up to a bound: past it, the rest is not kept, and when
/// <c>stop</c> is given git is stopped (its output would be cut), else the rest is read and dropped (its errors).
/// </summary>
/// <param name="limit">The most bytes kept.</param>
/// <param name="stop">Cancelled when the output passes <paramref name="limit"/>; null: read on, keeping nothing more.</param>
internal sealed class GitOutput(int limit, CancellationTokenSource? stop)
{
    /// <summary>The most any git command GitHubBot runs for itself writes (quiet fetches, hashes, refs).</summary>
    public const int DefaultMaxBytes = 1024 * 1024;

    /// <summary>The most a list of a repository's files or changes may take (ls-tree, ls-files, status, names of a diff).</summary>
    public const int MaxListingBytes = 32 * 1024 * 1024;

    /// <summary>The most of a diff or patch git writes for GitHubBot to read whole (a revert, the fixes' change).</summary>
    public const int MaxPatchBytes = 64 * 1024 * 1024;

    /// <summary>The most of git's error output kept for a message.</summary>
    public const int MaxErrorBytes = 16 * 1024;

    private readonly ArrayBufferWriter<byte> kept = new();

    /// <summary>Whether the stream wrote more than the bound.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>What was kept, as text.</summary>
    public string Text => Encoding.UTF8.GetString(kept.WrittenSpan);

    /// <summary>The pipe to give the process.</summary>
    public PipeTarget Target => PipeTarget.Create(async (stream, token) =>
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, token)) > 0)
        {
            var room = limit - kept.WrittenCount;
            if (room > 0)
            {
                kept.Write(buffer.AsSpan(0, Math.Min(room, read)));
            }

            if (read > room)
            {
                Overflowed = true;
                if (stop is not null)
                {
                    await stop.CancelAsync();
                    return;
                }
            }
        }
    });

    /// <summary>A bound in words: "32 MiB", "16 KiB".</summary>
    public static string Describe(int bytes) =>
        bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB")
        : bytes >= 1024 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
}
