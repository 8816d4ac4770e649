namespace GitHubBot.Core.Common;

/// <summary>One step of a plan's progress: its state (pending, running, done, failed, skipped, waiting) and a detail.</summary>
public sealed record ProgressStep(string Name, string State, string? Detail = null);
