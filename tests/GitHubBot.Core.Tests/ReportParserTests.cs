using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class ReportParserTests
{
    private const string Workspace = "/tmp/ghbot/work/run-1";

    [Fact]
    public void Trx_counts_outcomes_and_points_failures_at_the_line_in_the_stack_trace()
    {
        const string trx = """
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun id="1" name="run" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
                <UnitTestResult testName="Calc.Adds" outcome="Passed" />
                <UnitTestResult testName="Calc.Divides" outcome="Failed">
                  <Output>
                    <ErrorInfo>
                      <Message>Assert.Equal() Failure: Expected 2, Actual 3</Message>
                      <StackTrace>   at Calc.Tests.Divides() in /tmp/ghbot/work/run-1/tests/CalcTests.cs:line 42
               at System.RuntimeMethodHandle.InvokeMethod(Object target)</StackTrace>
                    </ErrorInfo>
                  </Output>
                </UnitTestResult>
                <UnitTestResult testName="Calc.Later" outcome="NotExecuted" />
                <UnitTestResult testName="Calc.Subtracts" outcome="Passed" />
              </Results>
            </TestRun>
            """;

        var report = ReportParser.Parse(ReportFormat.Trx, trx, exitCode: 1, Workspace);

        Assert.False(report.Passed);
        Assert.Equal(66.7, report.Score);
        Assert.StartsWith("2 passed, 1 failed, 1 skipped.", report.Summary, StringComparison.Ordinal);
        Assert.Contains("`Calc.Divides`", report.Summary, StringComparison.Ordinal);
        var annotation = Assert.Single(report.Annotations);
        Assert.Equal(new Annotation("tests/CalcTests.cs", 42, 42, AnnotationLevel.Failure, "Assert.Equal() Failure: Expected 2, Actual 3", "Calc.Divides"), annotation);
    }

    [Fact]
    public void JUnit_from_pytest_uses_file_and_line_attributes_and_python_tracebacks()
    {
        const string junit = """
            <?xml version="1.0" encoding="utf-8"?>
            <testsuites>
              <testsuite name="pytest" tests="4" failures="1" errors="1" skipped="1">
                <testcase classname="tests.test_calc" name="test_add" file="tests/test_calc.py" line="3" />
                <testcase classname="tests.test_calc" name="test_div" file="tests/test_calc.py" line="9">
                  <failure message="assert 3 == 2">def test_div():
            &gt;       assert divide(6, 2) == 2</failure>
                </testcase>
                <testcase classname="tests.test_io" name="test_read">
                  <error message="FileNotFoundError: data.txt">Traceback (most recent call last):
              File "src/io_utils.py", line 17, in read
            FileNotFoundError: data.txt</error>
                </testcase>
                <testcase classname="tests.test_io" name="test_slow"><skipped message="slow" /></testcase>
              </testsuite>
            </testsuites>
            """;

        var report = ReportParser.Parse(ReportFormat.JUnit, junit, exitCode: 1, Workspace);

        Assert.False(report.Passed);
        Assert.Equal(33.3, report.Score);
        Assert.StartsWith("1 passed, 2 failed, 1 skipped.", report.Summary, StringComparison.Ordinal);
        Assert.Collection(
            report.Annotations,
            a => Assert.Equal(("tests/test_calc.py", 9, "assert 3 == 2"), (a.Path, a.StartLine, a.Message)),
            a => Assert.Equal(("src/io_utils.py", 17, "FileNotFoundError: data.txt"), (a.Path, a.StartLine, a.Message)));
    }

    [Fact]
    public void A_green_junit_report_passes_with_full_score()
    {
        const string junit = """<testsuite tests="2"><testcase classname="a" name="one"/><testcase classname="a" name="two"/></testsuite>""";

        var report = ReportParser.Parse(ReportFormat.JUnit, junit, exitCode: 0, Workspace);

        Assert.True(report.Passed);
        Assert.Equal(100, report.Score);
        Assert.Empty(report.Annotations);
    }

    [Fact]
    public void A_test_report_in_which_nothing_ran_does_not_pass()
    {
        var report = ReportParser.Parse(ReportFormat.JUnit, "<testsuites></testsuites>", exitCode: 0, Workspace);

        Assert.False(report.Passed);
        Assert.Contains("No tests ran", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Cobertura_reports_line_coverage()
    {
        const string cobertura = """
            <?xml version="1.0" encoding="utf-8"?>
            <coverage line-rate="0.8347" branch-rate="0.5" lines-covered="303" lines-valid="363" version="1.9" timestamp="1">
              <packages />
            </coverage>
            """;

        var report = ReportParser.Parse(ReportFormat.Cobertura, cobertura, exitCode: 0, Workspace);

        Assert.Equal(83.5, report.CoveragePercent);
        Assert.Equal(83.5, report.Score);
        Assert.Equal("Line coverage 83.5% (303 of 363 lines).", report.Summary);
    }

    [Fact]
    public void Lcov_sums_lines_found_and_hit_over_all_files()
    {
        const string lcov = "TN:\nSF:src/a.js\nDA:1,1\nLF:10\nLH:9\nend_of_record\nSF:src/b.js\nLF:30\nLH:21\nend_of_record\n";

        var report = ReportParser.Parse(ReportFormat.Lcov, lcov, exitCode: 0, Workspace);

        Assert.Equal(75.0, report.CoveragePercent);
        Assert.Contains("30 of 40 lines", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Sarif_results_become_annotations_and_errors_fail_the_check()
    {
        const string sarif = """
            {
              "version": "2.1.0",
              "runs": [{
                "tool": { "driver": { "name": "semgrep" } },
                "results": [
                  { "ruleId": "sql-injection", "level": "error", "message": { "text": "User input reaches a SQL query." },
                    "locations": [{ "physicalLocation": { "artifactLocation": { "uri": "src/db.py" }, "region": { "startLine": 12, "endLine": 14 } } }] },
                  { "ruleId": "weak-hash", "level": "warning", "message": { "text": "MD5 is weak." },
                    "locations": [{ "physicalLocation": { "artifactLocation": { "uri": "file:///tmp/ghbot/work/run-1/src/hash.py" }, "region": { "startLine": 3 } } }] },
                  { "ruleId": "style", "level": "note", "message": { "text": "Consider a constant." } }
                ]
              }]
            }
            """;

        var report = ReportParser.Parse(ReportFormat.Sarif, sarif, exitCode: 1, Workspace);

        Assert.False(report.Passed);
        Assert.Equal(88, report.Score);
        Assert.Equal("1 errors, 1 warnings, 1 notes.", report.Summary);
        Assert.Collection(
            report.Annotations,
            a => Assert.Equal(new Annotation("src/db.py", 12, 14, AnnotationLevel.Failure, "User input reaches a SQL query.", "sql-injection"), a),
            a => Assert.Equal(new Annotation("src/hash.py", 3, 3, AnnotationLevel.Warning, "MD5 is weak.", "weak-hash"), a));
    }

    [Theory]
    [InlineData(0, true, 100)]
    [InlineData(2, false, 0)]
    public void Exit_code_checks_pass_on_zero(int exitCode, bool passed, double score)
    {
        var report = ReportParser.Parse(ReportFormat.ExitCode, null, exitCode, Workspace);

        Assert.Equal((passed, score), (report.Passed, report.Score));
    }

    [Theory]
    [InlineData(ReportFormat.Trx, "<TestRun><unclosed>")]
    [InlineData(ReportFormat.Sarif, "{ \"runs\": ")]
    [InlineData(ReportFormat.Cobertura, "<coverage />")]
    [InlineData(ReportFormat.Lcov, "LF:ten")]
    public void An_unreadable_report_is_a_failed_check_that_says_why(ReportFormat format, string content)
    {
        var report = ReportParser.Parse(format, content, exitCode: 0, Workspace);

        Assert.False(report.Passed);
        Assert.Contains("could not be read", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_report_is_a_failed_check()
    {
        var report = ReportParser.Parse(ReportFormat.Trx, "", exitCode: 0, Workspace);

        Assert.False(report.Passed);
        Assert.Contains("wrote no Trx report", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_green_test_report_from_a_command_that_failed_does_not_pass()
    {
        const string junit = """<testsuite><testcase classname="a" name="only_one_recorded"/></testsuite>""";

        var report = ReportParser.Parse(ReportFormat.JUnit, junit, exitCode: 134, Workspace);

        Assert.False(report.Passed);
        Assert.Contains("exited with 134", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Trx_counts_data_driven_rows_once_and_an_aborted_run_fails()
    {
        const string trx = """
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <ResultSummary outcome="Aborted" />
              <Results>
                <UnitTestResult testName="Rows" outcome="Passed">
                  <InnerResults>
                    <UnitTestResult testName="Rows (1)" outcome="Passed" />
                    <UnitTestResult testName="Rows (2)" outcome="Passed" />
                  </InnerResults>
                </UnitTestResult>
              </Results>
            </TestRun>
            """;

        var report = ReportParser.Parse(ReportFormat.Trx, trx, exitCode: 0, Workspace);

        Assert.StartsWith("1 passed, 0 failed, 0 skipped.", report.Summary, StringComparison.Ordinal);
        Assert.False(report.Passed);
        Assert.Contains("aborted", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Dotfile_paths_are_kept_and_paths_outside_the_checkout_are_dropped()
    {
        const string sarif = """
            { "runs": [{ "results": [
              { "level": "warning", "message": { "text": "pin this action" }, "locations": [{ "physicalLocation": { "artifactLocation": { "uri": ".github/workflows/ci.yml" }, "region": { "startLine": 7 } } }] },
              { "level": "warning", "message": { "text": "outside" }, "locations": [{ "physicalLocation": { "artifactLocation": { "uri": "../../etc/passwd" }, "region": { "startLine": 1 } } }] },
              { "level": "warning", "message": { "text": "elsewhere" }, "locations": [{ "physicalLocation": { "artifactLocation": { "uri": "file:///usr/lib/x.py" } } }] },
              { "level": "warning", "message": { "text": "no region" }, "locations": [{ "physicalLocation": { "artifactLocation": { "uri": "./src/app.py" } } }] }
            ]}]}
            """;

        var report = ReportParser.Parse(ReportFormat.Sarif, sarif, exitCode: 0, Workspace);

        Assert.Equal([(".github/workflows/ci.yml", 7), ("src/app.py", 1)], report.Annotations.Select(a => (a.Path, a.StartLine)));
    }

    [Fact]
    public void Sarif_uses_the_rules_default_level_and_skips_suppressed_and_passing_results()
    {
        const string sarif = """
            { "runs": [{
              "tool": { "driver": { "name": "x", "rules": [{ "id": "R1", "defaultConfiguration": { "level": "error" } }] } },
              "results": [
                { "ruleId": "R1", "message": { "text": "error by default" } },
                { "ruleId": "R1", "level": "error", "message": { "text": "suppressed" }, "suppressions": [{ "kind": "inSource" }] },
                { "ruleId": "R2", "kind": "pass", "message": { "text": "passed" } }
              ]
            }]}
            """;

        var report = ReportParser.Parse(ReportFormat.Sarif, sarif, exitCode: 0, Workspace);

        Assert.False(report.Passed);
        Assert.Equal("1 errors, 0 warnings, 0 notes.", report.Summary);
    }

    [Theory]
    [InlineData(ReportFormat.Cobertura, "<coverage line-rate=\"NaN\" />")]
    [InlineData(ReportFormat.Sarif, "{ \"version\": \"2.1.0\" }")]
    [InlineData(ReportFormat.Lcov, "LF:99999999999999999999\nLH:1\n")]
    public void Odd_reports_fail_the_check_instead_of_throwing(ReportFormat format, string content)
    {
        var report = ReportParser.Parse(format, content, exitCode: 0, Workspace);

        Assert.False(report.Passed);
        Assert.Null(report.CoveragePercent);
    }
}
