using System.Text;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.Commands;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Google.Protobuf;
using Temporalio.Converters;

namespace GitHubBot.App.Tests;

/// <summary>
/// The intake journals each route's input as a Temporal payload made by generated code; the workers read it with
/// Temporal's default converter, so the two must agree byte for byte, for every route and for hostile text.
/// </summary>
public sealed class WorkflowInputJsonTests
{
    private const string Hostile = "<script>&'\"\\ é 日本 \u2028 \u0001 🚀";

    public static TheoryData<string> RoutedFixtures => new()
    {
        "pull_request.opened.json",
        "pull_request.reopened.json",
        "pull_request.synchronize.json",
        "check_suite.rerequested.json",
        "issues.labeled.json",
        "issue_comment.created.pull_request.json",
    };

    [Theory]
    [MemberData(nameof(RoutedFixtures))]
    public void Every_routed_fixture_s_input_is_the_payload_Temporal_s_default_converter_makes(string fixture)
    {
        var body = File.ReadAllBytes(RepositoryPaths.GitHubWebhookFixture(fixture));
        var start = Assert.IsType<RouteDecision.Start>(new DeliveryReader().Read(WebhookSender.EventOf(fixture), body, RoutingOptions.Default).Decision);
        AssertSame(start.Input);
    }

    [Fact]
    public void Inputs_with_every_field_set_and_hostile_text_come_out_the_same()
    {
        AssertSame(new QualityGateInput
        {
            Owner = Hostile,
            Repo = "r",
            PullRequestNumber = int.MaxValue,
            HeadSha = new string('a', 40),
            Branch = Hostile,
            InstallationId = long.MaxValue,
            BaseSha = new string('b', 40),
            CloneUrl = "https://example.com/a b.git",
            AttemptAutoFix = true,
            RequiredCoverage = 0,
            RequiredScore = -1,
            FromFork = true,
            AuthorAssociation = Hostile,
            TrustFromPullRequest = true,
            FixesBefore = [Hostile, ""],
            ThresholdsRaiseOnly = true,
            Trigger = Hostile,
        });
        AssertSame(new CommandInput
        {
            Owner = "o",
            Repo = Hostile,
            InstallationId = 7,
            IssueNumber = 1,
            IsPullRequest = true,
            CommentId = long.MinValue,
            Author = Hostile,
            Commands = [new SlashCommand("gate", [Hostile, "--x"], "/gate " + Hostile, Known: true), new SlashCommand(Hostile, [], Hostile, Known: false)],
            HeadSha = null,
            CommentCreatedAt = new DateTimeOffset(2026, 12, 2, 8, 30, 0, 123, TimeSpan.FromHours(-7)),
            Label = Hostile,
            DefaultTriggerLabel = "ghbot",
        });
    }

    [Fact]
    public void Any_other_input_or_converter_goes_through_the_converter()
    {
        var converter = DataConverter.Default.PayloadConverter;
        Assert.False(WorkflowInputJson.Generated(converter, "a string"));
        Assert.Equal(converter.ToPayload("a string"), WorkflowInputJson.ToPayload(converter, "a string"));

        var custom = new OtherConverter();
        var input = new QualityGateInput { Owner = "o", Repo = "r", PullRequestNumber = 1, HeadSha = "s", Branch = "b" };
        Assert.False(WorkflowInputJson.Generated(custom, input));
        Assert.Equal("custom", WorkflowInputJson.ToPayload(custom, input).Data.ToStringUtf8());
    }

    private static void AssertSame(object input)
    {
        var converter = DataConverter.Default.PayloadConverter;
        Assert.True(WorkflowInputJson.Generated(converter, input), $"{input.GetType().Name} does not take the generated path with {converter.GetType().Name}");
        var expected = converter.ToPayload(input);
        var actual = WorkflowInputJson.ToPayload(converter, input);
        Assert.True(expected.Equals(actual), $"generated:\n{Encoding.UTF8.GetString(actual.Data.Span)}\nTemporal's:\n{Encoding.UTF8.GetString(expected.Data.Span)}");
        Assert.Equal(expected.ToByteArray(), actual.ToByteArray());
    }

    private sealed class OtherConverter : IPayloadConverter
    {
        public Temporalio.Api.Common.V1.Payload ToPayload(object? value) =>
            new() { Data = ByteString.CopyFromUtf8("custom") };

        public object? ToValue(Temporalio.Api.Common.V1.Payload payload, Type type) => null;
    }
}
