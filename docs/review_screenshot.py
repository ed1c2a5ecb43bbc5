"""Regenerate docs/review-release.png, docs/review.md's picture of a review page:
`tm align --review` on the shipped corpus into a temporary folder, then headless
Chromium (/usr/bin/chromium through Playwright, nothing downloaded) photographs the
page of one release, scrolled to its 1-0 bead.

    python docs/review_screenshot.py [--release ID] [--output docs/review-release.png]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default="2023-10-06-rubezh-2023-kyrgyzstan")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "review-release.png")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tm = Path(sys.executable).with_name("tm")
        subprocess.run([str(tm), "align", "--review", "--quiet", "--out", f"{tmp}/out"], cwd=REPO, check=True)
        page_path = Path(tmp) / "out" / "review" / f"{args.release}.html"
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                f"{tmp}/profile", executable_path=args.chromium, headless=True, args=ARGS,
                viewport={"width": 1280, "height": 860})
            page = context.new_page()
            page.goto(page_path.as_uri())
            gap = page.locator("tr.gap-bead").first
            if gap.count():
                gap.scroll_into_view_if_needed()
                page.evaluate("window.scrollBy(0, 300)")
            page.screenshot(path=str(args.output))
            context.close()
    print(f"{args.output}: {args.output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
