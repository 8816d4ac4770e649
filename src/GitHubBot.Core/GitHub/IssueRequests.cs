using GitHubBot.Core.Common;

namespace GitHubBot.Core.GitHub;

/// <summary>A GitHub issue as the plan reads and writes it.</summary>
public sealed record IssueInfo(int Number, string Title, string Body, string Url);

/// <summary>Input of CreateIssue; <paramref name="Key"/> is written into the body so a retried attempt finds the issue it created.</summary>
public sealed record CreateIssueRequest(RepositoryTarget Target, string Title, string Body, IReadOnlyList<string> Labels, string Key);

/// <summary>Input of SetTaskList: the part of the issue's body between GitHubBot's markers becomes <paramref name="Markdown"/>.</summary>
public sealed record TaskListRequest(RepositoryTarget Target, int IssueNumber, string Markdown)
{
    /// <summary>Where GitHubBot's task list starts in an issue's body.</summary>
    public const string Start = "<!-- ghbot:tasks -->";

    /// <summary>Where it ends.</summary>
    public const string End = "<!-- /ghbot:tasks -->";
}

/// <summary>Input of CloseIssue: closed as not planned, with <paramref name="Label"/> added and <paramref name="Comment"/> said.</summary>
public sealed record CloseIssueRequest(RepositoryTarget Target, int IssueNumber, string Label, string Comment);

/// <summary>Input of EditIssue: a new body (null: unchanged), closed as completed when <paramref name="Close"/>.</summary>
public sealed record EditIssueRequest(RepositoryTarget Target, int Number, string? Body, bool Close);
