namespace GitHubBot.App.Webhooks;

/// <summary>
/// The fields of a GitHub delivery that the routing table reads, and nothing else: a payload of a routed event is
/// read into this one shape by <see cref="DeliveryPayloadReader"/>, in one pass over the UTF-8 body that skips the
/// rest. A field of the wrong JSON type makes the payload one that "does not match its schema" (400); a missing one is
/// null, and each route says what it requires.
/// </summary>
/// <remarks>
/// Why not Octokit.Webhooks' typed events: they model every field of every payload, and reading one costs about three
/// times the CPU of this shape and, in a fresh process, a quarter of a second of reflection and JIT before the first
/// answer (docs/benchmarks.md) — for the twenty-odd fields the table uses. The event names GitHub sends still come from
/// Octokit.Webhooks (<see cref="IntakeMetrics"/>).
/// </remarks>
public sealed record DeliveryPayload
{
    public string? Action { get; init; }

    public PayloadRepository? Repository { get; init; }

    public PayloadInstallation? Installation { get; init; }

    public PayloadUser? Sender { get; init; }

    public PayloadPullRequest? PullRequest { get; init; }

    public PayloadCheckSuite? CheckSuite { get; init; }

    public PayloadCheckRun? CheckRun { get; init; }

    public PayloadRequestedAction? RequestedAction { get; init; }

    public PayloadIssue? Issue { get; init; }

    public PayloadLabel? Label { get; init; }

    public PayloadComment? Comment { get; init; }

    public PayloadAlert? Alert { get; init; }
}

public sealed record PayloadRepository(long? Id, string? Name, PayloadUser? Owner, string? CloneUrl)
{
    public DateTimeOffset? UpdatedAt { get; init; }

    public DateTimeOffset? PushedAt { get; init; }
}

public sealed record PayloadUser(long? Id, string? Login, string? Type)
{
    /// <summary>Whether GitHub says the account is a bot (type "Bot").</summary>
    public bool IsBot => string.Equals(Type, "Bot", StringComparison.Ordinal);
}

public sealed record PayloadInstallation(long? Id);

/// <summary>A pull request: the PR of a pull_request event, or one listed by a check suite or run (fewer fields).</summary>
public sealed record PayloadPullRequest(long? Number, PayloadRef? Head, PayloadRef? Base, string? AuthorAssociation, PayloadUser? User);

public sealed record PayloadRef(string? Sha, string? Ref, PayloadRepository? Repo);

public sealed record PayloadCheckSuite(long? Id, string? HeadSha, string? HeadBranch, IReadOnlyList<PayloadPullRequest>? PullRequests)
{
    public DateTimeOffset? UpdatedAt { get; init; }
}

public sealed record PayloadCheckRun(long? Id, string? HeadSha, PayloadCheckSuite? CheckSuite, IReadOnlyList<PayloadPullRequest>? PullRequests)
{
    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }
}

public sealed record PayloadRequestedAction(string? Identifier);

/// <summary>An issue; <see cref="PullRequest"/> is set when the issue is a pull request.</summary>
public sealed record PayloadIssue(long? Id, long? Number, PayloadIssueLinks? PullRequest)
{
    public DateTimeOffset? UpdatedAt { get; init; }
}

public sealed record PayloadIssueLinks(string? Url);

public sealed record PayloadLabel(long? Id, string? Name);

public sealed record PayloadComment(long? Id, string? Body, PayloadUser? User)
{
    public DateTimeOffset? CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>A code scanning, secret scanning or Dependabot alert (each fills its own fields).</summary>
public sealed record PayloadAlert(
    long? Number,
    string? HtmlUrl,
    PayloadAlertRule? Rule,
    PayloadAlertInstance? MostRecentInstance,
    IReadOnlyList<PayloadAlertInstance>? Instances,
    string? SecretType,
    PayloadAdvisory? SecurityAdvisory,
    PayloadDependency? Dependency,
    PayloadVulnerability? SecurityVulnerability)
{
    public DateTimeOffset? CreatedAt { get; init; }
}

public sealed record PayloadAlertRule(string? Id, string? Name, string? Description, string? FullDescription, string? SecuritySeverityLevel, string? Severity);

public sealed record PayloadAlertInstance(PayloadAlertLocation? Location);

public sealed record PayloadAlertLocation(string? Path, long? StartLine);

public sealed record PayloadAdvisory(string? Summary, string? GhsaId, string? CveId, string? Severity);

public sealed record PayloadDependency(PayloadPackage? Package, string? ManifestPath);

public sealed record PayloadPackage(string? Ecosystem, string? Name);

public sealed record PayloadVulnerability(string? VulnerableVersionRange, PayloadPatchedVersion? FirstPatchedVersion);

public sealed record PayloadPatchedVersion(string? Identifier);
