namespace GitHubBot.Core.GitHub;

/// <summary>How serious an annotation is, as GitHub's check-run annotations say it.</summary>
public enum AnnotationLevel
{
    Notice,
    Warning,
    Failure,
}

/// <summary>A finding pointed out in the diff: a repository-relative path and line.</summary>
public sealed record Annotation(string Path, int StartLine, int EndLine, AnnotationLevel Level, string Message, string? Title = null);
