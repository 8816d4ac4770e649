using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.QualityGate;

/// <summary>Linters and scanners that point at lines: ESLint, flake8, pylint, bandit, dotnet format.</summary>
public static partial class ReportParser
{
    /// <summary>ESLint's <c>-f json</c>: an array of files, each with its messages (severity 2 an error, 1 a warning).</summary>
    private static CheckReport Eslint(string report, int exitCode, string workspace)
    {
        using var document = JsonDocument.Parse(report);
        var root = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement : throw new FormatException("an ESLint JSON report is an array of files");
        var findings = new FindingList();
        foreach (var file in root.EnumerateArray())
        {
            var path = Text(file, "filePath") is { } filePath ? Relative(filePath, workspace) : null;
            foreach (var message in Items(file, "messages"))
            {
                var fatal = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("fatal", out var f) && f.ValueKind == JsonValueKind.True;
                var level = fatal || Number(message, "severity") == 2 ? AnnotationLevel.Failure : AnnotationLevel.Warning;
                var line = Number(message, "line") ?? 1;
                findings.Add(level, path, line, Number(message, "endLine") ?? line, Text(message, "message"), Text(message, "ruleId") ?? (fatal ? "parse error" : null));
            }
        }

        // ESLint exits 2 for a broken configuration or a crash; whatever it wrote is no verdict then.
        return Findings(findings, exitCode == 2 ? "ESLint exited with 2: a configuration error or a crash." : null);
    }

    /// <summary>flake8's default output, one <c>path:line:col: CODE message</c> a line.</summary>
    private static CheckReport Flake8(string report, string workspace)
    {
        var findings = new FindingList();
        var unread = 0;
        foreach (var raw in report.Split('\n'))
        {
            var line = raw.Trim();
            var match = line.Length <= MaxFlake8Line ? Flake8Line().Match(line) : Match.Empty;
            if (!match.Success)
            {
                unread += line.Length > 0 ? 1 : 0;
                continue;
            }

            var code = match.Groups["code"].Value;
            var number = int.TryParse(match.Groups["line"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1;
            findings.Add(
                IsFlake8Error(code) ? AnnotationLevel.Failure : AnnotationLevel.Warning,
                Relative(match.Groups["path"].Value, workspace),
                number,
                number,
                match.Groups["message"].Value.Trim(),
                code);
        }

        if (findings.Count == 0 && unread > 0)
        {
            throw new FormatException("no line reads path:line:col: CODE message");
        }

        return Findings(findings);
    }

    /// <summary>Syntax errors, undefined names and invalid comparisons break the code; the rest is style.</summary>
    private static bool IsFlake8Error(string code) =>
        code.StartsWith("E9", StringComparison.Ordinal) || code is "F821" or "F822" or "F823"
        || code.StartsWith("F63", StringComparison.Ordinal) || code.StartsWith("F7", StringComparison.Ordinal);

    /// <summary>pylint's <c>--output-format=json</c> (an array of messages) or <c>json2</c> (<c>{"messages": [...]}</c>).</summary>
    private static CheckReport Pylint(string report, int exitCode, string workspace)
    {
        using var document = JsonDocument.Parse(report);
        var root = document.RootElement;
        var messages = root.ValueKind == JsonValueKind.Array ? root
            : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("messages", out var list) && list.ValueKind == JsonValueKind.Array ? list
            : throw new FormatException("a pylint JSON report is an array of messages");
        var findings = new FindingList();
        foreach (var message in messages.EnumerateArray())
        {
            var level = Text(message, "type") switch
            {
                "fatal" or "error" => AnnotationLevel.Failure,
                "warning" => AnnotationLevel.Warning,
                _ => AnnotationLevel.Notice,
            };
            var line = Number(message, "line") ?? 1;
            var path = Text(message, "path") is { } p ? Relative(p, workspace) : null;
            findings.Add(level, path, line, Number(message, "endLine") ?? line, Text(message, "message"), Text(message, "symbol") ?? Text(message, "message-id"));
        }

        // pylint's exit code is a bit mask; 32 is a usage error, after which the report says nothing.
        return Findings(findings, exitCode is > 0 and < 64 && (exitCode & 32) != 0 ? $"pylint exited with {exitCode}: a usage error." : null);
    }

    /// <summary>bandit's <c>-f json</c>: HIGH severity is an error, MEDIUM a warning, LOW a note.</summary>
    private static CheckReport Bandit(string report, string workspace)
    {
        using var document = JsonDocument.Parse(report);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("a bandit JSON report is an object with results");
        }

        var findings = new FindingList();
        foreach (var result in results.EnumerateArray())
        {
            var level = Text(result, "issue_severity") switch
            {
                "HIGH" => AnnotationLevel.Failure,
                "MEDIUM" => AnnotationLevel.Warning,
                _ => AnnotationLevel.Notice,
            };
            var rule = Text(result, "test_id");
            var text = Text(result, "issue_text") ?? Text(result, "test_name") ?? "finding";
            if (rule is "B105" or "B106" or "B107")
            {
                // "Possible hardcoded password: 'hunter2'" would publish the password in the check run.
                text = QuotedValue().Replace(text, m => $"'{SecretScanner.Mask(m.Groups["value"].Value)}'");
            }

            var confidence = Text(result, "issue_confidence");
            var line = Number(result, "line_number") ?? 1;
            var path = Text(result, "filename") is { } file ? Relative(file, workspace) : null;
            findings.Add(level, path, line, line, confidence is null ? text : $"{text} (confidence: {confidence.ToLowerInvariant()})", rule);
        }

        var unscanned = Items(root, "errors").Select(e => Text(e, "filename")).Where(f => f is not null).ToList();
        var note = unscanned.Count == 0 ? null
            : string.Create(CultureInfo.InvariantCulture, $"bandit could not scan {unscanned.Count} files, e.g. `{Quote(unscanned[0]!, 100)}`.");
        return Findings(findings, note: note);
    }

    /// <summary><c>dotnet format … --report</c>: every change it would make is a warning; it passes when there is none.</summary>
    private static CheckReport DotnetFormat(string report, string workspace)
    {
        using var document = JsonDocument.Parse(report);
        var root = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement : throw new FormatException("a dotnet format report is an array of files");
        var findings = new FindingList();
        var files = 0;
        foreach (var file in root.EnumerateArray())
        {
            var path = Text(file, "FilePath") is { } filePath ? Relative(filePath, workspace) : null;
            var before = findings.Count;
            foreach (var change in Items(file, "FileChanges"))
            {
                var line = Number(change, "LineNumber") ?? 1;
                findings.Add(AnnotationLevel.Warning, path, line, line, Text(change, "FormatDescription"), Text(change, "DiagnosticId"));
            }

            files += findings.Count > before ? 1 : 0;
        }

        var score = Math.Max(0, 100 - (2 * findings.Count));
        var summary = findings.Count == 0
            ? "No formatting changes needed."
            : string.Create(CultureInfo.InvariantCulture, $"{findings.Count} formatting changes needed in {files} files.");
        return new CheckReport(findings.Count == 0, score, summary, findings.Annotations());
    }

    /// <summary>
    /// The report of a list of findings: it passes with no error and no <paramref name="failure"/> (the tool's own, which
    /// scores 0); 10 points off an error, 2 a warning. A <paramref name="note"/> is said, and changes nothing.
    /// </summary>
    private static CheckReport Findings(FindingList findings, string? failure = null, string? note = null)
    {
        var score = failure is null ? Math.Max(0, 100 - (10 * findings.Errors) - (2 * findings.Warnings)) : 0;
        var summary = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{findings.Errors} errors, {findings.Warnings} warnings, {findings.Notes} notes."));
        foreach (var line in new[] { failure, note }.OfType<string>())
        {
            summary.Append('\n').Append(line);
        }

        return new CheckReport(findings.Errors == 0 && failure is null, score, summary.ToString(), findings.Annotations());
    }

    /// <summary>A string property, or null when missing or not a string.</summary>
    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>An integer property (a number or a numeric string), or null.</summary>
    private static int? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number
            : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : null
            : null;

    /// <summary>The items of an array property; none when missing or not an array.</summary>
    private static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : Enumerable.Empty<JsonElement>();

    /// <summary>
    /// Tool text on one line, inert inside a markdown code span (no backticks, no credentials in URLs), at most
    /// <paramref name="limit"/> characters.
    /// </summary>
    private static string Quote(string text, int limit = 200)
    {
        // Credentials go before the cut, so that no cut can leave half of them behind.
        var head = CredentialsInUrl().Replace(text.Length > limit + 4096 ? text[..(limit + 4096)] : text, "://***@");
        var keep = Math.Min(head.Length, limit);
        if (keep < head.Length && keep > 0 && char.IsHighSurrogate(head[keep - 1]))
        {
            keep--;
        }

        var line = new StringBuilder(keep + 1);
        foreach (var c in head.AsSpan(0, keep))
        {
            line.Append(c == '`' ? '\'' : char.IsControl(c) ? ' ' : c);
        }

        var quoted = line.ToString().Trim();
        return keep < head.Length ? $"{quoted}…" : quoted;
    }

    private const int MaxFlake8Line = 4096;

    [GeneratedRegex(@"^(?<path>[^\r\n]+?):(?<line>\d{1,9})(?::\d{1,9})?:\s+(?<code>[A-Z]{1,5}\d{1,5})\b(?<message>.*)$", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Flake8Line();

    // bandit's B105–B107 quote the hard-coded password in their issue text.
    [GeneratedRegex(@"'(?<value>[^']*)'", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex QuotedValue();

    // https://user:token@host — a registry URL in an error may carry credentials.
    [GeneratedRegex(@"://[^/@\s]+@", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex CredentialsInUrl();

    /// <summary>
    /// Findings as they are read: all are counted, at most <see cref="MaxAnnotations"/> become annotations — failures
    /// first, then warnings, then notes — kept in report order. Findings outside the workspace are counted, not placed.
    /// </summary>
    private sealed class FindingList
    {
        private readonly List<(int Order, Annotation Annotation)>[] kept = [[], [], []];
        private int order;

        public int Errors { get; private set; }

        public int Warnings { get; private set; }

        public int Notes { get; private set; }

        public int Count => Errors + Warnings + Notes;

        public void Add(AnnotationLevel level, string? path, int line, int endLine, string? message, string? title)
        {
            switch (level)
            {
                case AnnotationLevel.Failure:
                    Errors++;
                    break;
                case AnnotationLevel.Warning:
                    Warnings++;
                    break;
                default:
                    Notes++;
                    break;
            }

            var list = kept[(int)level];
            if (path is null || list.Count >= MaxAnnotations)
            {
                return;
            }

            var start = Math.Max(1, line);
            var text = string.IsNullOrWhiteSpace(message) ? title ?? "finding" : message;
            list.Add((order++, new Annotation(path, start, Math.Max(start, endLine), level, text, string.IsNullOrEmpty(title) ? null : title)));
        }

        public IReadOnlyList<Annotation> Annotations() =>
            [.. kept[(int)AnnotationLevel.Failure].Concat(kept[(int)AnnotationLevel.Warning]).Concat(kept[(int)AnnotationLevel.Notice])
                .Take(MaxAnnotations).OrderBy(k => k.Order).Select(k => k.Annotation)];
    }
}
