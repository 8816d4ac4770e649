using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Prometheus;
using Temporalio.Runtime;

namespace GitHubBot.Workflows.Hosting;

/// <summary>
/// The process's one Temporal runtime, its metrics (the SDK's <c>temporal_*</c> and what workflows record on
/// <c>Workflow.MetricMeter</c>) sent to prometheus-net's default registry, which <c>/metrics</c> serves.
/// </summary>
public static class TemporalMetrics
{
    private static readonly Lazy<TemporalRuntime> Shared = new(() => new TemporalRuntime(new TemporalRuntimeOptions
    {
        Telemetry = new TelemetryOptions
        {
            Metrics = new MetricsOptions
            {
                CustomMetricMeter = new PrometheusMetricMeter(Metrics.DefaultRegistry),
                CustomMetricMeterOptions = new CustomMetricMeterOptions { HistogramDurationFormat = CustomMetricMeterOptions.DurationFormat.FloatSeconds },
            },
        },
    }));

    /// <summary>The runtime every client and worker of this process uses (made on first use).</summary>
    public static TemporalRuntime Runtime => Shared.Value;
}

/// <summary>
/// Temporal's metrics as prometheus-net metrics. The SDK's names keep their <c>temporal_</c> prefix; counters get
/// Prometheus's <c>_total</c> suffix; durations are seconds. Tags become labels: a metric's label names are those of
/// its first update (a later update missing one leaves it empty, one with more has the extra dropped), so a metric is
/// always one family with one set of label names.
/// </summary>
public sealed class PrometheusMetricMeter(CollectorRegistry registry) : ICustomMetricMeter
{
    private readonly MetricFactory factory = Metrics.WithCustomRegistry(registry);
    private readonly ConcurrentDictionary<string, object> families = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Tags> interned = new(StringComparer.Ordinal);

    public ICustomMetricCounter<T> CreateCounter<T>(string name, string? unit, string? description)
        where T : struct =>
        new Instrument<T>(this, Name(name, "_total"), description, Kind.Counter);

    public ICustomMetricHistogram<T> CreateHistogram<T>(string name, string? unit, string? description)
        where T : struct =>
        new Instrument<T>(this, Name(name, ""), description, Kind.Histogram);

    public ICustomMetricGauge<T> CreateGauge<T>(string name, string? unit, string? description)
        where T : struct =>
        new Instrument<T>(this, Name(name, ""), description, Kind.Gauge);

    /// <summary>
    /// The SDK asks for a tag set again and again with the same tags (each RPC, each task): equal sets are one object
    /// (up to <see cref="MaxTagSets"/> of them), so an instrument finds its labelled child for it at once.
    /// </summary>
    public object CreateTags(object? appendFrom, IReadOnlyCollection<KeyValuePair<string, object>> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var from = appendFrom as Tags;
        var signature = new StringBuilder(from?.Signature);
        foreach (var (key, value) in tags)
        {
            signature.Append('\u0001').Append(key).Append('\u0002').Append(Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        var text = signature.ToString();
        return interned.TryGetValue(text, out var known) ? known
            : interned.Count < MaxTagSets ? interned.GetOrAdd(text, _ => Build(from, tags, text))
            : Build(from, tags, text);
    }

    /// <summary>How many distinct tag sets are kept as one object each (the SDK's are a few dozen).</summary>
    public const int MaxTagSets = 10_000;

    private static Tags Build(Tags? from, IReadOnlyCollection<KeyValuePair<string, object>> tags, string signature)
    {
        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in from?.Pairs ?? [])
        {
            merged[key] = value;
        }

        foreach (var (key, value) in tags)
        {
            merged[Sanitize(key)] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        }

        return new Tags([.. merged], signature);
    }

    /// <summary>The buckets of a histogram: workflows' durations up to hours, everything else (latencies) up to minutes.</summary>
    public static double[] Buckets(string name) =>
        name.EndsWith("_duration_seconds", StringComparison.Ordinal)
            ? Histogram.ExponentialBuckets(0.5, 2, 16)
            : Histogram.ExponentialBuckets(0.001, 2, 18);

    private static string Name(string name, string suffix)
    {
        var clean = Sanitize(name);
        if (!clean.StartsWith("temporal_", StringComparison.Ordinal) && !clean.StartsWith("ghbot_", StringComparison.Ordinal))
        {
            clean = "temporal_" + clean;
        }

        return suffix.Length > 0 && !clean.EndsWith(suffix, StringComparison.Ordinal) ? clean + suffix : clean;
    }

    private static string Sanitize(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return text.Length == 0 || char.IsAsciiDigit(text[0]) ? "_" + text : text.ToString();
    }

    private Collector Family(string name, string? help, Kind kind, Tags tags) =>
        (Collector)families.GetOrAdd(name, _ =>
        {
            var labels = tags.Pairs.Select(pair => pair.Key).ToArray();
            var text = string.IsNullOrWhiteSpace(help) ? name : help;
            return kind switch
            {
                Kind.Counter => factory.CreateCounter(name, text, labels),
                Kind.Gauge => factory.CreateGauge(name, text, labels),
                _ => factory.CreateHistogram(name, text, new HistogramConfiguration { LabelNames = labels, Buckets = Buckets(name) }),
            };
        });

    private static string[] Values(Collector family, Tags tags)
    {
        var names = family.LabelNames;
        var values = new string[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            values[i] = tags.Get(names[i]);
        }

        return values;
    }

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    private sealed record Tags(KeyValuePair<string, string>[] Pairs, string Signature)
    {
        public static readonly Tags None = new([], string.Empty);

        public string Get(string key)
        {
            foreach (var (name, value) in Pairs)
            {
                if (name == key)
                {
                    return value;
                }
            }

            return "";
        }
    }

    /// <summary>
    /// One of the SDK's instruments. The SDK makes a tag set once and records against it many times (every RPC, every
    /// task), so the labelled child of each tag set is resolved once and kept with it (weakly: a tag set the SDK drops
    /// takes its entry along); a record is then one lookup and one update, with nothing allocated.
    /// </summary>
    private sealed class Instrument<T>(PrometheusMetricMeter meter, string name, string? help, Kind kind)
        : ICustomMetricCounter<T>, ICustomMetricGauge<T>, ICustomMetricHistogram<T>
        where T : struct
    {
        private readonly ConditionalWeakTable<object, object> children = new();

        public void Add(T value, object tags) => Update(value, tags);

        public void Set(T value, object tags) => Update(value, tags);

        public void Record(T value, object tags) => Update(value, tags);

        private void Update(T value, object tags)
        {
            var number = value is TimeSpan span ? span.TotalSeconds : Convert.ToDouble(value, CultureInfo.InvariantCulture);
            var key = tags ?? Tags.None;
            if (!children.TryGetValue(key, out var child))
            {
                child = children.GetValue(key, Resolve);
            }

            switch (child)
            {
                case Counter.Child counter:
                    counter.Inc(Math.Max(0, number));
                    break;
                case Gauge.Child gauge:
                    gauge.Set(number);
                    break;
                case Histogram.Child histogram:
                    histogram.Observe(number);
                    break;
            }
        }

        private object Resolve(object tags)
        {
            var set = tags as Tags ?? Tags.None;
            var family = meter.Family(name, help, kind, set);
            var values = Values(family, set);
            return family switch
            {
                Counter counter => counter.WithLabels(values),
                Gauge gauge => gauge.WithLabels(values),
                Histogram histogram => histogram.WithLabels(values),
                _ => family,
            };
        }
    }
}
