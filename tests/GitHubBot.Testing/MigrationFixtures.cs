namespace GitHubBot.Testing;

/// <summary>
/// Small real projects (path → text, for <see cref="FixtureRepository.CreateAsync"/>) whose dependency's next major
/// renames an API, for the code-migration tests. Each depends on a vendored <c>greeter</c> package kept inside the
/// repository, so installing, building and testing it needs no network: greeter 1.0.0 has <c>greet</c>, 1.1.0 has
/// <c>greet</c> and <c>salute</c> (a compatible minor: a recipe-only bump), 2.0.0 has only <c>salute</c> (a breaking
/// major: the calls in <see cref="NodeUsageFiles"/> / <see cref="DotNetUsageFiles"/> must change). Both configure the
/// gate's unit_tests check only (no linting), reported by exit code.
/// </summary>
public static class MigrationFixtures
{
    /// <summary>The call every Node usage file makes to greeter 1.x; greeter 2.0.0 no longer has it.</summary>
    public const string NodeOldApi = "greet(";

    /// <summary>What <see cref="NodeOldApi"/> becomes: replacing one by the other (ordinal) in the usage files is the whole migration.</summary>
    public const string NodeNewApi = "salute(";

    /// <summary>The call every .NET usage file makes to Greeter 1.x; Greeter 2.0.0 no longer has it.</summary>
    public const string DotNetOldApi = "Greetings.Greet(";

    /// <summary>What <see cref="DotNetOldApi"/> becomes: replacing one by the other (ordinal) in the usage files is the whole migration.</summary>
    public const string DotNetNewApi = "Greetings.Salute(";

    /// <summary>The .NET gate command: packs the vendored Greeter versions into the folder feed, then runs the console test app.</summary>
    public const string DotNetTestCommand = "bash vendor/pack.sh && dotnet run --project tests/App.Tests";

    /// <summary>The Node gate command: installs from the lock file (greeter is a local link) and runs node's test runner.</summary>
    public const string NodeTestCommand = "npm ci --offline --ignore-scripts --no-audit --no-fund --loglevel=error && node --test";

    /// <summary>The greeter versions vendored in both fixtures.</summary>
    public static IReadOnlyList<string> GreeterVersions { get; } = ["1.0.0", "1.1.0", "2.0.0"];

    /// <summary>The Node sources (outside vendor/) that call <see cref="NodeOldApi"/>.</summary>
    public static IReadOnlyList<string> NodeUsageFiles { get; } = ["src/welcome.js", "src/banner.js"];

    /// <summary>The .NET sources (outside vendor/) that call <see cref="DotNetOldApi"/>.</summary>
    public static IReadOnlyList<string> DotNetUsageFiles { get; } = ["src/App/Welcome.cs", "src/App/Banner.cs"];

    /// <summary>
    /// A Node project depending on <c>greeter</c> through <c>file:vendor/greeter-{greeterVersion}</c>, with the
    /// package-lock.json npm writes for it (so <c>npm ci --offline</c> works), two usage files and node:test tests.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Node(string greeterVersion = "1.0.0")
    {
        var files = Files(
            (".gitignore", "node_modules/"),
            (".github/ghbot.yml", Gate(NodeTestCommand, "5m")),
            ("vendor/greeter-1.0.0/package.json", NodeGreeterPackage("1.0.0")),
            ("vendor/greeter-1.0.0/index.js", """
                'use strict';

                /** Returns "Hello, {name}!". */
                function greet(name) {
                  return `Hello, ${name}!`;
                }

                module.exports = { greet };
                """),
            ("vendor/greeter-1.1.0/package.json", NodeGreeterPackage("1.1.0")),
            ("vendor/greeter-1.1.0/index.js", """
                'use strict';

                /** Returns "Hello, {name}!". */
                function salute(name) {
                  return `Hello, ${name}!`;
                }

                /** Deprecated: the same as salute, the only name greeter 2 keeps. */
                function greet(name) {
                  return salute(name);
                }

                module.exports = { greet, salute };
                """),
            ("vendor/greeter-2.0.0/package.json", NodeGreeterPackage("2.0.0")),
            ("vendor/greeter-2.0.0/index.js", """
                'use strict';

                /** Returns "Hello, {name}!". Breaking change in 2.0.0: greet was renamed to salute. */
                function salute(name) {
                  return `Hello, ${name}!`;
                }

                module.exports = { salute };
                """),
            ("src/welcome.js", """
                'use strict';

                /** The welcome line for a new member. */
                function welcome(name) {
                  return `${require('greeter').greet(name)} Welcome aboard.`;
                }

                module.exports = { welcome };
                """),
            ("src/banner.js", """
                'use strict';

                const greeter = require('greeter');

                /** A framed banner greeting everyone named. */
                function banner(names) {
                  const lines = names.map((name) => greeter.greet(name));
                  const width = Math.max(...lines.map((line) => line.length));
                  const rule = '*'.repeat(width + 4);
                  return [rule, ...lines.map((line) => `* ${line.padEnd(width)} *`), rule].join('\n');
                }

                module.exports = { banner };
                """),
            ("test/welcome.test.js", """
                'use strict';

                const test = require('node:test');
                const assert = require('node:assert');
                const { welcome } = require('../src/welcome');

                test('welcome greets the new member', () => {
                  assert.strictEqual(welcome('Ada'), 'Hello, Ada! Welcome aboard.');
                });
                """),
            ("test/banner.test.js", """
                'use strict';

                const test = require('node:test');
                const assert = require('node:assert');
                const { banner } = require('../src/banner');

                test('banner frames one greeting per name', () => {
                  assert.strictEqual(
                    banner(['Ada', 'Grace']),
                    ['*****************', '* Hello, Ada!   *', '* Hello, Grace! *', '*****************'].join('\n'),
                  );
                });
                """));
        foreach (var (path, text) in NodeLockFor(greeterVersion))
        {
            files[path] = text;
        }

        return files;
    }

    /// <summary>
    /// package.json and package-lock.json of <see cref="Node"/> depending on greeter <paramref name="greeterVersion"/>:
    /// what <c>npm install --package-lock-only</c> changes when the dependency is bumped to that version.
    /// </summary>
    public static IReadOnlyDictionary<string, string> NodeLockFor(string greeterVersion)
    {
        var version = Known(greeterVersion);
        return Files(
            ("package.json", $$"""
                {
                  "name": "welcome-app",
                  "version": "1.0.0",
                  "private": true,
                  "description": "Welcomes people, with the greeter package.",
                  "scripts": {
                    "test": "node --test"
                  },
                  "dependencies": {
                    "greeter": "file:vendor/greeter-{{version}}"
                  }
                }
                """),

            // Byte for byte what npm 11 writes (npm install --package-lock-only --ignore-scripts --offline).
            ("package-lock.json", $$"""
                {
                  "name": "welcome-app",
                  "version": "1.0.0",
                  "lockfileVersion": 3,
                  "requires": true,
                  "packages": {
                    "": {
                      "name": "welcome-app",
                      "version": "1.0.0",
                      "dependencies": {
                        "greeter": "file:vendor/greeter-{{version}}"
                      }
                    },
                    "node_modules/greeter": {
                      "resolved": "vendor/greeter-{{version}}",
                      "link": true
                    },
                    "vendor/greeter-{{version}}": {
                      "name": "greeter",
                      "version": "{{version}}",
                      "license": "MIT"
                    }
                  }
                }
                """));
    }

    /// <summary><see cref="NodeUsageFiles"/> of <see cref="Node"/> migrated to greeter 2 (<see cref="NodeOldApi"/> → <see cref="NodeNewApi"/>): the edits an agent makes.</summary>
    public static IReadOnlyDictionary<string, string> NodeMigratedSources() => Renamed(Node(), NodeUsageFiles, NodeOldApi, NodeNewApi);

    /// <summary>
    /// A .NET project depending on the NuGet package <c>Greeter</c> <paramref name="greeterVersion"/> from the folder
    /// feed vendor/feed (nuget.config's only source). The packages are built from their sources under vendor/Greeter
    /// by vendor/pack.sh, which the gate command runs first; the tests are a console app (no xunit: it would need the
    /// internet) exiting 1 when an assertion fails. Restores into .nuget/packages inside the checkout.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DotNet(string greeterVersion = "1.0.0")
    {
        var files = Files(
            (".gitignore", """
                bin/
                obj/
                vendor/feed/
                .nuget/
                """),
            (".github/ghbot.yml", Gate(DotNetTestCommand, "10m")),
            ("Directory.Build.props", "<Project />"),
            ("Directory.Packages.props", """
                <Project>
                  <PropertyGroup>
                    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                  </PropertyGroup>
                </Project>
                """),
            ("nuget.config", """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <config>
                    <add key="globalPackagesFolder" value=".nuget/packages" />
                  </config>
                  <packageSources>
                    <clear />
                    <add key="vendor" value="vendor/feed" />
                  </packageSources>
                </configuration>
                """),
            ("vendor/pack.sh", """
                #!/usr/bin/env bash
                # Packs the vendored Greeter versions into vendor/feed, the only package source of nuget.config (offline).
                set -euo pipefail
                cd "$(dirname "$0")/.."
                mkdir -p vendor/feed
                for project in vendor/Greeter/*/Greeter.csproj; do
                  version="$(basename "$(dirname "$project")")"
                  if [ ! -f "vendor/feed/Greeter.$version.nupkg" ]; then
                    dotnet pack "$project" -p:Version="$version" -o vendor/feed --nologo -v q
                  fi
                done
                """),
            ("vendor/Greeter/1.0.0/Greeter.csproj", DotNetGreeterProject("1.0.0")),
            ("vendor/Greeter/1.0.0/Greeter.cs", """
                namespace Greeter;

                /// <summary>Greetings for people.</summary>
                public static class Greetings
                {
                    /// <summary>"Hello, {name}!".</summary>
                    public static string Greet(string name) => $"Hello, {name}!";
                }
                """),
            ("vendor/Greeter/1.1.0/Greeter.csproj", DotNetGreeterProject("1.1.0")),
            ("vendor/Greeter/1.1.0/Greeter.cs", """
                namespace Greeter;

                /// <summary>Greetings for people.</summary>
                public static class Greetings
                {
                    /// <summary>"Hello, {name}!".</summary>
                    public static string Salute(string name) => $"Hello, {name}!";

                    /// <summary>The same as <see cref="Salute"/>, the only name Greeter 2 keeps.</summary>
                    public static string Greet(string name) => Salute(name);
                }
                """),
            ("vendor/Greeter/2.0.0/Greeter.csproj", DotNetGreeterProject("2.0.0")),
            ("vendor/Greeter/2.0.0/Greeter.cs", """
                namespace Greeter;

                /// <summary>Greetings for people. Breaking change in 2.0.0: Greet was renamed to Salute.</summary>
                public static class Greetings
                {
                    /// <summary>"Hello, {name}!".</summary>
                    public static string Salute(string name) => $"Hello, {name}!";
                }
                """),
            ("src/App/Welcome.cs", """
                using Greeter;

                namespace App;

                /// <summary>Welcomes new members.</summary>
                public static class Welcome
                {
                    /// <summary>The welcome line for a new member.</summary>
                    public static string For(string name) => $"{Greetings.Greet(name)} Welcome aboard.";
                }
                """),
            ("src/App/Banner.cs", """
                using Greeter;

                namespace App;

                /// <summary>Framed banners greeting everyone named.</summary>
                public static class Banner
                {
                    /// <summary>One framed greeting line per name.</summary>
                    public static string For(IReadOnlyList<string> names)
                    {
                        var lines = names.Select(name => Greetings.Greet(name)).ToList();
                        var width = lines.Max(line => line.Length);
                        var rule = new string('*', width + 4);
                        return string.Join('\n', [rule, .. lines.Select(line => $"* {line.PadRight(width)} *"), rule]);
                    }
                }
                """),
            ("tests/App.Tests/App.Tests.csproj", """
                <Project Sdk="Microsoft.NET.Sdk">
                  <!-- A console app, not xunit: the tests must build offline, with no package but Greeter. -->
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="../../src/App/App.csproj" />
                  </ItemGroup>
                </Project>
                """),
            ("tests/App.Tests/Program.cs", """
                using App;

                var failures = 0;
                Check("Welcome.For greets the new member", Welcome.For("Ada"), "Hello, Ada! Welcome aboard.");
                Check(
                    "Banner.For frames one greeting per name",
                    Banner.For(["Ada", "Grace"]),
                    string.Join('\n', "*****************", "* Hello, Ada!   *", "* Hello, Grace! *", "*****************"));
                Console.WriteLine(failures == 0 ? "All tests passed." : $"{failures} test(s) failed.");
                return failures == 0 ? 0 : 1;

                void Check(string name, string actual, string expected)
                {
                    if (string.Equals(actual, expected, StringComparison.Ordinal))
                    {
                        Console.WriteLine($"PASS {name}");
                    }
                    else
                    {
                        failures++;
                        Console.WriteLine($"FAIL {name}: expected \"{expected}\", got \"{actual}\"");
                    }
                }
                """));
        foreach (var (path, text) in DotNetBumpFor(greeterVersion))
        {
            files[path] = text;
        }

        return files;
    }

    /// <summary>src/App/App.csproj of <see cref="DotNet"/> referencing Greeter <paramref name="greeterVersion"/>: what a dependency bump changes.</summary>
    public static IReadOnlyDictionary<string, string> DotNetBumpFor(string greeterVersion)
    {
        var version = Known(greeterVersion);
        return Files(("src/App/App.csproj", $$"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Greeter" Version="{{version}}" />
              </ItemGroup>
            </Project>
            """));
    }

    /// <summary><see cref="DotNetUsageFiles"/> of <see cref="DotNet"/> migrated to Greeter 2 (<see cref="DotNetOldApi"/> → <see cref="DotNetNewApi"/>): the edits an agent makes.</summary>
    public static IReadOnlyDictionary<string, string> DotNetMigratedSources() => Renamed(DotNet(), DotNetUsageFiles, DotNetOldApi, DotNetNewApi);

    private static string Known(string greeterVersion) =>
        GreeterVersions.Contains(greeterVersion, StringComparer.Ordinal)
            ? greeterVersion
            : throw new ArgumentOutOfRangeException(nameof(greeterVersion), greeterVersion, $"greeter is vendored in {string.Join(", ", GreeterVersions)} only.");

    private static string Gate(string command, string timeout) => $"""
        quality_gate:
          checks:
            unit_tests:
              run: {command}
              timeout: {timeout}
              report: exit-code
        """;

    private static string NodeGreeterPackage(string version) => $$"""
        {
          "name": "greeter",
          "version": "{{version}}",
          "description": "Greets people.",
          "main": "index.js",
          "license": "MIT"
        }
        """;

    private static string DotNetGreeterProject(string version) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <PackageId>Greeter</PackageId>
            <Version>{version}</Version>
            <Description>Greets people.</Description>
          </PropertyGroup>
        </Project>
        """;

    private static Dictionary<string, string> Renamed(IReadOnlyDictionary<string, string> files, IReadOnlyList<string> paths, string oldApi, string newApi) =>
        paths.ToDictionary(path => path, path => files[path].Replace(oldApi, newApi, StringComparison.Ordinal), StringComparer.Ordinal);

    /// <summary>The files, each ending with a newline as an editor saves it.</summary>
    private static Dictionary<string, string> Files(params (string Path, string Text)[] files) =>
        files.ToDictionary(file => file.Path, file => file.Text + "\n", StringComparer.Ordinal);
}
