"""Screenshots of every widget by headless Chromium: ``python -m descend.play.screenshots [DIRECTORY]``.

Serves the playground on a free loopback port, opens each widget in Debian's Chromium through Playwright (a test
dependency: ``pip install -e '.[test]'``), waits for its figures and writes ``play-WIDGET.png`` (default
directory: docs/images). Nothing is fetched from the web.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import urllib.parse
from pathlib import Path

SHOTS = {
    "landscape": "/landscape?landscape=rosenbrock&start=-1.5,2.0&steps=400&optimizers=gd;lr=0.001"
                 "&optimizers=momentum;lr=0.005&optimizers=rmsprop;lr=0.01&optimizers=adam;lr=0.1",
    "line": "/line?batch_size=4&steps=60&lr=0.05",
    "curvature": "/curvature?lr=1.7&steps=12",
    "ellipse": "/ellipse",
    "vanishing": "/vanishing?depth=8",
    "tune": "/tune?trials=12&query=" + urllib.parse.quote("landscape=himmelblau&start=-4.0,4.0&steps=200"
                                                           "&optimizers=gd;lr=0.001&optimizers=adam;lr=0.01"),
}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m descend.play.screenshots",
        description="Screenshots of every widget of descend play by headless Chromium (Debian's /usr/bin/chromium "
                    "through Playwright): play-WIDGET.png in DIRECTORY. Nothing is fetched from the web.")
    parser.add_argument("directory", nargs="?", default="docs/images",
                        help="where the pictures go (default: docs/images, relative to the current folder)")
    # --help and a mistyped option answer here: "--help" was taken as the directory, after 20 s of screenshots
    out = Path(parser.parse_args(sys.argv[1:] if argv is None else argv).directory)
    import uvicorn
    from playwright.sync_api import sync_playwright

    from .app import create_app

    out.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        for name, path in SHOTS.items():
            page.goto(base + path)
            page.wait_for_function("window.descendPlayReady === true", timeout=300_000)
            page.wait_for_timeout(500)
            if name == "curvature":
                for _ in range(3):
                    page.locator("#step").click()
            target = out / f"play-{name}.png"
            page.screenshot(path=str(target), full_page=False)
            print(target)
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
