namespace GitHubBot.Core.PlanPatchPr;

/// <summary>The sub-issues' dependencies: checked (known indexes, no cycles) and put in an order that respects them.</summary>
public static class PlanGraph
{
    /// <summary>
    /// The sub-issues' indexes, each after the ones it depends on (ties in index order), or the problems that make
    /// the graph unusable: a dependency on itself or on an index that does not exist, or a cycle.
    /// </summary>
    public static (IReadOnlyList<int> Order, IReadOnlyList<string> Problems) Order(IReadOnlyList<IReadOnlyList<int>> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(dependsOn);
        var problems = new List<string>();
        for (var i = 0; i < dependsOn.Count; i++)
        {
            foreach (var dependency in dependsOn[i])
            {
                if (dependency == i)
                {
                    problems.Add($"sub_issues[{i}] depends on itself.");
                }
                else if (dependency < 0 || dependency >= dependsOn.Count)
                {
                    problems.Add($"sub_issues[{i}] depends on {dependency}, which is not a sub-issue index (0 to {dependsOn.Count - 1}).");
                }
            }
        }

        if (problems.Count > 0)
        {
            return ([], problems);
        }

        var order = new List<int>();
        var done = new bool[dependsOn.Count];
        while (order.Count < dependsOn.Count)
        {
            var next = Enumerable.Range(0, dependsOn.Count).FirstOrDefault(i => !done[i] && dependsOn[i].All(d => done[d]), -1);
            if (next < 0)
            {
                var stuck = Enumerable.Range(0, dependsOn.Count).Where(i => !done[i]);
                return ([], [$"sub_issues {string.Join(", ", stuck)} depend on each other in a cycle."]);
            }

            done[next] = true;
            order.Add(next);
        }

        return (order, []);
    }
}
