using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace GitHubBot.App.Cli;

/// <summary>
/// How far a workflow got, read from its Status query whatever its type: the stage, and steps done of total where the
/// status counts them (a gate's checks, a migration's steps, a plan's patches of its issues).
/// </summary>
internal sealed record WaitProgress(string? Stage, int? Done, int? Total)
{
    private const string StageProperty = "Stage";

    private static readonly (string Done, string Total)[] Counters = [("ChecksDone", "ChecksTotal"), ("CompletedSteps", "TotalSteps"), ("PatchesCount", "IssuesCount")];

    public static WaitProgress? From(JsonElement? status)
    {
        if (status is not { ValueKind: JsonValueKind.Object } s)
        {
            return null;
        }

        var stage = s.TryGetProperty(StageProperty, out var st) && st.ValueKind == JsonValueKind.String ? st.GetString() : null;
        foreach (var (done, total) in Counters)
        {
            if (s.TryGetProperty(done, out var d) && s.TryGetProperty(total, out var t) && d.TryGetInt32(out var doneCount) && t.TryGetInt32(out var totalCount) && totalCount > 0)
            {
                return new WaitProgress(stage, doneCount, totalCount);
            }
        }

        return new WaitProgress(stage, null, null);
    }

    /// <summary>"running checks (2/3)".</summary>
    public override string ToString() => (Stage ?? "running") + (Total is { } total ? string.Create(CultureInfo.InvariantCulture, $" ({Done}/{total})") : string.Empty);
}

/// <summary>Shows a workflow's progress while <c>ghbot wait</c> waits: a live bar on a terminal, a line per change otherwise.</summary>
internal static class ProgressDisplay
{
    /// <summary>
    /// Until <paramref name="result"/> ends: polls <paramref name="poll"/> every <paramref name="interval"/> and shows
    /// the stage and steps of the workflow <paramref name="id"/> as one live progress bar on <paramref name="console"/>.
    /// </summary>
    public static Task LiveAsync(IAnsiConsole console, string id, Task result, Func<Task<JsonElement?>> poll, TimeSpan interval) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(id), maxValue: 1);
                task.IsIndeterminate = true;
                while (!result.IsCompleted)
                {
                    if (WaitProgress.From(await poll()) is { } progress)
                    {
                        task.Description = Markup.Escape($"{id}: {progress}");
                        if (progress.Total is { } total)
                        {
                            task.IsIndeterminate = false;
                            task.MaxValue = total;
                            task.Value = progress.Done ?? 0;
                        }

                        context.Refresh();
                    }

                    await Task.WhenAny(result, Task.Delay(interval, CancellationToken.None));
                }

                task.StopTask();
            });

    /// <summary>Until <paramref name="result"/> ends: a line on <paramref name="writer"/> each time the Status query answers something new.</summary>
    public static async Task LinesAsync(TextWriter writer, Task result, Func<Task<JsonElement?>> poll, TimeSpan interval)
    {
        string? last = null;
        while (!result.IsCompleted)
        {
            var progress = (await poll())?.ToString();
            if (progress is not null && progress != last)
            {
                await writer.WriteLineAsync($"{DateTimeOffset.UtcNow:HH:mm:ss} {progress}");
                last = progress;
            }

            await Task.WhenAny(result, Task.Delay(interval, CancellationToken.None));
        }
    }
}
