using System.Globalization;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitHubBot.Core.Config;

/// <summary>A problem in a configuration file, placed so its author can find it.</summary>
/// <param name="Source">Which file, e.g. "octo/app: .github/ghbot.yml".</param>
/// <param name="Key">The key path, e.g. "quality_gate.checks.unit_tests.timout".</param>
/// <param name="Line">1-based line in that file, when known.</param>
/// <param name="Message">What is wrong.</param>
public sealed record ConfigProblem(string Source, string Key, int? Line, string Message)
{
    public override string ToString() => Line is { } line
        ? string.Create(CultureInfo.InvariantCulture, $"{Source}, line {line}: {Key}: {Message}")
        : $"{Source}: {Key}: {Message}";
}

/// <summary>One configuration file's text and where it came from.</summary>
public sealed record ConfigFile(string Source, string Yaml);

/// <summary>The merged configuration, or the problems that kept it from loading.</summary>
public sealed record ConfigLoad(JsonObject Merged, IReadOnlyList<ConfigProblem> Problems)
{
    public bool IsValid => Problems.Count == 0;
}

/// <summary>
/// Reads <c>.github/ghbot.yml</c>: the organization's copy first, the repository's merged over it
/// (mappings merge key by key, anything else is replaced). Each file is validated on its own against the schema
/// shipped with GitHubBot (<c>schemas/ghbot.schema.json</c>), so every problem names its file, key and line.
/// </summary>
public static class RepoConfigLoader
{
    /// <summary>Bounds that keep a hostile file (deep nesting, alias bombs) from exhausting the worker.</summary>
    private const int MaxFileLength = 64 * 1024;
    private const int MaxDepth = 32;
    private const int MaxNodes = 10_000;

    private static readonly System.Text.RegularExpressions.Regex YamlNumber = new(@"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly Lazy<JsonSchema> Schema = new(() =>
    {
        using var stream = typeof(RepoConfigLoader).Assembly.GetManifestResourceStream("ghbot.schema.json")
            ?? throw new InvalidOperationException("The ghbot.schema.json resource is missing from GitHubBot.Core.");
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(reader.ReadToEnd());
    });

    /// <param name="files">The files in merge order: organization first, repository last. Missing files are left out.</param>
    public static ConfigLoad Load(params ConfigFile[] files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var merged = new JsonObject();
        var problems = new List<ConfigProblem>();
        foreach (var file in files)
        {
            var (document, lines, syntax) = Parse(file);
            if (syntax is not null)
            {
                problems.Add(syntax);
                continue;
            }

            var found = Validate(file.Source, document, lines);
            problems.AddRange(found);
            if (found.Count == 0)
            {
                Merge(merged, document);
            }
        }

        return new ConfigLoad(merged, problems);
    }

    private static (JsonObject Document, Dictionary<string, int> Lines, ConfigProblem? Syntax) Parse(ConfigFile file)
    {
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        if (file.Yaml.Length > MaxFileLength)
        {
            return ([], lines, new ConfigProblem(file.Source, "(document)", null, $"the file is larger than {MaxFileLength / 1024} KiB"));
        }

        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(file.Yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" })
            {
                return ([], lines, null);
            }

            var root = stream.Documents[0].RootNode;
            if (root is not YamlMappingNode)
            {
                return ([], lines, new ConfigProblem(file.Source, "(document)", (int)root.Start.Line, "the file must be a mapping of keys to values"));
            }

            var budget = new Budget();
            return ((JsonObject)ToJson(root, string.Empty, lines, budget, 0)!, lines, null);
        }
        catch (ConfigShapeException ex)
        {
            return ([], lines, new ConfigProblem(file.Source, ex.Key, ex.Line, ex.Message));
        }
        catch (YamlException ex)
        {
            return ([], lines, new ConfigProblem(file.Source, "(syntax)", (int)ex.Start.Line, ex.InnerException?.Message ?? ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner gives up on some malformed input without a position.
            return ([], lines, new ConfigProblem(file.Source, "(syntax)", null, $"not valid YAML ({ex.Message})"));
        }
    }

    private static JsonNode? ToJson(YamlNode node, string pointer, Dictionary<string, int> lines, Budget budget, int depth)
    {
        // YAML aliases resolve to shared nodes: a self-referencing alias would recurse forever and nested ones grow
        // exponentially, so depth and the number of nodes visited are bounded.
        if (depth > MaxDepth || ++budget.Nodes > MaxNodes)
        {
            throw new ConfigShapeException(Key(pointer), (int)node.Start.Line, "the file nests too deeply or expands to too many values (YAML aliases?)");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                    {
                        throw new ConfigShapeException(Key(pointer), (int)keyNode.Start.Line, "keys must be plain names");
                    }

                    var child = $"{pointer}/{key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}";
                    lines[child] = (int)keyNode.Start.Line;
                    obj[key] = ToJson(valueNode, child, lines, budget, depth + 1);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    var child = string.Create(CultureInfo.InvariantCulture, $"{pointer}/{index++}");
                    lines[child] = (int)item.Start.Line;
                    array.Add(ToJson(item, child, lines, budget, depth + 1));
                }

                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                return null;
        }
    }

    /// <summary>Plain scalars get YAML's core types; quoted ones stay strings.</summary>
    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) => JsonValue.Create(whole),
            _ when YamlNumber.IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) => JsonValue.Create(number),
            _ => JsonValue.Create(text),
        };
    }

    private static List<ConfigProblem> Validate(string source, JsonObject document, Dictionary<string, int> lines)
    {
        var results = Schema.Value.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var problems = new List<ConfigProblem>();
        if (results.IsValid)
        {
            return problems;
        }

        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is not { Count: > 0 } errors)
            {
                continue;
            }

            var pointer = detail.InstanceLocation.ToString();
            var key = Key(pointer);
            int? line = lines.TryGetValue(pointer, out var l) ? l : null;
            foreach (var (keyword, message) in errors)
            {
                var text = keyword == "false" || message.Contains("false schema", StringComparison.OrdinalIgnoreCase)
                    ? "unknown key"
                    : message;
                problems.Add(new ConfigProblem(source, key, line, text));
            }
        }

        // One problem per key and message, in file order.
        return [.. problems.Distinct().OrderBy(p => p.Line ?? 0).ThenBy(p => p.Key, StringComparer.Ordinal)];
    }

    private static string Key(string pointer) =>
        pointer.Length == 0 ? "(document)" : string.Join('.', pointer.TrimStart('/').Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)));

    private static void Merge(JsonObject target, JsonObject overlay)
    {
        foreach (var (key, value) in overlay)
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                Merge(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private sealed class Budget
    {
        public int Nodes { get; set; }
    }

    private sealed class ConfigShapeException(string key, int line, string message) : Exception(message)
    {
        public string Key { get; } = key;

        public int Line { get; } = line;
    }
}
