using GitHubBot.Workflows.Hosting;
using Prometheus;

namespace GitHubBot.Workflows.Tests;

/// <summary>The bridge from Temporal's metrics to prometheus-net, on a registry of its own.</summary>
public sealed class PrometheusMetricMeterTests
{
    [Fact]
    public async Task Equal_tag_sets_are_one_object_and_each_record_lands_on_its_labels()
    {
        var registry = Metrics.NewCustomRegistry();
        var meter = new PrometheusMetricMeter(registry);
        var requests = meter.CreateCounter<long>("request", null, "requests");
        var latency = meter.CreateHistogram<TimeSpan>("request_latency", null, "latency");

        var start = meter.CreateTags(null, [new("operation", "StartWorkflowExecution"), new("namespace", "default")]);
        var again = meter.CreateTags(null, [new("operation", "StartWorkflowExecution"), new("namespace", "default")]);
        var poll = meter.CreateTags(null, [new("operation", "PollWorkflowTaskQueue"), new("namespace", "default")]);
        Assert.Same(start, again);
        Assert.NotSame(start, poll);
        Assert.Same(meter.CreateTags(start, [new("task_queue", "q")]), meter.CreateTags(again, [new("task_queue", "q")]));

        for (var i = 0; i < 1000; i++)
        {
            requests.Add(1, i % 2 == 0 ? start : again);
            latency.Record(TimeSpan.FromMilliseconds(20), start);
        }

        requests.Add(3, poll);

        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text);
        var exported = System.Text.Encoding.UTF8.GetString(text.ToArray());
        Assert.Contains("temporal_request_total{namespace=\"default\",operation=\"StartWorkflowExecution\"} 1000", exported, StringComparison.Ordinal);
        Assert.Contains("temporal_request_total{namespace=\"default\",operation=\"PollWorkflowTaskQueue\"} 3", exported, StringComparison.Ordinal);
        Assert.Matches("temporal_request_latency_sum\\{namespace=\"default\",operation=\"StartWorkflowExecution\"\\} (19\\.9\\d*|20(\\.0\\d*)?)\n", exported); // 1000 × 0.02 s
        Assert.Contains("temporal_request_latency_count{namespace=\"default\",operation=\"StartWorkflowExecution\"} 1000", exported, StringComparison.Ordinal);
    }

    [Fact]
    public void Past_the_cap_tag_sets_are_still_made_but_no_longer_kept()
    {
        var meter = new PrometheusMetricMeter(Metrics.NewCustomRegistry());
        for (var i = 0; i < PrometheusMetricMeter.MaxTagSets; i++)
        {
            meter.CreateTags(null, [new("workflow_id", i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }

        var first = meter.CreateTags(null, [new("workflow_id", "one more")]);
        var second = meter.CreateTags(null, [new("workflow_id", "one more")]);
        Assert.NotSame(first, second);
        Assert.Same(meter.CreateTags(null, [new("workflow_id", "0")]), meter.CreateTags(null, [new("workflow_id", "0")]));
    }
}
