namespace GitHubBot.Core.CodeMigration;

/// <summary>
/// A plan's steps as a dependency graph: checked before anything changes (ids unique, no unknown or self
/// dependency, no empty step, no cycle — a cycle is named, step by step), and walked in waves: every step whose
/// dependencies are done is ready at once, in the plan's order.
/// </summary>
public static class MigrationGraph
{
    /// <summary>The most steps a plan may have.</summary>
    public const int MaxSteps = 50;

    /// <summary>What makes the plan unusable; empty when it is fine.</summary>
    public static IReadOnlyList<string> Problems(MigrationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var problems = new List<string>();
        var steps = plan.Steps;
        if (steps.Count == 0)
        {
            return ["The plan has no steps."];
        }

        if (steps.Count > MaxSteps)
        {
            problems.Add($"The plan has {steps.Count} steps; at most {MaxSteps} are allowed.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            if (string.IsNullOrWhiteSpace(step.Id))
            {
                problems.Add($"The step \"{step.Title}\" has no id.");
            }
            else if (!ids.Add(step.Id))
            {
                problems.Add($"Two steps have the id {step.Id}.");
            }

            if (string.IsNullOrWhiteSpace(step.Title) || (string.IsNullOrWhiteSpace(step.Description) && step.Files.Count == 0))
            {
                problems.Add($"Step {step.Id} is empty: it needs a title, and a description or files.");
            }

            foreach (var file in step.Files.Where(f => !Workspaces.Edits.InsideRepository(Workspaces.Edits.NormalizePath(f))))
            {
                problems.Add($"Step {step.Id} names '{GitHub.GitHubText.Inline(file)}', which is not a file inside the repository.");
            }

            if (step.Forbidden.Any(f => f.Trim().Length < 2 || f.Contains('\n', StringComparison.Ordinal)))
            {
                problems.Add($"Step {step.Id} has a text that must be gone which is empty or more than one line; each is searched one line at a time.");
            }
        }

        foreach (var step in steps)
        {
            foreach (var dependency in step.DependsOn)
            {
                if (dependency == step.Id)
                {
                    problems.Add($"Step {step.Id} depends on itself.");
                }
                else if (!ids.Contains(dependency))
                {
                    problems.Add($"Step {step.Id} depends on {dependency}, which is not a step of the plan.");
                }
            }
        }

        if (problems.Count == 0 && Cycle(steps) is { } cycle)
        {
            problems.Add($"The steps depend on each other in a cycle: {string.Join(" → ", cycle)}.");
        }

        return problems;
    }

    /// <summary>A cycle of the graph as step ids (the first repeated at the end), or null when there is none.</summary>
    public static IReadOnlyList<string>? Cycle(IReadOnlyList<MigrationStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var byId = steps.GroupBy(s => s.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var step in steps)
        {
            if (Visit(step.Id) is { } found)
            {
                return found;
            }
        }

        return null;

        // 1: on the current path, 2: finished.
        List<string>? Visit(string id)
        {
            if (state.TryGetValue(id, out var seen))
            {
                if (seen == 1)
                {
                    var start = path.IndexOf(id);
                    return [.. path.Skip(start), id];
                }

                return null;
            }

            state[id] = 1;
            path.Add(id);
            foreach (var dependency in byId.TryGetValue(id, out var step) ? step.DependsOn : [])
            {
                if (byId.ContainsKey(dependency) && Visit(dependency) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[id] = 2;
            return null;
        }
    }

    /// <summary>Steps not yet started whose dependencies are all done, in the plan's order.</summary>
    public static IReadOnlyList<MigrationStep> Ready(MigrationPlan plan, IReadOnlySet<string> done, IReadOnlySet<string> started)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(started);
        return [.. plan.Steps.Where(s => !started.Contains(s.Id) && s.DependsOn.All(done.Contains))];
    }

    /// <summary>Every step that depends on <paramref name="id"/>, directly or through others, in the plan's order.</summary>
    public static IReadOnlyList<MigrationStep> Dependents(MigrationPlan plan, string id)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var found = new HashSet<string>(StringComparer.Ordinal) { id };
        var grew = true;
        while (grew)
        {
            grew = false;
            foreach (var step in plan.Steps)
            {
                if (!found.Contains(step.Id) && step.DependsOn.Any(found.Contains))
                {
                    found.Add(step.Id);
                    grew = true;
                }
            }
        }

        return [.. plan.Steps.Where(s => s.Id != id && found.Contains(s.Id))];
    }
}
