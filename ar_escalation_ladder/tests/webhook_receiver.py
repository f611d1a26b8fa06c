# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A CRM's webhook endpoint for the tests: a real HTTP server on 127.0.0.1, on a free port.

It checks every request as the README tells a receiver to (its own code, not
the sender's): the signature over ``f"{timestamp}.{raw_body}"`` with its
secret and the timestamp within five minutes; it stores an event once per
Idempotency-Key and answers a repeat with 200 without storing it again.
"""

import hashlib
import hmac
import http.server
import json
import logging
import threading
import time

REPLAY_WINDOW = 300
_logger = logging.getLogger(__name__)


def verify_signature(secret, headers, raw_body, now=None):
    """The README's verification snippet."""
    timestamp = headers.get("X-AR-Escalation-Timestamp", "")
    received = headers.get("X-AR-Escalation-Signature", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > REPLAY_WINDOW:
        return False
    message = timestamp.encode() + b"." + raw_body
    expected = "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


class Receiver:
    """``plan``: answers to give first (a status, or ("slow", seconds) to store then answer late)."""

    def __init__(self, secret, latency=0.0):
        self.secret = secret
        self.latency = latency  # seconds each answer takes (a CRM far away)
        self.plan = []
        self.stored = {}  # idempotency key -> the event, as stored once
        self.received = {}  # idempotency key -> how many requests carried it
        self.rejected = 0  # requests whose signature failed the check
        self.repeats = 0  # requests dropped as already stored
        self.lock = threading.Lock()
        self.server = None
        self.port = None

    # -- lifecycle -------------------------------------------------------
    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                receiver.handle(self)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        """Down: the port refuses connections until :meth:`start` again (same port)."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks/ar"

    # -- one request -----------------------------------------------------
    def handle(self, request):
        raw = request.rfile.read(int(request.headers.get("Content-Length", 0)))
        key = request.headers.get("Idempotency-Key", "")
        with self.lock:
            self.received[key] = self.received.get(key, 0) + 1
            if not verify_signature(self.secret, request.headers, raw):
                self.rejected += 1
                return self.answer(request, 401, "bad signature")
            planned = self.plan.pop(0) if self.plan else 200
            slow = isinstance(planned, tuple)
            if isinstance(planned, int) and planned != 200:
                return self.answer(request, planned, "planned failure", retry_after=planned == 429)
            if key in self.stored:
                self.repeats += 1
            else:
                self.stored[key] = json.loads(raw)
        if self.latency:
            time.sleep(self.latency)
        if slow:
            time.sleep(planned[1])  # stored, but the answer comes after the sender's timeout
        return self.answer(request, 200, "ok")

    def answer(self, request, status, text, retry_after=False):
        body = text.encode()
        try:
            request.send_response(status)
            if retry_after:
                request.send_header("Retry-After", "120")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except OSError as exc:  # the sender hung up (its timeout): what was stored stays stored
            _logger.info("test receiver: the sender hung up before the answer (%s)", exc)

    def stored_events(self):
        return sorted(event["event_id"] for event in self.stored.values())


def serve(port, secret, latency=0.0):
    """The receiver as a process of its own (setup/benchmark_webhooks.py): GET /stats says what it saw."""
    receiver = Receiver(secret, latency)
    receiver.port = port

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a CRM's endpoint would
        wbufsize = 65536  # headers and body in one segment (no Nagle / delayed-ACK wait per answer)

        def do_POST(self):  # noqa: N802 - http.server's name
            receiver.handle(self)

        def do_GET(self):  # noqa: N802
            with receiver.lock:
                stats = {
                    "stored": len(receiver.stored),
                    "requests": sum(receiver.received.values()),
                    "keys_more_than_once": sum(1 for count in receiver.received.values() if count > 1),
                    "rejected": receiver.rejected,
                    "repeats": receiver.repeats,
                }
            receiver.answer(self, 200, json.dumps(stats))

        def log_message(self, *args):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    import sys

    serve(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
