using GitHubBot.Core.CodeMigration;
using GitHubBot.Core.Workspaces;

namespace GitHubBot.Core.Tests;

public sealed partial class MigrationRecipesTests
{
    private static readonly MigrationSubject ReactSubject = MigrationRecipes.Subject("react");

    private static RecipeResult Bump(string type, string from, string to, params (string Path, string Text)[] manifests) =>
        MigrationRecipes.Bump(MigrationRecipes.Subject(type), from, to, manifests.ToDictionary(m => m.Path, m => m.Text, StringComparer.Ordinal));

    private static string Edited(RecipeResult result, string path) =>
        Assert.Single(result.Edits, e => e.Path == path).Content ?? throw new InvalidOperationException("no content");

    [Fact]
    public void React_bump_keeps_range_prefixes_formatting_and_other_packages()
    {
        const string manifest = """
            {
                "name": "web",
                "dependencies": {
                    "react":   "^16.14.0",
                    "react-dom": "~16.14.0",
                    "react-router": "^16.0.0",
                    "react-router-dom": "5.2.0"
                },
                "devDependencies": {"@types/react": "16.9.0", "typescript": "4.9.5"},
                "scripts": { "react": "16.14.0" }
            }

            """;

        var result = Bump("React", "16.14.0", "18.2.0", ("web/package.json", manifest));

        Assert.Equal(
            """
            {
                "name": "web",
                "dependencies": {
                    "react":   "^18.2.0",
                    "react-dom": "~18.2.0",
                    "react-router": "^16.0.0",
                    "react-router-dom": "5.2.0"
                },
                "devDependencies": {"@types/react": "18.2.0", "typescript": "4.9.5"},
                "scripts": { "react": "16.14.0" }
            }

            """,
            Edited(result, "web/package.json"));
        Assert.Equal(
        [
            new ManifestVersion("web/package.json", "react", "^16.14.0"),
            new ManifestVersion("web/package.json", "react-dom", "~16.14.0"),
            new ManifestVersion("web/package.json", "@types/react", "16.9.0"),
        ], result.Found);
        Assert.Empty(result.Notes);
        Assert.True(result.Changes);
    }

    [Fact]
    public void Specs_naming_the_version_get_it_replaced_others_are_left_with_a_note()
    {
        const string manifest = """
            {
              "dependencies": {
                "greeter": "file:vendor/greeter-1.0.0.tgz",
                "greeter-cli": "file:vendor/greeter-1"
              },
              "devDependencies": { "greeter": "latest" },
              "optionalDependencies": { "greeter": "git+https://example.com/greeter.git" }
            }
            """;

        var full = Bump("greeter", "1.0.0", "2.0.0", ("package.json", manifest));
        Assert.Contains("\"greeter\": \"file:vendor/greeter-2.0.0.tgz\"", Edited(full, "package.json"), StringComparison.Ordinal);
        Assert.Equal(
        [
            "package.json: greeter is \"latest\", which is not a version and does not name 1.0.0; left alone.",
            "package.json: greeter is \"git+https://example.com/greeter.git\", which is not a version and does not name 1.0.0; left alone.",
        ], full.Notes);

        var major = Bump("greeter-cli", "1", "2", ("package.json", manifest));
        Assert.Contains("\"greeter-cli\": \"file:vendor/greeter-2\"", Edited(major, "package.json"), StringComparison.Ordinal);

        var partial = Bump("greeter", "1", "2", ("package.json", manifest));
        Assert.Empty(partial.Edits);
        Assert.Equal("file:vendor/greeter-1.0.0.tgz", partial.Found[0].Version);
    }

    [Fact]
    public void Already_at_the_target_is_found_but_not_edited_and_an_older_major_gets_a_note()
    {
        const string current = """{ "dependencies": { "react": "^18.2.0", "react-dom": "18.2.1" } }""";
        var result = Bump("react", "16", "18", ("package.json", current));
        Assert.False(result.Changes);
        Assert.Equal(["^18.2.0", "18.2.1"], result.Found.Select(f => f.Version));
        Assert.Equal(["package.json: react is already at ^18.2.0.", "package.json: react-dom is already at 18.2.1."], result.Notes);

        var old = Bump("react", "16.14.0", "18.2.0", ("package.json", """{ "dependencies": { "react": "^15.0.0" } }"""));
        Assert.Equal("""{ "dependencies": { "react": "^18.2.0" } }""", Edited(old, "package.json"));
        Assert.Equal(["package.json: react was at 15.0.0, not 16.14.0; bumped to 18.2.0 anyway."], old.Notes);
    }

    [Fact]
    public void MsBuild_attribute_and_element_forms_with_case_insensitive_ids_and_central_versions()
    {
        const string project = """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <PackageReference Include="newtonsoft.json" Version="12.0.3" />
                <PackageReference Include="Newtonsoft.Json.Bson" Version="12.0.3" />
                <PackageReference Update="Newtonsoft.Json">
                  <Version>12.0.1</Version>
                </PackageReference>
                <!-- <PackageReference Include="Newtonsoft.Json" Version="12.0.0" /> -->
              </ItemGroup>
            </Project>

            """;
        const string props = """
            <Project>
              <ItemGroup>
                <PackageVersion Include='Newtonsoft.Json' Version='[12.0.3]' />
                <PackageVersion Include="Serilog" Version="3.0.0" />
              </ItemGroup>
            </Project>

            """;

        var result = Bump("Newtonsoft.Json", "12.0.3", "13.0.3", ("src/App/App.csproj", project), ("Directory.Packages.props", props));

        Assert.Equal(["Directory.Packages.props", "src/App/App.csproj"], result.Edits.Select(e => e.Path));
        Assert.Equal(
            """
            <Project Sdk="Microsoft.NET.Sdk">
              <ItemGroup>
                <PackageReference Include="newtonsoft.json" Version="13.0.3" />
                <PackageReference Include="Newtonsoft.Json.Bson" Version="12.0.3" />
                <PackageReference Update="Newtonsoft.Json">
                  <Version>13.0.3</Version>
                </PackageReference>
                <!-- <PackageReference Include="Newtonsoft.Json" Version="12.0.0" /> -->
              </ItemGroup>
            </Project>

            """,
            Edited(result, "src/App/App.csproj"));
        Assert.Contains("<PackageVersion Include='Newtonsoft.Json' Version='[13.0.3]' />", Edited(result, "Directory.Packages.props"), StringComparison.Ordinal);
        Assert.Contains("<PackageVersion Include=\"Serilog\" Version=\"3.0.0\" />", Edited(result, "Directory.Packages.props"), StringComparison.Ordinal);
        Assert.Equal(
        [
            new ManifestVersion("Directory.Packages.props", "Newtonsoft.Json", "[12.0.3]"),
            new ManifestVersion("src/App/App.csproj", "newtonsoft.json", "12.0.3"),
            new ManifestVersion("src/App/App.csproj", "Newtonsoft.Json", "12.0.1"),
        ], result.Found);
    }

    [Fact]
    public void Dotnet_runtime_bumps_target_frameworks_and_the_sdk()
    {
        const string app = """
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net8.0</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="8.0.1" />
              </ItemGroup>
            </Project>
            """;
        const string lib = "<Project><PropertyGroup><TargetFrameworks>net8.0;netstandard2.0;net8.0-windows;net6.0</TargetFrameworks></PropertyGroup></Project>";
        const string global = """
            {
              "sdk": {
                "version": "8.0.100",
                "rollForward": "latestFeature"
              }
            }

            """;

        var result = Bump("dotnet-upgrade", "net8.0", "10", ("src/App/App.csproj", app), ("src/Lib/Lib.csproj", lib), ("global.json", global));

        Assert.Equal(["global.json", "src/App/App.csproj", "src/Lib/Lib.csproj"], result.Edits.Select(e => e.Path));
        Assert.Equal(global.Replace("8.0.100", "10.0.100", StringComparison.Ordinal), Edited(result, "global.json"));
        Assert.Equal(app.Replace("<TargetFramework>net8.0<", "<TargetFramework>net10.0<", StringComparison.Ordinal), Edited(result, "src/App/App.csproj"));
        Assert.Equal(
            "<Project><PropertyGroup><TargetFrameworks>net10.0;netstandard2.0;net10.0-windows;net6.0</TargetFrameworks></PropertyGroup></Project>",
            Edited(result, "src/Lib/Lib.csproj"));
        Assert.Equal(
        [
            new ManifestVersion("global.json", "sdk", "8.0.100"),
            new ManifestVersion("src/App/App.csproj", "TargetFramework", "net8.0"),
            new ManifestVersion("src/Lib/Lib.csproj", "TargetFramework", "net8.0"),
            new ManifestVersion("src/Lib/Lib.csproj", "TargetFramework", "net8.0-windows"),
            new ManifestVersion("src/Lib/Lib.csproj", "TargetFramework", "net6.0"),
        ], result.Found);
        Assert.Equal(
        [
            "global.json: the SDK is pinned to 10.0.100; its rollForward \"latestFeature\" decides which feature bands also satisfy it.",
            "src/App/App.csproj: Microsoft.Extensions.Hosting follow the .NET releases (now 8.x); move them to 10.x with the runtime.",
            "src/Lib/Lib.csproj: net6.0 is not net8.0; left alone.",
        ], result.Notes);
    }

    [Fact]
    public void Global_json_without_roll_forward_and_an_sdk_given_in_full()
    {
        const string global = "{ \"sdk\": { \"version\": \"8.0.404\" } }\n";
        var band = Bump("dotnet", "8", "10.0", ("global.json", global));
        Assert.Equal("{ \"sdk\": { \"version\": \"10.0.100\" } }\n", Edited(band, "global.json"));
        Assert.Equal(["global.json: the SDK is pinned to 10.0.100; with no rollForward only the 10.0.1xx feature band satisfies it (set rollForward, such as latestFeature, to accept later bands)."], band.Notes);

        var full = Bump("dotnet", "8", "10.0.102", ("global.json", global));
        Assert.Equal("{ \"sdk\": { \"version\": \"10.0.102\" } }\n", Edited(full, "global.json"));
    }

    [Fact]
    public void Node_runtime_bumps_engines_types_and_version_files()
    {
        const string manifest = """
            {
              "engines": { "node": ">=16", "npm": ">=8" },
              "devDependencies": { "@types/node": "^16.18.0" }
            }

            """;

        var result = Bump("nodejs", "16", "20", ("package.json", manifest), (".nvmrc", "v16\n"), ("app/.node-version", "16.20.2\r\n"), ("vendor/node_modules/x/package.json", manifest));

        Assert.Equal(
            """
            {
              "engines": { "node": ">=20", "npm": ">=8" },
              "devDependencies": { "@types/node": "^20" }
            }

            """,
            Edited(result, "package.json"));
        Assert.Equal("v20\n", Edited(result, ".nvmrc"));
        Assert.Equal("20\r\n", Edited(result, "app/.node-version"));
        Assert.Equal([".nvmrc", "app/.node-version", "package.json"], result.Edits.Select(e => e.Path));
        Assert.Equal(["v16", "16.20.2", ">=16", "^16.18.0"], result.Found.Select(f => f.Version));
        Assert.Equal(["vendor/node_modules/x/package.json: not a manifest the recipes read; skipped."], result.Notes);
    }

    [Fact]
    public void Free_form_and_oversized_manifests_get_notes()
    {
        var free = Bump("class components to hooks", "16", "18", ("package.json", """{ "dependencies": { "react": "^16.0.0" } }"""));
        Assert.False(free.Changes);
        Assert.Equal(["No recipe knows \"class components to hooks\": it is not a framework, runtime or package name, so no manifest version is bumped."], free.Notes);

        var big = "{ \"dependencies\": { \"react\": \"^16.0.0\" }, \"x\": \"" + new string('x', MigrationRecipes.MaxManifestBytes) + "\" }";
        var skipped = Bump("react", "16", "18", ("package.json", big));
        Assert.False(skipped.Changes);
        Assert.Equal(["package.json: larger than 512 KiB; skipped, check its versions by hand.", "No manifest depends on react, react-dom, @types/react, @types/react-dom."], skipped.Notes);
    }

    [Fact]
    public void Bump_refuses_versions_that_could_break_a_manifest()
    {
        var error = Assert.Throws<ArgumentException>(() => Bump("react", "16", "18\"; evil", ("package.json", "{}")));
        Assert.StartsWith("\"18\"; evil\" is not a version", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Bump("lodash", "../4", "5", ("package.json", "{}")));
    }

    [Fact]
    public void Invalid_json_is_left_alone_with_a_note()
    {
        var result = Bump("react", "16", "18", ("package.json", "{ \"dependencies\": { \"react\": \"^16.0.0\" "));
        Assert.False(result.Changes);
        Assert.Equal("package.json: not valid JSON; left alone.", result.Notes[0]);
    }

    [Fact]
    public void Edits_are_whole_files_that_apply()
    {
        var manifest = """{ "dependencies": { "lodash": "^4.17.21" } }""";
        var result = Bump("lodash", "4", "5.0.0", ("package.json", manifest));
        var applied = Edits.Apply(result.Edits, path => path == "package.json" ? manifest : null);
        Assert.True(applied.Applies);
        Assert.Equal("""{ "dependencies": { "lodash": "^5.0.0" } }""", applied.Files["package.json"]);
        Assert.Equal(new FileEdit("package.json", Content: """{ "dependencies": { "lodash": "^5.0.0" } }"""), result.Edits[0]);
    }

    [Fact]
    public void Byte_order_marks_line_endings_and_non_ascii_text_survive()
    {
        const string manifest = "\uFEFF{\r\n  \"description\": \"caf\u00e9 \u2615 \ud83d\ude80\",\r\n  \"dependencies\": {\r\n    \"react\": \">=16.0.0\"\r\n  }\r\n}\r\n";
        var result = Bump("react", "16", "18", ("package.json", manifest));
        Assert.Equal(manifest.Replace(">=16.0.0", ">=18", StringComparison.Ordinal), Edited(result, "package.json"));
    }

    [Fact]
    public void Unpinned_and_aliased_versions_are_found_and_left_alone()
    {
        var result = Bump("node", "16", "20", (".nvmrc", "lts/gallium\n"));
        Assert.False(result.Changes);
        Assert.Equal([new ManifestVersion(".nvmrc", "node", "lts/gallium")], result.Found);
        Assert.Equal([".nvmrc: \"lts/gallium\" is not a version; left alone."], result.Notes);

        var requests = Bump("requests", "2", "3", ("requirements.txt", "requests\n"), ("src/App.csproj", "<PackageReference Include=\"requests\" Version=\"$(RequestsVersion)\" />"));
        Assert.False(requests.Changes);
        Assert.Equal(
        [
            "requirements.txt: requests is \"*\", with no version to bump; left alone.",
            "src/App.csproj: requests takes its version from $(RequestsVersion); update that property by hand.",
        ], requests.Notes);
    }
}
