"""The review report in a real browser: Debian's Chromium (/usr/bin/chromium), headless,
a fresh profile folder, driven by Playwright (executable_path: Playwright downloads
nothing). The shipped corpus's report loads with no console error and no request
outside the folder; the filter hides high-confidence beads; a click on reject and the
download button give a corrections.tsv with that line, and `tm align` with that file
leaves the bead out of the TMX and shows the decision in the next report.

Skipped without Chromium or Playwright, unless TM_REQUIRE_BROWSER=1 (.ci/run sets it)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from lxml import etree

from helpers import REPO, run_tm

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("TM_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
GLOSSARY = REPO / "glossaries" / "csto.tsv"


def _available() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def playwright():
    missing = _available()
    if missing:
        if os.environ.get("TM_REQUIRE_BROWSER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def launch(playwright, profile: Path, **options):
    """Chromium on an empty profile folder of its own."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True, args=ARGS,
        viewport={"width": 1280, "height": 900}, **options)


@pytest.fixture(scope="module")
def browser(playwright, tmp_path_factory):
    context = launch(playwright, tmp_path_factory.mktemp("chromium-profile"), accept_downloads=True)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    try:
        yield context, requests
    finally:
        context.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("review-browser")
    corpus = base / "csto"
    shutil.copytree(REPO / "corpora" / "csto", corpus)
    r = run_tm("align", "--review", "--corpus", corpus, "--glossary", GLOSSARY, "--out", base / "out", cwd=base)
    assert r.returncode == 0, r.stderr
    return base, corpus


def open_page(context, path: Path):
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def weak_page(out: Path) -> tuple[Path, str]:
    """A release page with a two-sided bead under 0.9 and one at 0.9 or more (from the TMX)."""
    scores: dict[str, list[float]] = {}
    for tu in etree.parse(str(out / "csto.tmx")).iter("tu"):
        props = {p.get("type"): p.text for p in tu.findall("prop")}
        scores.setdefault(props["x-release"], []).append(float(props["x-score"]))
    release = sorted(r for r, s in scores.items() if min(s) < 0.9 <= max(s))[0]
    return out / "review" / f"{release}.html", release


def test_pages_load_with_no_console_error_and_no_request_outside(browser, report):
    context, requests = browser
    base, _ = report
    review = base / "out" / "review"
    pages = [review / "index.html"] + sorted(p for p in review.glob("*.html") if p.name != "index.html")[:5]
    for path in pages:
        page, problems = open_page(context, path)
        assert problems == [], (path.name, problems)
        assert page.locator("h1").count() == 1
        page.close()
    assert requests and all(u.startswith(review.as_uri() + "/") for u in requests), \
        [u for u in requests if not u.startswith("file:")]


def test_filter_hides_high_confidence_beads(browser, report):
    context, _ = browser
    base, _ = report
    path, _ = weak_page(base / "out")
    page, problems = open_page(context, path)
    high = page.locator("tr.bead.hi")
    low = page.locator("tr.bead:not(.hi)")
    assert high.count() and low.count()
    assert high.first.is_visible() and low.first.is_visible()
    page.get_by_label("under 0.9").check()
    assert all(not high.nth(i).is_visible() for i in range(high.count()))
    assert all(low.nth(i).is_visible() for i in range(low.count()))
    page.get_by_label("all beads").check()
    assert high.first.is_visible()
    assert problems == []
    page.close()


def test_reject_download_and_align_round_trip(browser, report, tmp_path):
    context, _ = browser
    base, corpus = report
    path, release = weak_page(base / "out")
    page, problems = open_page(context, path)
    row = page.locator("tr.bead.hi[data-st]").first
    src, tgt = row.get_attribute("data-src"), row.get_attribute("data-tgt")
    st, tt = row.get_attribute("data-st"), row.get_attribute("data-tt")
    row.get_by_label("reject").check()
    assert "rejected" in row.get_attribute("class").split()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download corrections.tsv").click()
    download = info.value
    assert download.suggested_filename == "corrections.tsv"
    saved = corpus / "corrections.tsv"
    download.save_as(saved)
    assert problems == []
    page.close()
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines == ["release\tsrc\ttgt\tverdict\tsrc_text\ttgt_text",
                     "\t".join([release, src, tgt, "reject", st, tt])]

    out = tmp_path / "out"
    try:
        r = run_tm("align", "--review", "--corpus", corpus, "--glossary", GLOSSARY, "--out", out, cwd=tmp_path)
    finally:
        saved.unlink()
    assert r.returncode == 0, r.stderr
    assert "skipped (rejected): ru" in r.stdout and "warning:" not in r.stdout
    tuids = {tu.get("tuid") for tu in etree.parse(str(out / "csto.tmx")).iter("tu")}
    assert f"{release}:{src}" not in tuids
    assert f"{release}:{src}" in {tu.get("tuid") for tu in etree.parse(str(base / "out" / "csto.tmx")).iter("tu")}

    # the next report shows the decision taken, and its download keeps it
    page, problems = open_page(context, out / "review" / path.name)
    row = page.locator(f"tr.bead[data-src='{src}'][data-tgt='{tgt}']")
    assert "rejected in corrections.tsv" in row.inner_text()
    assert row.get_by_label("reject").is_checked()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download corrections.tsv").click()
    again = tmp_path / "again.tsv"
    info.value.save_as(again)
    assert again.read_text(encoding="utf-8").splitlines() == lines
    assert problems == []
    page.close()


def test_readable_without_javascript(playwright, report, tmp_path):
    base, _ = report
    path, _ = weak_page(base / "out")
    context = launch(playwright, tmp_path / "profile", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        assert page.locator("tr.bead").first.is_visible()
        assert page.locator("tr.bead td.text").first.inner_text().strip()
        assert not page.locator("#download").is_visible()
        # the filter works without JavaScript too (CSS)
        page.get_by_label("under 0.9").check()
        assert not page.locator("tr.bead.hi").first.is_visible()
    finally:
        context.close()
