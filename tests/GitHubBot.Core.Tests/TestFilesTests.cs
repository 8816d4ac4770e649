using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

public sealed class TestFilesTests
{
    [Theory]
    [InlineData("tests/test_calc.py")]
    [InlineData("test/helpers.js")]
    [InlineData("src/__tests__/App.jsx")]
    [InlineData("spec/models/user_spec.rb")]
    [InlineData("packages/web/specs/util.ts")]
    [InlineData("e2e/login.ts")]
    [InlineData("Tests/Fixtures/data.json")]
    [InlineData("tests/GreeterTests/Fixture.cs")]
    [InlineData("src/App.Tests/Helpers.cs")]
    [InlineData("src/App.Test/Helpers.cs")]
    [InlineData("src/App.IntegrationTests/Db.cs")]
    [InlineData("src/App.UnitTests/Math.cs")]
    [InlineData("src/app.tests/Math.cs")]
    [InlineData("calc/test_ops.py")]
    [InlineData("calc/ops_test.py")]
    [InlineData("calc/conftest.py")]
    [InlineData("src/math.test.js")]
    [InlineData("src/math.test.mjs")]
    [InlineData("src/math.test.cjs")]
    [InlineData("src/Button.spec.tsx")]
    [InlineData("src/Button.SPEC.jsx")]
    [InlineData("src/util.spec.ts")]
    [InlineData("tests/GreeterTests.cs")]
    [InlineData("pkg/server_test.go")]
    [InlineData("Tests\\A.cs")]
    public void Test_code_by_convention(string path) => Assert.True(TestFiles.IsTest(path));

    [Theory]
    [InlineData("src/app.py")]
    [InlineData("src/Latest.cs")]
    [InlineData("src/Contest.cs")]
    [InlineData("src/contests/Rules.cs")]
    [InlineData("src/testing.py")]
    [InlineData("src/attest.js")]
    [InlineData("src/latest.py")]
    [InlineData("src/test.js")]
    [InlineData("src/spec.ts")]
    [InlineData("docs/testing-guide.md")]
    [InlineData("src/protest_handler.py")]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("tests")]
    [InlineData("src/GreeterTests.cs")]
    [InlineData("src/App/AbTest.cs")]
    [InlineData("src/App/tests/Init.cs")]
    public void Product_code(string path) => Assert.False(TestFiles.IsTest(path));
}
