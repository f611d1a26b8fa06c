# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ``queue`` drill: two Odoo servers with queue_job's job runners share one sweep.

Run by ``bash setup/drills.sh queue`` (``run_drills.py`` calls :func:`drill_queue`
with itself as ``rd``). The database (``<prefix>queue``) gets OCA queue_job and
a book of ``DRILL_QUEUE_N`` invoices (20,000), the ladder's setting *Spread
the work over queue_job workers* on. Two servers start with
``--load=web,queue_job`` and ``ODOO_QUEUE_JOB_CHANNELS=root:2``; one job runner
is the master (queue_job elects it with an advisory lock, the other stands by)
and it asks for each job through a least-connections balancer on loopback in
front of both servers, as a production load balancer does. The scheduled
action enqueues the batches; midway the master runner's server is killed
with SIGKILL while it runs a job (its whole process group). The other finishes: queue_job
requeues the killed job (its lock is gone), its standby runner becomes master
if the master died. Then the same counts as the crash drill, every job done,
none failed, and the jobs run on both servers.
"""

import contextlib
import os
import select
import signal
import socket
import threading
import time

QUEUE_N = int(os.environ.get("DRILL_QUEUE_N", "20000"))
QUEUE_BATCH = int(os.environ.get("DRILL_QUEUE_BATCH", "500"))
QUEUE_CHANNELS = os.environ.get("DRILL_QUEUE_CHANNELS", "root:2")
SWEEP = "_ar_job_sweep"


class Balancer:
    """A least-connections TCP balancer: each connection goes to the backend with the fewest open.

    queue_job's runner asks for a job with an HTTP request it gives up on
    after a second; the job runs on for as long as it takes, and the
    connection to the server stays counted until the server closes it. A
    backend that refuses the connection (a killed server) is skipped.
    """

    def __init__(self, port, backends):
        self.port, self.backends = port, list(backends)
        self.active = dict.fromkeys(self.backends, 0)
        self.served = dict.fromkeys(self.backends, 0)
        self.lock = threading.Lock()
        self.sock = None
        self.stopping = False

    def start(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self):
        self.stopping = True
        with contextlib.suppress(OSError):
            self.sock.close()

    def _accept(self):
        while not self.stopping:
            try:
                client, __ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _connect(self):
        with self.lock:
            order = sorted(self.backends, key=lambda b: (self.active[b], self.served[b]))
        for backend in order:
            try:
                upstream = socket.create_connection(("127.0.0.1", backend), timeout=2)
            except OSError:
                continue
            with self.lock:
                self.active[backend] += 1
                self.served[backend] += 1
            upstream.settimeout(None)
            return backend, upstream
        return None, None

    def _serve(self, client):
        backend, upstream = self._connect()
        if upstream is None:
            client.close()
            return
        try:
            self._pipe(client, upstream)
        finally:
            with self.lock:
                self.active[backend] -= 1
            for end in (client, upstream):
                with contextlib.suppress(OSError):
                    end.close()

    @staticmethod
    def _pipe(client, upstream):
        """Both ways until the server closes; the client leaving early only half-closes upstream."""
        ends = [client, upstream]
        while upstream in ends:
            readable, __, __ = select.select(ends, [], [], 600)
            if not readable:
                return
            for end in readable:
                other = upstream if end is client else client
                try:
                    data = end.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    ends.remove(end)
                    if end is client:
                        with contextlib.suppress(OSError):
                            upstream.shutdown(socket.SHUT_WR)
                    continue
                if other in ends:
                    with contextlib.suppress(OSError):
                        other.sendall(data)


def jobs(rd, db):
    """{state: count} of the drill's queue jobs."""
    return dict(rd.rows(db, "SELECT state, COUNT(*) FROM queue_job GROUP BY state"))


def kill_group(server):
    """SIGKILL the server and every process of its session: no shutdown code runs anywhere."""
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait(30)


def start_servers(rd, db, balancer_port):
    env = {
        "ODOO_QUEUE_JOB_CHANNELS": QUEUE_CHANNELS,
        "ODOO_QUEUE_JOB_HOST": "127.0.0.1",
        "ODOO_QUEUE_JOB_PORT": str(balancer_port),
    }
    servers = []
    for port, name in ((rd.PORTS[0], "queue_server_a"), (rd.PORTS[1], "queue_server_b")):
        server = rd.Server(db, port, 1, name)
        server.extra_args = ["--load=web,queue_job"]
        server.env = env
        servers.append(server.start())
    for server in servers:
        server.wait_ready()
    return servers


def kill_mid_job(rd, db, servers):
    """Half the sweep's jobs done, kill the master runner's server in a job; return (victim, what)."""
    total = -(-QUEUE_N // QUEUE_BATCH)

    def half_done():
        done = rd.scalar(
            db, "SELECT COUNT(*) FROM queue_job WHERE state = 'done' AND method_name = %s", [SWEEP]
        )
        return done >= total // 2

    rd.wait_for(half_done, 900, "half the sweep's jobs to be done", 0.3)
    # the master runner's server (the one that dispatches): its standby must take over
    master = next((s for s in servers if s.log_count(r"asking Odoo to run job")), servers[0])
    pids = {master.proc.pid: master}
    # in the middle of a job: started for half as long as a sweep job takes
    half = float(
        rd.scalar(
            db,
            "SELECT COALESCE(AVG(exec_time), 1) / 2 FROM queue_job WHERE method_name = %s AND state = 'done'",
            [SWEEP],
        )
    )

    def running_on_a_server():
        found = rd.rows(
            db,
            """SELECT worker_pid, method_name, EXTRACT(EPOCH FROM now() AT TIME ZONE 'UTC' - date_started)
                 FROM queue_job WHERE state = 'started' AND worker_pid = ANY(%s)
                  AND method_name IN (%s, '_ar_job_deliver')
                  AND date_started <= now() AT TIME ZONE 'UTC' - make_interval(secs => %s)""",
            [list(pids), SWEEP, half],
        )
        return found[0] if found else None

    pid, method, age = rd.wait_for(running_on_a_server, 300, "a job running on the master's server", 0.05)
    victim = pids[pid]
    kill_group(victim)
    return (
        victim,
        f"{victim.name} (pid {pid}, the master runner's) while it ran {method} for {float(age):.1f} s",
    )


def drill_queue(rd):
    db = f"{rd.DB_PREFIX}queue"
    info = rd.prepare(
        db, install="queue_job", n=QUEUE_N, batch=QUEUE_BATCH, queue_channel="root.ar_escalation"
    )
    balancer = Balancer(rd.PORTS[2], rd.PORTS[:2]).start()
    try:
        servers = start_servers(rd, db, rd.PORTS[2])
        started = time.monotonic()
        rd.wake_crons(db, info["cron_ids"][:1])
        victim, what = kill_mid_job(rd, db, servers)
        killed_at = time.monotonic()
        rd.say(f"queue: SIGKILL {what}, {killed_at - started:.0f} s into the sweep; jobs {jobs(rd, db)}")
        survivor = next(server for server in servers if server is not victim)

        def all_done():
            states = jobs(rd, db)
            return rd.run_state(db)[2] and set(states) <= {"done", "failed"} and states

        rd.wait_for(all_done, 1200, "every job to be done", 1)
        recover = time.monotonic() - killed_at
        elapsed = time.monotonic() - started
        rd.wait_for(lambda: rd.quiet(db), 120, "the servers to be idle")
        states = jobs(rd, db)
        ran_on = rd.scalar(db, "SELECT COUNT(DISTINCT worker_pid) FROM queue_job WHERE state = 'done'")
        requeued = survivor.log_count(r"Re-queued dead job") + victim.log_count(r"Re-queued dead job")
        for server in servers:
            server.stop()
    finally:
        balancer.stop()
    sweeps = rd.scalar(db, "SELECT COUNT(*) FROM queue_job WHERE method_name = %s", [SWEEP])
    batches = -(-QUEUE_N // QUEUE_BATCH)
    # whole customers: a batch may hold a few invoices more or less than the batch size
    rd.record(
        "queue",
        "sweep jobs (one per batch of whole customers)",
        f"about {batches}",
        sweeps,
        ok=sweeps >= batches * 0.9,
    )
    rd.record("queue", "jobs failed", 0, states.get("failed", 0))
    total, evaluated, ended = rd.run_state(db)
    rd.record(
        "queue", "the run ended by its closing job, every invoice counted", (total, True), (evaluated, ended)
    )
    rd.record("queue", "processes that ran jobs (both servers)", True, ran_on >= 2, ok=ran_on >= 2)
    rd.record("queue", "the killed job requeued by queue_job", True, requeued >= 1, ok=requeued >= 1)
    took_over = survivor.log_count(r"asking Odoo to run job") > 0
    rd.record("queue", "the standby runner took over as master", True, took_over, ok=took_over)
    rd.NOTES.append(
        f"queue: {QUEUE_N:,} invoices in batches of {QUEUE_BATCH}, channels {QUEUE_CHANNELS}, jobs "
        f"{states}; SIGKILL of {what}; requests per server at the balancer {balancer.served}; "
        f"{requeued} dead job(s) requeued; all done {recover:.0f} s after the kill, {elapsed:.0f} s in all; "
        f"load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}."
    )
    rd.record_book("queue", db, f"{recover:.0f} s (kill → every job done)")
