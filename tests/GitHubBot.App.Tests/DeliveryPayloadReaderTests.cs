using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.App.Webhooks;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>
/// The intake's one-pass payload reader against an independent reading of the same fields with System.Text.Json's
/// document model, on every shared fixture, and against payloads that do not fit.
/// </summary>
public sealed class DeliveryPayloadReaderTests
{
    /// <summary>Every field the routes use: its path in the payload, and where the reader puts it.</summary>
    private static readonly (string Path, Func<DeliveryPayload, object?> Read)[] Fields =
    [
        ("action", p => p.Action),
        ("repository.id", p => p.Repository?.Id),
        ("repository.name", p => p.Repository?.Name),
        ("repository.owner.login", p => p.Repository?.Owner?.Login),
        ("repository.updated_at", p => p.Repository?.UpdatedAt),
        ("repository.pushed_at", p => p.Repository?.PushedAt),
        ("installation.id", p => p.Installation?.Id),
        ("sender.id", p => p.Sender?.Id),
        ("sender.login", p => p.Sender?.Login),
        ("sender.type", p => p.Sender?.Type),
        ("pull_request.number", p => p.PullRequest?.Number),
        ("pull_request.head.sha", p => p.PullRequest?.Head?.Sha),
        ("pull_request.head.ref", p => p.PullRequest?.Head?.Ref),
        ("pull_request.head.repo.id", p => p.PullRequest?.Head?.Repo?.Id),
        ("pull_request.head.repo.clone_url", p => p.PullRequest?.Head?.Repo?.CloneUrl),
        ("pull_request.base.sha", p => p.PullRequest?.Base?.Sha),
        ("pull_request.author_association", p => p.PullRequest?.AuthorAssociation),
        ("pull_request.user.type", p => p.PullRequest?.User?.Type),
        ("check_suite.id", p => p.CheckSuite?.Id),
        ("check_suite.head_sha", p => p.CheckSuite?.HeadSha),
        ("check_suite.head_branch", p => p.CheckSuite?.HeadBranch),
        ("check_suite.updated_at", p => p.CheckSuite?.UpdatedAt),
        ("check_suite.pull_requests.0.number", p => p.CheckSuite?.PullRequests is [var pr, ..] ? pr.Number : null),
        ("check_suite.pull_requests.0.base.repo.id", p => p.CheckSuite?.PullRequests is [var pr, ..] ? pr.Base?.Repo?.Id : null),
        ("check_run.id", p => p.CheckRun?.Id),
        ("check_run.head_sha", p => p.CheckRun?.HeadSha),
        ("check_run.started_at", p => p.CheckRun?.StartedAt),
        ("check_run.completed_at", p => p.CheckRun?.CompletedAt),
        ("check_run.check_suite.head_branch", p => p.CheckRun?.CheckSuite?.HeadBranch),
        ("check_run.pull_requests.0.number", p => p.CheckRun?.PullRequests is [var pr, ..] ? pr.Number : null),
        ("check_run.pull_requests.0.head.repo.id", p => p.CheckRun?.PullRequests is [var pr, ..] ? pr.Head?.Repo?.Id : null),
        ("requested_action.identifier", p => p.RequestedAction?.Identifier),
        ("issue.id", p => p.Issue?.Id),
        ("issue.number", p => p.Issue?.Number),
        ("issue.updated_at", p => p.Issue?.UpdatedAt),
        ("issue.pull_request.url", p => p.Issue?.PullRequest?.Url),
        ("label.id", p => p.Label?.Id),
        ("label.name", p => p.Label?.Name),
        ("comment.id", p => p.Comment?.Id),
        ("comment.body", p => p.Comment?.Body),
        ("comment.user.login", p => p.Comment?.User?.Login),
        ("comment.created_at", p => p.Comment?.CreatedAt),
        ("alert.number", p => p.Alert?.Number),
        ("alert.html_url", p => p.Alert?.HtmlUrl),
        ("alert.created_at", p => p.Alert?.CreatedAt),
        ("alert.rule.id", p => p.Alert?.Rule?.Id),
        ("alert.rule.severity", p => p.Alert?.Rule?.Severity),
        ("alert.rule.full_description", p => p.Alert?.Rule?.FullDescription),
        ("alert.instances.0.location.path", p => p.Alert?.Instances is [var i, ..] ? i.Location?.Path : null),
        ("alert.instances.0.location.start_line", p => p.Alert?.Instances is [var i, ..] ? i.Location?.StartLine : null),
        ("alert.secret_type", p => p.Alert?.SecretType),
        ("alert.security_advisory.ghsa_id", p => p.Alert?.SecurityAdvisory?.GhsaId),
        ("alert.security_advisory.severity", p => p.Alert?.SecurityAdvisory?.Severity),
        ("alert.dependency.package.name", p => p.Alert?.Dependency?.Package?.Name),
        ("alert.dependency.manifest_path", p => p.Alert?.Dependency?.ManifestPath),
        ("alert.security_vulnerability.first_patched_version.identifier", p => p.Alert?.SecurityVulnerability?.FirstPatchedVersion?.Identifier),
    ];

    public static TheoryData<string> AllFixtures => [.. Directory.GetFiles(RepositoryPaths.GitHubWebhookFixtures, "*.json").Select(f => Path.GetFileName(f)!).Order()];

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Every_field_the_routes_use_is_read_as_the_document_model_reads_it(string fixture)
    {
        var bytes = File.ReadAllBytes(RepositoryPaths.GitHubWebhookFixture(fixture));
        var document = JsonNode.Parse(bytes)!;

        var payload = DeliveryPayloadReader.Read(bytes);

        var found = 0;
        foreach (var (path, read) in Fields)
        {
            var expected = Expected(document, path);
            found += expected is null ? 0 : 1;
            Assert.True(Equals(expected, read(payload)), $"{fixture}: {path} is {read(payload) ?? "null"}, the document says {expected ?? "null"}");
        }

        Assert.True(found >= 3, $"{fixture}: only {found} fields found; the oracle's paths are wrong");
    }

    [Theory]
    [InlineData("{\"action\":\"opened\",\"pull_request\":{\"number\":\"2\"}}", "number must be an integer")]
    [InlineData("{\"action\":\"opened\",\"pull_request\":{\"number\":2.5}}", "number must be an integer")]
    [InlineData("{\"action\":\"opened\",\"pull_request\":{\"number\":99999999999999999999}}", "number must be an integer")]
    [InlineData("{\"action\":\"opened\",\"pull_request\":[]}", "pull_request must be an object")]
    [InlineData("{\"action\":\"opened\",\"pull_request\":{\"head\":{\"sha\":7}}}", "sha must be a string")]
    [InlineData("{\"action\":\"opened\",\"repository\":{\"pushed_at\":\"yesterday\"}}", "pushed_at must be a time")]
    [InlineData("{\"action\":\"opened\",\"check_suite\":{\"pull_requests\":{}}}", "pull_requests must be an array")]
    [InlineData("{\"action\":\"opened\"} {}", "")]
    [InlineData("{\"action\":\"opened\",\"x\":[1,2}", "")]
    public void A_payload_that_does_not_fit_is_refused_naming_the_field(string body, string reason)
    {
        var refused = Assert.ThrowsAny<JsonException>(() => DeliveryPayloadReader.Read(Encoding.UTF8.GetBytes(body)));

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nulls_are_null_nulls_in_lists_are_left_out_a_name_given_twice_counts_the_last_time_and_nesting_stays_bounded()
    {
        var payload = DeliveryPayloadReader.Read("""
            {"action":"rerequested","check_suite":{"id":null,"pull_requests":[null,{"number":3}],"updated_at":null},
             "sender":null,"label":{"name":"a","name":"b"},"repository":{"pushed_at":1557933657,"unknown":{"deep":[[[{}]]]}}}
            """u8);

        Assert.Null(payload.CheckSuite!.Id);
        Assert.Null(payload.CheckSuite.UpdatedAt);
        Assert.Equal(3, Assert.Single(payload.CheckSuite.PullRequests!).Number);
        Assert.Null(payload.Sender);
        Assert.Equal("b", payload.Label!.Name);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1557933657), payload.Repository!.PushedAt);

        var deep = "{\"action\":\"opened\",\"x\":" + new string('[', 100) + new string(']', 100) + "}";
        Assert.ThrowsAny<JsonException>(() => DeliveryPayloadReader.Read(Encoding.UTF8.GetBytes(deep)));
    }

    /// <summary>The value at a dotted path ("a.0.b") as the reader should give it: long, string, time or null.</summary>
    private static object? Expected(JsonNode document, string path)
    {
        JsonNode? node = document;
        foreach (var part in path.Split('.'))
        {
            node = node switch
            {
                JsonArray array when int.TryParse(part, CultureInfo.InvariantCulture, out var i) => array.Where(e => e is not null).ElementAtOrDefault(i),
                JsonObject obj => obj[part],
                _ => null,
            };
        }

        if (node is not JsonValue value)
        {
            return null;
        }

        if (path.EndsWith("_at", StringComparison.Ordinal))
        {
            return value.TryGetValue<long>(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : DateTimeOffset.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        }

        return value.GetValueKind() == JsonValueKind.Number ? value.GetValue<long>() : value.GetValue<string>();
    }
}
