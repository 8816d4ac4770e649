using System.Diagnostics;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class SecretScannerTests
{
    // Random, never issued; split so that no scanner flags this file.
    private static readonly string AwsKeyId = "AK" + "IA" + "UJZDE8GXD6NCF10E";
    private static readonly string AwsSecret = "El2hpChYgCfrL1spNxny" + "VmihA+2O76UMFxFkM+R5";
    private static readonly string GitHubToken = "gh" + "p_" + "sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8";
    private static readonly string GitHubPat = "github" + "_pat_" + "rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63FfkCzJr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIxNK";
    private static readonly string SlackToken = "xo" + "xb-" + "2468013579-h2FDEEtfjgVvVq";
    private static readonly string GoogleKey = "AI" + "za" + "Oqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8p";
    private static readonly string StripeKey = "sk" + "_live_" + "h2FDEEtfjgVvVqE1SkHbn88H";
    private static readonly string Generic = "xjSI6bWHtP3fS2qHx6kwXoIIXG";

    private static Dictionary<string, IReadOnlyList<AddedLine>> Added(params (string Path, string[] Lines)[] files) =>
        files.ToDictionary(f => f.Path, f => (IReadOnlyList<AddedLine>)[.. f.Lines.Select((l, i) => new AddedLine(i + 1, l))], StringComparer.Ordinal);

    public static TheoryData<string, string, string> KnownSecrets => new()
    {
        { $"aws_access_key_id = {AwsKeyId}", AwsKeyId, "secret: AWS access key ID" },
        { $"aws_secret_access_key = {AwsSecret}", AwsSecret, "secret: AWS secret access key" },
        { $"\"secretAccessKey\": \"{AwsSecret}\",", AwsSecret, "secret: AWS secret access key" },
        { $"const gh = '{GitHubToken}';", GitHubToken, "secret: GitHub token" },
        { $"GH_PAT={GitHubPat}", GitHubPat, "secret: GitHub token" },
        { "-----BEGIN OPENSSH " + "PRIVATE KEY-----", "BEGIN OPENSSH", "secret: private key" },
        { $"slack: {SlackToken}", SlackToken, "secret: Slack token" },
        { $"maps.key = \"{GoogleKey}\"", GoogleKey, "secret: Google API key" },
        { $"Stripe.ApiKey = \"{StripeKey}\";", StripeKey, "secret: Stripe live key" },
        { $"API_KEY=\"{Generic}\"", Generic, "secret: high-entropy value" },
        { $"  password: {Generic}", Generic, "secret: high-entropy value" },
        { $"$client_secret => '{Generic}',", Generic, "secret: high-entropy value" },
        { $"authToken := \"{Generic}\"", Generic, "secret: high-entropy value" },
    };

    [Theory]
    [MemberData(nameof(KnownSecrets))]
    public void Each_kind_is_found_and_named_but_never_shown(string line, string secret, string title)
    {
        var report = SecretScanner.Scan(Added(("config/settings.env", ["nothing here", line])));

        Assert.False(report.Passed);
        Assert.Equal(0, report.Score);
        var annotation = Assert.Single(report.Annotations);
        Assert.Equal(("config/settings.env", 2, 2, AnnotationLevel.Failure, title), (annotation.Path, annotation.StartLine, annotation.EndLine, annotation.Level, annotation.Title));
        Assert.EndsWith("Remove it from the change and rotate it: it is in the branch's history now.", annotation.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, annotation.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, report.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[4..12], annotation.Message + report.Summary, StringComparison.Ordinal);
        Assert.StartsWith("1 possible secret in the added lines.", report.Summary, StringComparison.Ordinal);
        if (title != "secret: private key")
        {
            Assert.Contains($"`{secret[..4]}…`", annotation.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("password = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaa\"")]
    [InlineData("api_key = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")]
    [InlineData("API_TOKEN: ${{ secrets.API_TOKEN }}")]
    [InlineData("token = \"${GITHUB_TOKEN_FROM_THE_ENVIRONMENT}\"")]
    [InlineData("apiKey: \"<your-api-key-goes-here-please>\"")]
    [InlineData("SECRET_KEY = 'changeme-changeme-changeme-1234'")]
    [InlineData("api_key = \"example-8f3k2j5h6g7d8s9a0p1o2i3u\"")]
    [InlineData("const token = process.env.GITHUB_TOKEN_FOR_RELEASES;")]
    [InlineData("token_url = \"https://oauth2.googleapis.com/token9x\"")]
    [InlineData("private_key_path = \"/etc/ssl/private/server-2024.pem\"")]
    [InlineData("passwordField = \"user_password_confirmation_2\"")]
    [InlineData("tokenizer = AutoTokenizer.from_pretrained(\"bert-base-uncased-12\")")]
    [InlineData("password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt(12))")]
    [InlineData("commit_token = 1234567890123456789012345678")]
    [InlineData("aws_access_key_id = AKIAIOSFODNN7EXAMPLE")]
    public void Placeholders_references_and_regular_values_are_not_secrets(string line)
    {
        var report = SecretScanner.Scan(Added(("app/config.py", [line])));

        Assert.True(report.Passed, report.Summary);
        Assert.Equal(100, report.Score);
        Assert.Equal("No secrets in the 1 added lines of 1 files.", report.Summary);
    }

    [Fact]
    public void A_token_assigned_to_a_secret_name_is_reported_once_as_its_kind()
    {
        var report = SecretScanner.Scan(Added((".env", [$"GITHUB_TOKEN={GitHubToken}"])));

        Assert.Equal("secret: GitHub token", Assert.Single(report.Annotations).Title);
    }

    [Fact]
    public void Lock_files_are_scanned_for_token_formats_only()
    {
        var lockLines = new[]
        {
            "      \"integrity\": \"sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQlKbDNTc4fnLrWn5t1k3Lc5jwGUt9gZ3VHFRBG4/sjzzy+Q==\",",
            $"      \"token\": \"{Generic}\",",
            $"      \"resolved\": \"https://x:{GitHubToken}@npm.pkg.github.com/left-pad/-/left-pad-1.3.0.tgz\",",
        };

        var report = SecretScanner.Scan(Added(("web/package-lock.json", lockLines), ("dist/app.min.js", [$"var t=\"{Generic}\",apiKey=\"{Generic}\""])));

        var annotation = Assert.Single(report.Annotations);
        Assert.Equal(("web/package-lock.json", 3, "secret: GitHub token"), (annotation.Path, annotation.StartLine, annotation.Title));
    }

    [Fact]
    public void A_huge_line_is_scanned_in_its_first_four_thousand_characters_only_and_quickly()
    {
        var early = new string('x', 100) + $" api_key=\"{Generic}\" " + new string('y', 1_000_000);
        var late = new string('x', 500_000) + $" {GitHubToken} " + new string('y', 500_000);
        var watch = Stopwatch.StartNew();

        var report = SecretScanner.Scan(Added(("bundle.js", [early, late])));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), watch.Elapsed.ToString());
        Assert.Equal(1, Assert.Single(report.Annotations).StartLine);
        Assert.DoesNotContain(Generic, report.Annotations[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a=")]
    [InlineData("token=")]
    [InlineData("password: \"")]
    [InlineData("secret_key_")]
    [InlineData("AKIA")]
    [InlineData("ghp_")]
    public void Regex_hostile_lines_finish_quickly(string unit)
    {
        var line = string.Concat(Enumerable.Repeat(unit, 100_000 / unit.Length));
        var watch = Stopwatch.StartNew();

        var report = SecretScanner.Scan(Added(("a.txt", [line, line, line])));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), watch.Elapsed.ToString());
        Assert.True(report.Passed, report.Summary);
    }

    [Fact]
    public void Findings_stop_at_one_hundred()
    {
        var lines = Enumerable.Range(0, 150).Select(_ => $"k = {AwsKeyId}").ToArray();

        var report = SecretScanner.Scan(Added(("keys.txt", lines)));

        Assert.Equal(SecretScanner.MaxFindings, report.Annotations.Count);
        Assert.StartsWith("At least 100 possible secrets in the added lines (the scan stopped there).", report.Summary, StringComparison.Ordinal);
        Assert.EndsWith("- … and 80 more", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_counts_lines_and_files_and_lists_the_places()
    {
        Assert.Equal("No secrets in the 3 added lines of 2 files.", SecretScanner.Scan(Added(("a.cs", ["x", "y"]), ("b.cs", ["z"]))).Summary);
        Assert.Equal("No secrets in the 0 added lines of 0 files.", SecretScanner.Scan(Added()).Summary);

        var report = SecretScanner.Scan(Added(("a.cs", ["x", $"var k = \"{StripeKey}\"; var g = \"{GoogleKey}\";"])));

        Assert.Equal("2 possible secrets in the added lines.\n- `a.cs` line 2: Stripe live key\n- `a.cs` line 2: Google API key", report.Summary);
    }

    [Theory]
    [InlineData("short", "…")]
    [InlineData("abcdefghijkl", "abcd…")]
    [InlineData("`bcdefghijklm", "'bcd…")]
    public void Mask_shows_at_most_four_characters(string secret, string masked) =>
        Assert.Equal(masked, SecretScanner.Mask(secret));
}
