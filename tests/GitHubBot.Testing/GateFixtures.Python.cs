namespace GitHubBot.Testing;

public static partial class GateFixtures
{
    /// <summary>The source file <see cref="PythonUncoveredChange"/> adds.</summary>
    public const string PythonUncoveredFile = "pricing/shipping.py";

    /// <summary>The function <see cref="PythonUncoveredChange"/> adds, untested.</summary>
    public const string PythonUncoveredFunction = "shipping_cost";

    /// <summary>The test file <see cref="PythonCoveringTest"/> adds.</summary>
    public const string PythonCoveringTestPath = "tests/test_shipping.py";

    /// <summary>The file <see cref="PythonLintFinding"/> changes (and <see cref="PythonLintFix"/> rewrites).</summary>
    public const string PythonLintFile = "pricing/core.py";

    /// <summary>pylint's finding in <see cref="PythonLintFinding"/>: unused-variable (flake8 reports the same line as F841).</summary>
    public const string PythonPylintRule = "W0612";

    /// <summary>The line of <see cref="PythonLintFile"/> where <see cref="PythonPylintRule"/> (and flake8's F841) is reported.</summary>
    public const int PythonPylintRuleLine = 10;

    /// <summary>flake8's style finding in <see cref="PythonLintFinding"/>: missing whitespace after ',' (pylint does not report it with C and R disabled).</summary>
    public const string PythonFlake8Rule = "E231";

    /// <summary>The line of <see cref="PythonLintFile"/> where <see cref="PythonFlake8Rule"/> is reported.</summary>
    public const int PythonFlake8RuleLine = 14;

    /// <summary>
    /// A Python project (pyproject.toml; no package.json, no .NET file) with a <c>pricing</c> package, unit tests in
    /// tests/, integration tests in tests/integration/ and a timing test in benchmarks/test_bench_total.py, for
    /// Debian's pytest 7.2 (with pytest-cov), flake8 5 and pylint 2.16. pyproject.toml puts the repository root on
    /// pytest's path (<c>pythonpath = ["."]</c>, so <c>import pricing</c> works from any test), limits plain
    /// <c>pytest</c> to tests/ and keeps tests/ and benchmarks/ out of coverage; .flake8 excludes .ghbot-reports.
    /// There is nothing to install (pip-audit is not on this machine: the dependency check is neutral). Every check
    /// passes: 3 unit tests, 1 integration test and 1 benchmark green, 100 % line coverage, no flake8 or pylint finding.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Python() => Files(
        (".gitignore", GitIgnore(".coverage", ".pytest_cache/")),
        ("pyproject.toml", """
            [project]
            name = "pricing"
            version = "1.0.0"
            requires-python = ">=3.9"

            [tool.pytest.ini_options]
            pythonpath = ["."]
            testpaths = ["tests"]

            [tool.coverage.run]
            omit = ["tests/*", "benchmarks/*"]
            """),
        (".flake8", """
            [flake8]
            max-line-length = 120
            exclude = .git,__pycache__,.ghbot-reports,.pytest_cache
            """),
        ("pricing/__init__.py", """"
            """Prices order lines."""
            """"),
        (PythonLintFile, PythonCore(bulkRate: false, fixedSpacing: true)),
        ("tests/test_core.py", """"
            """Unit tests of pricing.core."""

            from decimal import Decimal

            import pytest

            from pricing.core import total


            def test_total_multiplies_the_unit_price():
                assert total(Decimal("2.5"), 3) == Decimal("7.50")


            def test_total_takes_ten_percent_off_from_ten_items():
                assert total(Decimal("1"), 10) == Decimal("9.00")


            def test_total_rejects_a_negative_quantity():
                with pytest.raises(ValueError):
                    total(Decimal("1"), -1)
            """"),
        ("tests/integration/test_orders.py", """"
            """Integration tests: several order lines together."""

            from decimal import Decimal

            from pricing.core import total


            def test_an_order_of_several_lines_adds_up():
                assert total(Decimal("2"), 3) + total(Decimal("1"), 20) == Decimal("24.00")
            """"),
        ("benchmarks/test_bench_total.py", """"
            """A small timing of pricing.core.total; fails only if it gets absurdly slow."""

            import time
            from decimal import Decimal

            from pricing.core import total


            def test_bench_total():
                rounds = 20000
                start = time.perf_counter()
                for i in range(rounds):
                    total(Decimal("2.5"), i % 20)
                elapsed = time.perf_counter() - start
                print(f"total: {rounds} calls in {elapsed * 1000:.1f} ms")
                assert elapsed < 10
            """"));

    /// <summary>A PR on <see cref="Python"/> adding <see cref="PythonUncoveredFile"/> with <see cref="PythonUncoveredFunction"/> and no test: tests pass, the module is never imported, its 12 statements are 0 % covered (coverage still lists it, as it lies in the <c>pricing</c> package).</summary>
    public static IReadOnlyDictionary<string, string> PythonUncoveredChange() => Files(
        (PythonUncoveredFile, """"
            """What shipping an order costs."""

            from decimal import Decimal


            def shipping_cost(weight_kg: Decimal, zone: str) -> Decimal:
                """The cost of shipping `weight_kg` kilograms to `zone`: a flat rate per zone, plus 1.50 per kilogram over 5."""
                if weight_kg <= 0:
                    raise ValueError("weight must be positive")
                if zone == "domestic":
                    cost = Decimal("4")
                elif zone == "europe":
                    cost = Decimal("9")
                else:
                    cost = Decimal("15")
                if weight_kg > 5:
                    cost += (weight_kg - 5) * Decimal("1.5")
                return cost
            """"));

    /// <summary>The test file (<see cref="PythonCoveringTestPath"/>) an agent adds on top of <see cref="PythonUncoveredChange"/>: every line covered, all tests passing, no flake8 or pylint finding.</summary>
    public static IReadOnlyDictionary<string, string> PythonCoveringTest() => Files(
        (PythonCoveringTestPath, """"
            """Unit tests of pricing.shipping."""

            from decimal import Decimal

            import pytest

            from pricing.shipping import shipping_cost


            @pytest.mark.parametrize(
                ("weight_kg", "zone", "expected"),
                [("1", "domestic", "4"), ("2", "europe", "9"), ("3", "overseas", "15"), ("7", "domestic", "7")],
            )
            def test_shipping_cost_is_the_zone_rate_plus_the_weight_over_five_kilograms(weight_kg, zone, expected):
                assert shipping_cost(Decimal(weight_kg), zone) == Decimal(expected)


            def test_shipping_cost_rejects_a_weight_of_zero():
                with pytest.raises(ValueError):
                    shipping_cost(Decimal("0"), "domestic")
            """"));

    /// <summary>
    /// A PR on <see cref="Python"/> changing <see cref="PythonLintFile"/>: <c>bulk_rate = Decimal("0.9")</c> never used
    /// (line 10: pylint <see cref="PythonPylintRule"/>, flake8 F841) and a call missing the space after a comma (line 14:
    /// flake8 <see cref="PythonFlake8Rule"/>). Neither tool fixes anything (no Python formatter is installed here), so
    /// an agent must. Tests and coverage are unaffected.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PythonLintFinding() => Files(
        (PythonLintFile, PythonCore(bulkRate: true, fixedSpacing: false)));

    /// <summary><see cref="PythonLintFile"/> as an agent leaves it after <see cref="PythonLintFinding"/>: <c>bulk_rate</c> used, the comma spaced; no finding, tests pass.</summary>
    public static IReadOnlyDictionary<string, string> PythonLintFix() => Files(
        (PythonLintFile, """"
            """The price of an order line."""

            from decimal import ROUND_HALF_EVEN, Decimal


            def total(unit_price: Decimal, quantity: int) -> Decimal:
                """The total for `quantity` items at `unit_price`, 10 % off from 10 items, rounded to cents."""
                if quantity < 0:
                    raise ValueError("quantity must not be negative")
                bulk_rate = Decimal("0.9")
                amount = unit_price * quantity
                if quantity >= 10:
                    amount *= bulk_rate
                return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
            """"));

    /// <summary>pricing/core.py: with <paramref name="bulkRate"/>, an unused <c>bulk_rate</c> local; without <paramref name="fixedSpacing"/>, no space after the comma in the <c>quantize</c> call.</summary>
    private static string PythonCore(bool bulkRate, bool fixedSpacing)
    {
        var unused = bulkRate ? "\n    bulk_rate = Decimal(\"0.9\")" : "";
        var comma = fixedSpacing ? ", " : ",";
        return $$""""
            """The price of an order line."""

            from decimal import ROUND_HALF_EVEN, Decimal


            def total(unit_price: Decimal, quantity: int) -> Decimal:
                """The total for `quantity` items at `unit_price`, 10 % off from 10 items, rounded to cents."""
                if quantity < 0:
                    raise ValueError("quantity must not be negative"){{unused}}
                amount = unit_price * quantity
                if quantity >= 10:
                    amount *= Decimal("0.9")
                return amount.quantize(Decimal("0.01"){{comma}}rounding=ROUND_HALF_EVEN)
            """";
    }
}
