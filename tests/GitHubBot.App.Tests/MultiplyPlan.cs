using System.Text.Json.Nodes;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>
/// One plan → patch → PR run the app-level tests drive end to end: an issue asking calc.sh to multiply, labelled
/// by an admin, on a repository whose gate runs its shell tests, answered by each agent role once.
/// </summary>
internal static class MultiplyPlan
{
    /// <summary>The repository's files before the run.</summary>
    public static Dictionary<string, string> Files => new()
    {
        ["calc.sh"] = "add() { echo $(( $1 + $2 )); }\n",
        ["test.sh"] = ". ./calc.sh\n[ \"$(add 2 3)\" = 5 ] || exit 1\nif [ -f more_tests.sh ]; then . ./more_tests.sh; fi\n",
    };

    /// <summary>Sets the fake GitHub and the model up for the run; returns the signed <c>issues.labeled</c> body that starts it.</summary>
    public static (JsonObject Payload, string Repo) Arrange(GitHubFake github, LocalOpenAi llm, FixtureRepository remote, string token)
    {
        var payload = Payloads.InOwnRepository("issues.labeled.json", out var repo);
        github.ExpectGate("Codertocat", repo, 1, token)
            .ExpectPlan("Codertocat", repo, token, remote)
            .ExpectPermission("Codertocat", repo, "Codertocat", "admin")
            .RespondFile("Codertocat", repo, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"sh test.sh\" }\nauto_merge:\n  enabled: true\n");
        var issue = github.AddIssue("Codertocat", repo, "Multiply", "calc.sh should multiply.");
        payload["issue"]!["number"] = issue;
        payload["label"]!["name"] = "ghbot:implement";
        payload["installation"] = new JsonObject { ["id"] = 1, ["node_id"] = "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
        llm.Answer("You are the architect", """{"design":"Add mul.","risks":[],"files":["calc.sh"]}""");
        llm.Answer("You are the planner", """{"sub_issues":[{"title":"Add mul","body":"b","acceptance_criteria":["mul 2 3 is 6"],"files":["calc.sh","more_tests.sh"],"depends_on":[]}]}""");
        llm.Answer("You are a coder", """
            {"summary":"Adds and tests mul.","edits":[
              {"path":"calc.sh","search":"add() { echo $(( $1 + $2 )); }\n","replace":"add() { echo $(( $1 + $2 )); }\nmul() { echo $(( $1 * $2 )); }\n"},
              {"path":"more_tests.sh","content":"[ \"$(mul 2 3)\" = 6 ] || exit 1\n"}]}
            """);
        llm.Answer("You are the reviewer", """{"approve":true,"findings":[]}""");
        return (payload, repo);
    }
}
