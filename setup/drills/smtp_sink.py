# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A tiny SMTP server on loopback whose availability the mail drill switches.

Modes (``set_mode(mode, after=n)``: the first ``n`` messages of the mode are
accepted, then it misbehaves):

- ``refuse``: every connection is answered ``421`` and closed (server down);
- ``drop``: the connection is cut at ``MAIL FROM``, without a reply (a
  server dying mid-batch, before the message);
- ``mail_from_421``: ``MAIL FROM`` is answered ``421`` (too busy, come back
  later), as a throttling server does;
- ``drop_after_data``: the message's ``DATA`` is received, then the
  connection is cut before the reply: the server has the message, Odoo
  cannot know it (recorded in ``unacknowledged``, not as a delivery);
- ``accept``: every message is accepted.

Each accepted message is recorded with its ``Message-Id`` and recipients, so
that the drill can count deliveries per message. Plain asyncio, no
dependency; it runs in a thread of the drill process.
"""

import asyncio
import collections
import email.parser
import threading


class SmtpSink:
    def __init__(self, host="127.0.0.1", port=2526):
        self.host, self.port = host, port
        self.mode = "accept"
        self.after = 0
        self.only = None
        self.accepted_in_mode = 0
        self.deliveries = []  # (message_id, recipient), acknowledged with 250
        self.unacknowledged = []  # (message_id, recipient) received, connection cut before the 250
        self.refused_connections = 0
        self.refused_senders = 0
        self.dropped_connections = 0
        self._lock = threading.Lock()
        self._loop = None
        self._server = None
        self._thread = None

    # ------------------------------------------------------------------
    def set_mode(self, mode, after=0, only=None):
        """Switch modes; ``only`` (addresses): ``drop_after_data`` cuts only a message to one of them."""
        with self._lock:
            self.mode, self.after, self.only, self.accepted_in_mode = mode, after, only, 0

    def per_message(self):
        """(message_id, recipient) -> number of times delivered."""
        with self._lock:
            return collections.Counter(self.deliveries)

    def received(self):
        """(message_id, recipient) -> number of times the server got it, acknowledged or not."""
        with self._lock:
            return collections.Counter(self.deliveries + self.unacknowledged)

    def _misbehaves(self, mode):
        return self.mode == mode and self.accepted_in_mode >= self.after

    # ------------------------------------------------------------------
    def start(self):
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._handle, self.host, self.port, reuse_address=True)
            )
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="smtp-sink", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"SMTP sink did not start on {self.host}:{self.port}")

    def stop(self):
        if not self._loop:
            return

        async def shutdown():
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    # ------------------------------------------------------------------
    async def _handle(self, reader, writer):
        try:
            await self._session(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _session(self, reader, writer):
        def say(text):
            writer.write(text.encode() + b"\r\n")
            return writer.drain()

        if self.mode == "refuse":
            with self._lock:
                self.refused_connections += 1
            await say("421 4.3.2 drill: service not available, try again later")
            return
        await say("220 drill.localhost ESMTP drill sink")
        recipients = []
        while True:
            line = await asyncio.wait_for(reader.readline(), 60)
            if not line:
                return
            command = line.decode("latin-1").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                await say("250-drill.localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 52428800")
            elif verb == "HELO":
                await say("250 drill.localhost")
            elif verb == "MAIL":
                with self._lock:
                    cut = self._misbehaves("drop")
                    busy = self._misbehaves("mail_from_421")
                    self.dropped_connections += cut
                    self.refused_senders += busy
                if cut:
                    return  # the connection dies without a reply
                if busy:
                    await say("421 4.7.0 drill: too many messages, try again later")
                    return
                recipients = []
                await say("250 2.1.0 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip()
                recipients.append(address.split()[0].strip("<>").lower())
                await say("250 2.1.5 OK")
            elif verb == "DATA":
                await say("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while True:
                    chunk = await asyncio.wait_for(reader.readline(), 60)
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                headers = email.parser.BytesHeaderParser().parsebytes(b"".join(chunks))
                message_id = (headers.get("Message-Id") or "").strip()
                with self._lock:
                    cut = self._misbehaves("drop_after_data") and (
                        self.only is None or any(rcpt in self.only for rcpt in recipients)
                    )
                    if cut:
                        self.dropped_connections += 1
                        self.unacknowledged.extend((message_id, rcpt) for rcpt in recipients)
                    else:
                        self.accepted_in_mode += 1
                        self.deliveries.extend((message_id, rcpt) for rcpt in recipients)
                if cut:
                    return  # the message is here; the connection dies before the reply
                await say("250 2.0.0 queued")
            elif verb in ("RSET", "NOOP"):
                await say("250 2.0.0 OK")
            elif verb == "QUIT":
                await say("221 2.0.0 bye")
                return
            else:
                await say("502 5.5.2 command not implemented")
