using System.Text;
using System.Text.Json.Nodes;
using GitHubBot.App.Webhooks;
using GitHubBot.Core.Commands;
using GitHubBot.Core.Common;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>Every real fixture goes through the routing table as the README's "Webhook intake" says.</summary>
public sealed class RoutingTableTests
{
    private const string Delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
    private const string Sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

    public static TheoryData<string, string, string?> Fixtures => new()
    {
        // fixture, expected decision, expected workflow ID
        { "pull_request.opened.json", "Start", $"gate/Codertocat/Hello-World/2/{Sha}" },
        { "pull_request.reopened.json", "Start", $"gate/Codertocat/Hello-World/2/{Sha}" },
        { "pull_request.synchronize.json", "Start", $"gate/Codertocat/Hello-World/2/{Sha}" },
        { "pull_request.closed.json", "Ignore", null },
        { "pull_request.closed.not-merged.json", "Ignore", null },
        { "pull_request.labeled.json", "Ignore", null },
        { "check_suite.rerequested.json", "Start", $"gate/Codertocat/Hello-World/2/{Sha}/rerun-suite-118578147-1557933674" },
        { "check_suite.requested.json", "Ignore", null },
        { "check_run.rerequested.json", "Ignore", null },
        { "check_run.requested_action.json", "Ignore", null },
        { "issues.labeled.json", "Start", "command/Codertocat/Hello-World/label-444500041-1362934389-1557933618" },
        { "issues.opened.json", "Ignore", null },
        { "issue_comment.created.json", "Ignore", null },
        { "issue_comment.created.pull_request.json", "Start", "command/chhsia0/knative-route-demo/comment-546616131" },
        { "code_scanning_alert.created.json", "Start", "incident/github/Codertocat/Hello-World/code_scanning/10" },
        { "dependabot_alert.created.json", "Start", "incident/github/wolfy1339/pika-pack/dependabot/20" },
        { "secret_scanning_alert.reopened.json", "Start", "incident/github/Codertocat/Hello-World/secret_scanning/191" },
        { "installation.created.json", "Ignore", null },
        { "installation.deleted.json", "Ignore", null },
        { "installation_repositories.added.json", "Ignore", null },
        { "ping.json", "Ignore", null },
        { "push.json", "Ignore", null },
        { "repository_dispatch.json", "Ignore", null },
        { "workflow_run.completed.json", "Ignore", null },
    };

    [Fact]
    public void The_table_covers_every_shared_fixture()
    {
        var files = Directory.GetFiles(RepositoryPaths.GitHubWebhookFixtures, "*.json").Select(f => Path.GetFileName(f)!).Order().ToList();
        var covered = Fixtures.Select(row => (string)row[0]).Order().ToList();

        Assert.Equal(files, covered);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Each_fixture_routes_as_the_spec_says(string fixture, string expected, string? workflowId)
    {
        var decision = Route(WebhookSender.EventOf(fixture), WebhookSender.Load(fixture));

        Assert.Equal(expected, decision.GetType().Name);
        switch (decision)
        {
            case RouteDecision.Start start:
                Assert.Equal(
                    fixture.StartsWith("issue", StringComparison.Ordinal) ? "CommandWorkflow" : fixture.Contains("_alert.", StringComparison.Ordinal) ? "IncidentSwarmWorkflow" : "QualityGateWorkflow",
                    start.WorkflowType);
                Assert.Equal(workflowId, start.WorkflowId);
                break;
            case RouteDecision.NotAvailable missing:
                Assert.Equal(workflowId, missing.WorkflowId);
                break;
        }
    }

    [Fact]
    public void A_code_scanning_alert_becomes_an_incident_on_its_repository_with_what_github_says_of_it()
    {
        var start = Assert.IsType<RouteDecision.Start>(Route("code_scanning_alert", WebhookSender.Load("code_scanning_alert.created.json")));
        var input = Assert.IsType<Core.IncidentSwarm.IncidentInput>(start.Input);

        Assert.False(start.RestartFinished);
        Assert.Equal(("github", "Codertocat/Hello-World/code_scanning/10"), (input.Alert.Source, input.Alert.Fingerprint));
        Assert.Equal(WorkflowIds.Incident("github", input.Alert.Fingerprint), start.WorkflowId);
        var github = input.Alert.GitHub!;
        Assert.Equal(("Codertocat", "Hello-World", 10, "java/sql-injection"), (github.Owner, github.Repo, github.Number, github.Rule));
        Assert.Contains("user-controlled sources", github.Detail, StringComparison.Ordinal);
        Assert.Equal("https://github.com/Codertocat/Hello-World/security/code-scanning/10", github.Url);
        Assert.False(github.IsSecret);
    }

    [Fact]
    public void A_reopened_secret_alert_is_a_new_incident_that_is_never_fixed_by_itself()
    {
        var start = Assert.IsType<RouteDecision.Start>(Route("secret_scanning_alert", WebhookSender.Load("secret_scanning_alert.reopened.json")));
        var input = Assert.IsType<Core.IncidentSwarm.IncidentInput>(start.Input);

        Assert.True(start.RestartFinished);
        Assert.True(input.Alert.GitHub!.IsSecret);
        Assert.Contains("adafruit_io_key", input.Alert.Summary, StringComparison.Ordinal);
        Assert.Contains("rotate it", input.Alert.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependabot_alert_names_the_package_the_advisory_and_the_manifest()
    {
        var input = Assert.IsType<Core.IncidentSwarm.IncidentInput>(Assert.IsType<RouteDecision.Start>(Route("dependabot_alert", WebhookSender.Load("dependabot_alert.created.json"))).Input);

        var github = input.Alert.GitHub!;
        Assert.Equal(("GHSA-c2qf-rxjj-qqgw", "package-lock.json"), (github.Rule, github.Path));
        Assert.Contains("semver vulnerable to Regular Expression Denial of Service", github.Detail, StringComparison.Ordinal);
        Assert.Contains("first patched 7.5.2", github.Detail, StringComparison.Ordinal);
        Assert.Equal("medium", input.Alert.Severity);
    }

    [Fact]
    public void A_pull_request_gate_gets_the_prs_repo_number_head_and_branch()
    {
        var start = Assert.IsType<RouteDecision.Start>(Route("pull_request", WebhookSender.Load("pull_request.opened.json")));
        var input = Assert.IsType<QualityGateInput>(start.Input);

        Assert.Equal(("Codertocat", "Hello-World", 2, Sha, "changes"), (input.Owner, input.Repo, input.PullRequestNumber, input.HeadSha, input.Branch));
        Assert.Equal(1, input.InstallationId);
        Assert.Equal("https://github.com/Codertocat/Hello-World.git", input.CloneUrl);
        Assert.False(input.AttemptAutoFix);
        Assert.Equal("pull_request.opened", input.Trigger);
        Assert.False(input.FromFork);
        Assert.Equal("OWNER", input.AuthorAssociation);
    }

    [Theory]
    [InlineData(186853002, "OWNER", false)]
    [InlineData(999, "CONTRIBUTOR", true)]
    [InlineData(186853002, "FIRST_TIME_CONTRIBUTOR", false)]
    public void A_pull_request_from_another_repository_is_marked_as_from_a_fork_with_its_authors_association(long headRepoId, string association, bool fork)
    {
        var payload = WebhookSender.Load("pull_request.opened.json");
        payload["pull_request"]!["head"]!["repo"]!["id"] = headRepoId;
        payload["pull_request"]!["author_association"] = association;

        var input = Assert.IsType<QualityGateInput>(Assert.IsType<RouteDecision.Start>(Route("pull_request", payload)).Input);

        Assert.Equal((fork, association), (input.FromFork, input.AuthorAssociation));
    }

    [Fact]
    public void A_pull_request_whose_head_repository_was_deleted_counts_as_a_fork()
    {
        var payload = WebhookSender.Load("pull_request.opened.json");
        payload["pull_request"]!["head"]!["repo"] = null;

        var input = Assert.IsType<QualityGateInput>(Assert.IsType<RouteDecision.Start>(Route("pull_request", payload)).Input);

        Assert.True(input.FromFork);
        Assert.Null(input.CloneUrl);
    }

    [Fact]
    public void Ready_for_review_starts_the_gate_too()
    {
        var decision = Route("pull_request", WebhookSender.Load("pull_request.opened.json").WithAction("ready_for_review"));

        Assert.Equal($"gate/Codertocat/Hello-World/2/{Sha}", Assert.IsType<RouteDecision.Start>(decision).WorkflowId);
    }

    [Theory]
    [InlineData("apply-fixes", "fix")]
    [InlineData("rerun", "gate")]
    public void Check_run_buttons_become_the_same_command_for_the_clicking_user(string identifier, string command)
    {
        var payload = WebhookSender.Load("check_run.requested_action.json");
        payload["requested_action"]!["identifier"] = identifier;

        var start = Assert.IsType<RouteDecision.Start>(Route("check_run", payload));
        var input = Assert.IsType<CommandInput>(start.Input);

        Assert.Equal(("CommandWorkflow", $"command/electron/electron/button-1494503112-{identifier}-2036040-1607020047"), (start.WorkflowType, start.WorkflowId));
        Assert.Equal(command, Assert.Single(input.Commands).Name);
        Assert.Equal(("codebytere", 26764, "5bd5f196a46b8222fb7484f05faba41a73cf34bd", true), (input.Author, input.IssueNumber, input.HeadSha, input.IsPullRequest));
        Assert.Null(input.CommentId);
    }

    [Fact]
    public void A_comments_commands_go_to_a_command_workflow_with_who_wrote_them()
    {
        var payload = WebhookSender.Load("issue_comment.created.pull_request.json");
        payload["comment"]!["body"] = "Looks good.\n/Retest\n/reject \"needs docs\"";

        var start = Assert.IsType<RouteDecision.Start>(Route("issue_comment", payload));
        var input = Assert.IsType<CommandInput>(start.Input);

        Assert.Equal(["gate", "reject"], input.Commands.Select(c => c.Name));
        Assert.Equal(["needs docs"], input.Commands[1].Arguments);
        Assert.Equal(("chhsia0", 3, true, 546616131L), (input.Author, input.IssueNumber, input.IsPullRequest, input.CommentId!.Value));
    }

    [Theory]
    [InlineData("Bot", "renovate[bot]")]
    [InlineData("Bot", "ghbot")]
    [InlineData("User", "ghbot-test[bot]")]
    public void Comments_by_bots_are_not_commands(string type, string login)
    {
        var payload = WebhookSender.Load("issue_comment.created.pull_request.json");
        payload["comment"]!["user"]!["type"] = type;
        payload["comment"]!["user"]!["login"] = login;

        Assert.IsType<RouteDecision.Ignore>(Route("issue_comment", payload));
    }

    [Fact]
    public void A_rerequested_check_run_of_a_pull_request_reruns_its_gate()
    {
        var payload = WithPullRequest(WebhookSender.Load("check_run.rerequested.json"), "check_run", 12, headRepositoryId: 526, baseRepositoryId: 526);

        var start = Assert.IsType<RouteDecision.Start>(Route("check_run", payload));
        var input = Assert.IsType<QualityGateInput>(start.Input);

        Assert.Equal($"gate/github/hello-world/12/d6fde92930d4715a2b49857d24b940956b26d2d3/rerun-run-4-1525396492", start.WorkflowId);
        Assert.False(input.FromFork);
        Assert.True(input.TrustFromPullRequest);
    }

    [Theory]
    [InlineData("check_suite", "check_suite.rerequested.json")]
    [InlineData("check_run", "check_run.rerequested.json")]
    public void A_rerun_vouches_for_no_one_a_forks_pr_is_one_and_the_gate_reads_its_author_from_github(string eventName, string fixture)
    {
        var payload = WebhookSender.Load(fixture);
        var repository = payload["repository"]!["id"]!.GetValue<long>();
        WithPullRequest(payload, eventName, 5, headRepositoryId: 999, baseRepositoryId: repository);

        var input = Assert.IsType<QualityGateInput>(Assert.IsType<RouteDecision.Start>(Route(eventName, payload)).Input);

        Assert.Equal((5, true, true), (input.PullRequestNumber, input.FromFork, input.TrustFromPullRequest));
        Assert.Null(input.CloneUrl);

        // Until the gate has read the PR (a worker that does not know TrustFromPullRequest yet), it is a contributor's.
        Assert.Equal("CONTRIBUTOR", input.AuthorAssociation);
        Assert.NotNull(GateTexts.Untrusted(input.AuthorAssociation, input.FromFork, trustForks: false));
    }

    [Theory]
    [InlineData("check_suite", "check_suite.rerequested.json")]
    [InlineData("check_run", "check_run.rerequested.json")]
    public void A_rerun_of_a_pull_request_of_another_repository_starts_nothing_here(string eventName, string fixture)
    {
        // GitHub lists a commit's PRs into other repositories too (this fork's PR into its parent): their numbers are not this repository's.
        var payload = WithPullRequest(WebhookSender.Load(fixture), eventName, 5, headRepositoryId: 999, baseRepositoryId: 4242);

        Assert.Contains("not attached to a pull request of this repository", Assert.IsType<RouteDecision.Ignore>(Route(eventName, payload)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_come_from_the_signed_body_a_later_re_request_click_or_label_is_new_work_and_another_clicker_is_too()
    {
        var suite = WebhookSender.Load("check_suite.rerequested.json");
        var click = WebhookSender.Load("check_run.requested_action.json");
        click["requested_action"]!["identifier"] = "rerun";
        var label = WebhookSender.Load("issues.labeled.json");
        var before = new[] { Id("check_suite", suite), Id("check_run", click), Id("issues", label) };

        suite["check_suite"]!["updated_at"] = "2019-05-16T09:00:00Z";
        label["issue"]!["updated_at"] = "2019-05-16T09:00:00Z";
        var otherClicker = click.DeepClone().AsObject();
        otherClicker["sender"]!["id"] = 1;
        click["check_run"]!["check_suite"]!["updated_at"] = "2020-12-04T09:00:00Z";

        Assert.Equal(3, before.Distinct().Count());
        Assert.NotEqual(before[0], Id("check_suite", suite));
        Assert.NotEqual(before[1], Id("check_run", click));
        Assert.NotEqual(before[1], Id("check_run", otherClicker));
        Assert.NotEqual(before[2], Id("issues", label));
        Assert.DoesNotContain(before, id => id.Contains(Delivery, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("issue_comment.created.pull_request.json", "2019-10-26T16:09:23Z")]
    [InlineData("issues.labeled.json", "2019-05-15T15:20:18Z")]
    [InlineData("check_suite.rerequested.json", "2019-05-15T15:21:14Z")]
    public void Actions_with_side_effects_carry_the_newest_time_of_their_signed_body(string fixture, string newest)
    {
        var start = Assert.IsType<RouteDecision.Start>(Route(WebhookSender.EventOf(fixture), WebhookSender.Load(fixture)));

        Assert.Equal(DateTimeOffset.Parse(newest, System.Globalization.CultureInfo.InvariantCulture), start.SignedAt);
    }

    [Theory]
    [InlineData("code_scanning_alert.created.json", "secret_scanning_alert")]
    [InlineData("code_scanning_alert.created.json", "dependabot_alert")]
    [InlineData("dependabot_alert.created.json", "code_scanning_alert")]
    [InlineData("dependabot_alert.created.json", "secret_scanning_alert")]
    [InlineData("secret_scanning_alert.reopened.json", "code_scanning_alert")]
    [InlineData("secret_scanning_alert.reopened.json", "dependabot_alert")]
    public void One_kind_of_alert_resent_under_another_event_name_is_refused(string fixture, string otherEvent)
    {
        // The X-GitHub-Event header is not signed: a captured body must not become an incident of another kind.
        var payload = WebhookSender.Load(fixture);
        Assert.IsType<RouteDecision.Start>(Route(WebhookSender.EventOf(fixture), payload));

        var resent = Assert.IsType<RouteDecision.BadPayload>(Route(otherEvent, payload));

        Assert.Contains("required", resent.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("check_suite.rerequested.json", "check_suite")]
    [InlineData("issues.labeled.json", "label")]
    [InlineData("issues.labeled.json", "issue")]
    public void A_payload_whose_ids_are_null_is_refused_rather_than_keyed_by_zero(string fixture, string what)
    {
        var payload = WebhookSender.Load(fixture);
        payload[what]!["id"] = null;

        Assert.Contains($"{what}.id", Assert.IsType<RouteDecision.BadPayload>(Route(WebhookSender.EventOf(fixture), payload)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_GitHub_writes_as_Unix_seconds_counts_as_the_same_time()
    {
        // push payloads give the repository's times as Unix seconds; any payload may.
        var iso = WebhookSender.Load("issues.labeled.json");
        var unix = WebhookSender.Load("issues.labeled.json");
        unix["issue"]!["updated_at"] = DateTimeOffset.Parse((string)iso["issue"]!["updated_at"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds();
        unix["repository"]!["pushed_at"] = DateTimeOffset.Parse((string)iso["repository"]!["pushed_at"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds();

        var (a, b) = (Assert.IsType<RouteDecision.Start>(Route("issues", iso)), Assert.IsType<RouteDecision.Start>(Route("issues", unix)));

        Assert.Equal(a.WorkflowId, b.WorkflowId);
        Assert.Equal(a.SignedAt, b.SignedAt);
        unix["issue"]!["updated_at"] = "yesterday";
        Assert.Contains("does not match its schema", Assert.IsType<RouteDecision.BadPayload>(Route("issues", unix)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_buttons_age_is_that_of_its_check_run_or_the_repositorys_last_push_whichever_is_newer()
    {
        var payload = WebhookSender.Load("check_run.requested_action.json");
        payload["requested_action"]!["identifier"] = "apply-fixes";
        var asSent = Assert.IsType<RouteDecision.Start>(Route("check_run", payload)).SignedAt;
        payload["repository"]!.AsObject().Remove("updated_at");
        payload["repository"]!.AsObject().Remove("pushed_at");
        var runOnly = Assert.IsType<RouteDecision.Start>(Route("check_run", payload)).SignedAt;

        // The fixture's repository was updated at 19:29:46, after the run (18:27:27): the newer time counts.
        Assert.Equal(DateTimeOffset.Parse("2020-12-03T19:29:46Z", System.Globalization.CultureInfo.InvariantCulture), asSent);
        Assert.Equal(DateTimeOffset.Parse("2020-12-03T18:27:27Z", System.Globalization.CultureInfo.InvariantCulture), runOnly);
    }

    [Theory]
    [InlineData("pull_request.opened.json")]
    [InlineData("code_scanning_alert.created.json")]
    public void Deliveries_whose_keys_name_what_they_do_are_not_judged_by_age(string fixture)
    {
        Assert.Null(Assert.IsType<RouteDecision.Start>(Route(WebhookSender.EventOf(fixture), WebhookSender.Load(fixture))).SignedAt);
    }

    [Fact]
    public void A_label_added_by_a_person_goes_to_the_command_workflow_which_knows_the_repositorys_trigger_label()
    {
        var payload = WebhookSender.Load("issues.labeled.json");
        payload["label"]!["name"] = "GHBot:Implement";

        var start = Assert.IsType<RouteDecision.Start>(Route("issues", payload));
        var input = Assert.IsType<CommandInput>(start.Input);

        Assert.Equal(WorkflowTypes.Command, start.WorkflowType);
        Assert.Equal(("Codertocat", "Hello-World", 1, "Codertocat"), (input.Owner, input.Repo, input.IssueNumber, input.Author));
        Assert.Equal(("GHBot:Implement", "ghbot:implement"), (input.Label, input.DefaultTriggerLabel));
        Assert.Empty(input.Commands);
    }

    [Fact]
    public void A_label_added_by_a_bot_starts_nothing()
    {
        var payload = WebhookSender.Load("issues.labeled.json");
        payload["sender"]!["login"] = "ghbot[bot]";
        payload["sender"]!["type"] = "Bot";

        Assert.IsType<RouteDecision.Ignore>(Route("issues", payload));
    }

    [Fact]
    public void A_bots_pull_request_from_a_branch_of_the_repository_is_trusted_and_from_a_fork_it_is_not()
    {
        var payload = WebhookSender.Load("pull_request.opened.json");
        payload["pull_request"]!["user"]!["type"] = "Bot";
        payload["pull_request"]!["author_association"] = "NONE";

        var own = Assert.IsType<QualityGateInput>(Assert.IsType<RouteDecision.Start>(Route("pull_request", payload)).Input);
        payload["pull_request"]!["head"]!["repo"]!["id"] = 999;
        var fork = Assert.IsType<QualityGateInput>(Assert.IsType<RouteDecision.Start>(Route("pull_request", payload)).Input);

        Assert.Null(own.AuthorAssociation);
        Assert.Equal("NONE", fork.AuthorAssociation);
    }

    [Fact]
    public void A_pull_request_without_a_head_sha_is_a_bad_payload()
    {
        var payload = WebhookSender.Load("pull_request.opened.json");
        payload["pull_request"]!["head"]!["sha"] = "";

        var decision = Route("pull_request", payload);

        Assert.Contains("head", Assert.IsType<RouteDecision.BadPayload>(decision).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ping", "anything", true)]
    [InlineData("pull_request", "synchronize", true)]
    [InlineData("pull_request", "closed", false)]
    [InlineData("check_run", "requested_action", true)]
    [InlineData("check_run", "completed", false)]
    [InlineData("issues", "labeled", true)]
    [InlineData("issues", null, false)]
    [InlineData("dependabot_alert", "reopened", true)]
    [InlineData("installation", "created", false)]
    [InlineData("star", "created", false)]
    public void What_the_table_handles_is_what_its_routes_decide(string eventName, string? action, bool handled)
    {
        Assert.Equal(handled, WebhookRoutes.Routes(eventName, action));
        Assert.Equal(handled || eventName is "issues" or "check_run" or "pull_request", WebhookRoutes.RoutesEvent(eventName));
    }

    private static string Id(string eventName, JsonObject payload) => Assert.IsType<RouteDecision.Start>(Route(eventName, payload)).WorkflowId;

    /// <summary>The re-run's payload lists one PR, with these head and base repositories.</summary>
    private static JsonObject WithPullRequest(JsonObject payload, string eventName, int number, long headRepositoryId, long baseRepositoryId)
    {
        var pullRequest = WebhookSender.Load("check_run.requested_action.json")["check_run"]!["pull_requests"]![0]!.DeepClone();
        pullRequest["number"] = number;
        pullRequest["head"]!["repo"]!["id"] = headRepositoryId;
        pullRequest["base"]!["repo"]!["id"] = baseRepositoryId;
        payload[eventName]!["pull_requests"] = new JsonArray(pullRequest);
        return payload;
    }

    private static RouteDecision Route(string eventName, JsonObject payload) =>
        new DeliveryReader().Read(eventName, Encoding.UTF8.GetBytes(payload.ToJsonString()), RoutingOptions.Default).Decision;
}
