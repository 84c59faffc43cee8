#!/usr/bin/env python3
"""Drive headless chromium over the DevTools protocol (a pipe, no network port) on a
built example site: click a language tab on one page, open another page, and require
the same language to be selected there (the toolchain keeps the reader's choice), then
save a screenshot of that page. Standard-library Python only.

Usage: browser_tabs.py FORMAT BASE_URL PROFILE_DIR OUT.png
"""

import base64
import json
import os
import subprocess
import sys
import time

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=900,720",
    "--remote-debugging-pipe",
]

# How each toolchain shows its tabs: click the tab whose label is T; which label is selected.
SELECT = {
    "docusaurus": {
        "click": "[...document.querySelectorAll('[role=tab]')].find(e => e.textContent.trim() === T).click()",
        "selected": "[...document.querySelectorAll('[role=tab][aria-selected=true]')].map(e => e.textContent.trim())",
    },
    "mkdocs": {
        "click": "[...document.querySelectorAll('.tabbed-labels > label')].find(e => e.textContent.trim() === T).click()",
        "selected": "[...document.querySelectorAll('.tabbed-set > input:checked')].map(i => i.parentElement.querySelector('.tabbed-labels > label[for=\"' + i.id + '\"]').textContent.trim())",
    },
    "hugo": {
        "click": "[...document.querySelectorAll('.tab-label')].find(e => e.textContent.trim() === T).click()",
        "selected": "[...document.querySelectorAll('.tab-label.active')].map(e => e.textContent.trim())",
    },
    "vitepress": {
        "click": "[...document.querySelectorAll('.vp-code-group .tabs label')].find(e => e.textContent === T).click()",
        "selected": "[...document.querySelectorAll('.vp-code-group .tabs input:checked')].map(i => i.nextElementSibling.textContent)",
    },
    "starlight": {
        "click": "[...document.querySelectorAll('starlight-tabs [role=tab]')].find(e => e.textContent.trim() === T).click()",
        "selected": "[...document.querySelectorAll('starlight-tabs [role=tab][aria-selected=true]')].map(e => e.textContent.trim())",
    },
    # Shins: one tab bar for the page; "selected" is the label of every code block shown.
    "slate": {
        "click": "[...document.querySelectorAll('.lang-selector a')].find(e => e.textContent.trim() === T).click()",
        "selected": "(() => { const L = Object.fromEntries([...document.querySelectorAll('.lang-selector a')].map(a => [a.dataset.languageName, a.textContent.trim()])); return [...document.querySelectorAll('pre.highlight.tab')].filter(e => getComputedStyle(e).display !== 'none').map(e => L[[...e.classList].find(c => c.startsWith('tab-')).slice(4)]); })()",
    },
}

# The example sites' languages (docsnip's default four).
DEFAULT_TITLES = {"Curl", "HTTPie", "Python (requests)", "Node.js"}

# Where each site puts a page (VitePress writes orders.html, the others orders/index.html).
# VitePress and Starlight: the click is on a page of several requests (pets), so every
# group there must follow it.
# Slate: one page; the second visit is its address after the click (Shins keeps the choice
# there: index.html?python--python).
PAGES = {"vitepress": ("/pets.html", "/ping.html"), "starlight": ("/pets/", "/ping/"), "slate": ("/index.html", None)}

class Browser:
    def __init__(self, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            ["chromium", *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.next_id, self.buf, self.events = 0, b"", []

    def read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                raise SystemExit("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            m = self.read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise SystemExit(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, session, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            for i, e in enumerate(self.events):
                if e.get("method") == name and e.get("sessionId") == session:
                    del self.events[i]
                    return e
            self.events.append(self.read())
        raise SystemExit(f"timed out waiting for {name}")

    def close(self):
        self.proc.kill()
        self.proc.wait()


def main():
    fmt, base, profile, out = sys.argv[1:5]
    want = "Python (requests)"
    b = Browser(profile)
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        b.send("Page.enable", session=s)

        def goto(path):
            b.events.clear()
            b.send("Page.navigate", {"url": base + path}, session=s)
            b.wait_event("Page.loadEventFired", s)
            time.sleep(1.0)  # let the page's scripts (hydration, tab sync) run

        def js(expr):
            r = b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=s)
            if "exceptionDetails" in r:
                raise SystemExit(f"{fmt}: {expr}: {r['exceptionDetails']}")
            return r["result"].get("value")

        orders, ping = PAGES.get(fmt, ("/orders/", "/ping/"))
        goto(orders)
        js(f"(() => {{ const T = {json.dumps(want)}; {SELECT[fmt]['click']}; }})()")
        time.sleep(0.5)
        here = js(SELECT[fmt]["selected"])
        if ping is None:
            ping = js("location.pathname + location.search")
        goto(ping)
        there = js(SELECT[fmt]["selected"])
        shot = b.send("Page.captureScreenshot", {"format": "png"}, session=s)["data"]
        with open(out, "wb") as f:
            f.write(base64.b64decode(shot))
    finally:
        b.close()
    # Every snippet group of both pages shows the choice (a Response group, without it,
    # keeps its own tab).
    wrong = [x for x in (here or []) + (there or []) if x in DEFAULT_TITLES and x != want]
    ok = bool(here) and want in here and bool(there) and want in there and not wrong
    print(f"browser-tabs: {fmt}: clicked {want!r} on {orders} -> selected {here}; {ping} opens with {there}: {'ok' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
