using GitHubBot.App.Cli;

return await GhbotCommandLine.RunAsync(args);

/// <summary>The entry point, public so tests can refer to the app's assembly.</summary>
public partial class Program;
