using GitHubBot.Core.Agents;
using Json.Schema;

namespace GitHubBot.Core.Tests;

public sealed class AgentOutputTests
{
    private static readonly JsonSchema Design = JsonSchema.FromText("""
        {
          "type": "object",
          "required": ["design", "risks"],
          "additionalProperties": false,
          "properties": {
            "design": { "type": "string", "minLength": 1 },
            "risks": { "type": "array", "items": { "type": "string" } }
          }
        }
        """);

    [Theory]
    [InlineData("""{"design":"Add a cache.","risks":[]}""")]
    [InlineData("```json\n{\"design\":\"Add a cache.\",\"risks\":[\"stale reads\"]}\n```")]
    public void Json_matching_the_schema_is_accepted_with_or_without_a_fence(string answer)
    {
        var check = AgentOutput.Check(answer, Design);

        Assert.True(check.IsValid, string.Join("; ", check.Problems));
        Assert.Equal("Add a cache.", (string?)check.Value!["design"]);
    }

    [Fact]
    public void Text_that_is_not_json_says_so()
    {
        var check = AgentOutput.Check("Sure! Here is the design: add a cache.", Design);

        Assert.False(check.IsValid);
        Assert.StartsWith("The answer is not valid JSON", Assert.Single(check.Problems), StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Single(AgentOutput.Check("  ", Design).Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_violations_name_where_they_are()
    {
        var check = AgentOutput.Check("""{"design":"","risks":[1],"extra":true}""", Design);

        Assert.False(check.IsValid);
        Assert.Contains(check.Problems, p => p.StartsWith("/design:", StringComparison.Ordinal));
        Assert.Contains(check.Problems, p => p.StartsWith("/risks/0:", StringComparison.Ordinal));
    }
}
