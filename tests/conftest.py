"""The suite compiles in-process (Inductor, from its on-disk cache after the first run) except where a test is about
the packages later processes read programs from (tests/test_compile_cache.py, tests/play/test_warm.py): a package
is named after descend's source, so every change to it would compile every test's programs anew with AOTInductor
(20-30 s each on two cores). A package's program equals the in-process one bit for bit
(tests/test_compile_cache.py)."""

import os
import shutil

import pytest

os.environ.setdefault("DESCEND_PACKAGES", "0")


# -- Debian's Chromium driven by Playwright (no browser is downloaded): the playground's and the reports' pages.
# Without /usr/bin/chromium the browser tests are skipped, except under CI=true, where they fail: CI installs it
# (.ci/run).

CHROMIUM = os.environ.get("DESCEND_CHROMIUM", "/usr/bin/chromium")
#: Chromium as root in a container, kept off the network it would otherwise keep trying to reach.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI installs it: apt-get install -y chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Chromium, driven by Playwright's sync API, for one test module: while it lives, Playwright's event loop is
    the running loop of the main thread (it runs there between greenlet switches), and descend.play's serve refuses
    to start inside a running loop; a session's browser made every later module's serve tests see one."""
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
