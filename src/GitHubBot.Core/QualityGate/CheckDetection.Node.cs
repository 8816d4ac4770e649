using System.Text.Json.Nodes;
using GitHubBot.Core.Config;

namespace GitHubBot.Core.QualityGate;

/// <summary>Node: the package.json scripts, Node's own test runner and its coverage, ESLint, npm audit.</summary>
public static partial class CheckDetection
{
    private static readonly ToolRequirement NodeAndNpm = new("node", "command -v node && command -v npm", "install Node.js (https://nodejs.org) on the worker, or use the GitHubBot container image");

    private static readonly string[] EslintConfigs =
        [".eslintrc", ".eslintrc.js", ".eslintrc.cjs", ".eslintrc.json", ".eslintrc.yml", ".eslintrc.yaml", "eslint.config.js", "eslint.config.mjs", "eslint.config.cjs"];

    /// <summary>Where Debian's packaged Node modules live (its eslint needs them on NODE_PATH).</summary>
    private const string SystemNodeModules = "/usr/share/nodejs";

    private static readonly string[] IntegrationScripts = ["test:integration", "integration", "test:e2e", "e2e"];

    private static readonly string[] BenchScripts = ["bench", "benchmark", "perf"];

    private static Found? Node(RepoFiles repo)
    {
        if (repo.Json("package.json") is not { } package)
        {
            return null;
        }

        var scripts = (package["scripts"] as JsonObject ?? []).Where(s => s.Value is JsonValue).ToDictionary(s => s.Key, s => s.Value!.ToString(), StringComparer.Ordinal);
        var hasPython = repo.Has("pyproject.toml") || repo.Has("setup.cfg") || repo.Has("setup.py");
        if (scripts.Count == 0 && hasPython)
        {
            // A package.json for tooling beside a Python project: the Python project is what is checked.
            return null;
        }

        var devDependencies = package["devDependencies"] as JsonObject ?? [];
        var dependencies = package["dependencies"] as JsonObject ?? [];
        var install = dependencies.Count + devDependencies.Count == 0 ? string.Empty
            : repo.Has("package-lock.json") ? "npm ci --no-audit --no-fund && "
            : "npm install --no-audit --no-fund && ";
        var checks = new List<CheckConfig>();
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        CheckConfig Npm(string name, string run, ReportFormat report, string? reportPath, double weight, bool required, string? fix = null) =>
            Check(name, $"mkdir -p {ReportDirectory} && {install}{run}", report, reportPath, weight, required, fix is null ? null : install + fix) with { Requires = [NodeAndNpm] };

        var nodeTest = scripts.TryGetValue("test", out var test) ? NodeTestArguments(test) : null;
        if (nodeTest is not null)
        {
            checks.Add(Npm("unit_tests", $"node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination={ReportDirectory}/junit.xml{nodeTest}", ReportFormat.JUnit, $"{ReportDirectory}/junit.xml", 3, true));
            checks.Add(Npm("coverage", $"node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination={ReportDirectory}/lcov.info{nodeTest}", ReportFormat.Lcov, $"{ReportDirectory}/lcov.info", 2, false));
        }
        else if (test is not null && !test.Contains("no test specified", StringComparison.Ordinal))
        {
            checks.Add(Npm("unit_tests", "npm test", ReportFormat.ExitCode, null, 3, true));
            if (test.Contains("jest", StringComparison.Ordinal))
            {
                checks.Add(Npm("coverage", $"npx --no-install jest --coverage --coverageReporters=lcov --coverageDirectory={ReportDirectory}", ReportFormat.Lcov, $"{ReportDirectory}/lcov.info", 2, false));
            }
            else if (scripts.ContainsKey("coverage"))
            {
                checks.Add(Npm("coverage", "npm run coverage", ReportFormat.Lcov, "coverage/lcov.info", 2, false));
            }
            else
            {
                skipped["coverage"] = "no way to measure coverage: a test script that runs `node --test` or jest, or a coverage script writing coverage/lcov.info";
            }
        }
        else
        {
            skipped["unit_tests"] = "package.json has no test script";
            skipped["coverage"] = "package.json has no test script to measure coverage with";
        }

        if (IntegrationScripts.FirstOrDefault(scripts.ContainsKey) is { } integration)
        {
            checks.Add(NodeTestArguments(scripts[integration]) is { } arguments
                ? Npm("integration_tests", $"node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination={ReportDirectory}/integration.xml{arguments}", ReportFormat.JUnit, $"{ReportDirectory}/integration.xml", 2, true)
                : Npm("integration_tests", $"npm run {Quote(integration)}", ReportFormat.ExitCode, null, 2, true));
        }
        else
        {
            skipped["integration_tests"] = "no test:integration, integration, test:e2e or e2e script in package.json";
        }

        if (scripts.ContainsKey("lint"))
        {
            checks.Add(Npm("linting", "npm run lint", ReportFormat.ExitCode, null, 1, false, scripts.ContainsKey("lint:fix") ? "npm run lint:fix" : null));
        }
        else
        {
            skipped["linting"] = "no lint script in package.json";
        }

        if (EslintConfigs.Any(repo.Has) || package["eslintConfig"] is not null)
        {
            var local = devDependencies.ContainsKey("eslint") || dependencies.ContainsKey("eslint");

            // The worker's own ESLint, when the project does not bring one: a distribution's package (Debian's) finds
            // its modules through NODE_PATH, which checks do not inherit. The fixer's exit 1 only says findings remain.
            var eslint = local ? "npx --no-install eslint" : $"NODE_PATH=\"${{NODE_PATH:-{SystemNodeModules}}}\" eslint";
            var check = Npm("static_analysis", $"{eslint} . -f json -o {ReportDirectory}/eslint.json", ReportFormat.EslintJson, $"{ReportDirectory}/eslint.json", 2, false, $"{eslint} --fix -f unix . || test $? -eq 1");
            checks.Add(local ? check : check with
            {
                Requires = [NodeAndNpm, new("eslint", $"NODE_PATH=\"${{NODE_PATH:-{SystemNodeModules}}}\" eslint --version", "npm install --save-dev eslint (or install eslint on the worker)")],
            });
        }
        else
        {
            skipped["static_analysis"] = "no ESLint configuration (.eslintrc.* or eslint.config.*)";
        }

        if (repo.Has("package-lock.json"))
        {
            checks.Add(Check("dependency_check", $"mkdir -p {ReportDirectory} && npm audit --json > {ReportDirectory}/npm-audit.json", ReportFormat.NpmAudit, $"{ReportDirectory}/npm-audit.json", 1, false) with { Requires = [NodeAndNpm] });
        }
        else
        {
            skipped["dependency_check"] = "no package-lock.json: npm audit needs one";
        }

        if (BenchScripts.FirstOrDefault(scripts.ContainsKey) is { } bench)
        {
            checks.Add(Npm("performance", $"npm run {Quote(bench)}", ReportFormat.ExitCode, null, 1, false));
        }
        else
        {
            skipped["performance"] = "no bench, benchmark or perf script in package.json";
        }

        checks.Add(SecurityScan(repo));
        return new Found(checks, skipped);
    }

    /// <summary>
    /// The arguments after <c>node --test</c> of a script that is only Node's test runner (so the gate can add its
    /// reporters), with a leading space; null for anything else. Only plain words are taken over: no shell syntax.
    /// </summary>
    private static string? NodeTestArguments(string script)
    {
        var words = script.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2 || words[0] != "node" || words[1] != "--test")
        {
            return null;
        }

        var rest = words[2..];
        return rest.All(w => w.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or '*' or '=' or ':'))
            ? string.Concat(rest.Select(w => " " + (w.Contains('*', StringComparison.Ordinal) ? Quote(w) : w)))
            : null;
    }
}
