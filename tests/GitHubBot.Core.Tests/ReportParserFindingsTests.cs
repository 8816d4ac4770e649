using GitHubBot.Core.Config;
using GitHubBot.Core.GitHub;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

/// <summary>Linter and scanner reports, from the real tools' output (run on throwaway projects; paths are theirs).</summary>
public sealed class ReportParserFindingsTests
{
    // `eslint -f json src` (ESLint 6.4, exit 1) in /tmp/rt/eslint: two warnings and two errors in app.js, a parse error in broken.js.
    private const string EslintReport = """
        [{"filePath":"/tmp/rt/eslint/src/app.js","messages":[{"ruleId":"no-unused-vars","severity":1,"message":"'unused' is assigned a value but never used.","line":1,"column":7,"nodeType":"Identifier","endLine":1,"endColumn":13},{"ruleId":"semi","severity":1,"message":"Missing semicolon.","line":1,"column":17,"nodeType":"VariableDeclaration","fix":{"range":[16,16],"text":";"}},{"ruleId":"eqeqeq","severity":2,"message":"Expected '===' and instead saw '=='.","line":3,"column":9,"nodeType":"BinaryExpression","messageId":"unexpected","endLine":3,"endColumn":11},{"ruleId":"no-undef","severity":2,"message":"'missing' is not defined.","line":3,"column":24,"nodeType":"Identifier","messageId":"undef","endLine":3,"endColumn":31}],"errorCount":2,"warningCount":2,"fixableErrorCount":0,"fixableWarningCount":1,"source":"const unused = 1\nfunction f(a) {\n  if (a == 2) { return missing; }\n  return a;\n}\nmodule.exports = f;\n"},{"filePath":"/tmp/rt/eslint/src/broken.js","messages":[{"ruleId":null,"fatal":true,"severity":2,"message":"Parsing error: Unexpected token (","line":1,"column":10}],"errorCount":1,"warningCount":0,"fixableErrorCount":0,"fixableWarningCount":0,"source":"function (\n"},{"filePath":"/tmp/rt/eslint/src/ok.js","messages":[],"errorCount":0,"warningCount":0,"fixableErrorCount":0,"fixableWarningCount":0}]
        """;

    // `flake8 pkg` (flake8 5.0.4, exit 1) in /tmp/rt/py.
    private const string Flake8Report = """
        pkg/mod.py:6:5: F841 local variable 'x' is assigned to but never used
        pkg/mod.py:8:12: F821 undefined name 'undefined_name'
        pkg/bad.py:1:8: E999 SyntaxError: invalid syntax
        """;

    // `pylint --output-format=json pkg` (pylint 2.16, exit 22), five of its ten messages.
    private const string PylintReport = """
        [
            {
                "type": "error",
                "module": "pkg.bad",
                "obj": "",
                "line": 1,
                "column": 7,
                "endLine": null,
                "endColumn": null,
                "path": "pkg/bad.py",
                "symbol": "syntax-error",
                "message": "Parsing failed: 'invalid syntax (<unknown>, line 1)'",
                "message-id": "E0001"
            },
            {
                "type": "convention",
                "module": "pkg.mod",
                "obj": "",
                "line": 1,
                "column": 0,
                "endLine": null,
                "endColumn": null,
                "path": "pkg/mod.py",
                "symbol": "missing-module-docstring",
                "message": "Missing module docstring",
                "message-id": "C0114"
            },
            {
                "type": "error",
                "module": "pkg.mod",
                "obj": "run",
                "line": 8,
                "column": 11,
                "endLine": 8,
                "endColumn": 25,
                "path": "pkg/mod.py",
                "symbol": "undefined-variable",
                "message": "Undefined variable 'undefined_name'",
                "message-id": "E0602"
            },
            {
                "type": "warning",
                "module": "pkg.mod",
                "obj": "run",
                "line": 5,
                "column": 13,
                "endLine": 5,
                "endColumn": 21,
                "path": "pkg/mod.py",
                "symbol": "unused-argument",
                "message": "Unused argument 'password'",
                "message-id": "W0613"
            },
            {
                "type": "warning",
                "module": "pkg.mod",
                "obj": "run",
                "line": 6,
                "column": 4,
                "endLine": 6,
                "endColumn": 5,
                "path": "pkg/mod.py",
                "symbol": "unused-variable",
                "message": "Unused variable 'x'",
                "message-id": "W0612"
            }
        ]
        """;

    // `bandit -f json -r pkg -o bandit.json` (bandit 1.6.2, exit 1); the per-file metrics left out.
    private const string BanditReport = """
        {
          "errors": [
            {
              "filename": "pkg/bad.py",
              "reason": "syntax error while parsing AST from file"
            }
          ],
          "generated_at": "2026-12-01T16:20:50Z",
          "metrics": {
            "_totals": {
              "CONFIDENCE.HIGH": 2.0,
              "CONFIDENCE.LOW": 0.0,
              "CONFIDENCE.MEDIUM": 1.0,
              "CONFIDENCE.UNDEFINED": 0.0,
              "SEVERITY.HIGH": 1.0,
              "SEVERITY.LOW": 2.0,
              "SEVERITY.MEDIUM": 0.0,
              "SEVERITY.UNDEFINED": 0.0,
              "loc": 10,
              "nosec": 0
            }
          },
          "results": [
            {
              "code": "1 import os\n2 import subprocess\n3 \n4 \n5 def run(cmd, password=\"hunter2\"):\n",
              "filename": "pkg/mod.py",
              "issue_confidence": "HIGH",
              "issue_severity": "LOW",
              "issue_text": "Consider possible security implications associated with subprocess module.",
              "line_number": 2,
              "line_range": [
                2,
                3,
                4
              ],
              "more_info": "https://bandit.readthedocs.io/en/latest/blacklists/blacklist_imports.html#b404-import-subprocess",
              "test_id": "B404",
              "test_name": "blacklist"
            },
            {
              "code": "4 \n5 def run(cmd, password=\"hunter2\"):\n6     x = 1\n7     subprocess.call(cmd, shell=True)\n8     return undefined_name + os.sep\n9 \n10 \n11 def add(a, b):\n",
              "filename": "pkg/mod.py",
              "issue_confidence": "MEDIUM",
              "issue_severity": "LOW",
              "issue_text": "Possible hardcoded password: 'hunter2'",
              "line_number": 5,
              "line_range": [
                5,
                6,
                7,
                8,
                9,
                10
              ],
              "more_info": "https://bandit.readthedocs.io/en/latest/plugins/b107_hardcoded_password_default.html",
              "test_id": "B107",
              "test_name": "hardcoded_password_default"
            },
            {
              "code": "6     x = 1\n7     subprocess.call(cmd, shell=True)\n8     return undefined_name + os.sep\n",
              "filename": "pkg/mod.py",
              "issue_confidence": "HIGH",
              "issue_severity": "HIGH",
              "issue_text": "subprocess call with shell=True identified, security issue.",
              "line_number": 7,
              "line_range": [
                7
              ],
              "more_info": "https://bandit.readthedocs.io/en/latest/plugins/b602_subprocess_popen_with_shell_equals_true.html",
              "test_id": "B602",
              "test_name": "subprocess_popen_with_shell_equals_true"
            }
          ]
        }
        """;

    // `dotnet format whitespace --verify-no-changes --report bad` (.NET 10 SDK, exit 2) on a badly indented Program.cs.
    private const string DotnetFormatReport = """
        [
          {
            "DocumentId": {
              "ProjectId": {
                "Id": "bfa45be6-33f3-4db2-bf4e-ae253d362bdc"
              },
              "Id": "159c346f-3b40-4ff3-9f6e-077aed919fdd"
            },
            "FileName": "Program.cs",
            "FilePath": "/tmp/rt/fmt/Program.cs",
            "FileChanges": [
              {
                "LineNumber": 5,
                "CharNumber": 3,
                "DiagnosticId": "WHITESPACE",
                "FormatDescription": "Fix whitespace formatting. Insert \u0027\\s\\s\u0027."
              },
              {
                "LineNumber": 6,
                "CharNumber": 3,
                "DiagnosticId": "WHITESPACE",
                "FormatDescription": "Fix whitespace formatting. Insert \u0027\\s\\s\u0027."
              },
              {
                "LineNumber": 7,
                "CharNumber": 40,
                "DiagnosticId": "WHITESPACE",
                "FormatDescription": "Fix whitespace formatting. Replace 6 characters with \u0027\\n\\s\\s\\s\\s\u0027."
              }
            ]
          }
        ]
        """;

    [Fact]
    public void Eslint_errors_fail_and_every_message_is_placed_with_its_rule()
    {
        var report = ReportParser.Parse(ReportFormat.EslintJson, EslintReport, exitCode: 1, "/tmp/rt/eslint");

        Assert.False(report.Passed);
        Assert.Equal(66, report.Score);
        Assert.Equal("3 errors, 2 warnings, 0 notes.", report.Summary);
        Assert.Collection(
        report.Annotations,
        a => Assert.Equal(new Annotation("src/app.js", 1, 1, AnnotationLevel.Warning, "'unused' is assigned a value but never used.", "no-unused-vars"), a),
        a => Assert.Equal(new Annotation("src/app.js", 1, 1, AnnotationLevel.Warning, "Missing semicolon.", "semi"), a),
        a => Assert.Equal(new Annotation("src/app.js", 3, 3, AnnotationLevel.Failure, "Expected '===' and instead saw '=='.", "eqeqeq"), a),
        a => Assert.Equal(new Annotation("src/app.js", 3, 3, AnnotationLevel.Failure, "'missing' is not defined.", "no-undef"), a),
        a => Assert.Equal(new Annotation("src/broken.js", 1, 1, AnnotationLevel.Failure, "Parsing error: Unexpected token (", "parse error"), a));
    }

    [Fact]
    public void Eslint_warnings_alone_pass_with_a_lower_score()
    {
        // `eslint -f json warnonly.js`, exit 0.
        const string warnings = """[{"filePath":"/tmp/rt/eslint/warnonly.js","messages":[{"ruleId":"no-unused-vars","severity":1,"message":"'x' is assigned a value but never used.","line":1,"column":5,"nodeType":"Identifier","endLine":1,"endColumn":6},{"ruleId":"semi","severity":1,"message":"Missing semicolon.","line":1,"column":10,"nodeType":"VariableDeclaration","fix":{"range":[9,9],"text":";"}}],"errorCount":0,"warningCount":2,"fixableErrorCount":0,"fixableWarningCount":1,"source":"var x = 1\n"}]""";

        var report = ReportParser.Parse(ReportFormat.EslintJson, warnings, exitCode: 0, "/tmp/rt/eslint");

        Assert.True(report.Passed);
        Assert.Equal(96, report.Score);
        Assert.All(report.Annotations, a => Assert.Equal(("warnonly.js", AnnotationLevel.Warning), (a.Path, a.Level)));
    }

    [Fact]
    public void Eslint_exiting_with_2_fails_whatever_it_wrote()
    {
        var report = ReportParser.Parse(ReportFormat.EslintJson, "[]", exitCode: 2, "/tmp/rt/eslint");

        Assert.False(report.Passed);
        Assert.Contains("ESLint exited with 2", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Flake8_syntax_errors_and_undefined_names_fail_and_style_warns()
    {
        var report = ReportParser.Parse(ReportFormat.Flake8, Flake8Report, exitCode: 1, "/tmp/rt/py");

        Assert.False(report.Passed);
        Assert.Equal(78, report.Score);
        Assert.Equal("2 errors, 1 warnings, 0 notes.", report.Summary);
        Assert.Collection(
        report.Annotations,
        a => Assert.Equal(new Annotation("pkg/mod.py", 6, 6, AnnotationLevel.Warning, "local variable 'x' is assigned to but never used", "F841"), a),
        a => Assert.Equal(new Annotation("pkg/mod.py", 8, 8, AnnotationLevel.Failure, "undefined name 'undefined_name'", "F821"), a),
        a => Assert.Equal(new Annotation("pkg/bad.py", 1, 1, AnnotationLevel.Failure, "SyntaxError: invalid syntax", "E999"), a));
    }

    [Fact]
    public void Flake8_writes_nothing_when_clean_which_passes_only_with_exit_code_0()
    {
        Assert.Equal((true, 100.0), (ReportParser.Parse(ReportFormat.Flake8, "", exitCode: 0, "/tmp/rt/py") is var clean ? (clean.Passed, clean.Score) : default));
        var crashed = ReportParser.Parse(ReportFormat.Flake8, null, exitCode: 1, "/tmp/rt/py");
        Assert.False(crashed.Passed);
        Assert.Contains("wrote no Flake8 report", crashed.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Flake8_io_errors_on_line_0_are_errors_on_line_1()
    {
        // `flake8 nosuchdir`, exit 1.
        var report = ReportParser.Parse(ReportFormat.Flake8, "nosuchdir:0:1: E902 FileNotFoundError: [Errno 2] No such file or directory: 'nosuchdir'\n", exitCode: 1, "/tmp/rt/py");

        Assert.False(report.Passed);
        Assert.Equal(("nosuchdir", 1, "E902"), (report.Annotations[0].Path, report.Annotations[0].StartLine, report.Annotations[0].Title));
    }

    [Fact]
    public void Flake8_output_that_is_no_finding_is_unreadable()
    {
        var report = ReportParser.Parse(ReportFormat.Flake8, "Traceback (most recent call last):\n  File \"/usr/bin/flake8\", line 33\nImportError: nope\n", exitCode: 1, "/tmp/rt/py");

        Assert.False(report.Passed);
        Assert.Contains("could not be read", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Pylint_errors_fail_warnings_warn_and_conventions_are_notes()
    {
        var report = ReportParser.Parse(ReportFormat.PylintJson, PylintReport, exitCode: 22, "/tmp/rt/py");

        Assert.False(report.Passed);
        Assert.Equal(76, report.Score);
        Assert.Equal("2 errors, 2 warnings, 1 notes.", report.Summary);
        Assert.Collection(
        report.Annotations,
        a => Assert.Equal(new Annotation("pkg/bad.py", 1, 1, AnnotationLevel.Failure, "Parsing failed: 'invalid syntax (<unknown>, line 1)'", "syntax-error"), a),
        a => Assert.Equal(new Annotation("pkg/mod.py", 1, 1, AnnotationLevel.Notice, "Missing module docstring", "missing-module-docstring"), a),
        a => Assert.Equal(new Annotation("pkg/mod.py", 8, 8, AnnotationLevel.Failure, "Undefined variable 'undefined_name'", "undefined-variable"), a),
        a => Assert.Equal(new Annotation("pkg/mod.py", 5, 5, AnnotationLevel.Warning, "Unused argument 'password'", "unused-argument"), a),
        a => Assert.Equal(new Annotation("pkg/mod.py", 6, 6, AnnotationLevel.Warning, "Unused variable 'x'", "unused-variable"), a));
    }

    [Fact]
    public void Pylint_clean_json2_and_usage_errors()
    {
        // A clean run prints [] and exits 0; pylint 3's json2 wraps the messages; exit 32 is a usage error.
        Assert.True(ReportParser.Parse(ReportFormat.PylintJson, "[]", exitCode: 0, "/tmp/rt/py").Passed);
        var json2 = ReportParser.Parse(ReportFormat.PylintJson, """{ "messages": [{ "type": "fatal", "path": "x.py", "line": 1, "symbol": "fatal", "message": "No module named x.py", "messageId": "F0001" }], "statistics": {} }""", 1, "/tmp/rt/py");
        Assert.Equal(("1 errors, 0 warnings, 0 notes.", "fatal"), (json2.Summary, json2.Annotations[0].Title));
        var usage = ReportParser.Parse(ReportFormat.PylintJson, "[]", exitCode: 32, "/tmp/rt/py");
        Assert.False(usage.Passed);
        Assert.Contains("usage error", usage.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Bandit_high_severity_fails_and_the_hard_coded_password_is_not_repeated()
    {
        var report = ReportParser.Parse(ReportFormat.BanditJson, BanditReport, exitCode: 1, "/tmp/rt/py");

        Assert.False(report.Passed);
        Assert.Equal(90, report.Score);
        Assert.StartsWith("1 errors, 0 warnings, 2 notes.", report.Summary, StringComparison.Ordinal);
        Assert.Contains("bandit could not scan 1 files, e.g. `pkg/bad.py`", report.Summary, StringComparison.Ordinal);
        Assert.Equal(
        [("pkg/mod.py", 2, AnnotationLevel.Notice, "B404"), ("pkg/mod.py", 5, AnnotationLevel.Notice, "B107"), ("pkg/mod.py", 7, AnnotationLevel.Failure, "B602")],
        report.Annotations.Select(a => (a.Path, a.StartLine, a.Level, a.Title)));
        Assert.Equal("subprocess call with shell=True identified, security issue. (confidence: high)", report.Annotations[2].Message);
        Assert.Equal("Possible hardcoded password: '…' (confidence: medium)", report.Annotations[1].Message);
        Assert.DoesNotContain("hunter2", report.Summary + string.Join(" ", report.Annotations.Select(a => a.Message)), StringComparison.Ordinal);
    }

    [Fact]
    public void Dotnet_format_changes_are_warnings_and_any_fails()
    {
        var report = ReportParser.Parse(ReportFormat.DotnetFormat, DotnetFormatReport, exitCode: 2, "/tmp/rt/fmt");

        Assert.False(report.Passed);
        Assert.Equal(94, report.Score);
        Assert.Equal("3 formatting changes needed in 1 files.", report.Summary);
        Assert.Equal([5, 6, 7], report.Annotations.Select(a => a.StartLine));
        Assert.All(report.Annotations, a => Assert.Equal(("Program.cs", AnnotationLevel.Warning, "WHITESPACE"), (a.Path, a.Level, a.Title)));
        Assert.Equal(@"Fix whitespace formatting. Insert '\s\s'.", report.Annotations[0].Message);

        // A clean run writes [] and exits 0.
        var clean = ReportParser.Parse(ReportFormat.DotnetFormat, "[]", exitCode: 0, "/tmp/rt/fmt");
        Assert.Equal((true, 100.0, "No formatting changes needed."), (clean.Passed, clean.Score, clean.Summary));
    }

    [Fact]
    public void Ten_thousand_findings_are_all_counted_and_the_annotations_bounded_keeping_the_errors()
    {
        var messages = Enumerable.Range(1, 10_000).Select(i => $$"""{"ruleId":"r{{i % 7}}","severity":1,"message":"m{{i}}","line":{{i}} }""")
        .Append("""{"ruleId":"no-undef","severity":2,"message":"last","line":10001}""");
        var eslint = $$"""[{"filePath":"/w/src/big.js","messages":[{{string.Join(",", messages)}}]}]""";

        var report = ReportParser.Parse(ReportFormat.EslintJson, eslint, exitCode: 1, "/w");

        Assert.Equal("1 errors, 10000 warnings, 0 notes.", report.Summary);
        Assert.Equal(0, report.Score);
        Assert.Equal(ReportParser.MaxAnnotations, report.Annotations.Count);
        Assert.Contains(report.Annotations, a => a.Level == AnnotationLevel.Failure && a.StartLine == 10001);
    }

    [Fact]
    public void Findings_outside_the_checkout_are_counted_but_not_placed()
    {
        const string eslint = """
        [{ "filePath": "/etc/passwd", "messages": [{ "ruleId": "x", "severity": 2, "message": "outside", "line": 1 }] },
         { "filePath": "../x.js", "messages": [{ "ruleId": "x", "severity": 2, "message": "above", "line": 1 }] },
         { "filePath": "/w/a/../../etc/shadow", "messages": [{ "ruleId": "x", "severity": 2, "message": "dotted", "line": 1 }] },
         { "filePath": "/w/./src/in.js", "messages": [{ "ruleId": "x", "severity": 2, "message": "inside", "line": 0 }] }]
        """;

        var report = ReportParser.Parse(ReportFormat.EslintJson, eslint, exitCode: 1, "/w");

        Assert.Equal("4 errors, 0 warnings, 0 notes.", report.Summary);
        var annotation = Assert.Single(report.Annotations);
        Assert.Equal(("src/in.js", 1), (annotation.Path, annotation.StartLine));
    }

    [Theory]
    [InlineData(ReportFormat.EslintJson, "[{\"filePath\": ")]
    [InlineData(ReportFormat.EslintJson, "{\"filePath\": \"a.js\"}")]
    [InlineData(ReportFormat.PylintJson, "{\"type\": \"error\"}")]
    [InlineData(ReportFormat.BanditJson, "[]")]
    [InlineData(ReportFormat.BanditJson, "not json")]
    [InlineData(ReportFormat.DotnetFormat, "{}")]
    [InlineData(ReportFormat.DotnetFormat, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    public void Malformed_reports_fail_saying_why(ReportFormat format, string content)
    {
        var report = ReportParser.Parse(format, content, exitCode: 1, "/w");

        Assert.False(report.Passed);
        Assert.False(report.Neutral);
        Assert.Contains("could not be read", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Odd_values_inside_a_report_are_skipped_not_thrown()
    {
        const string eslint = """
        [{ "filePath": 42, "messages": [{ "severity": "2", "line": "x", "message": null }] },
         { "filePath": "/w/a.js", "messages": {} },
         { "filePath": "/w/b.js", "messages": [7, null, { "severity": 2, "line": 99999999999, "message": "big" }] }]
        """;

        var report = ReportParser.Parse(ReportFormat.EslintJson, eslint, exitCode: 1, "/w");

        Assert.Equal("2 errors, 2 warnings, 0 notes.", report.Summary);
        Assert.Equal(("b.js", 1), (report.Annotations.Single(a => a.Level == AnnotationLevel.Failure).Path, report.Annotations.Single(a => a.Level == AnnotationLevel.Failure).StartLine));
    }
}
