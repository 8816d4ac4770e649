using System.Globalization;
using GitHubBot.Core.Config;
using GitHubBot.Core.QualityGate;

namespace GitHubBot.Core.Tests;

/// <summary>The per-file lines of coverage reports, from coverlet, coverage.py and node's own coverage.</summary>
public sealed class CoverageLinesTests
{
    // coverlet.collector 6.0.4 (`dotnet test --collect "XPlat Code Coverage"`) over src/App/Greeter.cs and src/App/Text/Shout.cs.
    private const string Coverlet = """
        <?xml version="1.0" encoding="utf-8"?>
        <coverage line-rate="0.6666" branch-rate="0.5" version="1.9" timestamp="1796142448" lines-covered="8" lines-valid="12" branches-covered="2" branches-valid="4">
          <sources>
            <source>/tmp/rt/dn/src/App/</source>
          </sources>
          <packages>
            <package name="App" line-rate="0.6666" branch-rate="0.5" complexity="7">
              <classes>
                <class name="App.Greeter" filename="Greeter.cs" line-rate="0.5714" branch-rate="0.5" complexity="3">
                  <methods>
                    <method name="Greet" signature="(System.String)" line-rate="0.6666" branch-rate="0.5" complexity="2">
                      <lines>
                        <line number="6" hits="1" branch="False" />
                        <line number="7" hits="1" branch="True" condition-coverage="50% (1/2)">
                          <conditions>
                            <condition number="9" type="jump" coverage="50%" />
                          </conditions>
                        </line>
                        <line number="8" hits="0" branch="False" />
                        <line number="9" hits="0" branch="False" />
                        <line number="12" hits="1" branch="False" />
                        <line number="13" hits="1" branch="False" />
                      </lines>
                    </method>
                    <method name="Twice" signature="(System.Int32)" line-rate="0" branch-rate="1" complexity="1">
                      <lines>
                        <line number="15" hits="0" branch="False" />
                      </lines>
                    </method>
                  </methods>
                  <lines>
                    <line number="6" hits="1" branch="False" />
                    <line number="7" hits="1" branch="True" condition-coverage="50% (1/2)">
                      <conditions>
                        <condition number="9" type="jump" coverage="50%" />
                      </conditions>
                    </line>
                    <line number="8" hits="0" branch="False" />
                    <line number="9" hits="0" branch="False" />
                    <line number="12" hits="1" branch="False" />
                    <line number="13" hits="1" branch="False" />
                    <line number="15" hits="0" branch="False" />
                  </lines>
                </class>
                <class name="App.Text.Shout" filename="Text/Shout.cs" line-rate="0.8" branch-rate="0.5" complexity="4">
                  <methods>
                    <method name="Loud" signature="(System.String)" line-rate="1" branch-rate="1" complexity="1">
                      <lines>
                        <line number="5" hits="2" branch="False" />
                      </lines>
                    </method>
                    <method name="Quiet" signature="(System.String)" line-rate="0" branch-rate="1" complexity="1">
                      <lines>
                        <line number="7" hits="0" branch="False" />
                      </lines>
                    </method>
                    <method name="All" signature="(System.String[])" line-rate="1" branch-rate="0.5" complexity="2">
                      <lines>
                        <line number="10" hits="2" branch="True" condition-coverage="50% (1/2)">
                          <conditions>
                            <condition number="7" type="jump" coverage="50%" />
                          </conditions>
                        </line>
                        <line number="11" hits="2" branch="False" />
                        <line number="12" hits="2" branch="False" />
                      </lines>
                    </method>
                  </methods>
                  <lines>
                    <line number="5" hits="2" branch="False" />
                    <line number="7" hits="0" branch="False" />
                    <line number="10" hits="2" branch="True" condition-coverage="50% (1/2)">
                      <conditions>
                        <condition number="7" type="jump" coverage="50%" />
                      </conditions>
                    </line>
                    <line number="11" hits="2" branch="False" />
                    <line number="12" hits="2" branch="False" />
                  </lines>
                </class>
              </classes>
            </package>
          </packages>
        </coverage>
        """;

    // The same with one source file only: coverlet's source is then "/".
    private const string CoverletOneFile = """
        <?xml version="1.0" encoding="utf-8"?>
        <coverage line-rate="0.5714" branch-rate="0.5" version="1.9" timestamp="1796142099" lines-covered="4" lines-valid="7" branches-covered="1" branches-valid="2">
          <sources>
            <source>/</source>
          </sources>
          <packages>
            <package name="App" line-rate="0.5714" branch-rate="0.5" complexity="3">
              <classes>
                <class name="App.Greeter" filename="tmp/rt/dn/src/App/Greeter.cs" line-rate="0.5714" branch-rate="0.5" complexity="3">
                  <methods>
                    <method name="Greet" signature="(System.String)" line-rate="0.6666" branch-rate="0.5" complexity="2">
                      <lines>
                        <line number="6" hits="1" branch="False" />
                        <line number="7" hits="1" branch="True" condition-coverage="50% (1/2)">
                          <conditions>
                            <condition number="9" type="jump" coverage="50%" />
                          </conditions>
                        </line>
                        <line number="8" hits="0" branch="False" />
                        <line number="9" hits="0" branch="False" />
                        <line number="12" hits="1" branch="False" />
                        <line number="13" hits="1" branch="False" />
                      </lines>
                    </method>
                    <method name="Twice" signature="(System.Int32)" line-rate="0" branch-rate="1" complexity="1">
                      <lines>
                        <line number="15" hits="0" branch="False" />
                      </lines>
                    </method>
                  </methods>
                  <lines>
                    <line number="6" hits="1" branch="False" />
                    <line number="7" hits="1" branch="True" condition-coverage="50% (1/2)">
                      <conditions>
                        <condition number="9" type="jump" coverage="50%" />
                      </conditions>
                    </line>
                    <line number="8" hits="0" branch="False" />
                    <line number="9" hits="0" branch="False" />
                    <line number="12" hits="1" branch="False" />
                    <line number="13" hits="1" branch="False" />
                    <line number="15" hits="0" branch="False" />
                  </lines>
                </class>
              </classes>
            </package>
          </packages>
        </coverage>
        """;

    // `/usr/bin/pytest --cov=calc --cov-report=xml` (coverage.py 6.5): file names relative to the one source.
    private const string CoveragePy = """
        <?xml version="1.0" ?>
        <coverage version="6.5.0" timestamp="1796142589732" lines-valid="6" lines-covered="3" line-rate="0.5" branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">
        	<!-- Generated by coverage.py: https://coverage.readthedocs.io -->
        	<!-- Based on https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd -->
        	<sources>
        		<source>/tmp/rt/cov/calc</source>
        	</sources>
        	<packages>
        		<package name="." line-rate="0.5" branch-rate="0" complexity="0">
        			<classes>
        				<class name="__init__.py" filename="__init__.py" complexity="0" line-rate="1" branch-rate="0">
        					<methods/>
        					<lines/>
        				</class>
        				<class name="ops.py" filename="ops.py" complexity="0" line-rate="0.5" branch-rate="0">
        					<methods/>
        					<lines>
        						<line number="1" hits="1"/>
        						<line number="2" hits="1"/>
        						<line number="5" hits="1"/>
        						<line number="6" hits="0"/>
        						<line number="7" hits="0"/>
        						<line number="8" hits="0"/>
        					</lines>
        				</class>
        			</classes>
        		</package>
        	</packages>
        </coverage>
        """;

    // `/usr/bin/pytest --cov --cov-report=xml`: no source configured, so the system's pytest got measured too
    // (absolute file names; its eleven such packages trimmed to one with one line), and the tests.
    private const string CoveragePyEverything = """
        <?xml version="1.0" ?>
        <coverage version="6.5.0" timestamp="1796142054076" lines-valid="13621" lines-covered="2225" line-rate="0.1634" branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">
        	<!-- Generated by coverage.py: https://coverage.readthedocs.io -->
        	<!-- Based on https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd -->
        	<sources>
        		<source></source>
        		<source>/tmp/rt/cov</source>
        	</sources>
        	<packages>
        		<package name=".usr.lib.python3.dist-packages._distutils_hack" line-rate="0.05102" branch-rate="0" complexity="0">
        			<classes>
        				<class name="__init__.py" filename="/usr/lib/python3/dist-packages/_distutils_hack/__init__.py" complexity="0" line-rate="0.05102" branch-rate="0">
        					<methods/>
        					<lines>
        						<line number="2" hits="0"/>
        					</lines>
        				</class>
        			</classes>
        		</package>
        		<package name="calc" line-rate="0.5" branch-rate="0" complexity="0">
        			<classes>
        				<class name="__init__.py" filename="calc/__init__.py" complexity="0" line-rate="1" branch-rate="0">
        					<methods/>
        					<lines/>
        				</class>
        				<class name="ops.py" filename="calc/ops.py" complexity="0" line-rate="0.5" branch-rate="0">
        					<methods/>
        					<lines>
        						<line number="1" hits="1"/>
        						<line number="2" hits="1"/>
        						<line number="5" hits="1"/>
        						<line number="6" hits="0"/>
        						<line number="7" hits="0"/>
        						<line number="8" hits="0"/>
        					</lines>
        				</class>
        			</classes>
        		</package>
        		<package name="tests" line-rate="1" branch-rate="0" complexity="0">
        			<classes>
        				<class name="conftest.py" filename="tests/conftest.py" complexity="0" line-rate="1" branch-rate="0">
        					<methods/>
        					<lines>
        						<line number="1" hits="1"/>
        						<line number="2" hits="1"/>
        					</lines>
        				</class>
        				<class name="test_ops.py" filename="tests/test_ops.py" complexity="0" line-rate="1" branch-rate="0">
        					<methods/>
        					<lines>
        						<line number="1" hits="1"/>
        						<line number="4" hits="1"/>
        						<line number="5" hits="1"/>
        					</lines>
        				</class>
        			</classes>
        		</package>
        	</packages>
        </coverage>
        """;

    // `/usr/bin/pytest --cov=calc --cov=tests --cov-report=xml`: two sources, bare file names (the test files' lines left out).
    private const string CoveragePyTwoSources = """
        <?xml version="1.0" ?>
        <coverage version="6.5.0" timestamp="1796142589939" lines-valid="11" lines-covered="8" line-rate="0.7273" branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">
        	<!-- Generated by coverage.py: https://coverage.readthedocs.io -->
        	<!-- Based on https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd -->
        	<sources>
        		<source>/tmp/rt/cov/calc</source>
        		<source>/tmp/rt/cov/tests</source>
        	</sources>
        	<packages>
        		<package name="." line-rate="0.7273" branch-rate="0" complexity="0">
        			<classes>
        				<class name="__init__.py" filename="__init__.py" complexity="0" line-rate="1" branch-rate="0">
        					<methods/>
        					<lines/>
        				</class>
        				<class name="conftest.py" filename="conftest.py" complexity="0" line-rate="1" branch-rate="0">
        					<methods/>
        					<lines>
        					</lines>
        				</class>
        				<class name="ops.py" filename="ops.py" complexity="0" line-rate="0.5" branch-rate="0">
        					<methods/>
        					<lines>
        						<line number="1" hits="1"/>
        						<line number="2" hits="1"/>
        						<line number="5" hits="1"/>
        						<line number="6" hits="0"/>
        						<line number="7" hits="0"/>
        						<line number="8" hits="0"/>
        					</lines>
        				</class>
        				<class name="test_ops.py" filename="test_ops.py" complexity="0" line-rate="1" branch-rate="0">
        					<methods/>
        					<lines>
        					</lines>
        				</class>
        			</classes>
        		</package>
        	</packages>
        </coverage>
        """;

    // `node --test --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=lcov.info` (node 20).
    private const string NodeLcov = """
        TN:
        SF:src/math.js
        FN:1,add
        FN:5,div
        FNDA:1,add
        FNDA:0,div
        FNF:2
        FNH:1
        BRDA:1,0,0,1
        BRDA:1,1,0,1
        BRF:2
        BRH:2
        DA:1,1
        DA:2,1
        DA:3,1
        DA:4,1
        DA:5,0
        DA:6,0
        DA:7,0
        DA:8,0
        DA:9,0
        DA:10,0
        DA:11,1
        DA:12,1
        LH:6
        LF:12
        end_of_record
        SF:test/math.test.js
        FN:5,anonymous_0
        FNDA:1,anonymous_0
        FNF:1
        FNH:1
        BRDA:1,0,0,1
        BRDA:5,1,0,1
        BRF:2
        BRH:2
        DA:1,1
        DA:2,1
        DA:3,1
        DA:4,1
        DA:5,1
        DA:6,1
        DA:7,1
        LH:7
        LF:7
        end_of_record
        """;

    [Fact]
    public void Coverlet_lines_are_read_per_class_against_the_source_and_method_lines_are_not_counted_twice()
    {
        var report = ReportParser.Parse(ReportFormat.Cobertura, Coverlet, exitCode: 0, "/tmp/rt/dn");

        Assert.Equal(66.7, report.CoveragePercent);
        Assert.Equal("Line coverage 66.7% (8 of 12 lines).", report.Summary);
        Assert.Equal(["src/App/Greeter.cs ran 6,7,12,13 not 8,9,15", "src/App/Text/Shout.cs ran 5,10,11,12 not 7"], report.Lines.Select(Lines));
    }

    [Fact]
    public void Coverlet_root_source_and_a_path_from_the_root()
    {
        var report = ReportParser.Parse(ReportFormat.Cobertura, CoverletOneFile, exitCode: 0, "/tmp/rt/dn");

        Assert.Equal(["src/App/Greeter.cs ran 6,7,12,13 not 8,9,15"], report.Lines.Select(Lines));
    }

    [Fact]
    public void Coverage_py_names_files_relative_to_its_source()
    {
        var report = ReportParser.Parse(ReportFormat.Cobertura, CoveragePy, exitCode: 0, "/tmp/rt/cov");

        Assert.Equal(50.0, report.CoveragePercent);
        Assert.Equal(["calc/ops.py ran 1,2,5 not 6,7,8"], report.Lines.Select(Lines));
    }

    [Fact]
    public void Files_outside_the_workspace_and_test_files_are_left_out_of_the_lines_not_of_the_line_rate()
    {
        var report = ReportParser.Parse(ReportFormat.Cobertura, CoveragePyEverything, exitCode: 0, "/tmp/rt/cov");

        Assert.Equal(16.3, report.CoveragePercent);
        Assert.Equal(["calc/ops.py"], report.Lines.Select(f => f.Path));
    }

    [Fact]
    public void A_bare_file_name_under_two_sources_is_left_out_rather_than_guessed()
    {
        var report = ReportParser.Parse(ReportFormat.Cobertura, CoveragePyTwoSources, exitCode: 0, "/tmp/rt/cov");

        Assert.Equal(72.7, report.CoveragePercent);
        Assert.Empty(report.Lines);
    }

    [Fact]
    public void Node_lcov_leaves_the_test_files_out_of_the_lines_and_the_percentage()
    {
        var report = ReportParser.Parse(ReportFormat.Lcov, NodeLcov, exitCode: 0, "/tmp/rt/node");

        Assert.Equal(50.0, report.CoveragePercent);
        Assert.Equal("Line coverage 50.0% (6 of 12 lines; 1 test file left out).", report.Summary);
        Assert.Equal(["src/math.js ran 1,2,3,4,11,12 not 5,6,7,8,9,10"], report.Lines.Select(Lines));
    }

    [Fact]
    public void Lcov_of_test_files_only_keeps_the_whole_figure()
    {
        const string lcov = "SF:test/a.test.js\nDA:1,1\nDA:2,0\nLF:2\nLH:1\nend_of_record\n";

        var report = ReportParser.Parse(ReportFormat.Lcov, lcov, exitCode: 0, "/w");

        Assert.Equal(50.0, report.CoveragePercent);
        Assert.Empty(report.Lines);
    }

    [Fact]
    public void Lcov_paths_absolute_or_relative_outside_the_workspace_are_dropped_and_records_merge()
    {
        const string lcov = """
            SF:/w/src/a.js
            DA:1,0
            DA:2,0
            end_of_record
            SF:src/a.js
            DA:1,3
            DA:3,0
            end_of_record
            SF:/etc/passwd
            DA:1,1
            end_of_record
            SF:../outside.js
            DA:1,1
            end_of_record
            SF:/w/./src/../lib/b.js
            DA:1,1
            DA:0,1
            DA:x,1
            end_of_record
            """;

        var report = ReportParser.Parse(ReportFormat.Lcov, lcov, exitCode: 0, "/w");

        Assert.Equal(["lib/b.js ran 1 not ", "src/a.js ran 1 not 2,3"], report.Lines.Select(Lines));
    }

    [Fact]
    public void A_file_in_several_classes_is_one_file_whose_line_ran_if_any_class_ran_it()
    {
        const string cobertura = """
            <coverage line-rate="0.5">
              <sources><source>/w/src/</source></sources>
              <packages><package><classes>
                <class name="A" filename="A.cs"><lines><line number="1" hits="0"/><line number="2" hits="0"/></lines></class>
                <class name="A/&lt;&gt;c" filename="A.cs"><lines><line number="2" hits="4"/><line number="3" hits="0"/></lines></class>
                <class name="B" filename="/w/tests/BTests.cs"><lines><line number="1" hits="1"/></lines></class>
                <class name="C" filename="/_/src/C.cs"><lines><line number="9" hits="1"/></lines></class>
                <class name="D"><lines><line number="1" hits="1"/></lines></class>
              </classes></package></packages>
            </coverage>
            """;

        var report = ReportParser.Parse(ReportFormat.Cobertura, cobertura, exitCode: 0, "/w");

        Assert.Equal(["src/A.cs ran 2 not 1,3", "src/C.cs ran 9 not "], report.Lines.Select(Lines));
    }

    [Fact]
    public void Old_cobertura_reports_with_a_doctype_are_read_without_fetching_it()
    {
        const string cobertura = """
            <?xml version="1.0"?>
            <!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
            <coverage line-rate="0.25"><packages /></coverage>
            """;

        var report = ReportParser.Parse(ReportFormat.Cobertura, cobertura, exitCode: 0, "/w");

        Assert.Equal(25.0, report.CoveragePercent);
    }

    [Fact]
    public void Lines_are_capped_in_files_and_in_lines()
    {
        var manyFiles = string.Concat(Enumerable.Range(0, ReportParser.MaxCoverageFiles + 500).Select(i => string.Create(CultureInfo.InvariantCulture, $"SF:src/f{i}.js\nDA:1,1\nLF:1\nLH:1\nend_of_record\n")));
        var manyLines = "SF:src/big.js\n" + string.Concat(Enumerable.Range(1, ReportParser.MaxCoverageLines + 5000).Select(i => string.Create(CultureInfo.InvariantCulture, $"DA:{i},{i % 2}\n"))) + "end_of_record\nSF:src/late.js\nDA:1,1\nend_of_record\n";

        var files = ReportParser.Parse(ReportFormat.Lcov, manyFiles, exitCode: 0, "/w");
        var lines = ReportParser.Parse(ReportFormat.Lcov, manyLines, exitCode: 0, "/w");

        Assert.Equal(ReportParser.MaxCoverageFiles, files.Lines.Count);
        Assert.Equal(100.0, files.CoveragePercent);
        Assert.Equal(ReportParser.MaxCoverageLines, lines.Lines.Sum(f => f.Covered.Count + f.Uncovered.Count));
        Assert.Equal(["src/big.js"], lines.Lines.Select(f => f.Path));
    }

    [Fact]
    public void Combine_merges_the_lines_of_its_reports()
    {
        var first = ReportParser.Parse(ReportFormat.Lcov, "SF:src/a.js\nDA:1,0\nDA:2,1\nend_of_record\n", 0, "/w");
        var second = ReportParser.Parse(ReportFormat.Lcov, "SF:src/a.js\nDA:1,1\nend_of_record\nSF:src/b.js\nDA:5,0\nend_of_record\n", 0, "/w");

        var combined = ReportParser.Combine([first, second]);

        Assert.Equal(["src/a.js ran 1,2 not ", "src/b.js ran  not 5"], combined.Lines.Select(Lines));
    }

    private static string Lines(FileCoverage file) => $"{file.Path} ran {string.Join(",", file.Covered)} not {string.Join(",", file.Uncovered)}";
}
