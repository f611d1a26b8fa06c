# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A real HTTP server on 127.0.0.1 speaking Twilio's Messages API and the
generic JSON webhook provider's API, for the tests.

It keeps every message it accepted, and can be told to answer the next
requests with a server error, a client error, a slow answer, or to be down.
"""

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from odoo.addons.ar_escalation_sms.tools.signatures import verify, webhook_signature

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
SECRET = "test-shared-secret"
# what Twilio's list of messages shows of a message (not its status callback URL)
TWILIO_FIELDS = ("sid", "to", "from", "body", "status", "date_created")


class FakeProvider:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # accepted messages, in order
        self.by_key = {}  # idempotency key -> message (webhook provider)
        self.posts = 0  # send requests received, whatever the answer
        self.lookups = 0  # Twilio list requests received
        self.script = []  # answers for the next send requests: ("status", code, body) or ("slow", s)
        self.down = False
        self.down_after = None  # accept this many more messages, then be down
        self.abandoned = 0  # answers the client no longer waited for
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def delivered(self, to=None):
        return [m for m in self.messages if to is None or m["to"] == to]

    # ------------------------------------------------------------------
    def _accept(self, to, sender, body, key=None, callback=None):
        message = {
            "callback": callback,
            "sid": "SM" + uuid.uuid4().hex,
            "to": to,
            "from": sender,
            "body": body,
            "key": key,
            "status": "queued",
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
        }
        self.messages.append(message)
        if key:
            self.by_key[key] = message
        return message

    def _next_answer(self):
        """What to do with a send request: None (accept), or a scripted answer."""
        with self.lock:
            if self.down_after is not None:
                if self.down_after <= 0:
                    return ("status", 503, {"message": "Service Unavailable", "code": 20503})
                self.down_after -= 1
            if self.down:
                return ("status", 503, {"message": "Service Unavailable", "code": 20503})
            return self.script.pop(0) if self.script else None

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, code, payload):
                raw = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    provider.abandoned += 1  # the client gave up waiting (a timeout test)

            def _authorized(self):
                expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                return self.headers.get("Authorization") == f"Basic {expected}"

            def do_GET(self):  # Twilio: list messages
                url = urlparse(self.path)
                if not url.path.endswith(f"/Accounts/{ACCOUNT_SID}/Messages.json"):
                    return self._reply(404, {"message": "Not found", "code": 20404})
                if not self._authorized():
                    return self._reply(401, {"message": "Authenticate", "code": 20003})
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with provider.lock:
                    provider.lookups += 1
                    if provider.down:
                        return self._reply(503, {"message": "Service Unavailable", "code": 20503})
                    found = [
                        {field: m[field] for field in TWILIO_FIELDS}
                        for m in provider.messages
                        if m["to"] == query.get("To")
                        and (not query.get("From") or m["from"] == query["From"])
                    ]
                return self._reply(200, {"messages": list(reversed(found))})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path = urlparse(self.path).path
                with provider.lock:
                    provider.posts += 1
                if path == "/webhook/send":
                    return self._webhook(raw)
                if path.endswith(f"/Accounts/{ACCOUNT_SID}/Messages.json"):
                    return self._twilio(raw)
                return self._reply(404, {"message": "Not found"})

            def _scripted(self, answer, accept):
                """Play a scripted answer; ``accept`` stores the message first (slow answers)."""
                if answer[0] == "slow":
                    message = accept()
                    time.sleep(answer[1])
                    return self._reply(201, {"sid": message["sid"], "id": message["sid"], "status": "queued"})
                __, code, payload = answer
                return self._reply(code, payload)

            def _twilio(self, raw):
                if not self._authorized():
                    return self._reply(401, {"message": "Authenticate", "code": 20003, "status": 401})
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                to = form.get("To", "")
                if not to.removeprefix("whatsapp:").startswith("+"):
                    return self._reply(
                        400,
                        {
                            "code": 21211,
                            "message": f"The 'To' number {to} is not a valid phone number.",
                            "status": 400,
                        },
                    )
                answer = provider._next_answer()

                def accept():
                    with provider.lock:
                        sender, body = form.get("From", ""), form.get("Body", "")
                        return provider._accept(to, sender, body, callback=form.get("StatusCallback"))

                if answer:
                    return self._scripted(answer, accept)
                message = accept()
                return self._reply(
                    201, {"sid": message["sid"], "status": "queued", "to": to, "body": message["body"]}
                )

            def _webhook(self, raw):
                if not verify(webhook_signature(raw, SECRET), self.headers.get("X-AR-Signature", "")):
                    return self._reply(401, {"error": "bad signature"})
                payload = json.loads(raw)
                key = self.headers.get("Idempotency-Key")
                with provider.lock:
                    known = provider.by_key.get(key)
                if known:  # the same message again: answered, never sent twice
                    return self._reply(200, {"id": known["sid"], "status": "accepted"})
                answer = provider._next_answer()

                def accept():
                    with provider.lock:
                        return provider._accept(payload["to"], "", payload["body"], key)

                if answer:
                    return self._scripted(answer, accept)
                message = accept()
                return self._reply(201, {"id": message["sid"], "status": "accepted"})

        return Handler
