using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace GitHubBot.App.Cli;

/// <summary>A writer that stands for a terminal: what a test passes to see what a person at a terminal would.</summary>
internal interface ITerminalWriter;

/// <summary>
/// How the client commands print: <c>--output json|table</c> (default: a table when standard output is a terminal,
/// JSON otherwise, so scripts piping it keep reading JSON), tables drawn by Spectre.Console on the command line's own
/// writer.
/// </summary>
internal static class CliOutput
{
    public const string Json = "json";
    public const string Table = "table";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Option<string?> Option() => new("--output", "-o") { Description = "json or table (default: table when standard output is a terminal, else json)." };

    /// <summary>The format asked for, or the default for the writer; null, once the bad value was named in one line, when it is neither.</summary>
    public static string? Format(ParseResult parse, Option<string?> option)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var output = parse.InvocationConfiguration.Output;
        switch (parse.GetValue(option)?.Trim().ToLowerInvariant())
        {
            case null or "":
                return IsTerminal(output) ? Table : Json;
            case Json:
                return Json;
            case Table:
                return Table;
            default:
                parse.InvocationConfiguration.Error.WriteLine($"--output must be json or table, not '{parse.GetValue(option)}'.");
                return null;
        }
    }

    /// <summary>Whether <paramref name="writer"/> is the process's standard output or error, and that is a terminal.</summary>
    public static bool IsTerminal(TextWriter writer) =>
        writer is ITerminalWriter
        || ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected
        || ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>A Spectre console that writes to <paramref name="writer"/>: colours and live widgets only on a terminal.</summary>
    public static IAnsiConsole ConsoleFor(TextWriter writer)
    {
        var terminal = IsTerminal(writer);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal && writer is not ITerminalWriter ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal && writer is not ITerminalWriter ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!terminal || writer is ITerminalWriter)
        {
            console.Profile.Width = 240; // a file or pipe has no width: keep IDs on one line
        }

        return console;
    }

    public static string ToJson(object? value) => JsonSerializer.Serialize(value, Indented);

    /// <summary>A two-column table, field and value: a status or a result.</summary>
    public static Table Fields(IEnumerable<(string Name, string? Value)> fields)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("field").AddColumn("value");
        foreach (var (name, value) in fields)
        {
            table.AddRow(new Text(name), new Text(value ?? "-"));
        }

        return table;
    }

    /// <summary>A JSON object's top-level properties, nested values as compact JSON; a non-object as one "value".</summary>
    public static IEnumerable<(string Name, string? Value)> Properties(JsonElement? element)
    {
        if (element is not { ValueKind: JsonValueKind.Object } obj)
        {
            yield return ("value", element is { } other ? Scalar(other) : null);
            yield break;
        }

        foreach (var property in obj.EnumerateObject())
        {
            yield return (property.Name, Scalar(property.Value));
        }
    }

    public static void Write(TextWriter writer, IRenderable renderable) => ConsoleFor(writer).Write(renderable);

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => value.GetString(),
        _ => value.GetRawText(),
    };
}
