# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Reliability drills against real Odoo 18 server processes on loopback.

Run with Odoo's Python (it has psycopg2): ``bash setup/drills.sh [crash] [two]
[mail] [sms]`` (all four by default). Each drill works on its own copy of a
template database (``ar_drill_template``, the ladder installed and upgraded
to the current code at every run) and counts what happened from the
database:

- **crash**: a server process with a cron thread escalates a book of 20,000
  invoices (``DRILL_CRASH_N``); it is killed with SIGKILL in the middle of a
  batch, restarted, and the run finishes. Every invoice must sit at the stage
  its days overdue give, with one stage event, one activity event, one
  external event each, one queued email per customer and stage, one activity
  per case and a chatter line for every event.
- **two**: two server processes, each with a cron thread running the sweep
  (two scheduled actions with the same code, since Odoo never runs one job
  twice at once), woken at the same moment, while two users press "Escalate
  now" through XML-RPC on both servers on the same invoices. Same counts, no
  error event, no deadlock or RPC fault left to a user.
- **mail**: an SMTP server on 127.0.0.1:2526 that refuses every connection
  (421), then throttles (421 at ``MAIL FROM`` after a quarter of the
  emails), then dies after a message's ``DATA`` (after another quarter), then
  accepts. The mail queue's first run is its hourly one (called directly);
  every later run is the scheduled action woken by the retry triggers the
  refused emails left, in a server with a cron thread: nobody presses Retry.
  Every email refused before transmission is delivered once when the server
  is back; the one cut after ``DATA`` is left failed, flagged on its
  invoices and case, and not resent (counted per Message-Id and recipient
  at the SMTP server, acknowledged or not).
- **queue** (not run by default; installs OCA queue_job in its database):
  two servers with queue_job's job runners (``--load=web,queue_job``) share
  one sweep of 20,000 invoices through queue_job, one killed with SIGKILL
  while it runs a job; the same counts as the crash drill (see
  ``queue_drill.py``).
- **sms** (installs ar_escalation_sms in its database): every stage texts
  through the SMS addon's webhook provider, a fake one on 127.0.0.1:8075
  that takes part of the batch, loses the replies of a few, then answers
  503; when it is back, every SMS is delivered once (per idempotency key).

It prints a results table (drill, check, expected, found, time to recover,
PASS/FAIL), writes it to ``$DRILL_LOG_DIR/results.md`` with the servers'
logs, stops every process it started and exits 1 on any failure. Bounded by
``DRILL_TIMEOUT`` seconds (1,500). Not part of ``setup/test.sh``.

Several checkouts can drill on one machine at once: ``DRILL_DB_PREFIX``
(``ar_drill_``: the template and drill databases), ``DRILL_PORTS`` (HTTP,
``8072,8073,8074``; fewer: the last repeats), ``DRILL_SMTP_PORT`` (2526),
``DRILL_SMS_PORT`` (8075), ``DRILL_LOG_DIR``. The mail drill's retry delays
are ``DRILL_MAIL_RETRY_DELAYS`` minutes (0.25; the product's default is 5,
15, 60, 240) and it waits ``DRILL_MAIL_ROUND_WAIT`` seconds (240) for each
automatic run.
"""

import contextlib
import email.utils
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import xmlrpc.client
from pathlib import Path

import psycopg2
import queue_drill
from sms_provider import SmsProvider
from smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
ODOO_SRC = os.environ.get("ODOO_SRC", "/opt/odoo18")
ODOO_PYTHON = os.environ.get("ODOO_PYTHON", f"{ODOO_SRC}/.venv/bin/python")
ADDONS_PATH = os.environ.get("ADDONS_PATH", f"{ODOO_SRC}/addons,{ODOO_SRC}/odoo/addons,{ROOT}")
# several checkouts can drill side by side on one machine: databases, HTTP ports and the
# fake servers' ports are knobs
DB_PREFIX = os.environ.get("DRILL_DB_PREFIX", "ar_drill_")
TEMPLATE = f"{DB_PREFIX}template"
_PORTS = [int(p) for p in os.environ.get("DRILL_PORTS", "8072,8073,8074").split(",") if p.strip()]
PORTS = tuple((_PORTS + _PORTS[-1:] * 3)[:3])  # fewer than three: the last one repeats
SPARE_PORT = int(os.environ.get("DRILL_SMS_PORT", "8075"))  # the fake SMS provider
SMTP_PORT = int(os.environ.get("DRILL_SMTP_PORT", "2526"))
LOG_DIR = Path(os.environ.get("DRILL_LOG_DIR", "/tmp/ar_drills"))
DEADLINE = time.monotonic() + float(os.environ.get("DRILL_TIMEOUT", "1500"))
CRASH_N = int(os.environ.get("DRILL_CRASH_N", "20000"))
TWO_N = int(os.environ.get("DRILL_TWO_N", "3000"))
MAIL_N = int(os.environ.get("DRILL_MAIL_N", "300"))
# the mail drill's retry delays (minutes, ``ar_escalation.mail_retry_delays``) and its wait for a retry
MAIL_RETRY_DELAYS = os.environ.get("DRILL_MAIL_RETRY_DELAYS", "0.25")
MAIL_ROUND_WAIT = int(os.environ.get("DRILL_MAIL_ROUND_WAIT", "240"))
SMS_N = int(os.environ.get("DRILL_SMS_N", "200"))
KEEP = os.environ.get("DRILL_KEEP") == "1"
CRON_LIMIT = int(os.environ.get("DRILL_CRON_LIMIT", "1800"))
SWEEP_WAIT = int(os.environ.get("DRILL_SWEEP_WAIT", "240"))
LOGIN = PASSWORD = "admin"

SERVERS = []
RESULTS = []  # (drill, check, expected, found, recover, ok)
NOTES = []


class DrillTimeout(Exception):
    pass


def say(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def remaining():
    return DEADLINE - time.monotonic()


def wait_for(predicate, timeout, what, interval=0.5):
    end = time.monotonic() + min(timeout, max(remaining(), 0))
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= end:
            raise DrillTimeout(f"timed out waiting for {what}")
        time.sleep(interval)


def record(drill, check, expected, found, recover="", ok=None):
    """One check of a drill; ``ok`` overrides ``expected == found`` (False: fails even if equal)."""
    ok = (expected == found) if ok is None else ok
    RESULTS.append((drill, check, expected, found, recover, ok))
    say(f"{'PASS' if ok else 'FAIL'} {drill}: {check}: expected {expected}, found {found}")


# ----------------------------------------------------------------------
# PostgreSQL
# ----------------------------------------------------------------------
def connect(db):
    conn = psycopg2.connect(dbname=db)
    conn.autocommit = True
    return conn


def scalar(db, query, params=None):
    with contextlib.closing(connect(db)) as conn, conn.cursor() as cr:
        cr.execute(query, params)
        row = cr.fetchone()
        return row[0] if row else None


def rows(db, query, params=None):
    with contextlib.closing(connect(db)) as conn, conn.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchall()


def filestore(db):
    return Path.home() / ".local" / "share" / "Odoo" / "filestore" / db


def drop_db(db):
    assert db.startswith(DB_PREFIX), db
    with contextlib.closing(connect("postgres")) as conn, conn.cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    shutil.rmtree(filestore(db), ignore_errors=True)


def clone_db(db):
    drop_db(db)
    with contextlib.closing(connect("postgres")) as conn, conn.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{db}" TEMPLATE "{TEMPLATE}"')
    if filestore(TEMPLATE).exists():
        shutil.copytree(filestore(TEMPLATE), filestore(db))


def db_exists(db):
    return bool(scalar("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [db]))


# ----------------------------------------------------------------------
# Odoo processes
# ----------------------------------------------------------------------
def odoo_entry():
    """How to start Odoo: its ``odoo-bin`` script where the tree has one, else ``-m odoo``.

    A prefork server (``--workers`` > 0) spawns its gevent process by running
    its own ``sys.argv[0]`` again: started as ``-m odoo`` that is
    ``odoo/__main__.py``, which cannot run as a script, so the gevent process
    dies at once and the master starts it again, over and over — a whole core
    of a 2-core machine burnt in the queue benchmark's and drill's servers.
    """
    script = Path(ODOO_SRC) / "odoo-bin"
    return [str(script)] if script.is_file() else ["-m", "odoo"]


def odoo_cmd(db, *args):
    command = [args[0]] if args and args[0] == "shell" else []
    args = args[len(command) :]
    return [
        "nice",
        "-n",
        "5",
        ODOO_PYTHON,
        # the shell as before: this Odoo 18 tree's odoo-bin fails on `shell` (KeyError
        # 'load_language' while parsing its options), `-m odoo shell` does not
        *(["-m", "odoo"] if command else odoo_entry()),
        *command,
        f"--addons-path={ADDONS_PATH}",
        "-d",
        db,
        *args,
    ]


def run_odoo(db, args, log_name, stdin=None, env=None, timeout=600):
    log = LOG_DIR / log_name
    with open(log, "ab") as out:
        proc = subprocess.run(
            odoo_cmd(db, *args),
            cwd=ODOO_SRC,
            input=stdin,
            stdout=out if stdin is None else subprocess.PIPE,
            stderr=out,
            env={**os.environ, **(env or {})},
            timeout=min(timeout, max(remaining(), 1)),
            check=False,
        )
    if proc.returncode:
        raise RuntimeError(f"odoo {' '.join(args[:3])} on {db} failed (exit {proc.returncode}), see {log}")
    return proc.stdout.decode() if stdin is not None else ""


def ensure_template():
    """The template database: the ladder installed, upgraded to the code of this checkout."""
    start = time.monotonic()
    if os.environ.get("DRILL_FRESH") == "1" and db_exists(TEMPLATE):
        drop_db(TEMPLATE)
    installed = db_exists(TEMPLATE) and scalar(
        TEMPLATE, "SELECT state FROM ir_module_module WHERE name = 'ar_escalation_ladder'"
    )
    flag = "-u" if installed == "installed" else "-i"
    if installed and installed != "installed":
        drop_db(TEMPLATE)
    say(f"template database {TEMPLATE}: {'upgrade' if flag == '-u' else 'install'} ar_escalation_ladder")
    args = [flag, "ar_escalation_ladder", "--without-demo=all", "--stop-after-init", "--no-http"]
    run_odoo(TEMPLATE, [*args, "--max-cron-threads=0", "--log-level=warn"], "template.log")
    if not scalar(TEMPLATE, "SELECT 1 FROM res_company WHERE chart_template IS NOT NULL LIMIT 1"):
        # the chart of accounts once, in the template, rather than in every drill database
        script = (
            b"env['account.chart.template'].try_loading('generic_coa', env.company, install_demo=False)\n"
            b"env.cr.commit()\n"
        )
        run_odoo(TEMPLATE, ["shell", "--no-http", "--log-level=warn"], "template.log", stdin=script)
    say(f"template ready in {time.monotonic() - start:.0f} s")


def prepare(db, install=None, **knobs):
    clone_db(db)
    if install:
        args = ["-i", install, "--without-demo=all", "--stop-after-init", "--no-http"]
        run_odoo(db, [*args, "--max-cron-threads=0", "--log-level=warn"], f"{db}_prepare.log")
    env = {"DRILL_ROOT": str(ROOT), **{f"DRILL_{k.upper()}": str(v) for k, v in knobs.items()}}
    # odoo shell reads the script from stdin
    script = (ROOT / "setup" / "drills" / "prepare_db.py").read_bytes()
    out = run_odoo(db, ["shell", "--no-http", "--log-level=warn"], f"{db}_prepare.log", stdin=script, env=env)
    line = next((x for x in out.splitlines() if x.startswith("DRILL_PREPARED ")), None)
    if not line:
        raise RuntimeError(f"preparing {db} printed no DRILL_PREPARED line:\n{out[-2000:]}")
    info = json.loads(line.split(" ", 1)[1])
    say(f"{db}: {info['invoices']:,} invoices built in {info['built_s']} s")
    return info


class Server:
    """One Odoo server process (threaded mode) on loopback."""

    def __init__(self, db, port, cron_threads, name):
        self.db, self.port, self.cron_threads, self.name = db, port, cron_threads, name
        self.log = LOG_DIR / f"{name}.log"
        self.proc = None
        self.extra_args = []  # e.g. --load=web,queue_job (the queue drill)
        self.env = {}

    def start(self):
        args = [
            f"--db-filter=^{self.db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--max-cron-threads={self.cron_threads}",
            # a whole sweep runs in one call of the cron thread; past limit_time_real (120 s by
            # default) Odoo reloads the server, which a server started with `python -m odoo`
            # cannot do (it dies): see README, Reliability
            f"--limit-time-real-cron={CRON_LIMIT}",
            "--workers=0",
            "--no-database-list",
            f"--logfile={self.log}",
            "--log-level=info",
            *self.extra_args,
        ]
        self.proc = subprocess.Popen(  # noqa: S603 - our own command line
            odoo_cmd(self.db, *args),
            cwd=ODOO_SRC,
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(LOG_DIR / f"{self.name}.stderr", "ab"),  # noqa: SIM115 - lives with the process
            start_new_session=True,
        )
        if self not in SERVERS:
            SERVERS.append(self)
        return self

    def ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}, see {self.log}")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", "/web/health")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def wait_ready(self, timeout=180):
        wait_for(self.ready, timeout, f"{self.name} to answer on port {self.port}", 0.3)

    def kill(self):
        """SIGKILL: no shutdown code runs, the open transaction is lost."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def log_count(self, pattern):
        if not self.log.exists():
            return 0
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return len(re.findall(pattern, text))


class Rpc:
    """XML-RPC as a user of the web client would reach the server (timeouts on every call)."""

    class _Transport(xmlrpc.client.Transport):
        def make_connection(self, host):
            conn = super().make_connection(host)
            conn.timeout = 300
            return conn

    def __init__(self, port, db):
        self.db = db
        base = f"http://127.0.0.1:{port}/xmlrpc/2/"
        common = xmlrpc.client.ServerProxy(base + "common", transport=self._Transport())
        self.uid = common.authenticate(db, LOGIN, PASSWORD, {})
        if not self.uid:
            raise RuntimeError(f"cannot log in as {LOGIN} on {db}")
        self.object = xmlrpc.client.ServerProxy(base + "object", transport=self._Transport(), allow_none=True)

    def call(self, model, method, *args, **kwargs):
        return self.object.execute_kw(self.db, self.uid, PASSWORD, model, method, list(args), kwargs)


def wake_crons(db, cron_ids):
    """Make the scheduled actions due and wake the cron threads, as ``ir.cron._trigger`` does."""
    with contextlib.closing(connect(db)) as conn, conn.cursor() as cr:
        cr.execute("UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' WHERE id = ANY(%s)", [cron_ids])
    # the cron threads LISTEN on the "postgres" database (odoo/service/server.py)
    with contextlib.closing(connect("postgres")) as conn, conn.cursor() as cr:
        cr.execute("NOTIFY cron_trigger, %s", [db])


def run_state(db):
    found = rows(db, "SELECT total, evaluated, finished_at IS NOT NULL FROM ar_escalation_run LIMIT 1")
    return found[0] if found else (0, 0, False)


def quiet(db):
    """No transaction of a server is running on ``db`` (the drill's own connection aside)."""
    return not scalar(
        db,
        """SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()
             AND (state = 'active' OR state LIKE 'idle in transaction%%')
             AND query NOT ILIKE '%%LISTEN%%'""",
        [db],
    )


# ----------------------------------------------------------------------
# what the database says about a bench book
# ----------------------------------------------------------------------
TODAY = "(now() AT TIME ZONE 'UTC')::date"
# the default ladder on a book without promises, disputes, credit limits or
# payment history: the stage follows from the days overdue alone
EXPECTED_LEVEL = f"""CASE WHEN {TODAY} - m.invoice_date_due <= 0 THEN NULL
                          WHEN {TODAY} - m.invoice_date_due <= 15 THEN 1
                          WHEN {TODAY} - m.invoice_date_due <= 30 THEN 2
                          WHEN {TODAY} - m.invoice_date_due <= 60 THEN 3 ELSE 4 END"""
BOOK = "m.move_type = 'out_invoice' AND m.name LIKE 'BENCH/%%'"


PAIR_MAILS = "queued customer emails (one per customer)"
CASE_MAILS_WHERE = "WHERE msg.model"
CASE_MAILS_JOIN = "JOIN ar_escalation_case c ON c.id = msg.res_id WHERE msg.model"


def book_counts(db):
    """(check, expected, found) for every promise of the ladder, counted in SQL."""
    q = lambda sql: scalar(db, sql)  # noqa: E731
    escalated = q(f"SELECT COUNT(*) FROM account_move m WHERE {BOOK} AND {EXPECTED_LEVEL} IS NOT NULL")
    pairs = q(
        f"""SELECT COUNT(*) FROM (SELECT DISTINCT m.commercial_partner_id, {EXPECTED_LEVEL}
              FROM account_move m WHERE {BOOK} AND {EXPECTED_LEVEL} IS NOT NULL) x"""
    )
    events = lambda kind: q(  # noqa: E731
        f"SELECT COUNT(*) FROM ar_escalation_event e JOIN account_move m ON m.id = e.move_id "
        f"WHERE {BOOK} AND e.kind = '{kind}'"
    )
    customers = q(
        f"""SELECT COUNT(DISTINCT m.commercial_partner_id) FROM account_move m
             WHERE {BOOK} AND {EXPECTED_LEVEL} IS NOT NULL"""
    )
    # the customer's email of a message (a follower of the case who reads
    # notifications by email, the owner, gets a copy of their own: not counted)
    mails = """FROM mail_mail mm JOIN mail_message msg ON msg.id = mm.mail_message_id
               WHERE msg.model = 'ar.escalation.case'
                 AND EXISTS (SELECT 1 FROM mail_mail_res_partner_rel r
                              WHERE r.mail_mail_id = mm.id AND NOT EXISTS
                                    (SELECT 1 FROM res_users u WHERE u.partner_id = r.res_partner_id))"""
    by_case = mails.replace(CASE_MAILS_WHERE, CASE_MAILS_JOIN, 1)
    checks = [
        (
            "invoices at the stage their days overdue give",
            q(f"SELECT COUNT(*) FROM account_move m WHERE {BOOK}"),
            q(
                f"""SELECT COUNT(*) FROM account_move m
                     LEFT JOIN ar_escalation_stage s ON s.id = m.ar_stage_id
                     WHERE {BOOK} AND s.sequence IS NOT DISTINCT FROM {EXPECTED_LEVEL}"""
            ),
        ),
        ("stage events (one per escalated invoice)", escalated, events("stage")),
        ("activity events (one per escalated invoice)", escalated, events("activity")),
        ("external events (one per escalated invoice)", escalated, events("external")),
        (
            "invoices with a duplicate stage/activity/external event",
            0,
            q(
                """SELECT COUNT(DISTINCT move_id) FROM (SELECT move_id FROM ar_escalation_event
                    WHERE kind IN ('stage', 'activity', 'external')
                    GROUP BY move_id, kind, stage_id HAVING COUNT(*) > 1) d"""
            ),
        ),
        (
            "open cases (one per customer and stage)",
            pairs,
            q("SELECT COUNT(*) FROM ar_escalation_case WHERE state != 'closed' AND kind = 'escalation'"),
        ),
        (
            "activities (one per case)",
            pairs,
            q(
                """SELECT COUNT(*) FROM mail_activity a JOIN ar_escalation_case c
                     ON a.res_model = 'ar.escalation.case' AND a.res_id = c.id"""
            ),
        ),
        (
            "cases without exactly one activity",
            0,
            q(
                """SELECT COUNT(*) FROM ar_escalation_case c WHERE (SELECT COUNT(*) FROM mail_activity a
                    WHERE a.res_model = 'ar.escalation.case' AND a.res_id = c.id) <> 1"""
            ),
        ),
        (
            "escalated invoices not in exactly one queued email",
            0,
            q(
                f"""SELECT COUNT(*) FROM account_move m WHERE {BOOK} AND {EXPECTED_LEVEL} IS NOT NULL
                      AND (SELECT COUNT(DISTINCT e.mail_id) FROM ar_escalation_event e
                            WHERE e.move_id = m.id AND e.kind = 'external') <> 1"""
            ),
        ),
        (
            "queued emails that no external event records",
            0,
            q(
                f"""SELECT COUNT(*) {mails} AND NOT EXISTS
                      (SELECT 1 FROM ar_escalation_event e WHERE e.mail_id = mm.id)"""
            ),
        ),
        (PAIR_MAILS, customers, q(f"SELECT COUNT(*) {mails}")),
        (
            "customers with more than one queued email",
            0,
            q(
                f"""SELECT COUNT(*) FROM (SELECT c.partner_id {by_case}
                     GROUP BY c.partner_id HAVING COUNT(*) > 1) x"""
            ),
        ),
        (
            "events without their chatter line on the invoice",
            0,
            q(
                """SELECT COUNT(*) FROM ar_escalation_event e
                    LEFT JOIN mail_message msg ON msg.id = e.message_id
                    WHERE e.move_id IS NOT NULL AND (msg.id IS NULL OR msg.model <> 'account.move'
                          OR msg.res_id <> e.move_id)"""
            ),
        ),
        ("error events", 0, q("SELECT COUNT(*) FROM ar_escalation_event WHERE kind = 'error'")),
    ]
    return checks


def record_book(drill, db, recover=""):
    checks = book_counts(db)
    for i, (check, expected, found) in enumerate(checks):
        record(drill, check, expected, found, recover if i == 0 else "")
    return all(expected == found for __, expected, found in checks)


# ----------------------------------------------------------------------
# drill 1: SIGKILL in the middle of the run
# ----------------------------------------------------------------------
def drill_crash():
    db = f"{DB_PREFIX}crash"
    info = prepare(db, n=CRASH_N, batch=1000)
    server = Server(db, PORTS[0], 1, "crash_server").start()
    server.wait_ready()
    say(f"crash: server up on {PORTS[0]}; waking the escalation cron")
    started = time.monotonic()
    wake_crons(db, info["cron_ids"])
    # watch the run: note how long a batch takes, kill in the middle of the one after half the book
    marks = []

    def past_half():
        total, evaluated, __ = run_state(db)
        if not marks or marks[-1][1] != evaluated:
            marks.append((time.monotonic(), evaluated))
        return total and evaluated >= total / 2

    wait_for(past_half, 900, "the run to pass half the book", 0.2)
    batch_s = (marks[-1][0] - marks[1][0]) / max(len(marks) - 2, 1) if len(marks) > 2 else 2.0

    def writing_batch():
        """Age in seconds of the server's open transaction once it has written rows, else None."""
        age = scalar(
            db,
            """SELECT EXTRACT(EPOCH FROM now() - MIN(xact_start)) FROM pg_stat_activity
                WHERE datname = %s AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL""",
            [db],
        )
        return float(age) if age is not None else None

    # kill in the middle of a batch: its transaction has written rows and runs for half a batch
    age = wait_for(lambda: (writing_batch() or 0) >= batch_s / 2 and writing_batch(), 300, "mid-batch", 0.05)
    server.kill()
    killed_at = time.monotonic()
    total, evaluated_at_kill, __ = run_state(db)
    in_flight = f"yes, open for {age:.1f} s with rows written"
    events_at_kill = scalar(db, "SELECT COUNT(*) FROM ar_escalation_event")
    say(
        f"crash: SIGKILL after {killed_at - started:.0f} s, "
        f"{evaluated_at_kill:,}/{total:,} invoices committed, "
        f"{events_at_kill:,} events, batch in flight: {in_flight} (a batch takes ~{batch_s:.1f} s)"
    )
    NOTES.append(
        f"crash: killed {killed_at - started:.0f} s into the run, in the middle of a batch (its "
        f"transaction {in_flight}; a batch takes ~{batch_s:.0f} s), with {evaluated_at_kill:,} of "
        f"{total:,} invoices committed and {events_at_kill:,} events."
    )
    wait_for(lambda: quiet(db), 60, "PostgreSQL to roll back the killed server's transaction")
    restart = time.monotonic()
    server.start()
    server.wait_ready()
    # the job is still due; waking the cron thread spares its 60-second poll
    wake_crons(db, info["cron_ids"])
    wait_for(lambda: run_state(db)[2], 900, "the run to finish after the restart", 0.5)
    recover = time.monotonic() - restart
    wait_for(lambda: quiet(db), 60, "the cron job to commit")
    server.stop()
    total, evaluated, __ = run_state(db)
    NOTES.append(
        f"crash: restart to finished run {recover:.0f} s ({evaluated:,} invoice evaluations recorded "
        f"for {total:,} open invoices); whole drill {time.monotonic() - started:.0f} s."
    )
    durations = [
        float(x)
        for x in re.findall(
            r"AR escalation: evaluate the ladder' \(\d+\) done in ([\d.]+)s",
            server.log.read_text(encoding="utf-8", errors="replace"),
        )
    ]
    if durations:
        NOTES.append(
            f"crash: {len(durations)} batches of 1,000 ran {min(durations):.0f}–{max(durations):.0f} s each "
            f"(mean {sum(durations) / len(durations):.0f} s); one call of the cron thread runs the whole "
            f"sweep, {sum(durations):.0f} s in all"
            + (", past Odoo's default limit_time_real of 120 s." if sum(durations) > 120 else ".")
        )
    record_book("crash", db, f"{recover:.0f} s (restart → run finished)")


# ----------------------------------------------------------------------
# drill 2: two servers with cron threads, and users pressing "Escalate now"
# ----------------------------------------------------------------------
def drill_two_workers():
    db = f"{DB_PREFIX}two"
    info = prepare(db, n=TWO_N, batch=100, second_cron=1)
    servers = [
        Server(db, PORTS[0], 1, "two_server_a").start(),
        Server(db, PORTS[1], 1, "two_server_b").start(),
    ]
    for server in servers:
        server.wait_ready()
    ids = [r[0] for r in rows(db, f"SELECT m.id FROM account_move m WHERE {BOOK} ORDER BY m.id LIMIT 1200")]
    faults = []

    def press_escalate_now(port, order):
        rpc = Rpc(port, db)
        chunk = 60
        todo = ids if order > 0 else ids[::-1]
        for i in range(0, len(todo), chunk):
            try:
                rpc.call("account.move", "action_ar_escalate_now", todo[i : i + chunk])
            except xmlrpc.client.Fault as fault:
                faults.append(fault.faultString.strip().splitlines()[-1][:200])

    users = [
        threading.Thread(target=press_escalate_now, args=(PORTS[0], 1)),
        threading.Thread(target=press_escalate_now, args=(PORTS[1], -1)),
    ]
    started = time.monotonic()
    wake_crons(db, info["cron_ids"])
    for user in users:
        user.start()
    for user in users:
        user.join(max(remaining(), 1))
    try:
        wait_for(lambda: run_state(db)[2], SWEEP_WAIT, "the sweep to finish", 0.5)
        stalled = None
    except DrillTimeout:
        total, evaluated, __ = run_state(db)
        stalled = f"no: {evaluated:,} of {total:,} evaluated after {time.monotonic() - started:.0f} s"
    record("two workers", "the day's sweep finishes", "yes", stalled or "yes")
    if stalled:
        # what the next scheduled call does (an hour later by default): wake the crons again
        start = time.monotonic()
        wake_crons(db, info["cron_ids"])
        try:
            wait_for(lambda: run_state(db)[2], SWEEP_WAIT, "the sweep to finish", 0.5)
            again = "yes"
        except DrillTimeout:
            total, evaluated, __ = run_state(db)
            again = f"no: {evaluated:,} of {total:,} evaluated"
        record(
            "two workers",
            "the sweep finishes when the crons are called again",
            "yes",
            again,
            f"{time.monotonic() - start:.0f} s",
        )
    wait_for(lambda: quiet(db), 120, "both servers to be idle")
    elapsed = time.monotonic() - started
    batches = {
        s.name: s.log_count(r"AR escalation: evaluate the ladder[^']*' \(\d+\) processed") for s in servers
    }
    NOTES.append(
        f"two workers: {TWO_N:,} invoices, batches of 100; sweep batches run per server "
        f"{batches}; 2 users × {len(ids)} invoices of 'Escalate now' in calls of 60; done in {elapsed:.0f} s."
    )
    deadlocks = sum(s.log_count(r"deadlock detected") for s in servers)
    serialization = sum(s.log_count(r"could not serialize access") for s in servers)
    NOTES.append(
        f"two workers: server logs show {deadlocks} deadlock(s) and {serialization} serialization "
        f"failure(s) (Odoo retries a request that fails so); RPC faults seen by users: {len(faults)}."
    )
    record("two workers", "'Escalate now' calls that failed for the user", 0, len(faults))
    for fault in sorted(set(faults))[:5]:
        NOTES.append(f"two workers: RPC fault: {fault}")
    ok = record_book("two workers", db, f"{elapsed:.0f} s (all done)")
    errors = rows(
        db,
        "SELECT DISTINCT left(reason_data -> 0 ->> 'text', 160) FROM ar_escalation_event "
        "WHERE kind = 'error' LIMIT 5",
    )
    for (reason,) in errors:
        NOTES.append(f"two workers: error event: {reason}")
    if not ok:
        # what a user does next: "Escalate now" on the invoices in error (board filter), then count again
        bad = [
            r[0]
            for r in rows(
                db,
                f"""SELECT m.id FROM account_move m LEFT JOIN ar_escalation_stage s ON s.id = m.ar_stage_id
                    WHERE {BOOK} AND (m.ar_error IS NOT NULL
                          OR s.sequence IS DISTINCT FROM {EXPECTED_LEVEL})""",
            )
        ]
        start = time.monotonic()
        if bad:
            Rpc(PORTS[0], db).call("account.move", "action_ar_escalate_now", bad)
        NOTES.append(f"two workers: {len(bad)} invoice(s) re-escalated by hand after the concurrent run.")
        checks = book_counts(db)
        fixed = all(e == f for check, e, f in checks if check not in ("error events", PAIR_MAILS))
        record(
            "two workers",
            "after 'Escalate now' on the invoices in error: all counts right",
            True,
            fixed,
            f"{time.monotonic() - start:.1f} s",
        )
    for server in servers:
        server.stop()


# ----------------------------------------------------------------------
# drill 3: the mail server refuses, throttles, dies after a message's DATA, comes back
# ----------------------------------------------------------------------
CASE_MAIL = """FROM mail_mail mm JOIN mail_message msg ON msg.id = mm.mail_message_id
               WHERE msg.model = 'ar.escalation.case'"""


def mail_pairs(db, where=""):
    """(Message-Id, address) pairs the escalation emails go to (their partners, To and Cc)."""
    found = rows(
        db,
        f"""SELECT msg.message_id, mm.email_to, mm.email_cc,
                   ARRAY(SELECT p.email FROM mail_mail_res_partner_rel r
                           JOIN res_partner p ON p.id = r.res_partner_id WHERE r.mail_mail_id = mm.id)
              {CASE_MAIL} {where}""",
    )
    pairs = set()
    for message_id, email_to, email_cc, partners in found:
        addresses = email.utils.getaddresses([*(partners or []), email_to or "", email_cc or ""])
        pairs.update((message_id, address.lower()) for __, address in addresses if address)
    return pairs


def drill_mail(sink):
    """The mail server refuses, throttles, dies after a message's DATA, comes back.

    Nobody presses Retry: after the mail queue's first (hourly) run meets the
    refusing server, every later run is its scheduled action woken by its
    own triggers in a server with a cron thread, at the retry times the
    refused emails were given.
    """
    db = f"{DB_PREFIX}mail"
    info = prepare(db, n=MAIL_N, batch=1000, smtp_port=SMTP_PORT, mail_retry_delays=MAIL_RETRY_DELAYS)
    server = Server(db, PORTS[2], 1, "mail_server").start()
    server.wait_ready()
    rpc = Rpc(PORTS[2], db)
    esc_cron, mail_cron = info["cron_ids"][0], info["mail_cron_id"]
    sink.set_mode("refuse")
    while not run_state(db)[2]:
        rpc.call("ir.cron", "method_direct_trigger", [esc_cron])
    queued = scalar(db, f"SELECT COUNT(*) {CASE_MAIL}")
    expected_pairs = mail_pairs(db)
    events_before = scalar(db, "SELECT COUNT(*) FROM ar_escalation_event")
    users = {
        r[0]
        for r in rows(db, "SELECT lower(p.email) FROM res_users u JOIN res_partner p ON p.id = u.partner_id")
    }
    customer_addresses = {address for __, address in expected_pairs} - users
    messages = scalar(db, f"SELECT COUNT(DISTINCT msg.id) {CASE_MAIL}")
    record(
        "mail down",
        "case messages with an email to the customer (not only to users)",
        messages,
        len({message_id for message_id, address in expected_pairs if address in customer_addresses}),
    )
    say(f"mail: {queued} case emails queued for {len(expected_pairs)} recipients; SMTP refuses (421)")
    queue_runs = rf"Mail: Email Queue Manager' \({mail_cron}\) done in"  # the cron thread's runs

    def count(where):
        return scalar(db, f"SELECT COUNT(*) {CASE_MAIL} AND {where}")

    def automatic_run(what, started):
        """Wait for the cron thread's next run of the mail queue to start (``started``) and end."""
        runs = server.log_count(queue_runs)
        wait_for(started, MAIL_ROUND_WAIT, f"the mail queue's automatic run ({what})")
        wait_for(
            lambda: server.log_count(queue_runs) > runs, MAIL_ROUND_WAIT, f"the end of that run ({what})"
        )
        wait_for(lambda: quiet(db), 60, "the mail queue to commit")

    # 1. server down: the mail queue's hourly run meets 421 at connect
    rpc.call("ir.cron", "method_direct_trigger", [mail_cron])
    record(
        "mail down", "emails delivered while the server refuses (421 at connect)", 0, len(sink.per_message())
    )
    record("mail down", "emails Odoo marks failed (421 at connect)", 0, count("mm.state = 'exception'"))
    record(
        "mail down",
        "emails back in the queue with a retry time (no Retry press)",
        queued,
        count(
            "mm.state = 'outgoing' AND mm.ar_send_attempts = 1"
            " AND mm.scheduled_date > now() AT TIME ZONE 'UTC'"
        ),
    )
    triggers = scalar(
        db,
        f"""SELECT COUNT(*) FROM ir_cron_trigger t WHERE t.cron_id = %s
             AND t.call_at >= (SELECT MIN(mm.scheduled_date) {CASE_MAIL} AND mm.state = 'outgoing')""",
        [mail_cron],
    )
    record("mail down", "mail queue run scheduled at the retry time", "yes", "yes" if triggers else "no")
    # when the first retry comes, the server takes a quarter, then answers 421 at MAIL FROM
    first_cut = max(queued // 4, 1)
    sink.set_mode("mail_from_421", after=first_cut)
    book = [r[0] for r in rows(db, f"SELECT m.id FROM account_move m WHERE {BOOK}")]
    rpc.call("account.move", "action_ar_escalate_now", book)
    record(
        "mail down",
        "events and emails added by 'Escalate now' during the outage",
        0,
        scalar(db, "SELECT COUNT(*) FROM ar_escalation_event")
        - events_before
        + scalar(db, f"SELECT COUNT(*) {CASE_MAIL}")
        - queued,
    )

    # 2. first automatic retry: the server throttles (421 at MAIL FROM)
    automatic_run("server throttling", lambda: sink.refused_senders)
    record(
        "mail down",
        "1st automatic retry: emails delivered before 421 at MAIL FROM",
        first_cut,
        len(sink.per_message()),
    )
    record(
        "mail down",
        "emails failed by 421 at MAIL FROM (nothing of them sent)",
        0,
        count("mm.state = 'exception'"),
    )
    record(
        "mail down", "emails queued for the next retry", queued - first_cut, count("mm.state = 'outgoing'")
    )
    throttled = count("mm.state = 'outgoing' AND mm.ar_send_attempts >= 2")

    # 3. second automatic retry: the server takes a quarter more, then dies after a message's DATA
    second_cut = max(queued // 4, 1)
    # a customer's message (a case message may also give its owner an email of their own)
    sink.set_mode("drop_after_data", after=second_cut, only=customer_addresses or None)
    automatic_run("server dying after DATA", lambda: sink.unacknowledged)
    delivered = len(sink.per_message())
    record(
        "mail down",
        "2nd automatic retry: emails delivered before the cut after DATA",
        f">= {first_cut + second_cut}",
        delivered,
        ok=delivered >= first_cut + second_cut,
    )
    flagged_ids = [
        r[0]
        for r in rows(
            db, f"SELECT mm.id {CASE_MAIL} AND mm.state = 'exception' AND mm.ar_delivery_issue = 'to_check'"
        )
    ]
    record(
        "mail down", "email cut after DATA: left failed, flagged 'to check', not resent", 1, len(flagged_ids)
    )
    sent_pairs = mail_pairs(db, "AND mm.state = 'sent'")
    record(
        "mail down",
        "emails Odoo marks sent = (Message-Id, recipient) pairs the server acknowledged",
        len(set(sink.per_message())),
        len(sent_pairs),
        ok=sent_pairs == set(sink.per_message()),
    )
    record(
        "mail down",
        "emails queued for the next retry",
        queued - count("mm.state = 'sent'") - 1,
        count("mm.state = 'outgoing'"),
    )
    # the invoices the message was about (their external events link the customer's email)
    flagged_moves = [
        r[0]
        for r in rows(
            db,
            """SELECT DISTINCT e.move_id FROM ar_escalation_event e JOIN mail_mail lm ON lm.id = e.mail_id
                WHERE e.kind = 'external'
                  AND lm.mail_message_id IN (SELECT mail_message_id FROM mail_mail WHERE id = ANY(%s))""",
            [flagged_ids or [0]],
        )
    ]
    words = "%may or may not have reached the customer%"
    record(
        "mail down",
        "its invoices with the error 'may or may not have reached the customer'",
        len(flagged_moves),
        scalar(
            db,
            "SELECT COUNT(*) FROM account_move WHERE id = ANY(%s) AND ar_error LIKE %s",
            [flagged_moves or [0], words],
        ),
        ok=None if flagged_moves else False,  # no invoice to look at is no proof
    )
    record(
        "mail down",
        "error events with that chatter line on those invoices",
        len(flagged_moves),
        scalar(
            db,
            """SELECT COUNT(*) FROM ar_escalation_event e JOIN mail_message msg ON msg.id = e.message_id
                WHERE e.kind = 'error' AND e.move_id = ANY(%s) AND msg.model = 'account.move'
                  AND msg.res_id = e.move_id AND msg.body LIKE %s""",
            [flagged_moves or [0], words],
        ),
    )
    record(
        "mail down",
        "a note on its case for a person to check",
        len(flagged_ids),
        scalar(
            db,
            f"""SELECT COUNT(*) FROM mail_message note WHERE note.model = 'ar.escalation.case'
                  AND note.res_id IN (SELECT msg.res_id {CASE_MAIL} AND mm.id = ANY(%s))
                  AND note.message_type = 'notification' AND note.body LIKE %s""",
            [flagged_ids or [0], "%check with the customer%"],
        ),
    )
    flagged_pairs = mail_pairs(db, f"AND mm.id IN ({', '.join(str(i) for i in flagged_ids or [0])})")

    # 4. the server is back: the next automatic retry sends the rest
    sink.set_mode("accept")
    back = time.monotonic()
    automatic_run("server back", lambda: len(sink.per_message()) > delivered)
    wait_for(lambda: not count("mm.state = 'outgoing'"), MAIL_ROUND_WAIT, "the queue to empty")
    recover = time.monotonic() - back
    per_message, received = sink.per_message(), sink.received()
    record(
        "mail down",
        "(Message-Id, recipient) pairs delivered, besides the email cut after DATA",
        len(expected_pairs - flagged_pairs),
        len(set(per_message) & (expected_pairs - flagged_pairs)),
        f"{recover:.1f} s (server back → all delivered, no Retry press)",
    )
    record(
        "mail down",
        "the email cut after DATA: pairs received by the server once",
        len(flagged_pairs),
        sum(1 for pair in flagged_pairs if received[pair] == 1),
        ok=None if flagged_pairs else False,
    )
    record(
        "mail down",
        "the email cut after DATA: sent again",
        0,
        sum(per_message[pair] for pair in flagged_pairs),
    )
    record("mail down", "deliveries of a pair more than once", 0, sum(1 for c in received.values() if c > 1))
    record("mail down", "deliveries of a message Odoo did not queue", 0, len(set(received) - expected_pairs))
    record("mail down", "emails in state sent", queued - 1, count("mm.state = 'sent'"))
    runs = server.log_count(queue_runs)
    record("mail down", "mail queue runs by its own triggers (no Retry press)", ">= 3", runs, ok=runs >= 3)
    record(
        "mail down",
        "escalation events added by the outage, besides the flagged email's error events",
        0,
        scalar(db, "SELECT COUNT(*) FROM ar_escalation_event") - events_before - len(flagged_moves),
    )
    NOTES.append(
        f"mail: {queued} emails; the server refused every connection ({sink.refused_connections} refused, "
        f"421): Odoo put all {queued} back in the queue with a retry time ({MAIL_RETRY_DELAYS} min here; "
        f"5, 15, 60, 240 min by default); at the first retry it took {first_cut}, then answered 421 at "
        f"MAIL FROM ({throttled} emails refused before any of them was sent, queued again); at the second "
        f"it took {delivered - first_cut} more and cut the connection after a customer's message's DATA: "
        f"that email was "
        f"left failed and flagged on its {len(flagged_moves)} invoice(s) and its case; once the server was "
        f"back, the mail queue's own trigger sent the rest in {recover:.0f} s. {runs} runs of the mail "
        f"queue by the cron thread, none by hand after the first."
    )
    server.stop()


# ----------------------------------------------------------------------
# drill 4: the SMS provider goes down in the middle of a batch
# ----------------------------------------------------------------------
def drill_sms(provider):
    db = f"{DB_PREFIX}sms"
    info = prepare(db, install="ar_escalation_sms", n=SMS_N, batch=1000, sms_url=provider.url())
    server = Server(db, PORTS[2], 0, "sms_server").start()
    server.wait_ready()
    rpc = Rpc(PORTS[2], db)
    esc_cron, sms_cron = info["cron_ids"][0], info["sms_cron_id"]
    while not run_state(db)[2]:
        rpc.call("ir.cron", "method_direct_trigger", [esc_cron])
    queued = scalar(db, "SELECT COUNT(*) FROM ar_escalation_sms")
    keys = {r[0] for r in rows(db, "SELECT idempotency_key FROM ar_escalation_sms")}
    effects = """SELECT COUNT(*) FROM ar_escalation_event WHERE kind IN ('stage', 'external', 'activity')"""
    effects_before = scalar(db, effects)
    record(
        "sms down",
        "escalated invoices whose external event has no queued SMS",
        0,
        scalar(
            db,
            "SELECT COUNT(*) FROM ar_escalation_event WHERE kind = 'external' AND sms_id IS NULL",
        ),
    )
    # the provider takes a third of the batch, takes 3 more but the replies are lost, then is down
    accept, lost = max(queued // 3, 1), 3
    provider.set_mode("partial", accept=accept, lost=lost)
    rpc.call("ir.cron", "method_direct_trigger", [sms_cron])
    waiting = scalar(db, "SELECT COUNT(*) FROM ar_escalation_sms WHERE state = 'outgoing'")
    record("sms down", "SMS accepted before the provider went down", accept, len(provider.delivered) - lost)
    record("sms down", "SMS waiting for a retry under the same key", queued - accept, waiting)
    NOTES.append(
        f"sms: {queued} SMS queued for {SMS_N} invoices; the provider took {accept}, took {lost} more "
        f"whose replies were lost (502), then answered 503 to {provider.refused} request(s): "
        f"{waiting} SMS waited for their retry."
    )
    # the provider is back; the retry comes due (the drill moves next_try to now instead of waiting 5 min)
    provider.set_mode("up")
    back = time.monotonic()
    for __ in range(5):
        with contextlib.closing(connect(db)) as conn, conn.cursor() as cr:
            cr.execute(
                # Odoo's "now" has no microseconds: a second back, or the retry is not due yet
                "UPDATE ar_escalation_sms SET next_try = date_trunc('second', now() AT TIME ZONE 'UTC') "
                "- interval '1 second' WHERE state = 'outgoing'"
            )
        rpc.call("ir.cron", "method_direct_trigger", [sms_cron])
        if not scalar(db, "SELECT COUNT(*) FROM ar_escalation_sms WHERE state = 'outgoing'"):
            break
    recover = time.monotonic() - back
    record(
        "sms down",
        "SMS delivered (distinct idempotency keys at the provider)",
        queued,
        len(set(provider.delivered) & keys),
        f"{recover:.1f} s (provider back → queue empty)",
    )
    record(
        "sms down", "SMS delivered more than once", 0, sum(1 for n in provider.delivered.values() if n > 1)
    )
    record(
        "sms down",
        "same message sent under two keys",
        0,
        sum(1 for k in provider.keys_by_message.values() if len(k) > 1),
    )
    record("sms down", "resends after a lost reply, answered from the provider's key", lost, provider.replays)
    record(
        "sms down",
        "SMS accepted by the provider in the queue",
        queued,
        scalar(db, "SELECT COUNT(*) FROM ar_escalation_sms WHERE state IN ('pending', 'sent')"),
    )
    record(
        "sms down",
        "stage/external/activity events added by the outage",
        0,
        scalar(db, effects) - effects_before,
    )
    server.stop()


# ----------------------------------------------------------------------
def print_table():
    header = ("Drill", "Check", "Expected", "Found", "Time to recover", "Result")
    body = [
        (
            d,
            c,
            f"{e:,}" if isinstance(e, int) and not isinstance(e, bool) else str(e),
            f"{f:,}" if isinstance(f, int) and not isinstance(f, bool) else str(f),
            r,
            "PASS" if ok else "FAIL",
        )
        for d, c, e, f, r, ok in RESULTS
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    table = "\n".join(lines)
    notes = "\n".join(f"- {note}" for note in NOTES)
    print("\n" + table + "\n\n" + notes, flush=True)
    (LOG_DIR / "results.md").write_text(table + "\n\n" + notes + "\n", encoding="utf-8")


def main(argv):
    drills = argv or ["crash", "two", "mail", "sms"]
    unknown = set(drills) - {"crash", "two", "mail", "sms", "queue"}
    if unknown:
        sys.exit(f"unknown drill(s) {sorted(unknown)}: choose among crash, two, mail, sms, queue")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old in LOG_DIR.glob("*.log"):
        old.unlink()
    sink = SmtpSink("127.0.0.1", SMTP_PORT)
    provider = SmsProvider("127.0.0.1", SPARE_PORT)
    started = time.monotonic()
    try:
        ensure_template()
        sink.start()
        provider.start()
        for drill, run in (
            ("crash", drill_crash),
            ("two", drill_two_workers),
            ("mail", lambda: drill_mail(sink)),
            ("sms", lambda: drill_sms(provider)),
            ("queue", lambda: queue_drill.drill_queue(sys.modules[__name__])),
        ):
            if drill not in drills:
                continue
            t0 = time.monotonic()
            say(f"== drill {drill} ==")
            try:
                run()
            except Exception as exc:  # noqa: BLE001 - a drill that breaks fails, the others still run
                fault = isinstance(exc, xmlrpc.client.Fault)
                text = exc.faultString.strip().splitlines()[-1] if fault else exc
                record(drill, "drill ran to the end", "yes", f"{type(exc).__name__}: {text}"[:200], ok=False)
            finally:
                for server in SERVERS:
                    server.stop()
            say(f"drill {drill} took {time.monotonic() - t0:.0f} s")
    finally:
        for server in SERVERS:
            with contextlib.suppress(Exception):
                server.stop()
        sink.stop()
        provider.stop()
        if not KEEP:
            for db in (f"{DB_PREFIX}{name}" for name in ("crash", "two", "mail", "sms", "queue")):
                with contextlib.suppress(Exception):
                    drop_db(db)
    NOTES.append(f"whole drill run: {time.monotonic() - started:.0f} s.")
    print_table()
    return 0 if RESULTS and all(r[-1] for r in RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
