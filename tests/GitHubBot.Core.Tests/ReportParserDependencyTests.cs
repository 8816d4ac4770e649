using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

/// <summary>Dependency audits: real npm and dotnet output where this machine can produce it, the documented shapes otherwise.</summary>
public sealed class ReportParserDependencyTests
{
    // `npm audit --json` (npm 11.19) with .npmrc registry=http://127.0.0.1:9/: exit 1, and no error code, only the message.
    private const string NpmRefused = """
        {
          "message": "request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9",
          "error": {
            "summary": "",
            "detail": ""
          }
        }
        """;

    // The same with registry=http://registry.nonexistent.invalid/.
    private const string NpmNotFound = """
        {
          "message": "request to http://registry.nonexistent.invalid/-/npm/v1/security/advisories/bulk failed, reason: getaddrinfo ENOTFOUND registry.nonexistent.invalid",
          "error": {
            "summary": "",
            "detail": ""
          }
        }
        """;

    // `npm audit --json` without a package-lock.json: exit 1.
    private const string NpmNoLock = """
        {
          "error": {
            "code": "ENOLOCK",
            "summary": "This command requires an existing lockfile.",
            "detail": "Try creating one first with: npm i --package-lock-only\nOriginal error: loadVirtual requires existing shrinkwrap file"
          }
        }
        """;

    // `npm audit --json` against a registry that refuses the bulk advisory POST (this machine's): exit 1.
    private const string NpmEndpointRefused = """
        {
          "message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
          "method": "POST",
          "uri": "https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
          "headers": {
            "allow": [
              "GET,HEAD"
            ],
            "date": [
              "Tue, 01 Dec 2026 16:21:19 GMT"
            ],
            "content-length": [
              "0"
            ],
            "x-fetch-attempts": [
              "1"
            ]
          },
          "statusCode": 405,
          "body": "",
          "error": {
            "summary": "",
            "detail": ""
          }
        }
        """;

    // The npm 7+ shape, as npm 10 writes it for lodash 4.17.15 and minimist 1.2.0 (advisory fields trimmed).
    private const string NpmVulnerable = """
        {
          "auditReportVersion": 2,
          "vulnerabilities": {
            "lodash": {
              "name": "lodash",
              "severity": "high",
              "isDirect": true,
              "via": [
                { "source": 1096305, "name": "lodash", "dependency": "lodash", "title": "Prototype Pollution in lodash", "url": "https://github.com/advisories/GHSA-p6mc-m468-83gw", "severity": "high", "range": ">=3.7.0 <4.17.19" },
                { "source": 1096996, "name": "lodash", "dependency": "lodash", "title": "Command Injection in lodash", "url": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm", "severity": "high", "range": "<4.17.21" }
              ],
              "effects": [],
              "range": "<=4.17.20",
              "nodes": ["node_modules/lodash"],
              "fixAvailable": true
            },
            "minimist": {
              "name": "minimist",
              "severity": "critical",
              "isDirect": true,
              "via": [
                { "source": 1097678, "name": "minimist", "dependency": "minimist", "title": "Prototype Pollution in minimist", "url": "https://github.com/advisories/GHSA-xvch-5gv4-984h", "severity": "critical", "range": "<0.2.4" }
              ],
              "effects": ["mkdirp"],
              "range": "<=0.2.3 || 1.0.0 - 1.2.5",
              "nodes": ["node_modules/minimist"],
              "fixAvailable": true
            },
            "mkdirp": {
              "name": "mkdirp",
              "severity": "moderate",
              "isDirect": false,
              "via": ["minimist"],
              "effects": [],
              "range": "0.4.1 - 0.5.1",
              "nodes": ["node_modules/mkdirp"],
              "fixAvailable": { "name": "mkdirp", "version": "0.5.6", "isSemVerMajor": false }
            }
          },
          "metadata": {
            "vulnerabilities": { "info": 0, "low": 0, "moderate": 1, "high": 1, "critical": 1, "total": 3 },
            "dependencies": { "prod": 4, "dev": 0, "optional": 0, "peer": 0, "peerOptional": 0, "total": 3 }
          }
        }
        """;

    // `dotnet list package --vulnerable --include-transitive --format json` (.NET 10 SDK), exit 0: nothing found.
    private const string DotnetClean = """
        {
          "version": 1,
          "parameters": "--vulnerable --include-transitive",
          "sources": [
            "https://api.nuget.org/v3/index.json"
          ],
          "projects": [
            {
              "path": "/tmp/rt/vuln/Vuln.csproj"
            }
          ]
        }
        """;

    // The same with an unreachable https source in NuGet.config, without --no-restore: exit 1.
    private const string DotnetRestoreFailed = """
        {
           "version": 1,
           "problems": [
              {
                 "text": "Restore failed. Run `dotnet restore` for more details on the issue.",
                 "level": "error"
              }
           ]
        }
        """;

    // The same with an http:// source: exit 1, a configuration problem of the repository's.
    private const string DotnetHttpSource = """
        {
          "version": 1,
          "parameters": "--vulnerable --include-transitive",
          "problems": [
            {
              "project": "/tmp/rt/vuln/Vuln.csproj",
              "level": "error",
              "text": "You are running the 'list package' operation with an 'HTTP' source, 'dead [http://127.0.0.1:9/v3/index.json]'. NuGet requires HTTPS sources. To use HTTP sources, you must explicitly set 'allowInsecureConnections' to true in your NuGet.Config file. Refer to https://aka.ms/nuget-https-everywhere for more information."
            }
          ],
          "sources": [
            "http://127.0.0.1:9/v3/index.json"
          ],
          "projects": [
            {
              "path": "/tmp/rt/vuln/Vuln.csproj"
            }
          ]
        }
        """;

    // The documented shape (NuGet's machine-readable output spec), for a solution with two projects.
    private const string DotnetVulnerable = """
        {
          "version": 1,
          "parameters": "--vulnerable --include-transitive",
          "sources": ["https://api.nuget.org/v3/index.json"],
          "projects": [
            {
              "path": "/tmp/rt/vuln/src/App/App.csproj",
              "frameworks": [
                {
                  "framework": "net8.0",
                  "topLevelPackages": [{ "id": "Newtonsoft.Json", "requestedVersion": "12.0.1", "resolvedVersion": "12.0.1", "vulnerabilities": [{ "severity": "High", "advisoryurl": "https://github.com/advisories/GHSA-5crp-9r3c-p9vr" }] }],
                  "transitivePackages": [{ "id": "System.Text.Encodings.Web", "resolvedVersion": "4.5.0", "vulnerabilities": [{ "severity": "Critical", "advisoryurl": "https://github.com/advisories/GHSA-ghhp-997w-qr28" }] }]
                },
                {
                  "framework": "net10.0",
                  "topLevelPackages": [{ "id": "Newtonsoft.Json", "requestedVersion": "12.0.1", "resolvedVersion": "12.0.1", "vulnerabilities": [{ "severity": "High", "advisoryurl": "https://github.com/advisories/GHSA-5crp-9r3c-p9vr" }] }]
                }
              ]
            },
            {
              "path": "/tmp/rt/vuln/tests/App.Tests/App.Tests.csproj",
              "frameworks": [{
                "framework": "net10.0",
                "topLevelPackages": [],
                "transitivePackages": [{ "id": "System.Net.Http", "resolvedVersion": "4.3.0", "vulnerabilities": [{ "severity": "High", "advisoryurl": "https://github.com/advisories/GHSA-7jgj-8wvc-jh57" }, { "severity": "Low", "advisoryurl": "https://github.com/advisories/GHSA-example-low" }] }]
              }]
            },
            { "path": "/tmp/rt/vuln/src/Clean/Clean.csproj" }
          ]
        }
        """;

    [Theory]
    [InlineData(NpmRefused, "ECONNREFUSED")]
    [InlineData(NpmNotFound, "ENOTFOUND")]
    public void Npm_audit_that_cannot_reach_the_registry_is_neutral(string audit, string code)
    {
        var report = ReportParser.Parse(ReportFormat.NpmAudit, audit, exitCode: 1, "/tmp/rt/npm");

        Assert.True(report.Neutral);
        Assert.False(report.Passed);
        Assert.Equal(0, report.Score);
        Assert.StartsWith($"The registry could not be reached ({code}): `request to http://", report.Summary, StringComparison.Ordinal);
        Assert.EndsWith("` — the dependency check is neutral.", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Npm_error_codes_of_the_network_are_neutral_others_fail()
    {
        const string offline = """{ "error": { "code": "EAI_AGAIN", "summary": "request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org", "detail": "" } }""";
        const string broken = """{ "error": { "code": "EJSONPARSE", "summary": "Invalid package.json: JSONParseError: Unexpected token } in JSON at position 70", "detail": "package.json must be actual JSON" } }""";

        var neutral = ReportParser.Parse(ReportFormat.NpmAudit, offline, exitCode: 1, "/w");
        var failed = ReportParser.Parse(ReportFormat.NpmAudit, broken, exitCode: 1, "/w");

        Assert.True(neutral.Neutral);
        Assert.Equal("The registry could not be reached (EAI_AGAIN): `request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org` — the dependency check is neutral.", neutral.Summary);
        Assert.False(failed.Neutral);
        Assert.False(failed.Passed);
        Assert.Equal("npm audit failed (EJSONPARSE): `Invalid package.json: JSONParseError: Unexpected token } in JSON at position 70`", failed.Summary);
    }

    [Fact]
    public void Npm_audit_without_a_lock_file_is_neutral_and_says_so()
    {
        var report = ReportParser.Parse(ReportFormat.NpmAudit, NpmNoLock, exitCode: 1, "/tmp/rt/npm-nolock");

        Assert.True(report.Neutral);
        Assert.StartsWith("npm audit needs a package-lock.json (ENOLOCK): `This command requires an existing lockfile.`", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Npm_audit_endpoint_answering_an_http_error_is_neutral()
    {
        var report = ReportParser.Parse(ReportFormat.NpmAudit, NpmEndpointRefused, exitCode: 1, "/tmp/rt/npm-vuln");

        Assert.True(report.Neutral);
        Assert.Equal("The registry's audit endpoint answered 405: `405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk` — the dependency check is neutral.", report.Summary);
    }

    [Fact]
    public void Npm_high_and_critical_vulnerabilities_fail_naming_the_worst_packages_first()
    {
        var report = ReportParser.Parse(ReportFormat.NpmAudit, NpmVulnerable, exitCode: 1, "/w");

        Assert.False(report.Passed);
        Assert.False(report.Neutral);
        Assert.Equal(55, report.Score);
        Assert.Equal(
            """
            npm audit: 1 critical, 1 high, 1 moderate, 0 low vulnerabilities.
            - `minimist` <=0.2.3 || 1.0.0 - 1.2.5: critical
            - `lodash` <=4.17.20: high
            - `mkdirp` 0.4.1 - 0.5.1: moderate
            """.ReplaceLineEndings("\n"),
            report.Summary);
        Assert.Equal(
            [("package.json", 1, AnnotationLevel.Failure, "npm audit: minimist"), ("package.json", 1, AnnotationLevel.Failure, "npm audit: lodash"), ("package.json", 1, AnnotationLevel.Warning, "npm audit: mkdirp")],
            report.Annotations.Select(a => (a.Path, a.StartLine, a.Level, a.Title)));
        Assert.Equal("lodash <=4.17.20 has a high vulnerability: Prototype Pollution in lodash; Command Injection in lodash; fix available", report.Annotations[1].Message);
        Assert.Equal("mkdirp 0.4.1 - 0.5.1 has a moderate vulnerability: via minimist; fix available", report.Annotations[2].Message);
    }

    [Fact]
    public void Npm_moderate_and_low_vulnerabilities_pass_with_a_lower_score()
    {
        const string audit = """
            { "auditReportVersion": 2, "vulnerabilities": { "a": { "name": "a", "severity": "moderate", "via": [], "range": "*", "fixAvailable": false }, "b": { "name": "b", "severity": "low", "via": [], "range": "*", "fixAvailable": false } },
              "metadata": { "vulnerabilities": { "info": 0, "low": 1, "moderate": 1, "high": 0, "critical": 0, "total": 2 } } }
            """;

        var report = ReportParser.Parse(ReportFormat.NpmAudit, audit, exitCode: 1, "/w");

        Assert.True(report.Passed);
        Assert.Equal(94, report.Score);
        Assert.Equal([AnnotationLevel.Warning, AnnotationLevel.Notice], report.Annotations.Select(a => a.Level));
    }

    [Fact]
    public void A_big_audit_names_twenty_packages_and_places_fifty()
    {
        var entries = Enumerable.Range(0, 500).Select(i => $$"""
            "pkg{{i:D3}}": { "name": "pkg{{i:D3}}", "severity": "{{(i % 2 == 0 ? "high" : "low")}}", "via": [], "range": "*", "fixAvailable": true }
            """);
        var audit = $$"""{ "vulnerabilities": { {{string.Join(",", entries)}} } }""";

        var report = ReportParser.Parse(ReportFormat.NpmAudit, audit, exitCode: 1, "/w");

        Assert.StartsWith("npm audit: 0 critical, 250 high, 0 moderate, 250 low vulnerabilities.\n- `pkg000` *: high", report.Summary, StringComparison.Ordinal);
        Assert.EndsWith("\n- … and 480 more", report.Summary, StringComparison.Ordinal);
        Assert.Equal(22, report.Summary.Split('\n').Length);
        Assert.Equal(50, report.Annotations.Count);
        Assert.All(report.Annotations, a => Assert.Equal(AnnotationLevel.Failure, a.Level));
        Assert.Equal(0, report.Score);
    }

    [Fact]
    public void Pip_audit_fails_on_any_vulnerability_and_lists_them_without_annotations()
    {
        const string audit = """
            {"dependencies": [
              {"name": "flask", "version": "0.5", "vulns": [
                {"id": "PYSEC-2019-179", "fix_versions": ["1.0"], "aliases": ["CVE-2019-1010083"], "description": "Flask before 1.0 is affected by unexpected memory usage."},
                {"id": "PYSEC-2018-66", "fix_versions": ["0.12.3"], "aliases": ["CVE-2018-1000656"], "description": "Flask before 0.12.3 has an improper input validation."}]},
              {"name": "jinja2", "version": "3.1.4", "vulns": []},
              {"name": "my-private-pkg", "skip_reason": "Dependency not found on PyPI and could not be audited: my-private-pkg (1.0)"}],
             "fixes": []}
            """;

        var report = ReportParser.Parse(ReportFormat.PipAudit, audit, exitCode: 1, "/w");

        Assert.False(report.Passed);
        Assert.Equal(70, report.Score);
        Assert.Empty(report.Annotations);
        Assert.Equal(
            "pip-audit: 2 known vulnerabilities in 3 packages. 1 packages were skipped (not on PyPI, or not pinned).\n- `flask` 0.5: `PYSEC-2019-179`, `PYSEC-2018-66` (fixed in 1.0, 0.12.3)",
            report.Summary);
    }

    [Fact]
    public void Pip_audit_bare_array_from_older_versions_is_read_too()
    {
        var report = ReportParser.Parse(ReportFormat.PipAudit, """[{"name": "requests", "version": "2.32.3", "vulns": []}]""", exitCode: 0, "/w");

        Assert.Equal((true, 100.0, "pip-audit: no known vulnerabilities in 1 packages."), (report.Passed, report.Score, report.Summary));
    }

    [Fact]
    public void Dotnet_vulnerable_counts_each_advisory_once_and_annotates_the_project_files()
    {
        var report = ReportParser.Parse(ReportFormat.DotnetVulnerable, DotnetVulnerable, exitCode: 0, "/tmp/rt/vuln");

        Assert.False(report.Passed);
        Assert.Equal(44, report.Score);
        Assert.Equal(
            """
            dotnet list package: 1 critical, 2 high, 0 moderate, 1 low vulnerabilities.
            - `System.Text.Encodings.Web` 4.5.0: critical (transitive)
            - `Newtonsoft.Json` 12.0.1: high
            - `System.Net.Http` 4.3.0: high (transitive)
            """.ReplaceLineEndings("\n"),
            report.Summary);
        Assert.Equal(
            [("src/App/App.csproj", "dotnet list package: System.Text.Encodings.Web"), ("src/App/App.csproj", "dotnet list package: Newtonsoft.Json"), ("tests/App.Tests/App.Tests.csproj", "dotnet list package: System.Net.Http")],
            report.Annotations.Select(a => (a.Path, a.Title!)));
        Assert.All(report.Annotations, a => Assert.Equal((1, AnnotationLevel.Failure), (a.StartLine, a.Level)));
        Assert.Equal("Newtonsoft.Json 12.0.1 has a high vulnerability: https://github.com/advisories/GHSA-5crp-9r3c-p9vr", report.Annotations[1].Message);
    }

    [Fact]
    public void Dotnet_vulnerable_with_nothing_found_passes()
    {
        var report = ReportParser.Parse(ReportFormat.DotnetVulnerable, DotnetClean, exitCode: 0, "/tmp/rt/vuln");

        Assert.Equal((true, 100.0, false), (report.Passed, report.Score, report.Neutral));
        Assert.Empty(report.Annotations);
    }

    [Theory]
    [InlineData("Unable to load the service index for source https://api.nuget.org/v3/index.json.")]
    [InlineData("NU1900: Error occurred while getting package vulnerability data: Name or service not known (api.nuget.org:443)")]
    [InlineData("Audit source 'internal' did not provide any vulnerability data.")]
    public void Dotnet_vulnerability_data_that_could_not_be_loaded_is_neutral(string problem)
    {
        var audit = $$"""{ "version": 1, "problems": [{ "project": "/w/App.csproj", "level": "error", "text": "{{problem}}" }], "projects": [{ "path": "/w/App.csproj" }] }""";

        var report = ReportParser.Parse(ReportFormat.DotnetVulnerable, audit, exitCode: 1, "/w");

        Assert.True(report.Neutral);
        Assert.Equal($"The vulnerability data could not be loaded: `{problem}` — the dependency check is neutral.", report.Summary);
    }

    [Fact]
    public void Dotnet_restore_failure_is_neutral_only_when_the_output_shows_the_network()
    {
        const string output = "  Determining projects to restore...\n/tmp/rt/vuln/Vuln.csproj : error NU1301: Unable to load the service index for source https://127.0.0.1:9/v3/index.json.\n";

        var offline = ReportParser.Parse(ReportFormat.DotnetVulnerable, DotnetRestoreFailed, exitCode: 1, "/tmp/rt/vuln", output);
        var broken = ReportParser.Parse(ReportFormat.DotnetVulnerable, DotnetRestoreFailed, exitCode: 1, "/tmp/rt/vuln");

        Assert.True(offline.Neutral);
        Assert.StartsWith("The registry could not be reached (Unable to load the service index): `/tmp/rt/vuln/Vuln.csproj : error NU1301:", offline.Summary, StringComparison.Ordinal);
        Assert.False(broken.Neutral);
        Assert.False(broken.Passed);
        Assert.Equal("dotnet list package reported a problem: `Restore failed. Run 'dotnet restore' for more details on the issue.`", broken.Summary);
    }

    [Fact]
    public void Dotnet_http_source_is_the_repositorys_problem_and_fails()
    {
        var report = ReportParser.Parse(ReportFormat.DotnetVulnerable, DotnetHttpSource, exitCode: 1, "/tmp/rt/vuln");

        Assert.False(report.Neutral);
        Assert.False(report.Passed);
        Assert.StartsWith("dotnet list package reported a problem: `You are running the 'list package' operation with an 'HTTP' source", report.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ReportFormat.NpmAudit, "npm error code ENOTFOUND\nnpm error request to https://registry.npmjs.org/x failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org\n", "ENOTFOUND")]
    [InlineData(ReportFormat.PipAudit, "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /pypi/flask/0.5/json (Caused by NewConnectionError(...))", "Max retries exceeded")]
    [InlineData(ReportFormat.DotnetVulnerable, "error NU1301: Unable to load the service index for source https://api.nuget.org/v3/index.json.", "Unable to load the service index")]
    [InlineData(ReportFormat.PipAudit, "curl: (6) Could not resolve host: pypi.org", "Could not resolve host")]
    public void A_dependency_check_without_a_report_is_neutral_when_its_output_shows_the_network(ReportFormat format, string output, string reason)
    {
        var report = ReportParser.Parse(format, null, exitCode: 1, "/w", output);

        Assert.True(report.Neutral);
        Assert.False(report.Passed);
        Assert.StartsWith($"The registry could not be reached ({reason}): `", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dependency_check_without_a_report_or_a_network_failure_fails_as_before()
    {
        var report = ReportParser.Parse(ReportFormat.PipAudit, "", exitCode: 2, "/w", "pip-audit: error: unrecognized arguments: --bogus");

        Assert.False(report.Neutral);
        Assert.False(report.Passed);
        Assert.Equal("The check exited with 2 and wrote no PipAudit report.", report.Summary);
    }

    [Fact]
    public void A_report_that_is_not_json_is_neutral_with_a_network_failure_and_unreadable_without()
    {
        const string text = "npm error code ECONNREFUSED";

        Assert.True(ReportParser.Parse(ReportFormat.NpmAudit, text, 1, "/w", "npm error errno ECONNREFUSED").Neutral);
        var unreadable = ReportParser.Parse(ReportFormat.NpmAudit, text, 1, "/w", "npm error something else");
        Assert.False(unreadable.Neutral);
        Assert.Contains("could not be read", unreadable.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Network_neutral_applies_to_dependency_checks_only()
    {
        var report = ReportParser.Parse(ReportFormat.Trx, null, exitCode: 1, "/w", "error NU1301: Unable to load the service index");

        Assert.False(report.Neutral);
        Assert.Contains("wrote no Trx report", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void The_quoted_output_line_is_cut_at_200_characters_inert_in_markdown_and_without_credentials()
    {
        var output = "fetch failed: `rm -rf` https://ci:s3cr3t-t0k3n@registry.example.com/pkg ECONNREFUSED " + new string('x', 1000) + "\nsecond line ECONNREFUSED";

        var report = ReportParser.Parse(ReportFormat.NpmAudit, "", exitCode: 1, "/w", output);

        var quoted = report.Summary.Split('`')[1];
        Assert.StartsWith("fetch failed: 'rm -rf' https://***@registry.example.com/pkg ECONNREFUSED xxx", quoted, StringComparison.Ordinal);
        Assert.True(quoted.Length <= 201, quoted);
        Assert.EndsWith("…", quoted, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", report.Summary, StringComparison.Ordinal);
        Assert.Equal(2, report.Summary.Count(c => c == '`'));
    }

    [Theory]
    [InlineData(ReportFormat.NpmAudit, "[1, 2]")]
    [InlineData(ReportFormat.NpmAudit, "{ \"auditReportVersion\": 2 }")]
    [InlineData(ReportFormat.PipAudit, "{ \"deps\": [] }")]
    [InlineData(ReportFormat.DotnetVulnerable, "{ \"version\": 1 }")]
    [InlineData(ReportFormat.DotnetVulnerable, "{ \"projects\": ")]
    public void Malformed_audits_fail_saying_why(ReportFormat format, string content)
    {
        var report = ReportParser.Parse(format, content, exitCode: 1, "/w");

        Assert.False(report.Passed);
        Assert.False(report.Neutral);
        Assert.Contains("could not be read", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Combine_is_neutral_when_a_part_is_neutral_and_none_failed()
    {
        var neutral = new CheckReport(false, 0, "offline", []) { Neutral = true };
        var passed = new CheckReport(true, 100, "ok", []);
        var failed = new CheckReport(false, 0, "bad", []);

        Assert.True(ReportParser.Combine([neutral, passed]).Neutral);
        Assert.False(ReportParser.Combine([neutral, passed]).Passed);
        Assert.False(ReportParser.Combine([neutral, failed]).Neutral);
    }
}
