"""setup/odoo_log_summary.py judges Odoo 18 test logs as setup/test.sh needs.

The log lines follow Odoo 18's formats: odoo/netsvc.py (record prefix),
odoo/tests/result.py (FAIL/ERROR/skipped), odoo/tests/common.py (browser
skips), odoo/service/server.py and odoo/modules/*.py (summary, load errors).
"""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "setup" / "odoo_log_summary.py"
_spec = importlib.util.spec_from_file_location("odoo_log_summary", SCRIPT)
ols = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ols)

DB = "ar_escalation_test"
LADDER = "odoo.addons.ar_escalation_ladder.tests.test_ladder_rules"
TOUR = "odoo.addons.ar_escalation_ladder.tests.test_tour"


def rec(level, logger, msg, db=DB, sec=0):
    return f"2026-11-22 11:09:{sec:02d},308 7936 {level} {db} {logger}: {msg} "


def starting(test, logger=LADDER):
    return rec("INFO", logger, f"Starting {test} ...")


def summary(failed, errors, run, db=DB, level="INFO"):
    msg = f"{failed} failed, {errors} error(s) of {run} tests when loading database '{db}'"
    return rec(level, "odoo.tests.result", msg, db=db)


HEADER = [
    "Running as user 'root' is a security risk.",
    rec("INFO", "odoo", "Odoo version 18.0", db="?"),
    rec("INFO", "odoo.modules.loading", "loading 46 modules... "),
    rec("INFO", "odoo.modules.loading", "Modules loaded. "),
    rec("INFO", "odoo.service.server", "Starting post tests"),
]
FOOTER = [
    rec("INFO", "odoo.service.server", "3 post-tests in 35.23s, 27872 queries"),
    rec("INFO", "odoo.tests.stats", "ar_escalation_ladder: 3 tests 35.18s 27864 queries"),
]
TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/work/main/ar_escalation_ladder/tests/test_ladder_rules.py", line 42, in test_b',
    "    self.assertEqual(stage, self.stage_managed)",
    "AssertionError: ar.escalation.stage(1,) != ar.escalation.stage(2,)",
]


def run(lines, exit_code=0):
    return ols.analyse([line + "\n" for line in lines], exit_code=exit_code)


def test_green_run_counts_every_test_once():
    lines = HEADER + [starting("TestLadderRules.test_a"), starting("TestLadderRules.test_b")]
    lines += [starting("TestLadderRules.test_c")] + FOOTER + [summary(0, 0, 3)]
    report = run(lines)
    assert report.reasons() == []
    assert (report.run, report.passed, report.failed, report.skipped) == (3, 3, 0, 0)


def test_failed_and_errored_tests_make_the_run_red():
    lines = HEADER + [
        starting("TestLadderRules.test_a"),
        starting("TestLadderRules.test_b"),
        rec("INFO", LADDER, "=" * 70),
        rec("ERROR", LADDER, "FAIL: TestLadderRules.test_b"),
        *TRACEBACK,
        starting("TestLadderRules.test_c"),
        rec("ERROR", LADDER, "ERROR: TestLadderRules.test_c"),
        "Traceback (most recent call last):",
        "KeyError: 'ar_stage_id'",
        *FOOTER,
        summary(1, 1, 3, level="ERROR"),
    ]
    report = run(lines, exit_code=1)
    assert (report.passed, report.failed) == (1, 2)
    assert report.test_problems == [
        f"FAIL: {LADDER}: TestLadderRules.test_b",
        f"ERROR: {LADDER}: TestLadderRules.test_c",
    ]
    assert report.other_errors == [] and report.load_problems == []
    assert "2 failed test(s)" in "; ".join(report.reasons())


def test_at_install_module_line_is_not_taken_for_the_summary():
    lines = HEADER + [
        starting("TestLadderRules.test_a"),
        rec("ERROR", LADDER, "FAIL: TestLadderRules.test_a"),
        *TRACEBACK,
        rec(
            "ERROR",
            "odoo.modules.loading",
            "Module ar_escalation_ladder: 1 failures, 0 errors of 1 tests",
        ),
        rec("ERROR", "odoo.modules.loading", "At least one test failed when loading the modules."),
        summary(1, 0, 1, level="ERROR"),
    ]
    report = run(lines, exit_code=1)
    assert (report.run, report.passed, report.failed) == (1, 0, 1)
    # the loader's lines are test results, not loading errors
    assert report.load_problems == [] and report.other_errors == []
    assert report.reasons() == ["Odoo exited with code 1", "1 failed test(s)"]


def test_two_runs_on_one_database_add_up():
    """setup/test.sh's core suite: the addons and account's tests, then test_mail on top."""
    first = HEADER + [starting("TestAccountMoveReconcile.test_a"), *FOOTER, summary(0, 0, 216)]
    second = HEADER + [
        starting("TestActivityViewHelpers.test_get_activity_data"),
        rec("ERROR", LADDER, "FAIL: TestActivityViewHelpers.test_get_activity_data"),
        *TRACEBACK,
        rec("ERROR", "odoo.modules.loading", "Module test_mail: 1 failures, 0 errors of 27 tests"),
        summary(1, 0, 28, level="ERROR"),
    ]
    report = run(first + second, exit_code=1)
    assert report.runs == 2
    assert (report.run, report.passed, report.failed) == (244, 243, 1)
    assert "1 failed test(s)" in "; ".join(report.reasons())


def test_an_install_only_run_then_a_test_run():
    """setup/test.sh's ecosystem suite: install without tests, then the test addon."""
    install = HEADER[:4]
    tests = HEADER + [starting("TestEcosystem.test_a"), summary(0, 0, 1)]
    report = run(install + tests)
    assert report.reasons() == []
    assert (report.runs, report.run, report.passed) == (2, 1, 1)


def test_a_later_run_that_never_ends_is_red():
    first = HEADER + [starting("TestAccountMoveReconcile.test_a"), summary(0, 0, 216)]
    second = HEADER + [starting("TestActivityViewHelpers.test_a")]  # killed there
    report = run(first + second, exit_code=0)
    assert (report.run, report.passed, report.failed) == (216, 216, 0)
    assert "1 Odoo run(s) started tests but have no summary line" in "; ".join(report.reasons())


@pytest.mark.parametrize(
    "reason",
    [
        "Chrome executable not found",
        "websocket-client module is not installed",
        "Cannot connect to chrome dev tools",
        "Error during Chrome headless connection",
        "Error during Chrome connection: never found 'page' target",
        "Failed to detect chrome devtools port after 20.0s.",
        "/usr/bin/chromium not found",
    ],
)
def test_a_tour_skipped_for_want_of_a_browser_fails_the_run(reason):
    lines = HEADER + [
        starting("TestTour.test_tour", logger=TOUR),
        rec("INFO", TOUR, f"skipped TestTour.test_tour : {reason}"),
        starting("TestLadderRules.test_a"),
        summary(0, 0, 2),
    ]
    report = run(lines)  # Odoo itself exits 0 here
    assert report.browser_problems
    assert any("browser" in reason for reason in report.reasons())
    assert (report.run, report.passed, report.failed, report.skipped) == (2, 1, 0, 1)


def test_missing_websocket_warning_alone_is_caught():
    lines = HEADER + [
        rec("WARNING", TOUR, "websocket-client module is not installed"),
        summary(0, 0, 1),
    ]
    assert run(lines).browser_problems


def test_other_skips_are_reported_not_failed():
    lines = HEADER + [
        starting("TestLadderRules.test_a"),
        rec("INFO", LADDER, "skipped TestLadderRules.test_a : needs the sms module"),
        starting("TestLadderRules.test_b"),
        rec(
            "INFO",
            "unittest.suite",
            f"skipped setUpClass ({LADDER}.TestLater) : not ready yet",
        ),
        summary(0, 0, 2),
    ]
    report = run(lines)
    assert report.reasons() == []
    # the class-level skip never started its tests: not part of "of 2 tests"
    assert (report.run, report.passed, report.skipped) == (2, 1, 2)


def test_registry_that_fails_to_load_is_red_even_without_tests():
    lines = HEADER[:3] + [
        rec(
            "INFO",
            "odoo.modules.registry",
            "module ar_escalation_ladder: creating or updating database tables",
        ),
        rec("ERROR", "odoo.modules.registry", "Failed to load registry"),
        rec("CRITICAL", "odoo.service.server", "Failed to initialize database `ar_escalation_test`."),
        "Traceback (most recent call last):",
        '  File "/opt/odoo18/odoo/tools/convert.py", line 541, in _tag_root',
        "odoo.tools.convert.ParseError: while parsing ar_escalation_ladder/views/x.xml:3",
        rec("INFO", "odoo.service.server", "Initiating shutdown"),
    ]
    report = run(lines, exit_code=255)
    assert len(report.load_problems) == 2
    reasons = "; ".join(report.reasons())
    assert "exited with code 255" in reasons and "no test summary line" in reasons


def test_other_error_records_fail_the_run():
    lines = HEADER + [
        starting("TestLadderRules.test_a"),
        rec("ERROR", "odoo.http", "Exception during request handling."),
        "Traceback (most recent call last):",
        "ValueError: boom",
        summary(0, 0, 1),
    ]
    report = run(lines)
    assert report.other_errors == ["odoo.http: Exception during request handling."]
    assert report.reasons()


def test_zero_tests_and_missing_summary_are_red():
    assert "Odoo ran 0 tests" in " ".join(run(HEADER + [summary(0, 0, 0, level="WARNING")]).reasons())
    crashed = run(HEADER + [starting("TestLadderRules.test_a")], exit_code=-9)
    assert crashed.run == 1
    assert "no test summary line" in " ".join(crashed.reasons())


def test_exit_code_and_timeout_alone_make_it_red():
    green = HEADER + [starting("TestLadderRules.test_a"), summary(0, 0, 1)]
    assert run(green, exit_code=1).reasons() == ["Odoo exited with code 1"]
    assert "timeout" in run(green, exit_code=124).reasons()[0]


def test_summaries_are_per_database_and_never_double_counted():
    lines = HEADER + [summary(0, 0, 2), summary(0, 0, 3), summary(1, 0, 4, db="other_db")]
    report = run(lines)
    assert (report.run, report.failed) == (7, 1)


def test_colored_lines_are_understood():
    colored = "2026-11-22 11:09:19,308 7936 \x1b[1;32m\x1b[1;49mINFO\x1b[0m ar_escalation_test "
    line = colored + "odoo.tests.result: 0 failed, 0 error(s) of 5 tests when loading database 'x' "
    assert run([line]).run == 5


def test_main_writes_counts_and_returns_the_verdict(tmp_path, capsys):
    log = tmp_path / "odoo.log"
    counts = tmp_path / "counts"
    log.write_text("\n".join(HEADER + [starting("TestLadderRules.test_a"), summary(0, 0, 1)]))
    assert ols.main([str(log), "--exit-code", "0", "--counts-file", str(counts)]) == 0
    assert counts.read_text() == "1 0 0\n"
    assert "ODOO SUITE PASSED" in capsys.readouterr().out
    log.write_text(
        "\n".join(
            HEADER
            + [
                rec("INFO", TOUR, "skipped TestTour.test_tour : Chrome executable not found"),
                summary(0, 0, 1),
            ]
        )
    )
    assert ols.main([str(log), "--counts-file", str(counts)]) == 1
    assert counts.read_text() == "0 0 1\n"
    assert "ODOO SUITE FAILED" in capsys.readouterr().out
