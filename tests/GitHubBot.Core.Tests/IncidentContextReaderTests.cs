using System.Text;
using System.Text.Json;
using GitHubBot.Core.IncidentSwarm;

namespace GitHubBot.Core.Tests;

public sealed class IncidentContextReaderTests
{
    private const string CpuGeneratorUrl = "http://cobalt:9090/graph?g0.expr=avg+by%28host%29+%28sensors_temp_input%7Bfeature%3D~%22core_%5B0-9%5D%2B%22%7D%29+%3E+15&g0.tab=1";

    private const string QueryRange = """
        {
          "status": "success",
          "data": {
            "resultType": "matrix",
            "result": [
              {
                "metric": { "__name__": "http_requests_total", "job": "checkout", "instance": "10.0.0.1:9090" },
                "values": [[1718585000, "1"], [1718585015, "4"], [1718585030, "2.5"], [1718585045, "NaN"], [1718585060, "3"]]
              },
              {
                "metric": { "job": "checkout", "instance": "10.0.0.2:9090" },
                "values": [[1718585000, "NaN"]]
              },
              {
                "metric": {},
                "values": [[1718585000, "1e3"], [1718585015, "-0.5"]]
              }
            ]
          }
        }
        """;

    private static readonly Alert Checkout = new()
    {
        Source = "alertmanager",
        Fingerprint = "a1bc48475b20e73d",
        Name = "HighLatency",
        Service = "checkout",
        Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["job"] = "checkout-api", ["env"] = "prod" },
    };

    [Fact]
    public void A_query_range_matrix_is_summarised_series_by_series()
    {
        var series = IncidentContextReader.PrometheusSeries("errors", QueryRange);

        // The series with no finite point says nothing and is left out.
        Assert.Equal(2, series.Count);
        var first = series[0];
        Assert.Equal("errors", first.Query);
        Assert.Equal("__name__=http_requests_total, job=checkout, instance=10.0.0.1:9090", first.Labels);
        Assert.Equal(4, first.Points);
        Assert.Equal((1d, 4d, 2.625, 1d, 3d), (first.Min, first.Max, first.Mean, first.First, first.Last));
        Assert.Equal(string.Empty, series[1].Labels);
        Assert.Equal((2, -0.5, 1000d, 499.75), (series[1].Points, series[1].Min, series[1].Max, series[1].Mean));
    }

    [Fact]
    public void Only_so_many_series_are_kept_and_their_labels_are_bounded()
    {
        var result = Enumerable.Range(0, 40).Select(i => new
        {
            metric = Enumerable.Range(0, 30).ToDictionary(l => $"label_{l:D2}", l => $"{i}{new string('v', 5000)}"),
            values = new[] { new object[] { 1718585000, "1" } },
        });
        var json = JsonSerializer.Serialize(new { status = "success", data = new { resultType = "matrix", result } });

        var series = IncidentContextReader.PrometheusSeries("flood", json);
        var fewer = IncidentContextReader.PrometheusSeries("flood", json, maxSeries: 3);

        Assert.Equal(IncidentContextReader.MaxSeries, series.Count);
        Assert.Equal(3, fewer.Count);
        Assert.All(series, s =>
        {
            Assert.True(s.Labels.Length <= 401, $"{s.Labels.Length} characters of labels");
            Assert.Matches("^label_00=[0-9]+v+…, label_01=", s.Labels);
            Assert.DoesNotContain(new string('v', 80), s.Labels, StringComparison.Ordinal);
            Assert.EndsWith("…", s.Labels, StringComparison.Ordinal);
            Assert.DoesNotContain("label_12", s.Labels, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void A_prometheus_error_is_a_format_exception_carrying_prometheus_reason()
    {
        var error = Assert.Throws<FormatException>(() => IncidentContextReader.PrometheusSeries("q", """{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected \"}\""}"""));

        Assert.Equal("Prometheus answered error: 1:5: parse error: unexpected \"}\"", error.Message);
    }

    [Theory]
    [InlineData("""{"status":"success"}""", "the Prometheus answer has no data.result")]
    [InlineData("""{"status":"success","data":{"resultType":"matrix"}}""", "the Prometheus answer has no data.result")]
    [InlineData("""{"status":"success","data":{"result":{}}}""", "the Prometheus answer has no data.result")]
    [InlineData("""{"status":"error"}""", "Prometheus answered error: no reason given")]
    [InlineData("<html>502 Bad Gateway</html>", "the answer is not JSON")]
    public void A_prometheus_answer_without_data_is_a_format_exception(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => IncidentContextReader.PrometheusSeries("q", json));

        Assert.StartsWith(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"status":42}""")]
    [InlineData("""{"status":"success","data":[]}""")]
    [InlineData("""{"status":"success","data":{"result":[7]}}""")]
    [InlineData("""{"status":"success","data":{"result":[{"values":[[1718585000, 3]]}]}}""")]
    public void A_prometheus_answer_of_the_wrong_shape_is_a_format_exception(string json)
    {
        Assert.Throws<FormatException>(() => IncidentContextReader.PrometheusSeries("q", json));
    }

    [Fact]
    public void Loki_lines_are_folded_counted_and_errors_come_first()
    {
        var json = Loki(
            ["GET /health 200 in 3ms", "GET /health 200 in 12ms", "user 5 logged in", "level=error msg=\"timeout after 3000ms\" request=17"],
            ["GET /health 200 in 4ms", "  GET /health 200 in 5ms  ", "level=error msg=\"timeout after 2999ms\" request=18"]);

        var logs = IncidentContextReader.LokiLines(json);

        Assert.Equal(7, logs.Total);
        Assert.Null(logs.Gap);
        Assert.Equal(
            [
                ("level=error msg=\"timeout after 3000ms\" request=17", 2),
                ("GET /health 200 in 3ms", 4),
                ("user 5 logged in", 1),
            ],
            logs.Lines.Select(l => (l.Text, l.Count)));
    }

    [Fact]
    public void Loki_lines_are_bounded_in_number_and_length()
    {
        var distinct = Enumerable.Range(0, 60).Select(i => $"{(char)('a' + (i % 26))}{(char)('a' + (i / 26))} happened").ToList();
        distinct.Add(new string('x', 5000));

        var logs = IncidentContextReader.LokiLines(Loki([.. distinct]));

        Assert.Equal(61, logs.Total);
        Assert.Equal(IncidentContextReader.MaxLogLines, logs.Lines.Count);
        var longest = IncidentContextReader.LokiLines(Loki([new string('x', 5000)])).Lines[0].Text;
        Assert.Equal(new string('x', IncidentContextReader.MaxLogLineChars) + "…", longest);
    }

    [Fact]
    public void Loki_entries_that_are_not_lines_are_skipped()
    {
        const string json = """
            {"status":"success","data":{"resultType":"streams","result":[
              {"stream":{"app":"checkout"},"values":[["1718585000000000000","panic: nil map"],["1718585000000000001"],["1718585000000000002",42]]},
              {"stream":{"app":"checkout"}}
            ]}}
            """;

        var logs = IncidentContextReader.LokiLines(json);

        Assert.Equal(1, logs.Total);
        Assert.Equal("panic: nil map", Assert.Single(logs.Lines).Text);
    }

    [Theory]
    [InlineData("""{"status":"error","error":"too many outstanding requests"}""", "Loki answered error")]
    [InlineData("""{"status":"success","data":{}}""", "the Loki answer has no data.result")]
    [InlineData("too many requests", "the answer is not JSON")]
    public void A_failed_loki_answer_is_a_format_exception(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => IncidentContextReader.LokiLines(json));

        Assert.StartsWith(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_is_filled_from_the_alerts_labels_and_service()
    {
        Assert.Equal(
            "sum(rate(http_requests_total{job=\"checkout-api\",env=\"prod\",code=~\"5..\"}[5m]))",
            IncidentContextReader.Fill("sum(rate(http_requests_total{job=\"{job}\",env=\"{env}\",code=~\"5..\"}[5m]))", Checkout));
        Assert.Equal("{service=\"checkout\"} |= \"error\"", IncidentContextReader.Fill("{service=\"{service}\"} |= \"error\"", Checkout));

        // Without a service of its own, the alert's service label is used.
        var labelled = Checkout with { Service = null, Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["service"] = "payments" } };
        Assert.Equal("up{service=\"payments\"}", IncidentContextReader.Fill("up{service=\"{service}\"}", labelled));
    }

    [Theory]
    [InlineData("up{instance=\"{instance}\"}")]
    [InlineData("up{job=\"{job}\",pod=\"{pod}\"}")]
    public void A_template_naming_a_label_the_alert_lacks_is_not_filled(string template)
    {
        Assert.Null(IncidentContextReader.Fill(template, Checkout));
        Assert.Null(IncidentContextReader.Fill("up{service=\"{service}\"}", Checkout with { Service = null }));
    }

    [Theory]
    [InlineData("x\"} or vector(1) #")]
    [InlineData("x\"}")]
    [InlineData("x\\")]
    [InlineData("x\\\"} or up{a=\"")]
    [InlineData("line one\nline two\"}")]
    [InlineData("{env}\"}")]
    public void A_label_value_cannot_break_out_of_a_double_quoted_promql_string(string value)
    {
        var alert = Checkout with { Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["job"] = value, ["env"] = "prod" } };

        var query = IncidentContextReader.Fill("up{job=\"{job}\"}", alert)!;

        Assert.StartsWith("up{job=\"", query, StringComparison.Ordinal);
        var (content, rest) = Quoted(query, "up{job=".Length);
        Assert.Equal("}", rest);
        Assert.Equal(value.Replace('\n', ' '), content);
    }

    [Fact]
    public void A_label_value_cannot_break_out_of_a_single_quoted_string()
    {
        var alert = Checkout with { Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["job"] = "x'`} or vector(1) or up{a='`" } };

        var query = IncidentContextReader.Fill("up{job='{job}'}", alert)!;

        Assert.Equal("}", Quoted(query, "up{job=".Length, '\'', true).After);
    }

    [Theory]
    [InlineData("up{job=`{job}`}", "x`} or vector(1) or up{a=`")]
    [InlineData("up{job={job}}", "x} or vector(1)")]
    [InlineData("sum by({job}) (up)", "job) (up) or vector(1) #")]
    public void A_value_that_cannot_be_escaped_where_it_stands_is_not_placed(string template, string value)
    {
        var alert = Checkout with { Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["job"] = value } };

        Assert.Null(IncidentContextReader.Fill(template, alert));
    }

    [Fact]
    public void Outside_a_string_a_plain_name_is_placed()
    {
        var alert = Checkout with { Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["job"] = "checkout-api" } };

        Assert.Equal("sum by(checkout-api) (up)", IncidentContextReader.Fill("sum by({job}) (up)", alert));
    }

    [Fact]
    public void The_alerts_expression_is_read_from_a_prometheus_graph_url()
    {
        Assert.Equal("avg by(host) (sensors_temp_input{feature=~\"core_[0-9]+\"}) > 15", IncidentContextReader.ExpressionOf(CpuGeneratorUrl));
        Assert.Equal("up == 0", IncidentContextReader.ExpressionOf("https://prometheus.example.com/graph?g0.range_input=1h&g0.expr=up%20%3D%3D%200"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("https://grafana.example.com/alerting/grafana/zTjxv_C7k/view")]
    [InlineData("http://cobalt:9090/graph?g1.expr=up")]
    [InlineData("http://cobalt:9090/graph?g0.expr=+++&g0.tab=1")]
    public void A_url_without_an_expression_gives_none(string? url)
    {
        Assert.Null(IncidentContextReader.ExpressionOf(url));
    }

    [Fact]
    public void An_overlong_expression_is_not_taken()
    {
        Assert.Null(IncidentContextReader.ExpressionOf("http://cobalt:9090/graph?g0.expr=" + Uri.EscapeDataString("up" + new string(' ', 2100))));
        Assert.NotNull(IncidentContextReader.ExpressionOf("http://cobalt:9090/graph?g0.expr=" + Uri.EscapeDataString("up or " + new string('x', 1900))));
    }

    [Fact]
    public void The_rendered_context_shows_the_alert_and_says_what_is_not_available()
    {
        var alert = new Alert
        {
            Source = "alertmanager",
            Fingerprint = "a1bc48475b20e73d",
            Name = "High CPU Temperature",
            Severity = "critical",
            Summary = "High CPU core temperature",
            Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["severity"] = "critical", ["host"] = "andromeda", ["alertname"] = "High CPU Temperature" },
            StartsAt = new DateTimeOffset(2020, 2, 6, 0, 17, 58, TimeSpan.Zero),
        };
        var context = new IncidentContext(
            new MetricsContext([], "Prometheus did not answer for `alert`: timeout"),
            new LogsContext([], 0, "Incidents:Loki:Url is not set"),
            new ChangesContext([], [], "the service has no repository"));

        var text = IncidentContextReader.Render(alert, context);

        Assert.Equal(
            "## Alert\n\n- name: High CPU Temperature\n- severity: critical\n- service: (none)\n- started: 2020-02-06 00:17:58Z\n- says: High CPU core temperature\n"
            + "- label alertname=High CPU Temperature\n- label host=andromeda\n- label severity=critical\n"
            + "\n## Metrics\n\n(not available: Prometheus did not answer for `alert`: timeout)\n"
            + "\n## Logs\n\n(not available: Incidents:Loki:Url is not set)\n"
            + "\n## Recent changes\n\n(not available: the service has no repository)\n",
            text);
    }

    [Fact]
    public void The_rendered_context_lists_series_log_lines_and_recent_changes()
    {
        var alert = Checkout with
        {
            Metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["p99_latency_ms"] = 2350.56789 },
            Logs = ["WARN retrying payments"],
            GitHub = new GitHubAlert("code_scanning", 7, "octo", "shop", null, null, "js/sql-injection", "Query from user input", "src/db.js", 12),
        };
        var context = new IncidentContext(
            new MetricsContext(IncidentContextReader.PrometheusSeries("service", QueryRange), null),
            new LogsContext([new LogLine("ERROR connection pool exhausted after 30000ms", 42)], 42, null),
            new ChangesContext(
                [new CommitSummary("3f2a9c1d4e5b6a7980c1d2e3f4a5b6c7d8e9f012", "Reduce the database pool to 5", "dev", new DateTimeOffset(2025, 1, 15, 9, 0, 0, TimeSpan.Zero))],
                [new MergedPullRequest(42, "Tune the pool", new DateTimeOffset(2025, 1, 15, 9, 5, 0, TimeSpan.Zero), "https://github.com/octo/shop/pull/42")],
                null));

        var text = IncidentContextReader.Render(alert, context);

        Assert.Contains("- service: checkout\n", text, StringComparison.Ordinal);
        Assert.Contains("- metric p99_latency_ms = 2350.5679\n", text, StringComparison.Ordinal);
        Assert.Contains("- GitHub code_scanning alert #7: js/sql-injection — Query from user input at src/db.js:12\n", text, StringComparison.Ordinal);
        Assert.Contains("- query `service` {__name__=http_requests_total, job=checkout, instance=10.0.0.1:9090}: 4 points, first 1, last 3, min 1, max 4, mean 2.625\n", text, StringComparison.Ordinal);
        Assert.Contains("- (42×) ERROR connection pool exhausted after 30000ms\n- (1×) WARN retrying payments\n", text, StringComparison.Ordinal);
        Assert.Contains("- commit 3f2a9c1d4e5b 2025-01-15 09:00:00Z by dev: Reduce the database pool to 5\n", text, StringComparison.Ordinal);
        Assert.Contains("- PR #42 merged 2025-01-15 09:05:00Z: Tune the pool\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("not available", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rendered_context_of_huge_inputs_stays_bounded_by_what_the_readers_keep()
    {
        // Render applies no bound of its own: it is bounded by what the parsers and the readers keep.
        var labels = Enumerable.Range(0, 300).ToDictionary(i => $"label_{i:D3}{new string('k', 400)}", _ => new string('v', 20_000));
        var body = JsonSerializer.Serialize(new { alerts = new[] { new { status = "firing", labels, annotations = new { summary = new string('s', 200_000) } } } });
        var alert = Assert.Single(AlertPayloads.ParseWebhook(body, "alertmanager").Notices).Alert;
        var generic = Assert.Single(AlertPayloads.ParseGeneric(JsonSerializer.Serialize(new
        {
            id = "flood",
            metrics = Enumerable.Range(0, 500).ToDictionary(i => $"{i}{new string('m', 400)}", i => (double)i),
            logs = Enumerable.Range(0, 500).Select(_ => new string('l', 20_000)),
        })).Notices).Alert;
        var series = Enumerable.Range(0, 100).Select(i => new
        {
            metric = Enumerable.Range(0, 40).ToDictionary(l => $"l{l}", l => new string('v', 10_000)),
            values = Enumerable.Range(0, 1000).Select(p => new object[] { 1718585000 + p, $"{p}" }).ToArray(),
        });
        var metrics = IncidentContextReader.PrometheusSeries("service", JsonSerializer.Serialize(new { status = "success", data = new { resultType = "matrix", result = series } }));
        var logs = IncidentContextReader.LokiLines(Loki([.. Enumerable.Range(0, 500).Select(i => $"{(char)('a' + (i % 26))}{(char)('a' + (i / 26 % 26))}{new string('x', 20_000)}")]));
        var changes = new ChangesContext(
            [.. Enumerable.Range(0, 20).Select(i => new CommitSummary(new string('a', 40), new string('t', 201), new string('u', 100), DateTimeOffset.UnixEpoch))],
            [.. Enumerable.Range(0, 20).Select(i => new MergedPullRequest(i, new string('t', 201), DateTimeOffset.UnixEpoch, "https://github.com/o/r/pull/1"))],
            null);

        var text = IncidentContextReader.Render(alert with { Metrics = generic.Metrics, Logs = generic.Logs }, new IncidentContext(new MetricsContext(metrics, null), logs, changes));

        var lines = text.Split('\n');
        Assert.Equal(AlertLimits.MaxLabels, lines.Count(l => l.StartsWith("- label ", StringComparison.Ordinal)));
        Assert.Equal(AlertLimits.MaxMetrics, lines.Count(l => l.StartsWith("- metric ", StringComparison.Ordinal)));
        Assert.Equal(IncidentContextReader.MaxSeries, lines.Count(l => l.StartsWith("- query ", StringComparison.Ordinal)));
        Assert.Equal(IncidentContextReader.MaxLogLines + AlertLimits.MaxLogLines, lines.Count(l => l.StartsWith("- (", StringComparison.Ordinal)));
        Assert.All(lines, l => Assert.True(l.Length <= 1250, $"a line of {l.Length} characters"));
        Assert.True(text.Length < 150_000, $"{text.Length} characters");
    }

    private static string Loki(params string[][] streams) => JsonSerializer.Serialize(new
    {
        status = "success",
        data = new
        {
            resultType = "streams",
            result = streams.Select((lines, s) => new
            {
                stream = new { app = "checkout", pod = $"checkout-{s}" },
                values = lines.Select((line, i) => new[] { $"{1718585000000000000L + i}", line }).ToArray(),
            }),
        },
    });

    /// <summary>The content of the PromQL string opening at <paramref name="open"/>, and what follows its closing quote.</summary>
    private static (string Content, string After) Quoted(string query, int open, char quote = '"', bool escapes = true)
    {
        Assert.Equal(quote, query[open]);
        var content = new StringBuilder();
        var i = open + 1;
        while (query[i] != quote)
        {
            if (escapes && query[i] == '\\')
            {
                i++;
            }

            content.Append(query[i]);
            i++;
        }

        return (content.ToString(), query[(i + 1)..]);
    }
}
