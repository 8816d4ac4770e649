namespace GitHubBot.Workflows.GitHub;

/// <summary>
/// The route template of a GitHub REST path, a bounded metric label: owners, repositories, numbers, SHAs, refs and
/// paths become placeholders (<c>/repos/{owner}/{repo}/check-runs/{id}</c>); a path of any other shape is
/// <c>other</c>, so no caller and no payload can make new label values.
/// </summary>
public static class GitHubRoutes
{
    /// <summary>The label of a path no template matches.</summary>
    public const string Other = "other";

    private const int MaxSegments = 12;

    /// <summary>The words GitHub's REST paths are made of, as the App uses them (and their near neighbours).</summary>
    private static readonly HashSet<string> Words = new(StringComparer.Ordinal)
    {
        "repos", "app", "installation", "installations", "access_tokens", "orgs", "users", "user", "repositories",
        "pulls", "issues", "comments", "check-runs", "check-suites", "annotations", "rerequest", "commits", "contents",
        "git", "refs", "ref", "trees", "blobs", "tags", "matching-refs", "branches", "protection", "statuses", "status",
        "labels", "reviews", "requested_reviewers", "files", "merge", "merges", "update-branch", "events", "timeline",
        "reactions", "assignees", "collaborators", "permission", "compare", "readme", "dependabot", "code-scanning",
        "secret-scanning", "alerts", "actions", "runs", "jobs", "workflows", "rerun", "rerun-failed-jobs", "hooks",
        "deliveries", "attempts", "pulls-comments", "milestones", "releases", "latest", "rate_limit", "search", "code",
        "members", "teams", "dismissals", "requested-reviewers", "forks", "dispatches", "check-run", "private-key",
        "languages", "topics", "vulnerability-alerts", "properties", "values", "config", "sub_issues", "hook",
    };

    /// <summary>Words after which the rest of the path is one value: a file path, a ref, a branch, a compared range.</summary>
    private static readonly Dictionary<string, string> Rest = new(StringComparer.Ordinal)
    {
        ["contents"] = "{path}",
        ["refs"] = "{ref}",
        ["ref"] = "{ref}",
        ["matching-refs"] = "{ref}",
        ["branches"] = "{branch}",
        ["compare"] = "{basehead}",
    };

    /// <summary>Words followed by one named value that is not a number.</summary>
    private static readonly Dictionary<string, string> Named = new(StringComparer.Ordinal)
    {
        ["labels"] = "{name}",
        ["collaborators"] = "{username}",
        ["commits"] = "{sha}",
        ["trees"] = "{sha}",
        ["blobs"] = "{sha}",
        ["orgs"] = "{org}",
        ["users"] = "{username}",
        ["workflows"] = "{workflow}",
        ["alerts"] = "{id}",
    };

    /// <summary>The template of <paramref name="path"/> (an absolute URL path; a GitHub Enterprise <c>/api/v3</c> prefix is dropped).</summary>
    public static string Template(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.StartsWith("/api/v3/", StringComparison.OrdinalIgnoreCase))
        {
            path = path[7..];
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0 || segments.Length > 64)
        {
            return Other;
        }

        var template = new List<string>();
        var start = 0;
        if (segments[0] == "repos")
        {
            if (segments.Length < 3)
            {
                return Other;
            }

            template.AddRange(["repos", "{owner}", "{repo}"]);
            start = 3;
        }

        for (var i = start; i < segments.Length; i++)
        {
            var segment = segments[i];
            var previous = i > 0 ? segments[i - 1] : null;
            if (previous is not null && Rest.TryGetValue(previous, out var rest) && !Words.Contains(segment))
            {
                template.Add(rest);
                break;
            }

            if (Words.Contains(segment))
            {
                template.Add(segment);
            }
            else if (IsNumber(segment))
            {
                template.Add("{id}");
            }
            else if (IsSha(segment))
            {
                template.Add("{sha}");
            }
            else if (previous is not null && Named.TryGetValue(previous, out var named))
            {
                template.Add(named);
            }
            else
            {
                return Other;
            }

            if (template.Count > MaxSegments)
            {
                return Other;
            }
        }

        return "/" + string.Join('/', template);
    }

    private static bool IsNumber(string segment) => segment.Length is > 0 and <= 20 && segment.All(char.IsAsciiDigit);

    private static bool IsSha(string segment) => segment.Length is 40 or 64 && segment.All(char.IsAsciiHexDigitLower);
}
