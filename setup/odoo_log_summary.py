#!/usr/bin/env python3
"""Judge an Odoo 18 test run from its log (stdlib only).

Odoo exits 0 in cases a CI must treat as red: a tour skipped because Chrome
or websocket-client is missing, an ERROR logged outside a test... So
setup/test.sh reads the log with this script:

    odoo_log_summary.py LOG [--exit-code N] [--counts-file FILE]

It prints a short report, writes "passed failed skipped" to FILE and exits 1
when the run failed. The log formats come from Odoo 18's sources:

- every record: ``%(asctime)s %(pid)s %(levelname)s %(dbname)s %(name)s:
  %(message)s`` (odoo/netsvc.py); tracebacks continue on the next lines;
- a failing test: ERROR ``FAIL: Class.method`` or ``ERROR: Class.method``,
  a skipped one: INFO ``skipped Class.method : reason`` (odoo/tests/result.py);
- the end of the run, one line per database, cumulative over the at_install
  and post_install phases (odoo/service/server.py):
  ``N failed, N error(s) of N tests when loading database 'db'``;
- each run starts with INFO ``odoo: Odoo version ...`` (odoo/cli/server.py):
  a log may hold several runs on one database (setup/test.sh's core suite
  installs the addons, then test_mail on top), whose summaries add up (a run
  without --test-enable, only installing, logs no summary);
- at_install failures are also reported by the module loader
  (odoo/modules/loading.py): ``Module X: N failures, N errors of N tests``
  and ``At least one test failed when loading the modules.``; these are test
  results, already counted, not loading errors.
"""

import argparse
import re
import sys
from dataclasses import dataclass, field

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RECORD = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<pid>\d+) "
    r"(?P<level>[A-Z?]+) (?P<db>\S+) (?P<logger>[^\s:]+): (?P<msg>.*)$"
)
SUMMARY = re.compile(
    r"^(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests "
    r"when loading database '(?P<db>[^']*)'"
)
TEST_PROBLEM = re.compile(r"^(?P<kind>FAIL|ERROR): (?P<test>\S.*)$")
SKIP = re.compile(r"^skipped (?P<test>.+?) : (?P<reason>.*)$", re.DOTALL)
STARTING = re.compile(r"^Starting (?P<test>\S+) \.\.\.")
RUN_START = re.compile(r"^Odoo version \d")
LOADER_TEST_RESULT = re.compile(
    r"^(Module \S+: \d+ failures, \d+ errors of \d+ tests|At least one test failed when loading the modules)"
)
# A SkipTest raised in setUpClass/setUpModule skips a whole class whose tests
# were never started, so it is not part of the "of N tests" count.
CLASS_LEVEL = re.compile(r"^(setUpClass|setUpModule|tearDownClass|tearDownModule) \(")
# What odoo/tests/common.py says when no browser tour can run.
BROWSER_MARKERS = (
    "Chrome executable not found",
    "websocket-client module is not installed",
    "Cannot connect to chrome",
    "Error during Chrome",
    "Failed to detect chrome devtools port",
)
CHROME_NOT_FOUND = re.compile(r"chrom\S* not found", re.IGNORECASE)
# Signs that a module or the registry could not be loaded (odoo/modules/*.py,
# odoo/service/server.py); CRITICAL records count as such too.
LOAD_MARKERS = (
    "Failed to load registry",
    "Failed to initialize database",
    "Some modules are not loaded",
    "Some modules have inconsistent states",
    "module base cannot be loaded",
    "not initialized, you can force it with",
)


@dataclass
class Record:
    level: str
    db: str
    logger: str
    msg: str


@dataclass
class Report:
    exit_code: int | None = None
    summaries: dict = field(default_factory=dict)  # (run number, db) -> (failed, errors, run)
    runs: int = 0  # Odoo runs started in the log
    testing_runs: set = field(default_factory=set)  # the runs that started tests
    started: int = 0
    test_problems: list = field(default_factory=list)
    skips: list = field(default_factory=list)  # (test, reason, counted in run)
    browser_problems: list = field(default_factory=list)
    load_problems: list = field(default_factory=list)
    other_errors: list = field(default_factory=list)

    @property
    def run(self):
        if self.summaries:
            return sum(run for _f, _e, run in self.summaries.values())
        return self.started

    @property
    def failed(self):
        """Failures plus errors, as the closing line counts them."""
        return sum(f + e for f, e, _run in self.summaries.values()) or len(self.test_problems)

    @property
    def skipped(self):
        return len(self.skips)

    @property
    def passed(self):
        in_run = sum(1 for _t, _r, counted in self.skips if counted)
        return max(0, self.run - self.failed - in_run)

    def reasons(self):
        """Why the run is red; empty when it is green."""
        out = []
        if self.exit_code == 124:
            out.append("Odoo was stopped by the timeout guard")
        elif self.exit_code:
            out.append(f"Odoo exited with code {self.exit_code}")
        if self.load_problems:
            out.append(f"{len(self.load_problems)} module/registry loading error(s)")
        if self.test_problems or self.failed:
            out.append(f"{self.failed} failed test(s)")
        if self.browser_problems:
            out.append(f"{len(self.browser_problems)} browser problem(s): tours could not run")
        if self.other_errors:
            out.append(f"{len(self.other_errors)} other ERROR record(s) in the log")
        if not self.summaries:
            out.append("no test summary line: the run did not reach its end")
        elif unfinished := self.testing_runs - {run for run, _db in self.summaries}:
            out.append(
                f"{len(unfinished)} Odoo run(s) started tests but have no summary line: not run to their end"
            )
        elif not self.run:
            out.append("Odoo ran 0 tests (check --test-tags and the addons' tests/__init__.py)")
        return out


def records(lines):
    """Group raw log lines into records (a traceback stays with its record)."""
    current = None
    for raw in lines:
        line = ANSI.sub("", raw).rstrip()
        match = RECORD.match(line)
        if match:
            if current:
                yield current
            current = Record(match["level"], match["db"], match["logger"], match["msg"])
        elif current:
            current.msg += "\n" + line
    if current:
        yield current


def first_line(text):
    return text.split("\n", 1)[0]


def analyse(lines, exit_code=None):
    report = Report(exit_code=exit_code)
    for rec in records(lines):
        head = first_line(rec.msg)
        if rec.logger == "odoo" and RUN_START.match(head):
            report.runs += 1
            continue
        summary = SUMMARY.match(head)
        if summary:
            # cumulative per database within a run: the last one wins, never
            # add them up; the runs of one log add up
            report.summaries[(report.runs, summary["db"])] = (
                int(summary["failed"]),
                int(summary["errors"]),
                int(summary["run"]),
            )
            continue
        if rec.level == "INFO" and STARTING.match(head):
            report.started += 1
            report.testing_runs.add(report.runs)
        skip = SKIP.match(rec.msg)
        if skip and rec.level == "INFO":
            reason = first_line(skip["reason"])
            counted = not CLASS_LEVEL.match(skip["test"])
            report.skips.append((skip["test"], reason, counted))
            if any(m in reason for m in BROWSER_MARKERS) or CHROME_NOT_FOUND.search(reason):
                report.browser_problems.append(f"{skip['test']}: {reason}")
            continue
        if any(marker in head for marker in BROWSER_MARKERS):
            # e.g. the WARNING "websocket-client module is not installed"
            report.browser_problems.append(f"{rec.logger}: {head}")
            continue
        if rec.level not in ("ERROR", "CRITICAL"):
            continue
        problem = TEST_PROBLEM.match(head)
        if problem:
            report.test_problems.append(f"{problem['kind']}: {rec.logger}: {problem['test']}")
        elif LOADER_TEST_RESULT.match(head):
            continue  # the failing tests are reported (and counted) on their own
        elif (
            rec.level == "CRITICAL"
            or rec.logger.startswith("odoo.modules")
            or any(marker in rec.msg for marker in LOAD_MARKERS)
        ):
            report.load_problems.append(f"{rec.level} {rec.logger}: {head}")
        else:
            report.other_errors.append(f"{rec.logger}: {head}")
    return report


def render(report, log_name="the log"):
    out = [
        f"Odoo tests: {report.run} run, {report.passed} passed, {report.failed} failed, "
        f"{report.skipped} skipped"
    ]
    sections = (
        ("Failing tests", report.test_problems),
        ("Loading errors", report.load_problems),
        ("Browser tests that could not run", report.browser_problems),
        ("Other ERROR records", report.other_errors),
        ("Skipped", [f"{test}: {reason}" for test, reason, _c in report.skips]),
    )
    for title, items in sections:
        if items:
            out.append(f"{title}:")
            out.extend(f"  - {item}" for item in items[:50])
            if len(items) > 50:
                out.append(f"  ... and {len(items) - 50} more")
    reasons = report.reasons()
    if reasons:
        out.append(f"ODOO SUITE FAILED: {'; '.join(reasons)} (full log: {log_name})")
    else:
        out.append("ODOO SUITE PASSED")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("log")
    parser.add_argument("--exit-code", type=int, default=None, help="Odoo's exit code")
    parser.add_argument("--counts-file", help='write "passed failed skipped" there')
    args = parser.parse_args(argv)
    with open(args.log, encoding="utf-8", errors="replace") as handle:
        report = analyse(handle, exit_code=args.exit_code)
    print(render(report, args.log))
    if args.counts_file:
        with open(args.counts_file, "w", encoding="utf-8") as handle:
            handle.write(f"{report.passed} {report.failed} {report.skipped}\n")
    return 1 if report.reasons() else 0


if __name__ == "__main__":
    sys.exit(main())
