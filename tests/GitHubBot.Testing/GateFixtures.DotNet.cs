namespace GitHubBot.Testing;

public static partial class GateFixtures
{
    /// <summary>The .NET fixture's solution (a classic .sln, as <c>dotnet new sln --format sln</c> and <c>dotnet sln add</c> write it).</summary>
    public const string DotNetSolution = "Pricing.sln";

    /// <summary>The unit test project (xunit, coverlet.collector): the gate's unit_tests and coverage run it.</summary>
    public const string DotNetUnitTestProject = "tests/Pricing.Tests/Pricing.Tests.csproj";

    /// <summary>The test project whose path contains "Integration": the gate's integration_tests run it.</summary>
    public const string DotNetIntegrationTestProject = "tests/Pricing.IntegrationTests/Pricing.IntegrationTests.csproj";

    /// <summary>The project referencing BenchmarkDotNet: the gate's performance check runs it.</summary>
    public const string DotNetBenchmarkProject = "bench/Pricing.Benchmarks/Pricing.Benchmarks.csproj";

    /// <summary>The source file <see cref="DotNetUncoveredChange"/> adds.</summary>
    public const string DotNetUncoveredFile = "src/Pricing/Shipping.cs";

    /// <summary>The method <see cref="DotNetUncoveredChange"/> adds, untested.</summary>
    public const string DotNetUncoveredFunction = "Shipping.Cost";

    /// <summary>The test file <see cref="DotNetCoveringTest"/> adds.</summary>
    public const string DotNetCoveringTestPath = "tests/Pricing.Tests/ShippingTests.cs";

    /// <summary>The file <see cref="DotNetAnalyzerFinding"/> changes (and <see cref="DotNetAnalyzerFix"/> rewrites).</summary>
    public const string DotNetAnalyzerFile = "src/Pricing/PriceCalculator.cs";

    /// <summary>The finding <c>dotnet format analyzers</c> fixes by itself: an unnecessary using directive (enabled as a warning in the fixture's .editorconfig).</summary>
    public const string DotNetFixableRule = "IDE0005";

    /// <summary>The line of <see cref="DotNetAnalyzerFile"/> where <see cref="DotNetFixableRule"/> is reported.</summary>
    public const int DotNetFixableRuleLine = 1;

    /// <summary>The finding no fixer removes: a local assigned but never used (a compiler warning, in the build's SARIF too).</summary>
    public const string DotNetUnfixableRule = "CS0219";

    /// <summary>The line of <see cref="DotNetAnalyzerFile"/> where <see cref="DotNetUnfixableRule"/> is reported before the fixer runs.</summary>
    public const int DotNetUnfixableRuleLine = 12;

    /// <summary>The line of <see cref="DotNetAnalyzerFile"/> where <see cref="DotNetUnfixableRule"/> is reported after <c>dotnet format analyzers</c> removed the using and the blank line after it.</summary>
    public const int DotNetUnfixableRuleLineAfterFixer = 10;

    /// <summary>
    /// A .NET solution <see cref="DotNetSolution"/>: a class library (src/Pricing), an xunit unit test project and an
    /// integration test project (both with coverlet.collector; xunit 2.9.3, xunit.runner.visualstudio 3.1.5,
    /// Microsoft.NET.Test.Sdk 18.0.1) and a BenchmarkDotNet 0.15.8 console project. The .editorconfig turns IDE0005 into
    /// a warning (GenerateDocumentationFile, which it needs, is on in Directory.Build.props, which also stops MSBuild
    /// from importing any Directory.Build.props above the clone). Every check passes: 3 unit tests and 1 integration test
    /// green, 100 % line coverage, no whitespace change, no analyzer warning, no vulnerable package.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DotNet() => Files(
        (".gitignore", GitIgnore("BenchmarkDotNet.Artifacts/", "TestResults/")),
        (".editorconfig", """
            root = true

            [*]
            indent_style = space
            indent_size = 4
            insert_final_newline = true
            trim_trailing_whitespace = true

            [*.cs]
            dotnet_diagnostic.IDE0005.severity = warning
            """),
        ("Directory.Build.props", """
            <Project>
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
                <NoWarn>$(NoWarn);CS1591</NoWarn>
                <EnforceCodeStyleInBuild>true</EnforceCodeStyleInBuild>
              </PropertyGroup>
            </Project>
            """),
        (DotNetSolution, Solution()),
        ("src/Pricing/Pricing.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
            </Project>
            """),
        (DotNetAnalyzerFile, """
            namespace Pricing;

            /// <summary>Prices an order line.</summary>
            public static class PriceCalculator
            {
                /// <summary>The total for <paramref name="quantity"/> items at <paramref name="unitPrice"/>, 10 % off from 10 items.</summary>
                public static decimal Total(decimal unitPrice, int quantity)
                {
                    ArgumentOutOfRangeException.ThrowIfNegative(quantity);
                    var total = unitPrice * quantity;
                    if (quantity >= 10)
                    {
                        total *= 0.9m;
                    }

                    return decimal.Round(total, 2);
                }
            }
            """),
        (DotNetUnitTestProject, DotNetTestProject()),
        ("tests/Pricing.Tests/PriceCalculatorTests.cs", """
            using Xunit;

            namespace Pricing.Tests;

            public class PriceCalculatorTests
            {
                [Fact]
                public void Total_multiplies_the_unit_price() => Assert.Equal(7.5m, PriceCalculator.Total(2.5m, 3));

                [Fact]
                public void Total_takes_ten_percent_off_from_ten_items() => Assert.Equal(9m, PriceCalculator.Total(1m, 10));

                [Fact]
                public void Total_rejects_a_negative_quantity() => Assert.Throws<ArgumentOutOfRangeException>(() => PriceCalculator.Total(1m, -1));
            }
            """),
        (DotNetIntegrationTestProject, DotNetTestProject()),
        ("tests/Pricing.IntegrationTests/OrderTests.cs", """
            using Xunit;

            namespace Pricing.IntegrationTests;

            public class OrderTests
            {
                [Fact]
                public void An_order_of_several_lines_adds_up()
                {
                    var total = PriceCalculator.Total(2m, 3) + PriceCalculator.Total(1m, 20);
                    Assert.Equal(24m, total);
                }
            }
            """),
        (DotNetBenchmarkProject, """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="BenchmarkDotNet" Version="0.15.8" />
              </ItemGroup>
              <ItemGroup>
                <ProjectReference Include="..\..\src\Pricing\Pricing.csproj" />
              </ItemGroup>
            </Project>
            """),
        ("bench/Pricing.Benchmarks/Program.cs", """
            using BenchmarkDotNet.Attributes;
            using BenchmarkDotNet.Running;

            BenchmarkSwitcher.FromAssembly(typeof(Pricing.Benchmarks.PriceBenchmarks).Assembly).Run(args);

            namespace Pricing.Benchmarks
            {
                /// <summary>Times the order-line price.</summary>
                public class PriceBenchmarks
                {
                    private readonly decimal unitPrice = 2.5m;

                    /// <summary>A discounted line.</summary>
                    [Benchmark]
                    public decimal Total() => PriceCalculator.Total(unitPrice, 12);
                }
            }
            """));

    /// <summary>A PR on <see cref="DotNet"/> adding <see cref="DotNetUncoveredFunction"/> (<see cref="DotNetUncoveredFile"/>, 14 coverable lines, 6 branches) with no test: tests pass, the new lines are 0 % covered.</summary>
    public static IReadOnlyDictionary<string, string> DotNetUncoveredChange() => Files(
        (DotNetUncoveredFile, """
            namespace Pricing;

            /// <summary>What shipping an order costs.</summary>
            public static class Shipping
            {
                /// <summary>The cost of shipping <paramref name="weightKg"/> kilograms to <paramref name="zone"/>: a flat rate per zone, plus 1.50 per kilogram over 5.</summary>
                public static decimal Cost(decimal weightKg, string zone)
                {
                    ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weightKg);
                    var cost = zone switch
                    {
                        "domestic" => 4m,
                        "europe" => 9m,
                        _ => 15m,
                    };
                    if (weightKg > 5m)
                    {
                        cost += (weightKg - 5m) * 1.5m;
                    }

                    return cost;
                }
            }
            """));

    /// <summary>The test file (<see cref="DotNetCoveringTestPath"/>) an agent adds on top of <see cref="DotNetUncoveredChange"/>: every line and branch of <see cref="DotNetUncoveredFunction"/> covered, all tests passing.</summary>
    public static IReadOnlyDictionary<string, string> DotNetCoveringTest() => Files(
        (DotNetCoveringTestPath, """
            using Xunit;

            namespace Pricing.Tests;

            public class ShippingTests
            {
                [Theory]
                [InlineData(1, "domestic", 4)]
                [InlineData(2, "europe", 9)]
                [InlineData(3, "overseas", 15)]
                [InlineData(7, "domestic", 7)]
                public void Cost_is_the_zone_rate_plus_the_weight_over_five_kilograms(decimal weightKg, string zone, decimal expected) =>
                    Assert.Equal(expected, Shipping.Cost(weightKg, zone));

                [Fact]
                public void Cost_rejects_a_weight_of_zero() => Assert.Throws<ArgumentOutOfRangeException>(() => Shipping.Cost(0m, "domestic"));
            }
            """));

    /// <summary>
    /// A PR on <see cref="DotNet"/> changing <see cref="DotNetAnalyzerFile"/> so the build reports two warnings:
    /// <see cref="DotNetFixableRule"/> (an unused <c>using System.Globalization;</c>, line 1), which
    /// <c>dotnet format analyzers</c> removes, and <see cref="DotNetUnfixableRule"/> (<c>var bulkRate = 0.9m;</c> never
    /// used, line 12), which it leaves. Tests and coverage are unaffected.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DotNetAnalyzerFinding() => Files(
        (DotNetAnalyzerFile, """
            using System.Globalization;

            namespace Pricing;

            /// <summary>Prices an order line.</summary>
            public static class PriceCalculator
            {
                /// <summary>The total for <paramref name="quantity"/> items at <paramref name="unitPrice"/>, 10 % off from 10 items.</summary>
                public static decimal Total(decimal unitPrice, int quantity)
                {
                    ArgumentOutOfRangeException.ThrowIfNegative(quantity);
                    var bulkRate = 0.9m;
                    var total = unitPrice * quantity;
                    if (quantity >= 10)
                    {
                        total *= 0.9m;
                    }

                    return decimal.Round(total, 2);
                }
            }
            """));

    /// <summary><see cref="DotNetAnalyzerFile"/> as an agent leaves it after <see cref="DotNetAnalyzerFinding"/>: the using gone (as the fixer does) and <c>bulkRate</c> used; no warning, tests pass.</summary>
    public static IReadOnlyDictionary<string, string> DotNetAnalyzerFix() => Files(
        (DotNetAnalyzerFile, """
            namespace Pricing;

            /// <summary>Prices an order line.</summary>
            public static class PriceCalculator
            {
                /// <summary>The total for <paramref name="quantity"/> items at <paramref name="unitPrice"/>, 10 % off from 10 items.</summary>
                public static decimal Total(decimal unitPrice, int quantity)
                {
                    ArgumentOutOfRangeException.ThrowIfNegative(quantity);
                    var bulkRate = 0.9m;
                    var total = unitPrice * quantity;
                    if (quantity >= 10)
                    {
                        total *= bulkRate;
                    }

                    return decimal.Round(total, 2);
                }
            }
            """));

    private static string DotNetTestProject() => """
        <Project Sdk="Microsoft.NET.Sdk">
          <ItemGroup>
            <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
            <PackageReference Include="xunit" Version="2.9.3" />
            <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
            <PackageReference Include="coverlet.collector" Version="6.0.4" />
          </ItemGroup>
          <ItemGroup>
            <ProjectReference Include="..\..\src\Pricing\Pricing.csproj" />
          </ItemGroup>
        </Project>
        """;

    /// <summary>The solution as <c>dotnet new sln --format sln</c> and four <c>dotnet sln add</c> wrote it (less the byte order mark), tab-indented.</summary>
    private static string Solution()
    {
        var projects = new (string Name, string Path, string Guid, string Folder)[]
        {
            ("Pricing", @"src\Pricing\Pricing.csproj", "{8A34AF17-9670-4B06-A46A-AD9F1931EB95}", "{827E0CD3-B72D-47B6-A68D-7590B98EB39B}"),
            ("Pricing.Tests", @"tests\Pricing.Tests\Pricing.Tests.csproj", "{87F9E1C0-75B9-4AA9-B3C2-43AD7A2A5A96}", "{0AB3BF05-4346-4AA6-1389-037BE0695223}"),
            ("Pricing.IntegrationTests", @"tests\Pricing.IntegrationTests\Pricing.IntegrationTests.csproj", "{CB9E68BE-5A2D-4806-BFB3-C3FE13CD4586}", "{0AB3BF05-4346-4AA6-1389-037BE0695223}"),
            ("Pricing.Benchmarks", @"bench\Pricing.Benchmarks\Pricing.Benchmarks.csproj", "{4982091E-66CF-492C-94D9-48C70A27E63F}", "{760AB15A-8938-8D9B-BEDE-5CE1484B84C3}"),
        };
        var folders = new (string Name, string Guid)[]
        {
            ("src", "{827E0CD3-B72D-47B6-A68D-7590B98EB39B}"),
            ("tests", "{0AB3BF05-4346-4AA6-1389-037BE0695223}"),
            ("bench", "{760AB15A-8938-8D9B-BEDE-5CE1484B84C3}"),
        };
        const string FolderType = "{2150E333-8FDC-42A3-9474-1A3956D46DE8}";
        const string CSharpType = "{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}";
        string[] configurations = ["Debug|Any CPU", "Debug|x64", "Debug|x86", "Release|Any CPU", "Release|x64", "Release|x86"];

        var lines = new List<string>
        {
            "Microsoft Visual Studio Solution File, Format Version 12.00",
            "# Visual Studio Version 17",
            "VisualStudioVersion = 17.0.31903.59",
            "MinimumVisualStudioVersion = 10.0.40219.1",
        };
        foreach (var (folder, folderGuid) in folders)
        {
            lines.Add($"Project(\"{FolderType}\") = \"{folder}\", \"{folder}\", \"{folderGuid}\"");
            lines.Add("EndProject");
            foreach (var project in projects.Where(project => project.Folder == folderGuid))
            {
                lines.Add($"Project(\"{CSharpType}\") = \"{project.Name}\", \"{project.Path}\", \"{project.Guid}\"");
                lines.Add("EndProject");
            }
        }

        lines.Add("Global");
        lines.Add("\tGlobalSection(SolutionConfigurationPlatforms) = preSolution");
        lines.AddRange(configurations.Select(configuration => $"\t\t{configuration} = {configuration}"));
        lines.Add("\tEndGlobalSection");
        lines.Add("\tGlobalSection(ProjectConfigurationPlatforms) = postSolution");
        foreach (var project in projects)
        {
            foreach (var configuration in configurations)
            {
                var mapped = configuration.Split('|')[0] + "|Any CPU";
                lines.Add($"\t\t{project.Guid}.{configuration}.ActiveCfg = {mapped}");
                lines.Add($"\t\t{project.Guid}.{configuration}.Build.0 = {mapped}");
            }
        }

        lines.Add("\tEndGlobalSection");
        lines.Add("\tGlobalSection(SolutionProperties) = preSolution");
        lines.Add("\t\tHideSolutionNode = FALSE");
        lines.Add("\tEndGlobalSection");
        lines.Add("\tGlobalSection(NestedProjects) = preSolution");
        lines.AddRange(projects.Select(project => $"\t\t{project.Guid} = {project.Folder}"));
        lines.Add("\tEndGlobalSection");
        lines.Add("EndGlobal");
        return string.Join('\n', lines);
    }
}
