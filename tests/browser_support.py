"""Shared pieces of the browser tests: Debian's Chromium (never a download), a live server, console errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


# The first search and the first case page of a process load the speller's word lists and torch
# (for similar cases): seconds on an idle machine, over 15 s on a busy one. Paid here, once per
# server, with a generous timeout, so no test's page-load timeout has to absorb it.
WARM_PATHS = ("/search?q=polic%C3%ADa+comunitaria", "/cases/panama-vecinos-vigilantes")


def warm(base: str, paths: tuple[str, ...] = WARM_PATHS, timeout: float = 300) -> None:
    """Request ``paths`` once (any status is fine: the point is loading what the first request loads)."""
    import urllib.error
    import urllib.request

    for path in paths:
        try:
            urllib.request.urlopen(base + path, timeout=timeout).read()  # noqa: S310 - loopback test server
        except (urllib.error.URLError, TimeoutError, OSError):
            pass


@contextmanager
def serving(app, name: str = "waitress-test") -> Iterator[str]:
    """Serve ``app`` with waitress on a free loopback port; yields the base URL."""
    import waitress

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    warm(base)
    try:
        yield base
    finally:
        server.close()
        thread.join(timeout=10)


@contextmanager
def chromium(sync_api) -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Console:
    """Console errors and uncaught page errors (CSP violations show up here); /favicon.ico is not counted."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, msg):
        if msg.type == "error" and urlsplit(msg.location.get("url") or "").path != "/favicon.ico":
            self.errors.append(f"{msg.text} ({msg.location.get('url')})")
