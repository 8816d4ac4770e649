using GitHubBot.Core.IncidentSwarm;

namespace GitHubBot.Core.Tests;

public sealed class ConsensusRulesTests
{
    private const string Sha = "3f2a9c1d4e5b6a7980c1d2e3f4a5b6c7d8e9f012";

    private static readonly Alert Alert = new()
    {
        Source = "generic",
        Fingerprint = "checkout-latency-high",
        Name = "checkout-latency-high",
        Service = "checkout",
        Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["service"] = "checkout", ["region"] = "eu-west-1" },
        Metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["p99_latency_ms"] = 2350 },
        Logs = ["WARN retrying payments after 2000ms"],
    };

    private static readonly IncidentContext Context = new(
        new MetricsContext([new SeriesSummary("error_rate", "job=checkout, instance=10.0.0.1:9090", 60, 0.01, 0.3, 0.1, 0.01, 0.3)], null),
        new LogsContext([new LogLine("ERROR connection pool exhausted after 30000ms", 42)], 42, null),
        new ChangesContext(
            [new CommitSummary(Sha, "Reduce the database pool to 5", "dev", DateTimeOffset.UnixEpoch)],
            [new MergedPullRequest(42, "Tune the pool", DateTimeOffset.UnixEpoch, "https://github.com/octo/shop/pull/42")],
            null));

    /// <summary>Evidence pointing at a series, a log line and a commit that are all in the context.</summary>
    private static readonly Evidence[] Verifiable =
    [
        new("metrics", "error_rate", "errors rose from 1% to 30%"),
        new("logs", "connection pool exhausted after 12ms", "the pool ran dry"),
        new("change", "3f2a9c1", "the pool was made smaller"),
    ];

    /// <summary>Evidence pointing at nothing the agents were shown.</summary>
    private static readonly Evidence[] Invented =
    [
        new("metrics", "db_pool_in_use", "the pool is full"),
        new("logs", "a line nobody ever logged anywhere", "it says so"),
        new("change", "deadbee", "some commit"),
    ];

    [Fact]
    public void Three_agents_agreeing_on_verified_evidence_reach_the_consensus()
    {
        var consensus = Decide(0.7,
            Answer(1, "Commit 3f2a9c1 shrank the database connection pool, exhausting it", "code-regression", 0.9, Verifiable),
            Answer(2, "The database connection pool is exhausted since the pool was shrunk", "code-regression", 0.85, Verifiable),
            Answer(3, "Connection pool exhausted: database pool shrunk by commit 3f2a9c1", "code-regression", 0.95, Verifiable));

        Assert.True(consensus.Reached);
        var top = Assert.Single(consensus.Hypotheses);
        Assert.Equal([1, 2, 3], top.Supporters);
        Assert.True(top.Confidence >= 0.7, $"confidence {top.Confidence}");
        Assert.Equal(0.9, top.Confidence, 3);
        Assert.Equal("code-regression", top.Category);
        Assert.Equal(9, top.Verified);
        Assert.Equal(3, top.Evidence.Count);
        Assert.Empty(consensus.Dissent);
        Assert.Empty(consensus.Unanswered);

        // The lead is the most confident supporter: its words and its fix are the hypothesis'.
        Assert.Equal("Connection pool exhausted: database pool shrunk by commit 3f2a9c1", top.RootCause);
        Assert.Equal("fix of agent 3", top.SuggestedFix);
        Assert.Equal(["src/agent1.cs", "src/agent2.cs", "src/agent3.cs", "src/shared.cs"], top.Files.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Two_of_three_agreeing_weigh_the_square_root_of_their_share_and_the_third_dissents()
    {
        Diagnosis[] diagnoses =
        [
            Answer(1, "Commit 3f2a9c1 shrank the database connection pool", "code-regression", 0.9, Verifiable),
            Answer(2, "The database connection pool was shrunk by a commit", "code-regression", 0.9, Verifiable),
            Answer(3, "A traffic spike overloaded the checkout service", "capacity", 0.6, [new Evidence("metrics", "error_rate", "errors rose")]),
        ];

        var atSeventy = ConsensusRules.Decide(diagnoses, Context, Alert, 0.7);
        var atEighty = ConsensusRules.Decide(diagnoses, Context, Alert, 0.8);

        var top = atSeventy.Top!;
        Assert.Equal(Math.Sqrt(2.0 / 3) * 0.9, top.Confidence, 3);
        Assert.Equal([1, 2], top.Supporters);
        Assert.True(atSeventy.Reached);
        Assert.False(atEighty.Reached);
        Assert.Equal([3], atSeventy.Dissent);
        Assert.Equal(2, atSeventy.Hypotheses.Count);
        Assert.Equal("capacity", atSeventy.Hypotheses[1].Category);
        Assert.Equal([3], atSeventy.Hypotheses[1].Supporters);
    }

    [Fact]
    public void Three_agents_blaming_three_different_things_reach_nothing_and_the_three_hypotheses_are_ranked()
    {
        var consensus = Decide(0.3,
            Answer(1, "The nightly deploy raised the request timeout", "configuration", 0.5, Verifiable),
            Answer(2, "Commit 3f2a9c1 shrank the database connection pool", "code-regression", 0.9, Verifiable),
            Answer(3, "A traffic spike overloaded the checkout service", "capacity", 0.7, Verifiable));

        Assert.False(consensus.Reached);
        Assert.Equal(["code-regression", "capacity", "configuration"], consensus.Hypotheses.Select(h => h.Category));
        Assert.Equal(["2", "3", "1"], consensus.Hypotheses.Select(h => string.Join(",", h.Supporters)));
        Assert.True(consensus.Hypotheses[0].Confidence > consensus.Hypotheses[1].Confidence);
        Assert.True(consensus.Hypotheses[1].Confidence > consensus.Hypotheses[2].Confidence);
        Assert.Equal([1, 3], consensus.Dissent);
    }

    [Fact]
    public void One_sure_agent_alone_cannot_reach_the_consensus_while_the_others_gave_no_answer()
    {
        Diagnosis[] diagnoses =
        [
            Answer(1, "Commit 3f2a9c1 shrank the database connection pool", "code-regression", 1.0, Verifiable),
            new(2, "logs", null, "the answer did not match the schema"),
            new(3, "recent changes", null, "the agent timed out"),
        ];

        var consensus = ConsensusRules.Decide(diagnoses, Context, Alert, 0.7);
        var lowBar = ConsensusRules.Decide(diagnoses, Context, Alert, 0.5);

        Assert.False(consensus.Reached);
        Assert.Equal(Math.Sqrt(1.0 / 3), consensus.Confidence, 3);
        Assert.True(consensus.Confidence < 0.7);
        Assert.Equal([2, 3], consensus.Unanswered);
        Assert.Empty(consensus.Dissent);

        // Above a low threshold, one supporter is still not a consensus.
        Assert.True(lowBar.Confidence >= 0.5);
        Assert.False(lowBar.Reached);
    }

    [Fact]
    public void Nobody_answering_is_no_hypothesis_and_no_consensus()
    {
        var consensus = ConsensusRules.Decide([new Diagnosis(1, "metrics", null, "timeout"), new Diagnosis(2, "logs", null, "timeout")], Context, Alert, 0.1);

        Assert.False(consensus.Reached);
        Assert.Empty(consensus.Hypotheses);
        Assert.Null(consensus.Top);
        Assert.Equal(0d, consensus.Confidence);
        Assert.Equal([1, 2], consensus.Unanswered);
    }

    [Fact]
    public void Evidence_that_points_at_nothing_real_weighs_less_than_verified_evidence()
    {
        Diagnosis[] Agents(Evidence[] evidence) =>
        [
            Answer(1, "Commit 3f2a9c1 shrank the database connection pool", "code-regression", 0.9, evidence),
            Answer(2, "The database connection pool was shrunk by a commit", "code-regression", 0.9, evidence),
            Answer(3, "The database connection pool is too small now", "code-regression", 0.9, evidence),
        ];

        var verified = ConsensusRules.Decide(Agents(Verifiable), Context, Alert, 0.7);
        var invented = ConsensusRules.Decide(Agents(Invented), Context, Alert, 0.7);

        Assert.True(verified.Reached);
        Assert.False(invented.Reached);
        Assert.True(invented.Confidence < verified.Confidence, $"{invented.Confidence} vs {verified.Confidence}");
        Assert.Equal(0.45, invented.Confidence, 3);
        Assert.Equal(0, invented.Top!.Verified);
        Assert.Equal(9, verified.Top!.Verified);
    }

    [Fact]
    public void Verified_evidence_is_listed_before_invented_evidence()
    {
        var consensus = Decide(0.7, Answer(1, "The pool", "code-regression", 0.9, [Invented[0], Verifiable[0], Invented[1], Verifiable[2]]));

        Assert.Equal(["error_rate", "3f2a9c1", "db_pool_in_use", "a line nobody ever logged anywhere"], consensus.Top!.Evidence.Select(e => e.Ref));
        Assert.Equal(2, consensus.Top.Verified);
    }

    [Fact]
    public void Causes_in_other_words_that_blame_the_same_commit_are_one_hypothesis()
    {
        var shrank = Answer(1, "Commit shrank the database connection pool", "code-regression", 0.9, [new Evidence("change", "3f2a9c1d4e", "shrank the pool")]);
        var upgrade = Answer(2, "Requests time out since the ORM upgrade landed", "code-regression", 0.8, [new Evidence("change", "commit 3F2A9C1", "upgraded the ORM")]);
        var elsewhere = Answer(2, "Requests time out since the ORM upgrade landed", "code-regression", 0.8, [new Evidence("change", "#42", "upgraded the ORM")]);

        var same = ConsensusRules.Decide([shrank, upgrade], Context, Alert, 0.7);
        var different = ConsensusRules.Decide([shrank, elsewhere], Context, Alert, 0.7);

        Assert.Equal([1, 2], Assert.Single(same.Hypotheses).Supporters);
        Assert.Equal(2, different.Hypotheses.Count);
    }

    [Fact]
    public void The_same_cause_in_different_categories_is_never_one_hypothesis()
    {
        var consensus = Decide(0.1,
            Answer(1, "Commit 3f2a9c1 shrank the database connection pool", "code-regression", 0.9, Verifiable),
            Answer(2, "Commit 3f2a9c1 shrank the database connection pool", "configuration", 0.9, Verifiable));

        Assert.Equal(2, consensus.Hypotheses.Count);
        Assert.All(consensus.Hypotheses, h => Assert.Single(h.Supporters));
        Assert.False(consensus.Reached);
    }

    [Fact]
    public void Confidences_that_are_not_numbers_or_out_of_range_are_clamped()
    {
        var consensus = Decide(0.1,
            Answer(1, "The nightly deploy raised the request timeout", "configuration", double.NaN, Verifiable),
            Answer(2, "Commit 3f2a9c1 shrank the database connection pool", "code-regression", 5.0, Verifiable),
            Answer(3, "A traffic spike overloaded the checkout service", "capacity", -3, Verifiable),
            Answer(4, "Upstream payments provider is down", "external", double.PositiveInfinity, Verifiable));

        Assert.All(consensus.Hypotheses, h => Assert.InRange(h.Confidence, 0, 1));
        Assert.Equal([2], consensus.Top!.Supporters);
        Assert.Equal(Math.Sqrt(1.0 / 4), consensus.Top.Confidence, 3);
    }

    [Fact]
    public void At_most_three_hypotheses_are_kept_and_everyone_else_dissents()
    {
        var consensus = Decide(0.1,
            Answer(1, "Commit 3f2a9c1 shrank the database connection pool", "code-regression", 0.9, Verifiable),
            Answer(2, "The nightly deploy raised the request timeout", "configuration", 0.8, Verifiable),
            Answer(3, "A traffic spike overloaded the checkout service", "capacity", 0.7, Verifiable),
            Answer(4, "Upstream payments provider is down", "external", 0.6, Verifiable),
            Answer(5, "A node of the cluster lost its disk", "infrastructure", 0.5, Verifiable));

        Assert.Equal(ConsensusRules.MaxHypotheses, consensus.Hypotheses.Count);
        Assert.Equal(["code-regression", "configuration", "capacity"], consensus.Hypotheses.Select(h => h.Category));
        Assert.Equal([2, 3, 4, 5], consensus.Dissent);
    }

    [Theory]
    [InlineData("metrics", "error_rate", true)]
    [InlineData("metrics", "ERROR_RATE", true)]
    [InlineData("metrics", "instance=10.0.0.1", true)]
    [InlineData("metrics", "p99_latency_ms", true)]
    [InlineData("metrics", "db_pool_in_use", false)]
    [InlineData("logs", "connection pool exhausted after 99ms", true)]
    [InlineData("logs", "retrying payments", true)]
    [InlineData("logs", "exhausted", false)]
    [InlineData("logs", "disk quota exceeded on /var", false)]
    [InlineData("change", "3f2a9c1", true)]
    [InlineData("change", "commit 3F2A9C1D4E5B", true)]
    [InlineData("change", "3f2a9c", false)]
    [InlineData("change", "abcdef0", false)]
    [InlineData("change", "PR #42", true)]
    [InlineData("change", "#43", false)]
    [InlineData("alert", "service=checkout", true)]
    [InlineData("alert", "region", true)]
    [InlineData("alert", "service=payments", false)]
    [InlineData("intuition", "error_rate", false)]
    [InlineData("metrics", "   ", false)]
    public void Evidence_is_verified_only_when_it_points_at_something_shown(string source, string reference, bool verified)
    {
        Assert.Equal(verified, ConsensusRules.Verified(new Evidence(source, reference, "detail"), Context, Alert));
    }

    [Fact]
    public void The_words_of_a_cause_leave_out_short_and_common_words()
    {
        Assert.Equal(["3f2a9c1", "connection", "exhausted", "pool"], ConsensusRules.Words("The DB connection pool WAS exhausted because of 3f2a9c1").Order(StringComparer.Ordinal));
        Assert.Empty(ConsensusRules.Words("It is as it was, and the cause was due to that"));
    }

    [Fact]
    public void Folding_digits_makes_lines_that_differ_only_in_numbers_alike()
    {
        Assert.Equal("took #ms on worker #", ConsensusRules.Fold("took 1234ms on worker 7"));
        Assert.Equal(ConsensusRules.Fold("request 17 failed after 3000ms"), ConsensusRules.Fold("request 18 failed after 2999ms"));
    }

    [Fact]
    public void A_full_stop_does_not_change_a_causes_words()
    {
        Assert.True(ConsensusRules.Words("The connection pool was exhausted").SetEquals(ConsensusRules.Words("The connection pool was exhausted.")));
    }

    private static Consensus Decide(double threshold, params Diagnosis[] diagnoses) => ConsensusRules.Decide(diagnoses, Context, Alert, threshold);

    private static Diagnosis Answer(int agent, string cause, string category, double confidence, IReadOnlyList<Evidence> evidence) =>
        new(agent, "metrics", new DiagnosisAnswer(cause, category, evidence, confidence, $"fix of agent {agent}", [$"src/agent{agent}.cs", "src/shared.cs"]), null);
}
