using System.Text.Json;

namespace GitHubBot.Workflows.Agents;

/// <summary>One agent role: its instructions and the JSON schema its answers must match.</summary>
public sealed record AgentRole(string Name, string Instructions, JsonElement Schema);

/// <summary>
/// The agents' roles: architect, planner, coder, reviewer, diagnoser, migrator, tester. Their prompts and schemas are files in
/// <c>Agents/Roles</c>, embedded in the assembly, not strings in code.
/// </summary>
public static class AgentRoles
{
    public static readonly IReadOnlyList<string> Names = ["architect", "planner", "coder", "reviewer", "diagnoser", "migrator", "tester"];

    public static AgentRole Get(string name)
    {
        if (!Names.Contains(name))
        {
            throw new ArgumentException($"'{name}' is not an agent role ({string.Join(", ", Names)}).", nameof(name));
        }

        using var schema = JsonDocument.Parse(Read($"{name}.schema.json"));
        return new AgentRole(name, Read($"{name}.md"), schema.RootElement.Clone());
    }

    private static string Read(string file)
    {
        using var stream = typeof(AgentRoles).Assembly.GetManifestResourceStream($"roles/{file}")
            ?? throw new InvalidOperationException($"The role file {file} is not embedded in {typeof(AgentRoles).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
