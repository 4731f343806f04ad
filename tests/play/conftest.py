"""Fixtures of the browser tests: a real uvicorn server on a free loopback port, and Debian's Chromium driven by
Playwright (no browser is downloaded). Without /usr/bin/chromium the browser tests are skipped, except under
CI=true, where they fail: CI installs it (.ci/run)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest

CHROMIUM = os.environ.get("DESCEND_CHROMIUM", "/usr/bin/chromium")
#: Chromium as root in a container, kept off the network it would otherwise keep trying to reach.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI installs it: apt-get install -y chromium)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def eager_widgets():
    """The widgets train eagerly here (the numbers of ``compile=False``), and no program is compiled on the side;
    tests/play/test_warm.py turns that on where it tests it."""
    from descend.play import warm

    warm.set_enabled(False)
    yield
    warm.wait(120)
    warm.set_enabled(False)


@pytest.fixture(scope="session")
def server():
    """The playground served by uvicorn on 127.0.0.1 at a free port, answering loopback names only (as `descend
    play` serves it); its base URL."""
    import uvicorn

    from descend.play import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    instance = uvicorn.Server(uvicorn.Config(create_app(local_only=True), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the playground's server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"),
                                     args=ARGS)
        yield instance
        instance.close()


class Page:
    """A page that records console errors and every request that leaves the server (each one aborted)."""

    def __init__(self, browser, base):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1300, "height": 950})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)

    def _route(self, route):
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def open(self, path: str, timeout: float = 90_000) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_function("window.descendPlayReady === true", timeout=timeout)

    def wait_for_result(self, condition: str, timeout: float = 90_000) -> None:
        self.page.wait_for_function(f"(() => {{ const r = descendPlay.result(); return r && ({condition}); }})()",
                                    timeout=timeout)

    def result(self):
        return self.page.evaluate("descendPlay.result()")


@pytest.fixture
def page(browser, server):
    p = Page(browser, server)
    yield p
    p.context.close()
