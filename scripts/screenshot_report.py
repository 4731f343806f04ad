"""Screenshots of a descend report rendered by headless Chromium, and the page's height.

Regenerate the images of docs/images/ (from the repository's root)::

    apt-get install -y chromium            # Debian's Chromium; no browser is downloaded
    .venv/bin/pip install playwright       # not one of descend's dependencies
    .venv/bin/descend compare ellipse --out /tmp/r_ellipse
    .venv/bin/python scripts/screenshot_report.py /tmp/r_ellipse/report.html

which writes

- docs/images/report.png: the whole page in a 1,280 px wide window;
- docs/images/batch-sizes.png: the section of the GD / SGD / mini-batch / hybrid figure;

and prints the page's height in CSS pixels (the length a reader scrolls through) and whether the summary
table fits its column without scrolling sideways. ``--height-only`` only
measures; ``--out DIR`` writes the images elsewhere; ``--chromium PATH`` gives another browser binary
(default /usr/bin/chromium: Playwright's own browsers are never installed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

WIDTH = 1280
ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="a report.html written by descend compare or descend report")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where the PNGs go")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium binary")
    parser.add_argument("--width", type=int, default=WIDTH, help="the window's width in CSS pixels")
    parser.add_argument("--height-only", action="store_true", help="print the page's height, write nothing")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("playwright is not installed: .venv/bin/pip install playwright (and apt-get install chromium)")
    if not args.report.is_file():
        sys.exit(f"{args.report} is not a file; give a report.html")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        page.goto(args.report.resolve().as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(1500)  # Plotly draws after the load event
        height = page.evaluate("document.documentElement.scrollHeight")
        wide = page.evaluate("document.documentElement.scrollWidth")
        print(f"{args.report}: {height} px high, {wide} px wide in a {args.width} px window")
        table = page.evaluate("(() => { const t = document.querySelector('#summary .scroll table');"
                              " return t ? [t.scrollWidth, t.parentElement.clientWidth] : null; })()")
        if table:
            fits = "fits" if table[0] <= table[1] else "does NOT fit"
            print(f"summary table: {table[0]} px wide in a {table[1]} px column ({fits})")
        if not args.height_only:
            args.out.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out / "report.png"), full_page=True)
            print(f"wrote {args.out / 'report.png'}")
            section = page.locator("#batch-regimes")
            if section.count():
                section.first.scroll_into_view_if_needed()
                section.first.screenshot(path=str(args.out / "batch-sizes.png"))
                print(f"wrote {args.out / 'batch-sizes.png'}")
            else:
                print("the report has no GD / SGD / mini-batch section (#batch-regimes): one batch size only")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
