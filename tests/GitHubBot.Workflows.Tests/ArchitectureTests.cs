using System.Text.RegularExpressions;
using GitHubBot.Testing;
using GitHubBot.Workflows.Hosting;
using Temporalio.Activities;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Tests;

/// <summary>
/// The shape docs/architecture.md describes, checked: folders of Core and Workflows depend on each other without
/// cycles, source files stay readable, and the one registration list holds every workflow and activity class.
/// </summary>
public sealed partial class ArchitectureTests
{
    [Theory]
    [InlineData("GitHubBot.Core")]
    [InlineData("GitHubBot.Workflows")]
    public void Folders_depend_on_each_other_without_cycles(string project)
    {
        var graph = FolderDependencies(project);

        var cycle = FindCycle(graph);

        Assert.True(cycle is null, $"{project} has a folder cycle: {string.Join(" → ", cycle ?? [])}");
        Assert.True(graph.Count >= 8, $"expected the feature and shared folders of {project}, found {string.Join(", ", graph.Keys)}");
    }

    [Fact]
    public void Feature_folders_of_workflows_never_reach_into_the_command_workflow()
    {
        // Commands starts and signals the other workflows; none of them may know about it.
        foreach (var project in new[] { "GitHubBot.Core", "GitHubBot.Workflows" })
        {
            var graph = FolderDependencies(project);
            foreach (var feature in new[] { "QualityGate", "PlanPatchPr", "ChangeRequests" })
            {
                Assert.DoesNotContain("Commands", graph.GetValueOrDefault(feature) ?? []);
            }
        }
    }

    [Fact]
    public void No_source_file_is_longer_than_five_hundred_lines()
    {
        var files = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(path => (Path: Path.GetRelativePath(RepositoryPaths.Root, path), Lines: File.ReadLines(path).Count()))
            .ToList();

        Assert.NotEmpty(files);
        Assert.DoesNotContain(files, f => f.Lines > 500);
    }

    [Fact]
    public void The_registration_list_holds_every_workflow_and_activity_class_of_the_assembly()
    {
        var assembly = typeof(WorkerRegistration).Assembly;
        var workflows = assembly.GetTypes().Where(t => t.GetCustomAttributes(typeof(WorkflowAttribute), false).Length > 0);
        var activities = assembly.GetTypes().Where(t => t.GetMethods().Any(m => m.GetCustomAttributes(typeof(ActivityAttribute), false).Length > 0));

        Assert.Equal(workflows.OrderBy(t => t.Name), WorkerRegistration.Workflows.OrderBy(t => t.Name));
        Assert.Equal(activities.OrderBy(t => t.Name), WorkerRegistration.Activities.OrderBy(t => t.Name));
    }

    /// <summary>Folder → the folders of the same project its files use (through usings or qualified names).</summary>
    private static Dictionary<string, HashSet<string>> FolderDependencies(string project)
    {
        var root = Path.Combine(RepositoryPaths.Root, "src", project);
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
            if (relative.Length < 2 || relative[0] is "obj" or "bin")
            {
                continue;
            }

            var folder = relative[0];
            var uses = graph.TryGetValue(folder, out var known) ? known : graph[folder] = [];
            foreach (Match match in Reference().Matches(File.ReadAllText(file)))
            {
                if (match.Groups["project"].Value == project && match.Groups["folder"].Value != folder)
                {
                    uses.Add(match.Groups["folder"].Value);
                }
            }
        }

        return graph;
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in (graph.GetValueOrDefault(node) ?? []).Order(StringComparer.Ordinal))
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.SkipWhile(n => n != next), next];
                }

                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        return graph.Keys.Order(StringComparer.Ordinal).Select(node => state.GetValueOrDefault(node) == 0 ? Visit(node) : null).FirstOrDefault(found => found is not null);
    }

    [GeneratedRegex(@"\b(?<project>GitHubBot\.(?:Core|Workflows))\.(?<folder>[A-Z][A-Za-z]+)\b")]
    private static partial Regex Reference();
}
