# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A fake SMS provider on loopback for the SMS drill (the SMS addon's webhook API).

It takes ``POST`` with a JSON message and an ``Idempotency-Key`` header and
answers ``{"id": ..., "status": "accepted"}``, as the addon's ``WebhookApi``
expects. Like a real provider it honours the key: a message sent again
under a key it already delivered is answered with the first id and not
delivered again (counted as a replay). Modes:

- ``down``: every request is answered 503;
- ``partial``: the first ``accept`` new messages are delivered, the next
  ``lost`` are delivered but answered 502 (the reply is lost, the sender
  cannot know), then every request is answered 503 (down mid-batch);
- ``up``: every message is delivered.
"""

import collections
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SmsProvider:
    def __init__(self, host="127.0.0.1", port=8075):
        self.host, self.port = host, port
        self.mode, self.accept, self.lost = "up", 0, 0
        self.handled_in_mode = 0
        self.delivered = collections.Counter()  # key -> deliveries to the handset
        self.ids = {}  # key -> provider id
        self.keys_by_message = collections.defaultdict(set)  # (to, body) -> keys
        self.replays = 0
        self.refused = 0
        self._lock = threading.Lock()
        self._server = None

    def set_mode(self, mode, accept=0, lost=0):
        with self._lock:
            self.mode, self.accept, self.lost, self.handled_in_mode = mode, accept, lost, 0

    def url(self):
        return f"http://{self.host}:{self.port}/sms"

    def _answer(self, key, payload):
        """(status code, body) for one request."""
        with self._lock:
            if key in self.ids:
                self.replays += 1
                return 200, {"id": self.ids[key], "status": "accepted"}
            if self.mode == "down":
                self.refused += 1
                return 503, {"error": "drill: provider down"}
            code = 200
            if self.mode == "partial":
                n = self.handled_in_mode
                if n >= self.accept + self.lost:
                    self.refused += 1
                    return 503, {"error": "drill: provider down"}
                if n >= self.accept:
                    code = 502
            self.handled_in_mode += 1
            self.ids[key] = uuid.uuid4().hex
            self.delivered[key] += 1
            self.keys_by_message[(payload.get("to"), payload.get("body"))].add(key)
            if code != 200:
                return code, {"error": "drill: the reply is lost"}
            return 200, {"id": self.ids[key], "status": "accepted"}

    def start(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(raw or b"{}")
                except ValueError:
                    payload = {}
                key = self.headers.get("Idempotency-Key") or payload.get("reference") or ""
                code, body = provider._answer(key, payload)
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        threading.Thread(target=self._server.serve_forever, name="sms-provider", daemon=True).start()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
