"""Fixtures of the browser tests: a real uvicorn server on a free loopback port, and a page of Debian's Chromium
(the ``browser`` fixture of tests/conftest.py)."""

from __future__ import annotations

import socket
import threading
import time

import pytest


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
