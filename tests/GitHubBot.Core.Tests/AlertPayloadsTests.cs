using System.Globalization;
using System.Text.Json;
using GitHubBot.Core.IncidentSwarm;

namespace GitHubBot.Core.Tests;

public sealed class AlertPayloadsTests
{
    private const string CpuExpression = "avg by(host) (sensors_temp_input{feature=~\"core_[0-9]+\"}) > 15";

    private const string Seed = """
        {
          "id": "checkout-latency-high",
          "severity": "critical",
          "service": "checkout",
          "message": "p99 latency above 2s on checkout",
          "timestamp": "2025-01-15T10:30:00Z",
          "metrics": { "p99_latency_ms": 2350.5, "error_rate": 0.12, "note": "not a number" },
          "logs": ["ERROR timeout calling payments after 2000ms", "WARN retrying payments (attempt 3)"]
        }
        """;

    [Fact]
    public void Alertmanagers_firing_delivery_gives_one_notice_per_alert_with_its_own_fingerprint()
    {
        var (notices, problem) = AlertPayloads.ParseWebhook(Fixture("alertmanager.firing.json"), "alertmanager");

        Assert.Null(problem);
        Assert.Equal(["a1bc48475b20e73d", "c2ea85182f28cbd9"], notices.Select(n => n.Alert.Fingerprint));
        Assert.All(notices, notice =>
        {
            Assert.False(notice.Resolved);
            Assert.Equal("alertmanager", notice.Alert.Source);
            Assert.Equal("High CPU Temperature", notice.Alert.Name);
            Assert.Equal("critical", notice.Alert.Severity);
            Assert.Equal("High CPU core temperature", notice.Alert.Summary);
            Assert.Equal("andromeda", notice.Alert.Labels["host"]);
            Assert.Equal(TimeSpan.Zero, notice.Alert.StartsAt.Offset);
            Assert.Equal("2020-02-06T00:17:58.432", notice.Alert.StartsAt.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture));
        });

        // Each alert keeps its own annotations, not the group's common ones.
        Assert.Equal("CPU core temperature is 34.75C", notices[0].Alert.Annotations["description"]);
        Assert.Equal("CPU core temperature is 17.625C", notices[1].Alert.Annotations["description"]);

        // No service or job label: the alert's name is its service.
        Assert.Equal("High CPU Temperature", notices[0].Alert.Service);
    }

    [Fact]
    public void The_generator_url_is_kept_so_the_alerts_expression_can_still_be_read_from_it()
    {
        var alert = AlertPayloads.ParseWebhook(Fixture("alertmanager.firing.json"), "alertmanager").Notices[0].Alert;

        Assert.NotNull(alert.GeneratorUrl);
        Assert.StartsWith("http://cobalt:9090/graph?g0.expr=", alert.GeneratorUrl, StringComparison.Ordinal);
        Assert.Equal(CpuExpression, IncidentContextReader.ExpressionOf(alert.GeneratorUrl));
    }

    [Fact]
    public void Alertmanagers_resolved_delivery_resolves_the_same_fingerprint_that_fired()
    {
        var firing = AlertPayloads.ParseWebhook(Fixture("alertmanager.firing.json"), "alertmanager").Notices[0];

        var (notices, problem) = AlertPayloads.ParseWebhook(Fixture("alertmanager.resolved.json"), "alertmanager");

        Assert.Null(problem);
        var notice = Assert.Single(notices);
        Assert.True(notice.Resolved);
        Assert.Equal(firing.Alert.Fingerprint, notice.Alert.Fingerprint);
        Assert.Equal("High CPU Temperature", notice.Alert.Name);
        Assert.Equal("critical", notice.Alert.Severity);
    }

    [Fact]
    public void Grafanas_firing_delivery_is_read_like_alertmanagers_and_its_extra_keys_are_ignored()
    {
        var (notices, problem) = AlertPayloads.ParseWebhook(Fixture("grafana.firing.json"), "grafana");

        Assert.Null(problem);
        var notice = Assert.Single(notices);
        var alert = notice.Alert;
        Assert.False(notice.Resolved);
        Assert.Equal("grafana", alert.Source);
        Assert.Equal("d8a21484c9c25a60", alert.Fingerprint);
        Assert.Equal("Test alert", alert.Name);
        Assert.Equal("unknown", alert.Severity);
        Assert.Equal("This is a summary field, failure on some_host", alert.Summary);
        Assert.Equal("https://grafana.example.com/alerting/grafana/zTjxv_C7k/view", alert.GeneratorUrl);
        Assert.Equal("2022-06-17T00:41:00.782", alert.StartsAt.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture));
        Assert.Equal(["alertname", "test"], alert.Labels.Keys.Order(StringComparer.Ordinal));

        // A Grafana rule's page is not a Prometheus graph: there is no expression to query.
        Assert.Null(IncidentContextReader.ExpressionOf(alert.GeneratorUrl));
    }

    [Fact]
    public void Grafanas_resolved_delivery_resolves_the_alert_that_fired()
    {
        var (notices, problem) = AlertPayloads.ParseWebhook(Fixture("grafana.resolved.json"), "grafana");

        Assert.Null(problem);
        var notice = Assert.Single(notices);
        Assert.True(notice.Resolved);
        Assert.Equal("grafana", notice.Alert.Source);
        Assert.Equal("d8a21484c9c25a60", notice.Alert.Fingerprint);
        Assert.Equal("This is a summary field, failure on <no value>", notice.Alert.Summary);
    }

    [Theory]
    [InlineData("this is not json", "the body is not a JSON object")]
    [InlineData("[{\"status\":\"firing\"}]", "the body is not a JSON object")]
    [InlineData("{\"alerts\":[", "the body is not a JSON object")]
    [InlineData("{\"status\":\"firing\"}", "alerts must be an array")]
    [InlineData("{\"alerts\":{\"status\":\"firing\"}}", "alerts must be an array")]
    [InlineData("{\"alerts\":[{\"status\":\"firing\",\"labels\":{}},\"x\"]}", "alerts[1] is not an object")]
    [InlineData("{\"alerts\":[{\"status\":\"pending\",\"labels\":{\"alertname\":\"a\"}}]}", "alerts[0].status must be firing or resolved")]
    [InlineData("{\"alerts\":[{\"labels\":{\"alertname\":\"a\"}}]}", "alerts[0].status must be firing or resolved")]
    public void A_malformed_webhook_delivery_is_refused_saying_what_is_wrong(string body, string problem)
    {
        var (notices, said) = AlertPayloads.ParseWebhook(body, "alertmanager");

        Assert.Equal(problem, said);
        Assert.Empty(notices);
    }

    [Fact]
    public void An_alert_without_its_own_status_takes_the_deliverys()
    {
        var (notices, problem) = AlertPayloads.ParseWebhook("""{"status":"resolved","alerts":[{"labels":{"alertname":"DiskFull"}}]}""", "alertmanager");

        Assert.Null(problem);
        Assert.True(Assert.Single(notices).Resolved);
    }

    [Fact]
    public void The_seeds_generic_json_becomes_one_alert_with_its_metrics_and_logs()
    {
        var (notices, problem) = AlertPayloads.ParseGeneric(Seed);

        Assert.Null(problem);
        var notice = Assert.Single(notices);
        var alert = notice.Alert;
        Assert.False(notice.Resolved);
        Assert.Equal("generic", alert.Source);
        Assert.Equal("checkout-latency-high", alert.Fingerprint);
        Assert.Equal("checkout-latency-high", alert.Name);
        Assert.Equal("critical", alert.Severity);
        Assert.Equal("checkout", alert.Service);
        Assert.Equal("checkout", alert.Labels["service"]);
        Assert.Equal("p99 latency above 2s on checkout", alert.Summary);
        Assert.Equal(new DateTimeOffset(2025, 1, 15, 10, 30, 0, TimeSpan.Zero), alert.StartsAt);

        // Only numbers are metrics: "note" is left out.
        Assert.Equal(2, alert.Metrics.Count);
        Assert.Equal(2350.5, alert.Metrics["p99_latency_ms"]);
        Assert.Equal(0.12, alert.Metrics["error_rate"]);
        Assert.Equal(["ERROR timeout calling payments after 2000ms", "WARN retrying payments (attempt 3)"], alert.Logs);
    }

    [Fact]
    public void The_seeds_json_may_say_its_alert_resolved()
    {
        var (notices, problem) = AlertPayloads.ParseGeneric("""{"id":"checkout-latency-high","status":"resolved"}""");

        Assert.Null(problem);
        var notice = Assert.Single(notices);
        Assert.True(notice.Resolved);
        Assert.Null(notice.Alert.Service);
        Assert.Empty(notice.Alert.Labels);
        Assert.Equal("checkout-latency-high", notice.Alert.Summary);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[\"checkout\"]")]
    public void A_generic_body_that_is_not_a_json_object_is_refused(string body)
    {
        var (notices, problem) = AlertPayloads.ParseGeneric(body);

        Assert.Equal("the body is not a JSON object", problem);
        Assert.Empty(notices);
    }

    [Theory]
    [InlineData("""{"message":"no id at all"}""")]
    [InlineData("""{"id":""}""")]
    [InlineData("""{"id":42}""")]
    [InlineData("""{"id":"../../etc/passwd"}""")]
    [InlineData("""{"id":"checkout/latency"}""")]
    [InlineData("""{"id":"checkout latency"}""")]
    [InlineData("""{"id":"checkout\nlatency"}""")]
    public void A_generic_alert_without_a_safe_id_is_refused(string body)
    {
        var (notices, problem) = AlertPayloads.ParseGeneric(body);

        Assert.Equal("id is required: 1 to 128 letters, digits or . _ : @ -", problem);
        Assert.Empty(notices);
    }

    [Fact]
    public void A_generic_id_may_be_128_characters_but_not_200()
    {
        var longest = AlertPayloads.ParseGeneric(JsonSerializer.Serialize(new { id = new string('a', 128) }));
        var tooLong = AlertPayloads.ParseGeneric(JsonSerializer.Serialize(new { id = new string('a', 200) }));

        Assert.Null(longest.Problem);
        Assert.Equal(new string('a', 128), Assert.Single(longest.Notices).Alert.Fingerprint);
        Assert.Equal("id is required: 1 to 128 letters, digits or . _ : @ -", tooLong.Problem);
        Assert.Empty(tooLong.Notices);
    }

    [Fact]
    public void A_generic_status_other_than_firing_or_resolved_is_refused()
    {
        var (notices, problem) = AlertPayloads.ParseGeneric("""{"id":"checkout-latency-high","status":"acknowledged"}""");

        Assert.Equal("status must be firing or resolved", problem);
        Assert.Empty(notices);
    }

    [Fact]
    public void The_seeds_logs_metrics_and_texts_are_bounded()
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = "flood",
            ["message"] = new string('m', 5000),
            ["service"] = new string('s', 500),
            ["metrics"] = Enumerable.Range(0, 80).ToDictionary(i => i == 0 ? new string('k', 300) : $"metric_{i}", i => (object)i),
            ["logs"] = Enumerable.Range(0, AlertLimits.MaxLogLines + 30).Select(i => i == 0 ? new string('x', 5000) : $"line {i}").ToList(),
        });

        var alert = Assert.Single(AlertPayloads.ParseGeneric(body).Notices).Alert;

        Assert.Equal(AlertLimits.MaxLogLines, alert.Logs.Count);
        Assert.Equal("line 49", alert.Logs[^1]);
        Assert.Equal(new string('x', AlertLimits.MaxLogLineChars) + "…", alert.Logs[0]);
        Assert.Equal(AlertLimits.MaxMetrics, alert.Metrics.Count);
        Assert.Contains(new string('k', 100) + "…", alert.Metrics.Keys);
        Assert.Equal(new string('m', AlertLimits.MaxValueChars) + "…", alert.Summary);
        Assert.Equal(new string('s', 200) + "…", alert.Service);
    }

    [Fact]
    public void A_non_string_log_entry_is_kept_as_its_json()
    {
        var alert = Assert.Single(AlertPayloads.ParseGeneric("""{"id":"x","logs":[{"level":"error","msg":"boom"},7]}""").Notices).Alert;

        Assert.Equal(["{\"level\":\"error\",\"msg\":\"boom\"}", "7"], alert.Logs);
    }

    [Fact]
    public void A_delivery_with_more_alerts_than_allowed_is_cut()
    {
        var body = Webhook(Enumerable.Range(0, AlertLimits.MaxAlertsPerDelivery + 50)
            .Select(i => new { status = "firing", labels = new Dictionary<string, string> { ["alertname"] = $"Alert{i}" } }));

        var (notices, problem) = AlertPayloads.ParseWebhook(body, "alertmanager");

        Assert.Null(problem);
        Assert.Equal(AlertLimits.MaxAlertsPerDelivery, notices.Count);
        Assert.Equal("Alert99", notices[^1].Alert.Name);
        Assert.Equal(AlertLimits.MaxAlertsPerDelivery, notices.Select(n => n.Alert.Fingerprint).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Labels_beyond_the_limit_are_cut_and_long_values_bounded()
    {
        var labels = Enumerable.Range(0, AlertLimits.MaxLabels + 36).ToDictionary(i => $"label_{i:D3}", i => i == 0 ? new string('v', 5000) : $"value {i}");
        var body = Webhook([new { status = "firing", labels, annotations = new Dictionary<string, object> { ["summary"] = new string('s', 3000), ["count"] = 3 } }]);

        var alert = Assert.Single(AlertPayloads.ParseWebhook(body, "alertmanager").Notices).Alert;

        Assert.Equal(AlertLimits.MaxLabels, alert.Labels.Count);
        Assert.DoesNotContain("label_064", alert.Labels.Keys);
        Assert.Equal(new string('v', AlertLimits.MaxValueChars) + "…", alert.Labels["label_000"]);
        Assert.Equal(new string('s', AlertLimits.MaxValueChars) + "…", alert.Summary);

        // Only text annotations are kept.
        Assert.Equal(["summary"], alert.Annotations.Keys);
    }

    [Fact]
    public void An_alert_without_a_fingerprint_gets_one_from_its_labels_whatever_their_order()
    {
        var one = Webhook([new { status = "firing", labels = new Dictionary<string, string> { ["alertname"] = "DiskFull", ["instance"] = "db-1", ["severity"] = "warning" } }]);
        var reordered = Webhook([new { status = "firing", labels = new Dictionary<string, string> { ["severity"] = "warning", ["instance"] = "db-1", ["alertname"] = "DiskFull" } }]);
        var other = Webhook([new { status = "firing", labels = new Dictionary<string, string> { ["alertname"] = "DiskFull", ["instance"] = "db-2", ["severity"] = "warning" } }]);

        var first = Assert.Single(AlertPayloads.ParseWebhook(one, "alertmanager").Notices).Alert;
        var second = Assert.Single(AlertPayloads.ParseWebhook(reordered, "alertmanager").Notices).Alert;
        var third = Assert.Single(AlertPayloads.ParseWebhook(other, "alertmanager").Notices).Alert;

        Assert.Matches("^[0-9a-f]{16}$", first.Fingerprint);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.NotEqual(first.Fingerprint, third.Fingerprint);
        Assert.Equal(AlertPayloads.FingerprintOf(first.Labels), first.Fingerprint);
    }

    [Fact]
    public void An_unsafe_fingerprint_is_replaced_by_one_made_from_the_labels()
    {
        var body = Webhook([new { status = "firing", fingerprint = "../../etc/passwd", labels = new Dictionary<string, string> { ["alertname"] = "DiskFull" } }]);

        var alert = Assert.Single(AlertPayloads.ParseWebhook(body, "alertmanager").Notices).Alert;

        Assert.Equal(AlertPayloads.FingerprintOf(new Dictionary<string, string> { ["alertname"] = "DiskFull" }), alert.Fingerprint);
        Assert.Matches("^[0-9a-f]{16}$", alert.Fingerprint);
    }

    [Fact]
    public void FingerprintOf_depends_on_keys_and_values_not_on_their_order()
    {
        var labels = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" };
        var same = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" };
        var shifted = new Dictionary<string, string> { ["a"] = "1b", ["b"] = "2" };

        Assert.Equal(AlertPayloads.FingerprintOf(labels), AlertPayloads.FingerprintOf(same));
        Assert.NotEqual(AlertPayloads.FingerprintOf(labels), AlertPayloads.FingerprintOf(shifted));
        Assert.NotEqual(AlertPayloads.FingerprintOf(labels), AlertPayloads.FingerprintOf(new Dictionary<string, string> { ["a"] = "2", ["b"] = "1" }));
    }

    [Fact]
    public void The_service_is_the_first_of_service_then_job_then_alertname()
    {
        var all = new Dictionary<string, string> { ["alertname"] = "HighLatency", ["job"] = "checkout-api", ["service"] = "checkout" };
        var noService = new Dictionary<string, string> { ["alertname"] = "HighLatency", ["job"] = "checkout-api", ["service"] = "  " };
        var nameOnly = new Dictionary<string, string> { ["alertname"] = "HighLatency" };

        Assert.Equal("checkout", AlertPayloads.ServiceOf(all, AlertPayloads.DefaultServiceLabels));
        Assert.Equal("checkout-api", AlertPayloads.ServiceOf(noService, AlertPayloads.DefaultServiceLabels));
        Assert.Equal("HighLatency", AlertPayloads.ServiceOf(nameOnly, AlertPayloads.DefaultServiceLabels));
        Assert.Null(AlertPayloads.ServiceOf(new Dictionary<string, string> { ["host"] = "db-1" }, AlertPayloads.DefaultServiceLabels));
    }

    [Fact]
    public void A_configured_list_of_service_labels_decides_the_service()
    {
        var body = Webhook([new { status = "firing", labels = new Dictionary<string, string> { ["alertname"] = "HighLatency", ["service"] = "checkout", ["app"] = "shop" } }]);

        var alert = Assert.Single(AlertPayloads.ParseWebhook(body, "alertmanager", ["app", "service"]).Notices).Alert;

        Assert.Equal("shop", alert.Service);
    }

    [Theory]
    [InlineData("javascript:alert(document.cookie)")]
    [InlineData("JavaScript:alert(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("ftp://prometheus/graph")]
    [InlineData("/graph?g0.expr=up")]
    [InlineData("")]
    public void A_generator_url_that_is_not_http_is_dropped(string url)
    {
        var body = Webhook([new { status = "firing", generatorURL = url, labels = new Dictionary<string, string> { ["alertname"] = "a" } }]);

        var alert = Assert.Single(AlertPayloads.ParseWebhook(body, "alertmanager").Notices).Alert;

        Assert.Null(alert.GeneratorUrl);
    }

    [Fact]
    public void A_github_alert_is_fingerprinted_by_repository_kind_and_number()
    {
        var github = new GitHubAlert("code_scanning", 7, "octo", "shop", 42, "https://github.com/octo/shop/security/code-scanning/7", "js/sql-injection", "Database query built from user-controlled sources", "src/db.js", 12);
        var createdAt = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

        var alert = AlertPayloads.FromGitHub(github, "high", createdAt);

        Assert.Equal("github", alert.Source);
        Assert.Equal("octo/shop/code_scanning/7", alert.Fingerprint);
        Assert.Equal("code scanning alert #7: js/sql-injection", alert.Name);
        Assert.Equal("high", alert.Severity);
        Assert.Equal("Database query built from user-controlled sources", alert.Summary);
        Assert.Equal(createdAt, alert.StartsAt);
        Assert.Equal("https://github.com/octo/shop/security/code-scanning/7", alert.GeneratorUrl);
        Assert.Equal("octo/shop", alert.Labels["repository"]);
        Assert.Equal("js/sql-injection", alert.Labels["rule"]);
        Assert.Equal("code scanning alert", alert.Labels["alertname"]);
        Assert.False(alert.GitHub!.IsSecret);
    }

    [Fact]
    public void A_secret_scanning_alert_is_a_secret_and_has_a_summary_even_without_detail()
    {
        var alert = AlertPayloads.FromGitHub(new GitHubAlert("secret_scanning", 3, "octo", "shop", null, null, null, null, null, null), " ", DateTimeOffset.UnixEpoch);

        Assert.True(alert.GitHub!.IsSecret);
        Assert.Equal("octo/shop/secret_scanning/3", alert.Fingerprint);
        Assert.Equal("secret scanning alert #3", alert.Name);
        Assert.Equal("unknown", alert.Severity);
        Assert.Equal("GitHub raised a secret scanning alert on octo/shop.", alert.Summary);
        Assert.False(AlertPayloads.FromGitHub(new GitHubAlert("dependabot", 1, "o", "r", null, null, null, null, null, null), "low", DateTimeOffset.UnixEpoch).GitHub!.IsSecret);
    }

    [Fact]
    public void A_github_alerts_texts_are_bounded_and_an_unsafe_url_dropped()
    {
        var github = new GitHubAlert("dependabot", 9, "octo", "shop", 1, "javascript:alert(1)", new string('r', 400), new string('d', 4000), new string('p', 900), 1);

        var alert = AlertPayloads.FromGitHub(github, new string('s', 80), DateTimeOffset.UnixEpoch);

        Assert.Equal(new string('d', AlertLimits.MaxValueChars) + "…", alert.GitHub!.Detail);
        Assert.Equal(alert.GitHub.Detail, alert.Summary);
        Assert.Equal(new string('r', 200) + "…", alert.GitHub.Rule);
        Assert.Equal(new string('p', 500) + "…", alert.GitHub.Path);
        Assert.Equal(new string('s', 50) + "…", alert.Severity);
        Assert.True(alert.Name.Length <= 301, alert.Name);
        Assert.Null(alert.GitHub.Url);
        Assert.Null(alert.GeneratorUrl);
    }

    [Fact]
    public void The_seeds_severity_is_bounded_like_every_other_text()
    {
        var alert = Assert.Single(AlertPayloads.ParseGeneric(JsonSerializer.Serialize(new { id = "x", severity = new string('s', 100_000) })).Notices).Alert;

        Assert.True(alert.Severity.Length <= AlertLimits.MaxValueChars + 1, $"severity of {alert.Severity.Length} characters");
    }

    [Fact]
    public void A_stored_generator_url_keeps_its_escaping()
    {
        var body = Webhook([new { status = "firing", generatorURL = "http://prometheus:9090/graph?q=%3C!--%20x%20--%3E", labels = new Dictionary<string, string> { ["alertname"] = "a" } }]);

        var alert = Assert.Single(AlertPayloads.ParseWebhook(body, "alertmanager").Notices).Alert;

        Assert.DoesNotMatch("[<> ]", alert.GeneratorUrl!);
    }

    private static string Webhook<T>(IEnumerable<T> alerts) => JsonSerializer.Serialize(new { version = "4", alerts });

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "fixtures", "alerts", name));

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "GitHubBot.sln")))
        {
            dir = dir.Parent;
        }

        return dir.FullName;
    }
}
