using System.Text.Json.Nodes;
using GitHubBot.Core.Common;
using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using GitHubBot.Workflows.GitHub;
using GitHubBot.Workflows.Temporal;
using Temporalio.Testing;

namespace GitHubBot.Workflows.Tests;

/// <summary>The gate's reporting activities against the GitHub fake (ActivityEnvironment, no server).</summary>
public sealed class GateReportingActivitiesTests : IDisposable
{
    private static readonly RepositoryTarget Target = new("octo", "app", 7);
    private readonly GitHubFake fake = new();
    private readonly GitHubClients clients;
    private readonly GitHubActivities activities;
    private readonly ActivityEnvironment environment = new() { Info = ActivityEnvironment.DefaultInfo with { WorkflowId = "gate/octo/app/2/abc" } };

    public GateReportingActivitiesTests()
    {
        clients = TestApp.Clients(fake);
        activities = new GitHubActivities(clients, new TemporalUiLinks(null, "default"), TimeProvider.System);
        fake.ExpectInstallationToken(7, "ghs_report");
    }

    public void Dispose()
    {
        clients.Dispose();
        fake.Dispose();
    }

    [Fact]
    public async Task More_than_fifty_annotations_arrive_in_batches_of_at_most_fifty()
    {
        fake.ExpectCreateCheckRun("octo", "app", 501, "ghs_report").ExpectUpdateCheckRun("octo", "app", 501, "ghs_report");
        var annotations = Enumerable.Range(1, 120).Select(i => new Annotation("src/a.cs", i, i, AnnotationLevel.Warning, $"finding {i}")).ToList();

        var id = await environment.RunAsync(() => activities.PublishCheckRunAsync(new PublishCheckRunRequest(
            Target, "GitHubBot / linting", "abc", "failure", "120 findings", "Lint found problems.", annotations)));

        Assert.Equal(501, id);
        var create = JsonNode.Parse(Assert.Single(fake.RequestsTo("POST", "/repos/octo/app/check-runs")).Body!)!;
        Assert.Equal(("completed", "failure"), ((string?)create["status"], (string?)create["conclusion"]));
        var updates = fake.RequestsTo("PATCH", "/repos/octo/app/check-runs/501").Select(r => JsonNode.Parse(r.Body!)!).ToList();
        Assert.Equal([50, 50, 20], new[] { create }.Concat(updates).Select(b => b["output"]!["annotations"]!.AsArray().Count));
        var sent = new[] { create }.Concat(updates).SelectMany(b => b["output"]!["annotations"]!.AsArray()).Select(a => (int)a!["start_line"]!).ToList();
        Assert.Equal(Enumerable.Range(1, 120), sent);
        Assert.Equal("warning", (string?)create["output"]!["annotations"]![0]!["annotation_level"]);
        fake.AssertNoUnexpectedRequests();
    }

    [Fact]
    public async Task Annotations_github_would_refuse_are_mended_or_dropped_and_at_most_five_hundred_are_sent()
    {
        fake.ExpectCreateCheckRun("octo", "app", 502, "ghs_report").ExpectUpdateCheckRun("octo", "app", 502, "ghs_report");
        var annotations = new List<Annotation>
        {
            new("", 3, 3, AnnotationLevel.Failure, "no path"),
            new("src/a.cs", 0, 0, AnnotationLevel.Failure, "no line"),
            new("src/a.cs", 5, 5, AnnotationLevel.Warning, "", new string('t', 400)),
        };
        annotations.AddRange(Enumerable.Range(1, 1100).Select(i => new Annotation("src/b.cs", i, i, AnnotationLevel.Notice, "note")));
        annotations.Add(new Annotation("src/c.cs", 9, 9, AnnotationLevel.Failure, "the real failure"));

        await environment.RunAsync(() => activities.PublishCheckRunAsync(new PublishCheckRunRequest(Target, "GitHubBot / static analysis", "abc", "failure", "t", "Found things.", annotations)));

        var bodies = fake.Requests.Where(e => e.RequestMessage.Path.StartsWith("/repos/octo/app/check-runs", StringComparison.Ordinal)).Select(e => JsonNode.Parse(e.RequestMessage.Body!)!).ToList();
        var sent = bodies.SelectMany(b => b["output"]!["annotations"]!.AsArray()).ToList();
        Assert.Equal(GitHubText.MaxAnnotationsPerCheckRun, sent.Count);
        Assert.Equal(500, sent.Count);
        Assert.Equal(("src/c.cs", "failure"), ((string?)sent[0]!["path"], (string?)sent[0]!["annotation_level"]));
        Assert.Equal("(no message)", (string?)sent[1]!["message"]);
        Assert.Equal(255, ((string?)sent[1]!["title"])!.Length);
        Assert.DoesNotContain(sent, a => (string?)a!["path"] == string.Empty || (int)a!["start_line"]! < 1);
        Assert.Contains("602 more annotations are not shown.", (string?)bodies[0]["output"]!["summary"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sticky_comment_is_created_once_then_edited_in_place()
    {
        fake.Respond("GET", "/app", 200, """{"id": 4242, "slug": "ghbot", "name": "GitHubBot"}""")
            .Respond("GET", "/repos/octo/app/issues/2/comments", 200, "[]")
            .Respond("POST", "/repos/octo/app/issues/2/comments", 201, """{"id": 900, "body": "x", "user": {"login": "ghbot[bot]", "type": "Bot"}}""");

        var created = await environment.RunAsync(() => activities.UpsertStickyCommentAsync(new UpsertCommentRequest(Target, 2, GateComment.Marker, $"{GateComment.Marker}\nfirst")));

        Assert.Equal(900, created);
        Assert.Contains("first", (string?)JsonNode.Parse(Assert.Single(fake.RequestsTo("POST", "/repos/octo/app/issues/2/comments")).Body!)!["body"], StringComparison.Ordinal);

        fake.Server.ResetMappings();
        fake.ExpectInstallationToken(7, "ghs_report")
            .Respond("GET", "/app", 200, """{"id": 4242, "slug": "ghbot", "name": "GitHubBot"}""")
            .Respond("GET", "/repos/octo/app/issues/2/comments", 200, $$$"""
                [
                  {"id": 12, "body": "quoting {{{GateComment.Marker}}} in a human comment", "user": {"login": "octocat", "type": "User"}},
                  {"id": 13, "body": "{{{GateComment.Marker}}} echoed by a PR's workflow", "user": {"login": "github-actions[bot]", "type": "Bot"}},
                  {"id": 900, "body": "{{{GateComment.Marker}}}\nfirst", "user": {"login": "ghbot[bot]", "type": "Bot"}}
                ]
                """)
            .Respond("PATCH", "/repos/octo/app/issues/comments/900", 200, """{"id": 900, "body": "y", "user": {"login": "ghbot[bot]", "type": "Bot"}}""");

        var edited = await environment.RunAsync(() => activities.UpsertStickyCommentAsync(new UpsertCommentRequest(Target, 2, GateComment.Marker, $"{GateComment.Marker}\nsecond")));

        Assert.Equal(900, edited);
        Assert.Single(fake.RequestsTo("POST", "/repos/octo/app/issues/2/comments"));
        Assert.Contains("second", (string?)JsonNode.Parse(Assert.Single(fake.RequestsTo("PATCH", "/repos/octo/app/issues/comments/900")).Body!)!["body"], StringComparison.Ordinal);
        Assert.Empty(fake.RequestsTo("PATCH", "/repos/octo/app/issues/comments/12"));
        Assert.Empty(fake.RequestsTo("PATCH", "/repos/octo/app/issues/comments/13"));
    }

    [Fact]
    public async Task The_repository_config_is_merged_over_the_organizations_and_problems_name_file_key_and_line()
    {
        fake.RespondFile("octo", ".github", ".github/ghbot.yml", "quality_gate:\n  required_score: 70\n")
            .RespondFile("octo", "app", ".github/ghbot.yml", "quality_gate:\n  required_coverage: 90\n  checks:\n    linting:\n      run: make lint\n      retries: 2\n");

        var result = await environment.RunAsync(() => activities.FetchRepoConfigAsync(Target));

        var problem = Assert.Single(result.Problems);
        Assert.Equal("octo/app: .github/ghbot.yml, line 6: quality_gate.checks.linting.retries: unknown key", problem.ToString());
        Assert.Null(result.Config);
    }

    [Fact]
    public async Task A_valid_config_comes_back_typed_with_the_repositorys_keys_over_the_organizations()
    {
        fake.RespondFile("octo", ".github", ".github/ghbot.yml", "quality_gate:\n  required_score: 70\n  required_coverage: 60\ncommands:\n  status: read\n")
            .RespondFile("octo", "app", ".github/ghbot.yml", "quality_gate:\n  required_coverage: 90\n  checks:\n    linting: { run: make lint, timeout: 90s }\n");

        var result = await environment.RunAsync(() => activities.FetchRepoConfigAsync(Target));

        Assert.Empty(result.Problems);
        var gate = result.Config!.QualityGate;
        Assert.Equal((70d, 90d), (gate.RequiredScore, gate.RequiredCoverage));
        Assert.Equal(("linting", "make lint", TimeSpan.FromSeconds(90)), (gate.Checks[0].Name, gate.Checks[0].Run, gate.Checks[0].Timeout));
        Assert.Equal("read", result.Config.Commands["status"]);
        Assert.Same(result.Config, result.Resolve());
    }

    [Fact]
    public async Task Missing_config_files_give_an_empty_configuration()
    {
        fake.Respond("GET", "/repos/octo/.github/contents/.github/ghbot.yml", 404, """{"message":"Not Found"}""")
            .Respond("GET", "/repos/octo/app/contents/.github/ghbot.yml", 404, """{"message":"Not Found"}""");

        var result = await environment.RunAsync(() => activities.FetchRepoConfigAsync(Target));

        Assert.Empty(result.Problems);
        Assert.Equal(new RepoConfig().QualityGate, result.Config!.QualityGate);
        Assert.Null(result.Config.TriggerLabel);
    }
}
