using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using GitHubBot.Core.GitHub;

namespace GitHubBot.Core.QualityGate;

/// <summary>
/// Looks for credentials in the lines a PR adds (never the rest of the repository): well-known token formats
/// (AWS, GitHub, Slack, Google, Stripe, private keys) and high-entropy values assigned to names like <c>api_key</c> or
/// <c>password</c>. A finding names the place and the kind, never the secret: at most its first four characters.
/// </summary>
/// <remarks>
/// Lines longer than <see cref="MaxLineScanned"/> characters are scanned in their first <see cref="MaxLineScanned"/>
/// only (minified or generated text; it bounds the work). Lock files (package-lock.json, yarn.lock, poetry.lock, …),
/// minified files and source maps are full of integrity hashes that look random: there only the well-known token
/// formats are looked for, not the high-entropy assignments. A line whose scan times out is counted and said in the summary.
/// </remarks>
public static partial class SecretScanner
{
    /// <summary>The most findings reported; the scan stops there.</summary>
    public const int MaxFindings = 100;

    /// <summary>How much of a line is scanned.</summary>
    public const int MaxLineScanned = 4_000;

    /// <summary>The Shannon entropy (bits a character) from which an assigned value looks random.</summary>
    public const double MinEntropy = 3.5;

    private const string Advice = "Remove it from the change and rotate it: it is in the branch's history now.";

    private static readonly HashSet<string> GeneratedFiles = new(StringComparer.OrdinalIgnoreCase)
    {
        "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "poetry.lock", "Pipfile.lock",
        "uv.lock", "pdm.lock", "Cargo.lock", "composer.lock", "Gemfile.lock", "go.sum", "packages.lock.json", "flake.lock",
    };

    private static readonly string[] GeneratedSuffixes = [".min.js", ".min.css", ".min.mjs", ".js.map", ".css.map"];

    private static readonly string[] Placeholders = ["xxxx", "changeme", "example", "placeholder", "dummy", "redacted", "your_", "your-"];

    // Names that hold something about a secret, not the secret: token_url, password_field, secret_name, api_key_env …
    private static readonly string[] NotSecretNames =
    [
        "path", "file", "filename", "dir", "url", "uri", "endpoint", "name", "type", "header", "field", "env", "var", "length", "len",
        "count", "size", "id", "prefix", "format", "pattern", "regex", "label", "hint", "placeholder",
    ];

    private static readonly (string Kind, Func<Regex> Pattern)[] KnownFormats =
    [
        ("AWS access key ID", AwsAccessKeyId),
        ("AWS secret access key", AwsSecretAccessKey),
        ("GitHub token", GitHubToken),
        ("GitHub token", GitHubFineGrainedToken),
        ("private key", PrivateKey),
        ("Slack token", SlackToken),
        ("Google API key", GoogleApiKey),
        ("Stripe live key", StripeKey),
    ];

    /// <summary>
    /// The added lines' possible secrets, each a failure annotation on its line titled <c>secret: kind</c>. Passes (100)
    /// with none; fails (0) with any.
    /// </summary>
    public static CheckReport Scan(IReadOnlyDictionary<string, IReadOnlyList<AddedLine>> added)
    {
        ArgumentNullException.ThrowIfNull(added);
        var annotations = new List<Annotation>();
        int lines = 0, timedOut = 0;
        foreach (var (path, fileLines) in added.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            lines += fileLines.Count;
            var generated = IsGenerated(path);
            foreach (var line in fileLines)
            {
                if (annotations.Count >= MaxFindings)
                {
                    break;
                }

                var text = line.Text.Length > MaxLineScanned ? line.Text[..MaxLineScanned] : line.Text;
                try
                {
                    foreach (var (kind, message) in Findings(text, generated).Take(MaxFindings - annotations.Count))
                    {
                        annotations.Add(new Annotation(path, Math.Max(1, line.Line), Math.Max(1, line.Line), AnnotationLevel.Failure, $"{message} {Advice}", $"secret: {kind}"));
                    }
                }
                catch (RegexMatchTimeoutException)
                {
                    timedOut++;
                }
            }
        }

        var summary = new StringBuilder(annotations.Count switch
        {
            0 => string.Create(CultureInfo.InvariantCulture, $"No secrets in the {lines} added lines of {added.Count} files."),
            >= MaxFindings => string.Create(CultureInfo.InvariantCulture, $"At least {MaxFindings} possible secrets in the added lines (the scan stopped there)."),
            1 => "1 possible secret in the added lines.",
            _ => string.Create(CultureInfo.InvariantCulture, $"{annotations.Count} possible secrets in the added lines."),
        });
        foreach (var annotation in annotations.Take(20))
        {
            summary.Append(CultureInfo.InvariantCulture, $"\n- `{annotation.Path.Replace('`', '\'')}` line {annotation.StartLine}: {annotation.Title![8..]}");
        }

        if (annotations.Count > 20)
        {
            summary.Append(CultureInfo.InvariantCulture, $"\n- … and {annotations.Count - 20} more");
        }

        if (timedOut > 0)
        {
            summary.Append(CultureInfo.InvariantCulture, $"\n{timedOut} lines took too long to scan and were skipped.");
        }

        return new CheckReport(annotations.Count == 0, annotations.Count == 0 ? 100 : 0, summary.ToString(), annotations);
    }

    /// <summary>A secret shown safely: its first four characters when it is long enough for that to give little away, then "…".</summary>
    public static string Mask(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < 12)
        {
            return "…";
        }

        var shown = char.IsHighSurrogate(secret[3]) ? secret[..3] : secret[..4];
        return $"{shown.Replace('`', '\'')}…";
    }

    /// <summary>Lock files, minified files, source maps: generated, and full of random-looking hashes.</summary>
    private static bool IsGenerated(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        return GeneratedFiles.Contains(name) || GeneratedSuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The secrets in one line: kind and message, in the order they appear.</summary>
    private static List<(string Kind, string Message)> Findings(string text, bool generated)
    {
        var found = new List<(int Start, int End, string Kind, string Message)>();
        foreach (var (kind, pattern) in KnownFormats)
        {
            foreach (Match match in pattern().Matches(text))
            {
                var value = match.Groups["value"].Success ? match.Groups["value"] : (Group)match;
                if (value.Value.Contains("EXAMPLE", StringComparison.Ordinal))
                {
                    // AWS's documentation keys (AKIAIOSFODNN7EXAMPLE) fill tests and docs.
                    continue;
                }

                var message = kind == "private key"
                    ? "A private key block starts here."
                    : $"This looks like a {kind} (`{Mask(value.Value)}`).";
                found.Add((value.Index, value.Index + value.Length, kind, message));
            }
        }

        if (!generated && SecretName().IsMatch(text))
        {
            foreach (Match match in Assignment().Matches(text))
            {
                var value = match.Groups["value"];
                var name = NameAround(text, match.Index, match.Groups["keyword"].Length);
                if (found.Any(f => value.Index < f.End && f.Start < value.Index + value.Length) || !LooksSecret(name, value.Value))
                {
                    continue;
                }

                found.Add((value.Index, value.Index + value.Length, "high-entropy value", $"A random-looking value (`{Mask(value.Value)}`) is assigned to `{name}`."));
            }
        }

        return [.. found.OrderBy(f => f.Start).Select(f => (f.Kind, f.Message))];
    }

    /// <summary>The whole name around the keyword an assignment matched (e.g. <c>DB_PASSWORD</c> for <c>PASSWORD</c>).</summary>
    private static string NameAround(string text, int keyword, int keywordLength)
    {
        var start = keyword;
        while (start > 0 && keyword - start < 40 && IsNameChar(text[start - 1]))
        {
            start--;
        }

        var end = keyword + keywordLength;
        while (end < text.Length && end - keyword < 80 && IsNameChar(text[end]))
        {
            end++;
        }

        return text[start..end];
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';

    /// <summary>A value that is neither a placeholder, a reference to a setting, a URL or path, nor too regular to be random.</summary>
    private static bool LooksSecret(string name, string value)
    {
        if (NotSecretNames.Contains(LastWord(name)))
        {
            return false;
        }

        if (value.All(c => c == value[0])
            || Placeholders.Any(p => value.Contains(p, StringComparison.OrdinalIgnoreCase))
            || (value.StartsWith('<') && value.EndsWith('>'))
            || value.StartsWith("${", StringComparison.Ordinal)
            || value.StartsWith('$')
            || value.StartsWith('/') || value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("~/", StringComparison.Ordinal)
            || (value.Contains("://", StringComparison.Ordinal) && !value.Contains('@', StringComparison.Ordinal)))
        {
            return false;
        }

        // settings.ApiTokenValue, process.env.GITHUB_TOKEN: a name, not a value (random values have digits).
        if (!value.Any(char.IsAsciiDigit) && value.All(c => char.IsAsciiLetter(c) || c is '_' or '.' or '-'))
        {
            return false;
        }

        return Entropy(value) >= MinEntropy;
    }

    /// <summary>The last word of a name: <c>url</c> of <c>TOKEN_URL</c>, <c>tokenUrl</c> or <c>token.url</c>.</summary>
    private static string LastWord(string name)
    {
        var part = name.Split('_', '-', '.').LastOrDefault(p => p.Length > 0) ?? name;
        for (var i = part.Length - 1; i > 0; i--)
        {
            if (char.IsAsciiLetterUpper(part[i]) && char.IsAsciiLetterLower(part[i - 1]))
            {
                return part[i..].ToLowerInvariant();
            }
        }

        return part.ToLowerInvariant();
    }

    /// <summary>Shannon entropy in bits a character.</summary>
    private static double Entropy(string value)
    {
        if (value.Length == 0)
        {
            return 0;
        }

        var counts = new Dictionary<char, int>();
        foreach (var c in value)
        {
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }

        return -counts.Values.Sum(n => (double)n / value.Length * Math.Log2((double)n / value.Length));
    }

    [GeneratedRegex(@"(?<![0-9A-Za-z])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AwsAccessKeyId();

    [GeneratedRegex(@"(?i)(?:aws[_-]?secret[\w-]{0,30}|secret[_-]?access[_-]?key[\w-]{0,10})[""']?\s{0,5}(?:=>|:=|=|:)\s{0,5}[""']?(?<value>(?-i:[A-Za-z0-9/+]{40}))(?![A-Za-z0-9/+=])", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AwsSecretAccessKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9])", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,255}", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex GitHubFineGrainedToken();

    [GeneratedRegex(@"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,250}", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex GoogleApiKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9])(?:sk|rk)_live_[0-9a-zA-Z]{24,247}", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex StripeKey();

    /// <summary>A cheap first look: does the line name a secret at all.</summary>
    [GeneratedRegex(@"(?i)secret|token|passw(?:or)?d|api[_-]?key|access[_-]?key|private[_-]?key", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SecretName();

    /// <summary>
    /// A keyword, the rest of its name, <c>=</c>, <c>:</c>, <c>:=</c> or <c>=&gt;</c>, and a value of 20–200 characters,
    /// quoted or not, with no spaces, quotes, brackets or separators in it.
    /// </summary>
    [GeneratedRegex(@"(?i)(?<keyword>secret|token|passw(?:or)?d|api[_-]?key|access[_-]?key|private[_-]?key)[A-Za-z0-9_.-]{0,40}[""']?\s{0,5}(?:=>|:=|=|:)\s{0,5}[""'`]?(?<value>[^\s""'`,;(){}\[\]<>]{20,200})", RegexOptions.None, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Assignment();
}
