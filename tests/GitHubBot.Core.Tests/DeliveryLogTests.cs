using GitHubBot.Core.Redelivery;

namespace GitHubBot.Core.Tests;

public sealed class DeliveryLogTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static DeliveryAttempt A(long id, string guid, int hoursAgo, int status, bool redelivery = false) =>
        new(id, guid, T.AddHours(-hoursAgo), redelivery, status, "pull_request");

    [Theory]
    [InlineData(0, true)]
    [InlineData(-1, true)]
    [InlineData(200, false)]
    [InlineData(202, false)]
    [InlineData(302, false)]
    [InlineData(400, true)]
    [InlineData(404, true)]
    [InlineData(502, true)]
    public void Failure_is_no_answer_or_400_and_above(int status, bool failed) => Assert.Equal(failed, DeliveryLog.IsFailure(status));

    [Fact]
    public void A_guid_is_failed_unless_an_attempt_succeeded_and_is_asked_for_once_unless_already_redelivered()
    {
        var sorted = DeliveryLog.Sort(
        [
            A(1, "delivered-later", 5, 502), A(2, "delivered-later", 4, 200, redelivery: true),
            A(3, "redelivered", 6, 500), A(4, "redelivered", 5, 500, redelivery: true),
            A(5, "newer", 2, 0),
            A(6, "older", 9, 503),
            A(7, "fine", 1, 200),
            A(0, "no-id", 3, 500),
            A(8, "bad guid!", 3, 500),
            A(9, new string('a', 65), 3, 500),
        ]);

        Assert.Equal(3, sorted.Failed);
        Assert.Equal(1, sorted.AlreadyRedelivered);
        Assert.Equal([new RedeliveryCandidate(6, "older", "pull_request"), new RedeliveryCandidate(5, "newer", "pull_request")], sorted.ToAsk);
    }

    [Fact]
    public void Accepted_guids_are_left_out_and_the_rest_capped()
    {
        var toAsk = new[] { new RedeliveryCandidate(1, "a", null), new RedeliveryCandidate(2, "b", null), new RedeliveryCandidate(3, "c", null), new RedeliveryCandidate(4, "d", null) };

        var (ask, accepted, deferred) = DeliveryLog.Choose(toAsk, new HashSet<string>(["b"], StringComparer.Ordinal), 2);

        Assert.Equal([1L, 3L], ask.Select(c => c.DeliveryId));
        Assert.Equal(1, accepted);
        Assert.Equal(1, deferred);
    }
}
