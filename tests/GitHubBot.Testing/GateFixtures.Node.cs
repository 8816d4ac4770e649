namespace GitHubBot.Testing;

public static partial class GateFixtures
{
    /// <summary>The registry the Node fixture's .npmrc names: nothing listens on port 9, so a request to it is refused at once.</summary>
    public const string NodeRegistry = "http://127.0.0.1:9/";

    /// <summary>The source file <see cref="NodeUncoveredChange"/> adds <see cref="NodeUncoveredFunction"/> to.</summary>
    public const string NodeUncoveredFile = "src/pricing.js";

    /// <summary>The function <see cref="NodeUncoveredChange"/> adds, untested.</summary>
    public const string NodeUncoveredFunction = "shippingCost";

    /// <summary>The test file <see cref="NodeCoveringTest"/> adds.</summary>
    public const string NodeCoveringTestPath = "test/shipping.test.js";

    /// <summary>The file <see cref="NodeLintFinding"/> changes (and <see cref="NodeLintFix"/> rewrites).</summary>
    public const string NodeLintFile = "src/pricing.js";

    /// <summary>
    /// The ESLint finding <c>eslint --fix</c> removes by itself: a double-quoted string. (Debian's ESLint lacks chalk,
    /// which its default formatter needs: plain <c>eslint --fix .</c> applies the fix but exits 2; with <c>-f unix</c> it
    /// exits 1 while a finding is left, 0 when none is.)
    /// </summary>
    public const string NodeFixableRule = "quotes";

    /// <summary>The line of <see cref="NodeLintFile"/> where <see cref="NodeFixableRule"/> is reported.</summary>
    public const int NodeFixableRuleLine = 6;

    /// <summary>The ESLint finding no fixer removes: a constant assigned but never used.</summary>
    public const string NodeUnfixableRule = "no-unused-vars";

    /// <summary>The line of <see cref="NodeLintFile"/> where <see cref="NodeUnfixableRule"/> is reported (the fix changes no line count).</summary>
    public const int NodeUnfixableRuleLine = 8;

    /// <summary>
    /// A Node package with no dependencies (so nothing to install: every script runs offline) and a lockfileVersion 3
    /// package-lock.json. Scripts: <c>test</c> is exactly <c>node --test</c> (node 20 then runs test/*.test.js only),
    /// <c>test:integration</c> runs integration/orders.int.js (a name node's default patterns never pick), <c>lint</c> /
    /// <c>lint:fix</c> run scripts/lint.js (tabs and trailing whitespace in .js/.json; offline, no package),
    /// <c>bench</c> times <c>total</c>. An .eslintrc.json (eslintrc format: Debian's ESLint 6.4) and .eslintignore
    /// serve the static analysis. The .npmrc points npm at <see cref="NodeRegistry"/>; with no dependency,
    /// <c>npm audit</c> asks no registry and reports 0 vulnerabilities, exit 0 (<see cref="NodeOfflineRegistry"/> makes it need the registry).
    /// Every check passes: 3 unit tests and 1 integration test green, 100 % line coverage, no lint or ESLint finding.
    /// (node's <c>--test-reporter-destination</c> does not create .ghbot-reports/: without it node exits 7.)
    /// </summary>
    public static IReadOnlyDictionary<string, string> Node() => Files(
        (".gitignore", GitIgnore()),
        (".npmrc", $"""
            registry={NodeRegistry}
            fetch-retries=0
            update-notifier=false
            """),
        ("package.json", NodePackage()),
        ("package-lock.json", NodeLock(staleEntry: false)),
        (".eslintrc.json", """
            {
              "root": true,
              "env": {
                "node": true,
                "es2020": true
              },
              "parserOptions": {
                "ecmaVersion": 2020,
                "sourceType": "script"
              },
              "extends": "eslint:recommended",
              "rules": {
                "semi": ["error", "always"],
                "quotes": ["error", "single"],
                "no-unused-vars": "error",
                "eqeqeq": "error"
              }
            }
            """),
        (".eslintignore", """
            node_modules/
            .ghbot-reports/
            """),
        (NodeUncoveredFile, $$"""
            {{NodePricingTotal("'quantity must not be negative'", bulkRate: null)}}

            module.exports = { total };
            """),
        ("test/pricing.test.js", """
            'use strict';

            const test = require('node:test');
            const assert = require('node:assert');
            const { total } = require('../src/pricing');

            test('total multiplies the unit price', () => {
              assert.strictEqual(total(2.5, 3), 7.5);
            });

            test('total takes 10 % off from ten items', () => {
              assert.strictEqual(total(1, 10), 9);
            });

            test('total rejects a negative quantity', () => {
              assert.throws(() => total(1, -1), RangeError);
            });
            """),
        ("integration/orders.int.js", """
            'use strict';

            const test = require('node:test');
            const assert = require('node:assert');
            const { total } = require('../src/pricing');

            test('an order of several lines adds up', () => {
              assert.strictEqual(total(2, 3) + total(1, 20), 24);
            });
            """),
        ("bench/run.js", """
            'use strict';

            const { total } = require('../src/pricing');

            const rounds = 100000;
            const start = process.hrtime.bigint();
            let sum = 0;
            for (let i = 0; i < rounds; i += 1) {
              sum += total(2.5, i % 20);
            }
            const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
            console.log(`total: ${rounds} calls in ${elapsed.toFixed(1)} ms (checksum ${sum.toFixed(2)})`);
            """),
        ("scripts/lint.js", """
            'use strict';

            // Checks every .js and .json file for tabs and trailing whitespace; with --fix, rewrites them without.
            const fs = require('node:fs');
            const path = require('node:path');

            const fix = process.argv.includes('--fix');
            const skipped = new Set(['node_modules', '.git', '.ghbot-reports']);
            const problems = [];

            function visit(directory) {
              for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
                const full = path.join(directory, entry.name);
                if (entry.isDirectory()) {
                  if (!skipped.has(entry.name)) {
                    visit(full);
                  }
                } else if (/\.(js|json)$/.test(entry.name)) {
                  check(full);
                }
              }
            }

            function check(file) {
              const text = fs.readFileSync(file, 'utf8');
              const lines = text.split('\n');
              lines.forEach((line, index) => {
                if (/\t/.test(line)) {
                  problems.push(`${file}:${index + 1}: tab`);
                }
                if (/[ \t]+$/.test(line)) {
                  problems.push(`${file}:${index + 1}: trailing whitespace`);
                }
              });
              if (fix) {
                const fixed = lines.map((line) => line.replace(/\t/g, '  ').replace(/[ \t]+$/, '')).join('\n');
                if (fixed !== text) {
                  fs.writeFileSync(file, fixed);
                }
              }
            }

            visit('.');
            if (fix) {
              console.log(`fixed ${problems.length} problem(s)`);
            } else if (problems.length > 0) {
              console.error(problems.join('\n'));
              process.exit(1);
            } else {
              console.log('no problems');
            }
            """));

    /// <summary>
    /// A change on <see cref="Node"/> making <c>npm audit</c> need the (unreachable) registry: package-lock.json keeps a
    /// stale entry, is-number 7.0.0, of a devDependency package.json no longer declares (as a lock left unpruned does).
    /// package.json still has no dependency, so nothing is installed and tests, lint and the benchmark run offline as
    /// before, but <c>npm audit --json</c> asks the registry about is-number and exits 1 at once with
    /// <c>{"message": "request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9", "error": {"summary": "", "detail": ""}}</c>:
    /// the dependency check has no answer.
    /// </summary>
    public static IReadOnlyDictionary<string, string> NodeOfflineRegistry() => Files(
        ("package-lock.json", NodeLock(staleEntry: true)));

    /// <summary>A PR on <see cref="Node"/> adding <see cref="NodeUncoveredFunction"/> to <see cref="NodeUncoveredFile"/> with no test: tests pass, 3 of the 18 changed lines are covered (node counts the doc comment and the export line).</summary>
    public static IReadOnlyDictionary<string, string> NodeUncoveredChange() => Files(
        (NodeUncoveredFile, $$"""
            {{NodePricingTotal("'quantity must not be negative'", bulkRate: null)}}

            /** The cost of shipping `weightKg` kilograms to `zone`: a flat rate per zone, plus 1.50 per kilogram over 5. */
            function shippingCost(weightKg, zone) {
              if (!(weightKg > 0)) {
                throw new RangeError('weight must be positive');
              }
              let cost = 15;
              if (zone === 'domestic') {
                cost = 4;
              } else if (zone === 'europe') {
                cost = 9;
              }
              if (weightKg > 5) {
                cost += (weightKg - 5) * 1.5;
              }
              return cost;
            }

            module.exports = { total, shippingCost };
            """));

    /// <summary>The test file (<see cref="NodeCoveringTestPath"/>) an agent adds on top of <see cref="NodeUncoveredChange"/>: every line and branch covered, all tests passing.</summary>
    public static IReadOnlyDictionary<string, string> NodeCoveringTest() => Files(
        (NodeCoveringTestPath, """
            'use strict';

            const test = require('node:test');
            const assert = require('node:assert');
            const { shippingCost } = require('../src/pricing');

            test('shipping costs the zone rate up to five kilograms', () => {
              assert.strictEqual(shippingCost(1, 'domestic'), 4);
              assert.strictEqual(shippingCost(2, 'europe'), 9);
              assert.strictEqual(shippingCost(3, 'overseas'), 15);
            });

            test('shipping adds 1.50 per kilogram over five', () => {
              assert.strictEqual(shippingCost(7, 'domestic'), 7);
            });

            test('shipping rejects a weight of zero', () => {
              assert.throws(() => shippingCost(0, 'domestic'), RangeError);
            });
            """));

    /// <summary>
    /// A PR on <see cref="Node"/> changing <see cref="NodeLintFile"/> so ESLint reports two errors: <see cref="NodeFixableRule"/>
    /// (a double-quoted message, line 6), which <c>eslint --fix</c> rewrites, and <see cref="NodeUnfixableRule"/>
    /// (<c>const bulkRate = 0.9;</c> never used, line 8), which it leaves. Tests, coverage and the lint script are unaffected.
    /// </summary>
    public static IReadOnlyDictionary<string, string> NodeLintFinding() => Files(
        (NodeLintFile, $$"""
            {{NodePricingTotal("\"quantity must not be negative\"", bulkRate: "  const bulkRate = 0.9;")}}

            module.exports = { total };
            """));

    /// <summary><see cref="NodeLintFile"/> as an agent leaves it after <see cref="NodeLintFinding"/>: single quotes (as the fixer does) and <c>bulkRate</c> used; no finding, tests pass.</summary>
    public static IReadOnlyDictionary<string, string> NodeLintFix() => Files(
        (NodeLintFile, """
            'use strict';

            /** The total for `quantity` items at `unitPrice`, 10 % off from 10 items, rounded to cents. */
            function total(unitPrice, quantity) {
              if (quantity < 0) {
                throw new RangeError('quantity must not be negative');
              }
              const bulkRate = 0.9;
              let sum = unitPrice * quantity;
              if (quantity >= 10) {
                sum *= bulkRate;
              }
              return Math.round(sum * 100) / 100;
            }

            module.exports = { total };
            """));

    /// <summary>src/pricing.js up to the end of <c>total</c>: <paramref name="message"/> is the RangeError's literal, <paramref name="bulkRate"/> an optional line before <c>let sum</c>.</summary>
    private static string NodePricingTotal(string message, string? bulkRate)
    {
        var lines = new List<string>
        {
            "'use strict';",
            "",
            "/** The total for `quantity` items at `unitPrice`, 10 % off from 10 items, rounded to cents. */",
            "function total(unitPrice, quantity) {",
            "  if (quantity < 0) {",
            $"    throw new RangeError({message});",
            "  }",
        };
        if (bulkRate is not null)
        {
            lines.Add(bulkRate);
        }

        lines.AddRange(
        [
            "  let sum = unitPrice * quantity;",
            "  if (quantity >= 10) {",
            "    sum *= 0.9;",
            "  }",
            "  return Math.round(sum * 100) / 100;",
            "}",
        ]);
        return string.Join('\n', lines);
    }

    private static string NodePackage() => """
        {
          "name": "pricing",
          "version": "1.0.0",
          "private": true,
          "license": "MIT",
          "scripts": {
            "test": "node --test",
            "test:integration": "node --test integration/orders.int.js",
            "lint": "node scripts/lint.js",
            "lint:fix": "node scripts/lint.js --fix",
            "bench": "node bench/run.js"
          }
        }
        """;

    /// <summary>package-lock.json as npm 11 writes it for <see cref="NodePackage"/>; with <paramref name="staleEntry"/>, also the entry npm wrote for a devDependency on is-number 7.0.0 (<c>npm install --package-lock-only</c>), whose declaration has since gone.</summary>
    private static string NodeLock(bool staleEntry) => staleEntry
        ? """
            {
              "name": "pricing",
              "version": "1.0.0",
              "lockfileVersion": 3,
              "requires": true,
              "packages": {
                "": {
                  "name": "pricing",
                  "version": "1.0.0",
                  "license": "MIT"
                },
                "node_modules/is-number": {
                  "version": "7.0.0",
                  "integrity": "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==",
                  "dev": true,
                  "license": "MIT",
                  "engines": {
                    "node": ">=0.12.0"
                  }
                }
              }
            }
            """
        : """
            {
              "name": "pricing",
              "version": "1.0.0",
              "lockfileVersion": 3,
              "requires": true,
              "packages": {
                "": {
                  "name": "pricing",
                  "version": "1.0.0",
                  "license": "MIT"
                }
              }
            }
            """;
}
