using GitHubBot.Core.Commands;

namespace GitHubBot.Core.Tests;

public sealed class SlashCommandsTests
{
    [Fact]
    public void Every_line_that_starts_with_a_slash_is_a_command_in_order_with_names_case_insensitive_and_aliases_resolved()
    {
        var commands = SlashCommands.Parse("Thanks!\n/RETEST\n  /Status  \nnot /gate here\n/ok-to-test");

        Assert.Equal(["gate", "status", "ok-to-test"], commands.Select(c => c.Name));
        Assert.All(commands, c => Assert.True(c.Known));
        Assert.Equal("/RETEST", commands[0].Line);
    }

    [Fact]
    public void Quoted_text_is_one_argument()
    {
        var command = Assert.Single(SlashCommands.Parse("/reject \"not like this\" 'or that' plain --no-rollback"));

        Assert.Equal("reject", command.Name);
        Assert.Equal(["not like this", "or that", "plain", "--no-rollback"], command.Arguments);
    }

    [Fact]
    public void Unknown_commands_are_kept_as_unknown_and_paths_are_not_commands()
    {
        var commands = SlashCommands.Parse("/lgtm\n/usr/bin/env is where it lives\n/ assign");

        var unknown = Assert.Single(commands);
        Assert.Equal(("lgtm", false), (unknown.Name, unknown.Known));
    }

    [Fact]
    public void Code_blocks_indented_code_and_quoted_replies_hold_no_commands()
    {
        const string body = """
            > /approve
            ```
            /cancel
            ```
                /fix
            ~~~sh
            /gate
            ~~~
            /status
            """;

        Assert.Equal(["status"], SlashCommands.Parse(body).Select(c => c.Name));
    }

    [Fact]
    public void A_comment_carries_at_most_ten_commands_and_windows_line_endings_work()
    {
        var body = string.Join("\r\n", Enumerable.Repeat("/status", 25));

        Assert.Equal(SlashCommands.MaxPerComment, SlashCommands.Parse(body).Count);
        Assert.Empty(SlashCommands.Parse(null));
        Assert.Empty(SlashCommands.Parse("no commands at all"));
    }

    [Theory]
    [InlineData("gate", null, AccessLevel.Write)]
    [InlineData("status", "read", AccessLevel.Read)]
    [InlineData("fix", "admin", AccessLevel.Admin)]
    [InlineData("fix", "bogus", AccessLevel.Write)]
    public void Commands_need_write_unless_the_repository_says_otherwise(string command, string? configured, AccessLevel expected)
    {
        var config = configured is null ? null : new Dictionary<string, string> { [command] = configured };

        Assert.Equal(expected, SlashCommands.Required(command, config));
    }

    [Theory]
    [InlineData("admin", AccessLevel.Admin)]
    [InlineData("maintain", AccessLevel.Maintain)]
    [InlineData("write", AccessLevel.Write)]
    [InlineData("triage", AccessLevel.Triage)]
    [InlineData("read", AccessLevel.Read)]
    [InlineData("none", AccessLevel.None)]
    public void GitHubs_permission_names_order_as_levels(string name, AccessLevel level)
    {
        Assert.Equal(level, SlashCommands.ParsePermission(name));
        Assert.True(AccessLevel.Admin >= level && level >= AccessLevel.None);
    }

    [Fact]
    public void Help_lists_every_command_with_its_usage()
    {
        var help = SlashCommands.Help();

        Assert.All(SlashCommands.All, spec => Assert.Contains($"`{spec.Usage}`", help, StringComparison.Ordinal));
        Assert.Contains("(also `/retest`)", help, StringComparison.Ordinal);
    }
}
