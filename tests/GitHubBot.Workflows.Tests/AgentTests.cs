using System.Text.Json;
using System.Text.Json.Nodes;
using GitHubBot.Testing;
using GitHubBot.Workflows.Agents;

namespace GitHubBot.Workflows.Tests;

/// <summary>The agents' plumbing: provider settings, and structured answers validated and asked for again.</summary>
public sealed class AgentTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "required": ["design", "risks"],
          "additionalProperties": false,
          "properties": { "design": { "type": "string", "minLength": 1 }, "risks": { "type": "array", "items": { "type": "string" } } }
        }
        """).RootElement.Clone();

    [Fact]
    public async Task A_malformed_answer_is_asked_for_again_with_the_problem_and_tokens_of_every_attempt_count()
    {
        var chat = new ScriptedChatClient()
            .ThenAnswer("Here you go: design = add a cache", inputTokens: 120, outputTokens: 30)
            .ThenAnswer("""{"design":"Add a cache in front of the API.","risks":["stale reads"]}""", inputTokens: 180, outputTokens: 40);

        var answer = await StructuredAgent.AskAsync(chat, "architect", "You design changes.", "Make it faster.", Schema, maxAttempts: 3);

        Assert.Equal(2, answer.Attempts);
        Assert.Equal("Add a cache in front of the API.", (string?)answer.Value["design"]);
        Assert.Equal((300, 70), (answer.InputTokens, answer.OutputTokens));
        var retry = chat.Requests[1];
        Assert.Equal(4, retry.Count);
        Assert.Equal("Here you go: design = add a cache", retry[2].Text);
        Assert.Contains("not valid JSON", retry[3].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_that_never_answers_validly_fails_the_step_saying_why()
    {
        var chat = new ScriptedChatClient();
        for (var i = 0; i < 3; i++)
        {
            chat.ThenAnswer("""{"design":""}""");
        }

        var ex = await Assert.ThrowsAsync<AgentOutputException>(() => StructuredAgent.AskAsync(chat, "planner", "Plan.", "Split it.", Schema, maxAttempts: 3));

        Assert.Equal(3, ex.Attempts);
        Assert.Equal(450, ex.Tokens);
        Assert.Contains("The planner gave no valid answer in 3 attempts", ex.Message, StringComparison.Ordinal);
        Assert.Contains("/design", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, chat.Remaining);
    }

    [Fact]
    public void Without_a_provider_there_is_no_client_and_bad_settings_name_the_setting()
    {
        Assert.Null(AgentClients.Create(new AgentOptions()));
        Assert.Contains("Agents:Model", Assert.Throws<InvalidOperationException>(() => AgentClients.Create(new AgentOptions { Provider = "openai" })).Message, StringComparison.Ordinal);
        Assert.Contains("Agents:Provider", Assert.Throws<InvalidOperationException>(() => AgentClients.Create(new AgentOptions { Provider = "bard", Model = "m" })).Message, StringComparison.Ordinal);
        Assert.Contains("Agents:ApiKey", Assert.Throws<InvalidOperationException>(() => AgentClients.Create(new AgentOptions { Provider = "anthropic", Model = "m" })).Message, StringComparison.Ordinal);
        Assert.NotNull(AgentClients.Create(new AgentOptions { Provider = "anthropic", Model = "claude-test", ApiKey = "k" }));
        Assert.Contains("Agents:Provider", AgentOptions.NotConfigured, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openai_provider_talks_to_any_openai_compatible_endpoint_with_the_schema_as_response_format()
    {
        using var llm = new LocalOpenAi().Answer((string?)null, """{"design":"Cache it.","risks":[]}""", promptTokens: 11, completionTokens: 7);
        using var client = AgentClients.Create(new AgentOptions { Provider = "openai", Endpoint = llm.Endpoint, Model = "local-model", ApiKey = "local-key" })!;

        var answer = await StructuredAgent.AskAsync(client, "architect", "You design changes.", "Make it faster.", Schema, maxAttempts: 1);

        Assert.Equal("Cache it.", (string?)answer.Value["design"]);
        Assert.Equal((11, 7), (answer.InputTokens, answer.OutputTokens));
        var sent = JsonNode.Parse(Assert.Single(llm.Requests).RequestMessage.Body!)!;
        Assert.Equal("local-model", (string?)sent["model"]);
        Assert.Equal("json_schema", (string?)sent["response_format"]!["type"]);
        Assert.Equal("architect", (string?)sent["response_format"]!["json_schema"]!["name"]);
        Assert.Equal("Bearer local-key", Assert.Single(llm.Requests).RequestMessage.Headers!["Authorization"].Single());
    }

    [Theory]
    [InlineData("architect", """{"design":"Add a cache.","risks":[],"files":["src/api.cs"]}""")]
    [InlineData("planner", """{"sub_issues":[{"title":"Cache","body":"b","acceptance_criteria":["hits are cached"],"files":["src/api.cs"],"depends_on":[]}]}""")]
    [InlineData("coder", """{"summary":"s","edits":[{"path":"src/api.cs","search":"a","replace":"b"}]}""")]
    [InlineData("reviewer", """{"approve":true,"findings":[]}""")]
    public async Task Every_role_has_its_prompt_and_a_schema_its_answers_are_checked_against(string name, string validAnswer)
    {
        var role = AgentRoles.Get(name);
        var chat = new ScriptedChatClient().ThenAnswer("""{"unexpected":true}""").ThenAnswer(validAnswer);

        var answer = await StructuredAgent.AskAsync(chat, role.Name, role.Instructions, "the task", role.Schema, maxAttempts: 2);

        Assert.Contains("Answer with JSON only", role.Instructions, StringComparison.Ordinal);
        Assert.Equal(2, answer.Attempts);
        Assert.Equal(role.Instructions, chat.Requests[0][0].Text);
    }

    [Fact]
    public void An_unknown_role_is_refused()
    {
        Assert.Throws<ArgumentException>(() => AgentRoles.Get("janitor"));
    }

    [Fact]
    public async Task The_ask_activity_fails_at_once_saying_what_to_set_when_no_model_is_configured()
    {
        var activities = new AgentActivities(new AgentModel(null), new AgentOptions());

        var ex = await Assert.ThrowsAsync<Temporalio.Exceptions.ApplicationFailureException>(() =>
            new Temporalio.Testing.ActivityEnvironment().RunAsync(() => activities.AskAsync(new Core.Agents.AgentRequest("architect", "Add a cache.", "## File tree"))));

        Assert.Equal(("AgentsNotConfigured", true), (ex.ErrorType, ex.NonRetryable));
        Assert.Contains("Agents:Provider", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ask_activity_returns_a_valid_answer_with_its_cost_and_fails_without_retry_on_answers_that_never_fit()
    {
        var chat = new ScriptedChatClient()
            .ThenAnswer("""{"design":"Add a cache.","risks":["stale reads"],"files":["src/api.cs"]}""", inputTokens: 500, outputTokens: 80)
            .ThenAnswer("not json").ThenAnswer("still not json");
        var activities = new AgentActivities(new AgentModel(chat), new AgentOptions { MaxAttempts = 2 });
        var environment = new Temporalio.Testing.ActivityEnvironment();

        var reply = await environment.RunAsync(() => activities.AskAsync(new Core.Agents.AgentRequest("architect", "Add a cache.", "## File tree\nsrc/api.cs")));
        var ex = await Assert.ThrowsAsync<Temporalio.Exceptions.ApplicationFailureException>(() =>
            environment.RunAsync(() => activities.AskAsync(new Core.Agents.AgentRequest("planner", "Split it.", ""))));

        Assert.Equal("Add a cache.", (string?)JsonNode.Parse(reply.Json)!["design"]);
        Assert.Equal((1, 500L, 80L), (reply.Attempts, reply.InputTokens, reply.OutputTokens));
        Assert.Contains("src/api.cs", chat.Requests[0][1].Text, StringComparison.Ordinal);
        Assert.Equal(("AgentOutputInvalid", true), (ex.ErrorType, ex.NonRetryable));
        Assert.Contains("The planner gave no valid answer in 2 attempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_timeout_that_is_not_positive_is_refused_naming_the_setting_and_a_hang_is_said_in_words()
    {
        Assert.Equal("Agents:RequestTimeout must be a positive time span, e.g. 00:10:00.", new AgentOptions { RequestTimeout = TimeSpan.Zero }.Problem());
        Assert.Null(new AgentOptions().Problem());
        Assert.Equal(TimeSpan.FromMinutes(10), new AgentOptions().RequestTimeout);
        Assert.Equal("The coder agent did not answer within 10 min (Agents:RequestTimeout); the model may be overloaded or unreachable.", AgentActivities.TimedOut("coder", TimeSpan.FromMinutes(10)));
        Assert.StartsWith("The planner agent did not answer within 90 s", AgentActivities.TimedOut("planner", TimeSpan.FromSeconds(90)), StringComparison.Ordinal);
    }
}
