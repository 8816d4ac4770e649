using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.Common;
using GitHubBot.Testing;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using WireMock.Matchers;

var runs = BenchBot.Option(args, "--runs", 3);
var steps = BenchBot.Option(args, "--steps", 20);
var fileCount = BenchBot.Option(args, "--files", 5000);
using var github = new GitHubFake();
using var llm = new LocalOpenAi();
using var remote = await FixtureRepository.CreateAsync(new Dictionary<string, string> { ["README.md"] = "benchmark\n" });
using var large = await FixtureRepository.CreateAsync(LargeRepository(fileCount));
const string owner = "Codertocat";
const string repo = "migration-bench";
const string largeRepo = "migration-bench-large";
foreach (var (name, fixture) in new[] { (repo, remote), (largeRepo, large) })
{
    github.ExpectGate(owner, name, 1, "ghs_bench").ExpectPlan(owner, name, "ghs_bench", fixture);
    github.RespondFile(owner, name, ".github/ghbot.yml", "quality_gate:\n  checks:\n    unit_tests: { run: \"true\" }\nmigration:\n  fix_attempts: 0\n");
}

// A chain of steps, each writing a file of its own: every step really changes the repository and is pushed.
Answer("You are the migrator", new
{
    summary = "Move bench-lib, one file at a time.",
    steps = Enumerable.Range(1, steps).Select(i => new
    {
        id = i.ToString(CultureInfo.InvariantCulture),
        title = $"Step {i}",
        description = $"Write steps/step-{i}.txt.",
        files = new[] { $"steps/step-{i}.txt" },
        depends_on = i == 1 ? Array.Empty<string>() : [(i - 1).ToString(CultureInfo.InvariantCulture)],
    }).ToArray(),
});
for (var i = 1; i <= steps; i++)
{
    Answer($"# Migration step {i}:", new { summary = $"Step {i}.", edits = new[] { new { path = $"steps/step-{i}.txt", content = $"step {i}\n" } } });
}

await using var bot = await BenchBot.StartAsync("migration-bench", github, new Dictionary<string, string?>
{
    ["Agents:Provider"] = "openai",
    ["Agents:Endpoint"] = llm.Endpoint.ToString(),
    ["Agents:Model"] = "bench-model",
    ["Agents:ApiKey"] = "bench-key",
});

var overheads = new List<double>();
var ceilings = new List<double>();
for (var run = 0; run <= runs; run++)
{
    // Run 0 warms the worker up and is not counted.
    var result = await MigrateAsync(repo, $"{run + 1}.0.0", dryRun: false);
    if (result.Outcome != "completed" || result.CompletedSteps != steps)
    {
        throw new InvalidOperationException($"expected {steps} migrated steps, got {JsonSerializer.Serialize(result)}");
    }

    var perStep = result.Steps.Select(s => s.Seconds).ToList();
    var git = await PlainGitStepAsync(remote.CloneUrl, run);
    if (run > 0)
    {
        overheads.AddRange(perStep);
        ceilings.Add(git);
        Console.WriteLine(JsonSerializer.Serialize(new { run, steps, stepMedianSeconds = BenchBot.Median(perStep), stepMaxSeconds = perStep.Max(), plainGitStepSeconds = Math.Round(git, 3) }));
    }
}

var (pauseResume, signalRoundTrip) = await PauseResumeAsync();
Console.WriteLine(JsonSerializer.Serialize(new { pauseToResumeSeconds = Math.Round(pauseResume, 3), signalQueryRoundTripSeconds = Math.Round(signalRoundTrip, 3) }));

var analysis = await AnalysisSecondsAsync();
var grep = GitGrepSeconds(large.BarePath);
Console.WriteLine(JsonSerializer.Serialize(new { files = fileCount, analysisSeconds = Math.Round(analysis.Seconds, 3), filesRead = analysis.Read, affected = analysis.Affected, gitGrepSeconds = Math.Round(grep, 3) }));

Console.WriteLine();
Console.WriteLine("| runs × steps | per step, GitHubBot (median / max) | per step, plain git commit + push (median) | pause → resume (resumed step running) | signal + query round trip | analysis of {0} files | `git grep -l` over them |".Replace("{0}", fileCount.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
Console.WriteLine("|---|---|---|---|---|---|---|");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {runs} × {steps} | {BenchBot.Median(overheads):0.00} s / {overheads.Max():0.00} s | {BenchBot.Median(ceilings):0.000} s | {pauseResume:0.000} s | {signalRoundTrip:0.000} s | {analysis.Seconds:0.00} s ({analysis.Read} read, {analysis.Affected} affected) | {grep:0.000} s |"));

async Task<CodeMigrationResult> MigrateAsync(string repository, string to, bool dryRun)
{
    var input = new CodeMigrationInput
    {
        Owner = owner,
        Repo = repository,
        InstallationId = 1,
        MigrationType = "bench-lib",
        SourceVersion = "1.0.0",
        TargetVersion = to,
        DryRun = dryRun,
        Trigger = "bench",
    };
    var handle = await bot.Client.StartWorkflowAsync(WorkflowTypes.CodeMigration, [input], new WorkflowOptions(input.WorkflowId, "migration-bench"));
    return await handle.GetResultAsync<CodeMigrationResult>();
}

// Pause while step 1 runs, wait until the run is paused after it, then resume: the time until step 2 is running.
async Task<(double PauseResume, double RoundTrip)> PauseResumeAsync()
{
    var input = new CodeMigrationInput { Owner = owner, Repo = repo, InstallationId = 1, MigrationType = "bench-lib", SourceVersion = "1.0.0", TargetVersion = "99.0.0", Trigger = "bench" };
    var handle = bot.Client.GetWorkflowHandle(input.WorkflowId);
    await bot.Client.StartWorkflowAsync(WorkflowTypes.CodeMigration, [input], new WorkflowOptions(input.WorkflowId, "migration-bench"));
    await UntilAsync(handle, s => s.CurrentStep == "1");
    var roundTrip = Stopwatch.StartNew();
    await handle.SignalAsync(MigrationSignals.Pause, ["bench"]);
    await UntilAsync(handle, s => s.Paused);
    var signalQuery = roundTrip.Elapsed.TotalSeconds;
    await UntilAsync(handle, s => s.Stage == "paused");
    var clock = Stopwatch.StartNew();
    await handle.SignalAsync(MigrationSignals.Resume, ["bench"]);
    await UntilAsync(handle, s => s.CurrentStep == "2" && s.Stage != "paused");
    var latency = clock.Elapsed.TotalSeconds;
    await handle.GetResultAsync<CodeMigrationResult>();
    return (latency, signalQuery);
}

// The Analyze activity's own time (scheduled → completed, from the run's history) on the generated repository.
async Task<(double Seconds, int Read, int Affected)> AnalysisSecondsAsync()
{
    var result = await MigrateAsync(largeRepo, "2.0.0", dryRun: true);
    var history = await bot.Client.GetWorkflowHandle(WorkflowIds.CodeMigration(owner, largeRepo, "bench-lib", "2.0.0")).FetchHistoryAsync();
    var scheduled = history.Events.First(e => e.EventType == EventType.ActivityTaskScheduled && e.ActivityTaskScheduledEventAttributes.ActivityType.Name == "Analyze");
    var completed = history.Events.First(e => e.EventType == EventType.ActivityTaskCompleted && e.ActivityTaskCompletedEventAttributes.ScheduledEventId == scheduled.EventId);
    var figures = result.Analysis ?? throw new InvalidOperationException($"the dry run reported no analysis: {JsonSerializer.Serialize(result)}");
    return ((completed.EventTime.ToDateTime() - scheduled.EventTime.ToDateTime()).TotalSeconds, figures.FilesScanned, figures.FilesAffected);
}

static async Task UntilAsync(WorkflowHandle handle, Func<CodeMigrationStatus, bool> condition)
{
    var deadline = DateTime.UtcNow.AddMinutes(5);
    while (DateTime.UtcNow < deadline)
    {
        if (condition(await handle.QueryAsync<CodeMigrationStatus>("Status", [])))
        {
            return;
        }

        await Task.Delay(5);
    }

    throw new TimeoutException("the migration never got there");
}

// What any tool pays per step at least: commit one file and push it (plain git, same machine, same remote).
static async Task<double> PlainGitStepAsync(string cloneUrl, int run)
{
    using var work = new TempDirectory("ghbot-bench-git-");
    Git(work.Path, "clone", "--quiet", cloneUrl, ".");
    Git(work.Path, "checkout", "--quiet", "-b", $"plain-{run}");
    var clock = Stopwatch.StartNew();
    for (var i = 1; i <= 5; i++)
    {
        await File.WriteAllTextAsync(Path.Combine(work.Path, $"plain-{i}.txt"), $"{i}\n");
        Git(work.Path, "add", "--all");
        Git(work.Path, "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "--quiet", "-m", $"plain {i}");
        Git(work.Path, "push", "--quiet", "origin", $"plain-{run}");
    }

    return clock.Elapsed.TotalSeconds / 5;
}

static double GitGrepSeconds(string bare)
{
    var clock = Stopwatch.StartNew();
    Git(bare, "--git-dir", bare, "grep", "-l", "bench-lib", "main", "--");
    return clock.Elapsed.TotalSeconds;
}

static string Git(string directory, params string[] arguments)
{
    using var git = Process.Start(new ProcessStartInfo("git", arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true })!;
    var output = git.StandardOutput.ReadToEnd();
    git.WaitForExit();
    return git.ExitCode is 0 or 1 ? output : throw new InvalidOperationException($"git {string.Join(' ', arguments)}: {git.StandardError.ReadToEnd()}");
}

static Dictionary<string, string> LargeRepository(int files)
{
    var tree = new Dictionary<string, string>(StringComparer.Ordinal) { ["package.json"] = "{\n  \"dependencies\": {\n    \"bench-lib\": \"^1.0.0\"\n  }\n}\n" };
    for (var i = 0; i < files - 1; i++)
    {
        var uses = i % 10 == 0 ? "const lib = require('bench-lib');\n" : string.Empty;
        tree[$"src/m{i / 100}/f{i}.js"] = $"{uses}// module {i}\nmodule.exports = function f{i}(x) {{ return x + {i}; }};\n";
    }

    return tree;
}

// The local OpenAI-compatible endpoint answers requests whose body contains `match` with `value` as the model's JSON.
void Answer(string match, object value) => llm.Answer(new WildcardMatcher($"*{match}*"), JsonSerializer.Serialize(value));
