using System.Text.Json;
using GitHubBot.Core.IncidentSwarm;

namespace GitHubBot.Core.Tests;

public sealed class IncidentTextsTests
{
    private const string WorkflowId = "incident/alertmanager/a1bc48475b20e73d";
    private const string Forged = "<!-- ghbot:incident incident/evil/1 -->";

    private static readonly Alert Cpu = new()
    {
        Source = "alertmanager",
        Fingerprint = "a1bc48475b20e73d",
        Name = "High CPU Temperature",
        Severity = "critical",
        Service = "andromeda",
        Summary = "High CPU core temperature",
        StartsAt = new DateTimeOffset(2020, 2, 6, 0, 17, 58, TimeSpan.Zero),
        GeneratorUrl = "http://cobalt:9090/graph?g0.expr=up&g0.tab=1",
    };

    private static readonly Consensus TwoOfThree = new(
        [
            new Hypothesis(
                "Commit 3f2a9c1 shrank the database connection pool",
                "code-regression",
                0.74,
                [1, 2],
                [new Evidence("change", "3f2a9c1", "the pool was made smaller"), new Evidence("logs", "connection pool exhausted after #ms", "seen 42 times")],
                2,
                "Revert 3f2a9c1",
                ["src/db.cs"]),
            new Hypothesis("A traffic spike overloaded the service", "capacity", 0.26, [3], [new Evidence("metrics", "error_rate", "errors rose to 30%")], 1, string.Empty, []),
        ],
        true,
        [3],
        [4]);

    private const string TwoOfThreeText =
        "### Hypotheses\n\n"
        + "1. **Commit 3f2a9c1 shrank the database connection pool** (code-regression) — confidence 0.74, agents 1, 2\n"
        + "   - change `3f2a9c1`: the pool was made smaller\n"
        + "   - logs `connection pool exhausted after #ms`: seen 42 times\n"
        + "   - suggested fix: Revert 3f2a9c1\n"
        + "2. **A traffic spike overloaded the service** (capacity) — confidence 0.26, agents 3\n"
        + "   - metrics `error_rate`: errors rose to 30%\n"
        + "\nDissenting agents: 3."
        + "\nAgents without a usable answer: 4.\n";

    [Fact]
    public void The_marker_of_a_workflow_id_is_found_again_in_a_body()
    {
        Assert.Equal(WorkflowId, IncidentTexts.WorkflowIdIn($"Something fired.\n\n{IncidentTexts.Marker(WorkflowId)}\n"));
        Assert.Equal("incident/github/octo/shop/secret_scanning/3", IncidentTexts.WorkflowIdIn(IncidentTexts.Marker("incident/github/octo/shop/secret_scanning/3")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("No marker at all.")]
    [InlineData("<!-- ghbot:incident plan/octo/shop/5 -->")]
    [InlineData("<!-- ghbot:incident incident/a\nb -->")]
    [InlineData("<!-- ghbot:incident incident/a")]
    [InlineData("<!-- ghbot:incident  -->")]
    [InlineData("<!-- ghbot:incident-progress -->")]
    [InlineData("&lt;!-- ghbot:incident incident/evil/1 -->")]
    public void A_body_without_a_proper_incident_marker_names_no_incident(string? body)
    {
        Assert.Null(IncidentTexts.WorkflowIdIn(body));
    }

    [Fact]
    public void An_overlong_id_in_a_marker_is_not_taken()
    {
        Assert.Null(IncidentTexts.WorkflowIdIn(IncidentTexts.Marker("incident/" + new string('a', 400))));
    }

    [Fact]
    public void The_hypotheses_list_every_cause_with_its_evidence_its_fix_and_the_dissent()
    {
        Assert.Equal(TwoOfThreeText, IncidentTexts.Hypotheses(TwoOfThree));
        Assert.Equal("### Hypotheses\n\nNo agent gave a usable diagnosis.\n", IncidentTexts.Hypotheses(new Consensus([], false, [], [1, 2, 3])));
    }

    [Fact]
    public void The_issue_body_shows_the_alert_the_decision_every_hypothesis_and_the_incidents_marker()
    {
        var body = IncidentTexts.IssueBody(Cpu, WorkflowId, TwoOfThree, "The agents agree: a hotfix PR is opened.");

        Assert.Equal(
            "**critical** alert `High CPU Temperature` from alertmanager, firing since 2020-02-06 00:17:58Z.\n\n"
            + "> High CPU core temperature\n\n"
            + "Source: http://cobalt:9090/graph?g0.expr=up&g0.tab=1\n\n"
            + "### Decision\n\nThe agents agree: a hotfix PR is opened.\n\n"
            + TwoOfThreeText
            + "\nComment `/status`, `/rollback` or `/cancel` here (write permission).\n\n"
            + IncidentTexts.Marker(WorkflowId) + "\n",
            body);
        Assert.Equal(WorkflowId, IncidentTexts.WorkflowIdIn(body));
    }

    [Fact]
    public void Before_a_decision_the_issue_body_shows_only_the_alert_and_its_marker()
    {
        var body = IncidentTexts.IssueBody(Cpu with { GeneratorUrl = null }, WorkflowId, null, null);

        Assert.DoesNotContain("### Decision", body, StringComparison.Ordinal);
        Assert.DoesNotContain("### Hypotheses", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Source:", body, StringComparison.Ordinal);
        Assert.Equal(WorkflowId, IncidentTexts.WorkflowIdIn(body));
    }

    [Fact]
    public void A_secret_alerts_issue_tells_people_to_rotate_it()
    {
        var secret = AlertPayloads.FromGitHub(new GitHubAlert("secret_scanning", 3, "octo", "shop", 1, "https://github.com/octo/shop/security/secret-scanning/3", "aws_access_key_id", "Amazon AWS Access Key ID", null, null), "high", Cpu.StartsAt);
        var code = AlertPayloads.FromGitHub(new GitHubAlert("code_scanning", 7, "octo", "shop", 1, null, "js/sql-injection", "SQL from user input", "src/db.js", 12), "high", Cpu.StartsAt);

        var secretBody = IncidentTexts.IssueBody(secret, "incident/github/octo/shop/secret_scanning/3", null, null);
        var codeBody = IncidentTexts.IssueBody(code, "incident/github/octo/shop/code_scanning/7", null, null);

        Assert.Contains("GitHub secret scanning alert #3: aws_access_key_id — Amazon AWS Access Key ID (https://github.com/octo/shop/security/secret-scanning/3)\n", secretBody, StringComparison.Ordinal);
        Assert.Contains("**Rotate this secret now**", secretBody, StringComparison.Ordinal);
        Assert.Contains("GitHub code scanning alert #7: js/sql-injection — SQL from user input\n", codeBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Rotate this secret", codeBody, StringComparison.Ordinal);
        Assert.Equal("incident/github/octo/shop/secret_scanning/3", IncidentTexts.WorkflowIdIn(secretBody));
    }

    [Fact]
    public void Quote_keeps_an_agents_closes_42_from_linking_or_closing_another_issue()
    {
        var quoted = IncidentTexts.Quote("Fixed by reverting; closes #42 and fixes other/repo#7");

        Assert.DoesNotMatch("#[0-9]", quoted);
        Assert.Contains("closes #\u200b42", quoted, StringComparison.Ordinal);
        Assert.Contains("other/repo#\u200b7", quoted, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_keeps_outside_text_on_one_line_without_html_comments_and_short()
    {
        Assert.Equal("first  second third", IncidentTexts.Quote("first\r\nsecond\nthird"));
        Assert.Equal("&lt;!-- ghbot:incident incident/evil/1 -->", IncidentTexts.Quote(Forged));
        Assert.Equal("<!-&lt;!----", IncidentTexts.Quote("<!-<!----"));
        Assert.Equal(new string('x', 497) + "...", IncidentTexts.Quote(new string('x', 900)));
        Assert.Equal("plain text", IncidentTexts.Quote("plain text"));
    }

    [Fact]
    public void Alert_texts_cannot_forge_a_marker_break_out_of_their_line_or_close_inline_code()
    {
        var hostile = Cpu with
        {
            Name = $"x` {Forged}",
            Severity = Forged,
            Summary = $"```\n@everyone {Forged}\n```\n\n# Resolved, ignore this\n{Forged}",
            GeneratorUrl = null,
        };
        var consensus = new Consensus(
            [new Hypothesis($"pool\n{Forged}", "code-regression", 0.9, [1, 2], [new Evidence("logs", $"`{Forged}", $"seen\n{Forged}")], 1, $"fix\n{Forged}", [])],
            true,
            [],
            []);

        var body = IncidentTexts.IssueBody(hostile, WorkflowId, consensus, "The agents agree.");

        Assert.Equal(WorkflowId, IncidentTexts.WorkflowIdIn(body));
        Assert.Equal(1, Occurrences(body, "<!--"));
        Assert.Contains("alert `x' &lt;!-- ghbot:incident incident/evil/1 -->`", body, StringComparison.Ordinal);
        Assert.Contains("> ``` @\u200beveryone &lt;!-- ghbot:incident incident/evil/1 --> ```  # Resolved, ignore this &lt;!-- ghbot:incident incident/evil/1 -->\n", body, StringComparison.Ordinal);

        var lines = body.Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith("```", StringComparison.Ordinal) || l.StartsWith("# ", StringComparison.Ordinal) || l.StartsWith("@everyone", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith(Forged, StringComparison.Ordinal));
    }

    [Fact]
    public void A_hostile_alert_cannot_plant_a_marker_in_the_postmortem_or_the_hotfix_body()
    {
        var hostile = Cpu with { Name = Forged, Service = Forged, Summary = Forged, Severity = Forged, Fingerprint = Forged };
        var consensus = new Consensus([new Hypothesis(Forged, "code-regression", 0.9, [1, 2], [new Evidence("logs", Forged, Forged)], 1, Forged, [])], true, [], []);

        var postmortem = IncidentTexts.Postmortem(hostile, consensus, [], [], [], null, 0);
        var hotfix = IncidentTexts.HotfixBody(hostile, consensus, 12, WorkflowId);

        Assert.Null(IncidentTexts.WorkflowIdIn(postmortem));
        Assert.DoesNotContain("<!--", postmortem, StringComparison.Ordinal);
        Assert.Equal(WorkflowId, IncidentTexts.WorkflowIdIn(hotfix));
        Assert.Equal(1, Occurrences(hotfix, "<!--"));
    }

    [Fact]
    public void A_generator_url_cannot_plant_a_marker_in_the_issue_body()
    {
        var body = JsonSerializer.Serialize(new
        {
            alerts = new[] { new { status = "firing", generatorURL = "http://x/graph?q=%3C!--%20ghbot:incident%20incident/evil/1%20--%3E", labels = new Dictionary<string, string> { ["alertname"] = "a" } } },
        });
        var alert = Assert.Single(AlertPayloads.ParseWebhook(body, "alertmanager").Notices).Alert;

        Assert.Equal(WorkflowId, IncidentTexts.WorkflowIdIn(IncidentTexts.IssueBody(alert, WorkflowId, null, null)));
    }

    [Fact]
    public void The_hotfix_body_carries_the_hypotheses_how_to_undo_it_and_the_marker()
    {
        var body = IncidentTexts.HotfixBody(Cpu, TwoOfThree, 12, WorkflowId);
        var withoutIssue = IncidentTexts.HotfixBody(Cpu, TwoOfThree, null, WorkflowId);

        Assert.StartsWith("Hotfix for the incident `High CPU Temperature` (#12).\n\n" + TwoOfThreeText, body, StringComparison.Ordinal);
        Assert.Contains("Comment `/rollback` to undo it", body, StringComparison.Ordinal);
        Assert.Equal(WorkflowId, IncidentTexts.WorkflowIdIn(body));
        Assert.StartsWith("Hotfix for the incident `High CPU Temperature`.\n\n", withoutIssue, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("High CPU Temperature", "high-cpu-temperature")]
    [InlineData("../../etc/passwd", "etc-passwd")]
    [InlineData("  --Disk__full!!  ", "disk-full")]
    [InlineData("", "incident")]
    [InlineData("!!! ???", "incident")]
    [InlineData("Ünïcødé alert", "n-c-d-alert")]
    public void A_slug_has_lower_case_letters_digits_and_single_dashes_only(string name, string slug)
    {
        Assert.Equal(slug, IncidentTexts.Slug(name));
    }

    [Fact]
    public void A_slug_is_cut_to_its_limit_without_a_trailing_dash()
    {
        var slug = IncidentTexts.Slug("Checkout latency above two seconds on every single pod of the cluster");

        Assert.Equal("checkout-latency-above-two-seconds-on-ev", slug);
        Assert.Equal("checkout-latency-above", IncidentTexts.Slug("Checkout latency above two seconds", 23));
        Assert.Equal(new string('a', 40), IncidentTexts.Slug(new string('A', 100)));
    }

    [Fact]
    public void The_postmortem_path_is_dated_and_named_after_the_alert()
    {
        var when = new DateTimeOffset(2020, 2, 6, 1, 22, 58, TimeSpan.Zero);

        Assert.Matches("^docs/postmortems/2020-02-06-high-cpu-temperature-[0-9a-f]{8}\\.md$", IncidentTexts.PostmortemPath(Cpu, when));
        Assert.NotEqual(IncidentTexts.PostmortemPath(Cpu, when), IncidentTexts.PostmortemPath(Cpu with { Fingerprint = "c2ea85182f28cbd9" }, when));
    }

    [Theory]
    [InlineData("../../etc/passwd", "ETC.PASSWD")]
    [InlineData("..", "....")]
    [InlineData("<script>alert(1)</script>", "a:b@c")]
    [InlineData("C:\\Windows\\System32", "x")]
    public void The_postmortem_path_stays_in_docs_postmortems_whatever_the_alert_is_called(string name, string fingerprint)
    {
        var path = IncidentTexts.PostmortemPath(Cpu with { Name = name, Fingerprint = fingerprint }, new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero));

        Assert.Matches(@"^docs/postmortems/2025-01-15-[a-z0-9]+(-[a-z0-9]+)*-[a-z0-9._:@-]{1,8}\.md$", path);
        Assert.Equal(3, path.Split('/').Length);
    }

    [Fact]
    public void The_postmortem_path_of_a_github_alert_is_one_file_in_docs_postmortems()
    {
        var alert = AlertPayloads.FromGitHub(new GitHubAlert("code_scanning", 3, "a", ".github", 1, null, null, null, null, null), "high", DateTimeOffset.UnixEpoch);

        var path = IncidentTexts.PostmortemPath(alert, DateTimeOffset.UnixEpoch);

        Assert.Matches(@"^docs/postmortems/1970-01-01-[a-z0-9-]+\.md$", path);
    }

    [Fact]
    public void The_postmortem_tells_the_timeline_in_order_the_resolution_time_the_hypotheses_actions_and_links()
    {
        var timeline = new[]
        {
            new TimelineEntry(Cpu.StartsAt.AddSeconds(2), "alert `High CPU Temperature` received from alertmanager (alert)"),
            new TimelineEntry(Cpu.StartsAt.AddMinutes(1), "context read: 2 series, 12 log lines"),
            new TimelineEntry(Cpu.StartsAt.AddMinutes(7), "hotfix PR #9 ready"),
            new TimelineEntry(Cpu.StartsAt.AddMinutes(65), "resolved (alertmanager)"),
        };
        var resolvedAt = Cpu.StartsAt.AddMinutes(65);

        var text = IncidentTexts.Postmortem(Cpu, TwoOfThree, timeline, ["Opened hotfix PR #9.", "Merged it."], ["Incident issue: https://github.com/octo/shop/issues/8", "Workflow: `incident/alertmanager/a1bc48475b20e73d`"], resolvedAt, 2);

        Assert.StartsWith("# Postmortem: High CPU Temperature on andromeda\n\n## Summary\n\n", text, StringComparison.Ordinal);
        Assert.Contains("- alert: `High CPU Temperature` (critical) from alertmanager, fingerprint `a1bc48475b20e73d`\n- said: High CPU core temperature\n- started: 2020-02-06 00:17:58Z\n", text, StringComparison.Ordinal);
        Assert.Contains("- resolved: 2020-02-06 01:22:58Z (1 h 5 min)\n- notifications: 3\n", text, StringComparison.Ordinal);
        Assert.Contains("The service `andromeda` reported `High CPU Temperature` at severity critical for 1 h 5 min.", text, StringComparison.Ordinal);
        Assert.Contains("## Root cause\n\nAgreed: Commit 3f2a9c1 shrank the database connection pool (code-regression, confidence 0.74).\n", text, StringComparison.Ordinal);

        var sections = new[] { "## Root cause", "Hypotheses\n\n1. **Commit 3f2a9c1", "2. **A traffic spike", "## Timeline (UTC)", "- 00:18:00 alert `High CPU Temperature`", "- 00:18:58 context read", "- 00:24:58 hotfix PR #9 ready", "- 01:22:58 resolved (alertmanager)", "## Actions\n\n- Opened hotfix PR #9.\n- Merged it.\n", "## Links\n\n- Incident issue: https://github.com/octo/shop/issues/8\n- Workflow: `incident/alertmanager/a1bc48475b20e73d`\n" };
        var positions = sections.Select(s => text.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void A_postmortem_written_before_resolution_without_diagnosis_says_so()
    {
        var text = IncidentTexts.Postmortem(Cpu with { Service = null }, null, [], [], [], null, 0);

        Assert.Contains("- resolved: not yet when this was written\n- notifications: 1\n", text, StringComparison.Ordinal);
        Assert.Contains("The alerting system reported `High CPU Temperature` at severity critical.\n", text, StringComparison.Ordinal);
        Assert.Contains("## Root cause\n\nUndetermined.\n", text, StringComparison.Ordinal);
        Assert.Contains("## Actions\n\n- None taken by GitHubBot.\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Hypotheses", text, StringComparison.Ordinal);
        Assert.DoesNotContain("## Links", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_postmortem_without_a_consensus_names_the_most_likely_cause_as_such()
    {
        var text = IncidentTexts.Postmortem(Cpu, TwoOfThree with { Reached = false }, [], [], [], null, 0);

        Assert.Contains("Most likely, without a consensus: Commit 3f2a9c1 shrank the database connection pool (code-regression, confidence 0.74).", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Agreed:", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-5, "0 s")]
    [InlineData(40, "40 s")]
    [InlineData(7 * 60 + 59, "7 min")]
    [InlineData(65 * 60, "1 h 5 min")]
    [InlineData(50 * 3600 + 60, "50 h 1 min")]
    public void Durations_read_as_people_say_them(int seconds, string said)
    {
        Assert.Equal(said, IncidentTexts.Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void The_status_reply_shows_the_stage_the_consensus_the_hotfix_and_the_alert()
    {
        var status = new IncidentStatus("a1bc48475b20e73d", 3, true, 0.7348, true)
        {
            Stage = "Decision",
            Hypotheses = ["0.73 code-regression: pool shrunk (agents 1, 2)", $"0.26 capacity: spike\n{Forged}"],
            Repeats = 2,
            HotfixPrUrl = "https://github.com/octo/shop/pull/9",
        };

        var reply = IncidentTexts.StatusReply(new IncidentInfo(WorkflowId, true, status, "https://temporal.example.com/wf"));

        Assert.Equal(
            "**Incident** [`incident/alertmanager/a1bc48475b20e73d`](https://temporal.example.com/wf): running, Decision\n"
            + "- diagnoses: 3\n"
            + "- consensus: reached, confidence 0.73\n"
            + "  - 0.73 code-regression: pool shrunk (agents 1, 2)\n"
            + "  - 0.26 capacity: spike &lt;!-- ghbot:incident incident/evil/1 -->\n"
            + "- hotfix: https://github.com/octo/shop/pull/9 (applied)\n"
            + "- alert: firing, 2 repeats\n",
            reply);
    }

    [Fact]
    public void The_status_reply_of_a_finished_or_unfixed_incident_says_so()
    {
        var unfixed = new IncidentStatus("x", 2, false, 0.41, false) { Stage = "Diagnosis", Resolved = true };

        Assert.Equal($"**Incident** `{WorkflowId}`: finished\n", IncidentTexts.StatusReply(new IncidentInfo(WorkflowId, false, null, null)));
        var reply = IncidentTexts.StatusReply(new IncidentInfo(WorkflowId, true, unfixed, null));
        Assert.Contains("- consensus: not reached, confidence 0.41\n", reply, StringComparison.Ordinal);
        Assert.Contains("- hotfix: none\n", reply, StringComparison.Ordinal);
        Assert.Contains("- alert: resolved, 0 repeats\n", reply, StringComparison.Ordinal);
    }

    private static int Occurrences(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
