# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Take screenshots of a running Odoo in headless Chromium (for the README).

    python setup/screenshot.py http://127.0.0.1:8069 admin admin out.png /odoo/action-... [...]

Logs in through the login form, then opens each path and saves a PNG per path
(out.png, out-2.png, ...). A path may end with ``|<javascript>`` to run in the
page before the screenshot (to click a tab, say), or with ``|drag <css>=><css>``
to drag the first element onto the second with real mouse events (the ladder
board's drag and drop). Needs Debian's chromium and websocket-client.
Chromium listens on loopback only, on AR_SHOT_CDP_PORT (9333).
"""

import base64
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

PORT = int(os.environ.get("AR_SHOT_CDP_PORT", "9333"))


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30)
        self.ids = itertools.count(1)

    def call(self, method, **params):
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == msg_id:
                return reply.get("result", {})

    def goto(self, url, wait=2.0, ready="document.readyState === 'complete'"):
        """Open ``url``, wait until ``ready`` is true (a slow, shared server), then ``wait`` more."""
        self.call("Page.navigate", url=url)
        time.sleep(0.5)
        self.wait_for(ready)
        time.sleep(wait)

    def wait_for(self, expression, timeout=90.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.js(f"Boolean({expression})")
            if reply.get("result", {}).get("value"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"not ready after {timeout:.0f} s: {expression}")

    def js(self, expression):
        return self.call("Runtime.evaluate", expression=expression, awaitPromise=True)

    def center(self, selector):
        box = self.js(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            " return JSON.stringify([r.x + r.width / 2, r.y + Math.min(r.height / 2, 100)]); })()"
        )
        if "value" not in box.get("result", {}):
            raise LookupError(f"no element {selector}")
        return json.loads(box["result"]["value"])

    def drag(self, source, target):
        """Press on ``source``, move in steps to ``target`` and release, as a hand would."""
        (x0, y0), (x1, y1) = self.center(source), self.center(target)
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x0, y=y0)
        self.call("Input.dispatchMouseEvent", type="mousePressed", x=x0, y=y0, button="left", clickCount=1)
        for step in range(1, 21):
            x, y = x0 + (x1 - x0) * step / 20, y0 + (y1 - y0) * step / 20
            self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y, button="left", buttons=1)
            time.sleep(0.03)
        self.call("Input.dispatchMouseEvent", type="mouseReleased", x=x1, y=y1, button="left", clickCount=1)

    def shot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))


def main(base, login, password, out, *paths):
    profile = tempfile.mkdtemp()
    browser = subprocess.Popen(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--remote-debugging-port={PORT}",
            "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={profile}",
            "--window-size=1440,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for __ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/json/list", timeout=2) as resp:
                    targets = [t for t in json.load(resp) if t["type"] == "page"]
                if targets:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        page = Page(targets[0]["webSocketDebuggerUrl"])
        page.call("Page.enable")
        page.call(
            "Emulation.setDeviceMetricsOverride", width=1440, height=900, deviceScaleFactor=1, mobile=False
        )
        page.goto(f"{base}/web/login", wait=0.5, ready="document.querySelector('#login')")
        page.js(
            f"document.querySelector('#login').value = {json.dumps(login)};"
            f"document.querySelector('#password').value = {json.dumps(password)};"
            "document.querySelector('form.oe_login_form').submit();"
        )
        page.wait_for("!location.pathname.startsWith('/web/login')")
        stem = out.removesuffix(".png")
        for number, spec in enumerate(paths, 1):
            path, __, script = spec.partition("|")
            # the web client's view, a client action's content (the segment map), or a portal page
            # or an error dialog, which is what the screenshot must then show
            try:
                page.goto(
                    base + path,
                    wait=3,
                    ready="document.querySelector('.o_view_controller, .o_action > .o_content, #wrap, "
                    ".o_error_dialog, .o_dialog')",
                )
            except TimeoutError as exc:
                print(f"{path}: {exc}; the screenshot shows what the page shows", file=sys.stderr)
            if script.startswith("drag "):
                source, __, target = script.removeprefix("drag ").partition("=>")
                page.drag(source.strip(), target.strip())
                time.sleep(3)
            elif script:
                page.js(script)
                time.sleep(2)
            target = out if number == 1 else f"{stem}-{number}.png"
            page.shot(target)
            print(target)
    finally:
        browser.terminate()


if __name__ == "__main__":
    main(*sys.argv[1:])
