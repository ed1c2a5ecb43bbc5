"""Extraction quality and speed of `tm import` on the test site (tests/site/make_site.py).

For each extractor of tm/web/extract.py (trafilatura alone, tm's rules alone, the
combination `tm import` uses) and each page template of the site: article-sentence
recall (the gold: headline, date line and paragraphs of the corpus release the page
was made from), foreign-text rate (extracted sentences that are not in the gold:
menus, sidebars, other releases), dates right, pages classified right (article /
list / nothing), and pages per second (decode, parse, classify, extract).

    python benchmarks/import_bench.py [--rounds N]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "site"))

import make_site  # noqa: E402

from tm.web.extract import EXTRACTORS  # noqa: E402
from tm.web.pages import read_page  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds for the speed figure")
    args = ap.parse_args()
    site = make_site.site()
    by_url = {}
    for rel in site.releases:
        for lang in ("ru", "en"):
            by_url[rel.url[lang]] = (rel, lang)
    html_pages = [p for p in site.pages if p.status == 200]
    print(f"test site: {len(site.releases)} releases x 2 languages, {len(html_pages)} pages with status 200\n")
    print("| extractor | template | pages | sentence recall | foreign-text rate | dates right | kind right |")
    print("|---|---|---|---|---|---|---|")
    speed = {}
    for extractor in EXTRACTORS:
        stats = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0, 0])   # gold, found, got, foreign, dates ok, pages, kinds ok, kinds
        for page in html_pages:
            loaded = read_page(page.body, page.url, http_content_type=page.content_type, extractor=extractor)
            if page.url in by_url:
                rel, lang = by_url[page.url]
                row = stats[rel.template[lang]]
                gold, found, got, foreign = make_site.score(loaded.article.text(), rel.gold_text(lang), lang)
                row[0] += gold; row[1] += found; row[2] += got; row[3] += foreign
                row[4] += loaded.article.date == rel.date and loaded.article.date_line == rel.date_line[lang]
                row[5] += 1
                row[6] += loaded.article.kind == "article"
                row[7] += 1
            else:
                row = stats["list/404"]
                expected = {"list": "list", "home": "list", "404": "empty"}[page.kind]
                row[6] += loaded.article.kind == expected
                row[7] += 1
        total = [sum(r[i] for r in stats.values()) for i in range(8)]
        for template, r in sorted(stats.items()) + [("all", total)]:
            recall = f"{r[1] / r[0]:.3f} ({r[1]}/{r[0]})" if r[0] else "-"
            foreign = f"{r[3] / r[2]:.3f} ({r[3]}/{r[2]})" if r[2] else "-"
            dates = f"{r[4]}/{r[5]}" if r[5] else "-"
            print(f"| {extractor} | {template} | {r[7]} | {recall} | {foreign} | {dates} | {r[6]}/{r[7]} |")
        start = time.perf_counter()
        for _ in range(args.rounds):
            for page in html_pages:
                read_page(page.body, page.url, http_content_type=page.content_type, extractor=extractor)
        speed[extractor] = args.rounds * len(html_pages) / (time.perf_counter() - start)
    print()
    for extractor, pps in speed.items():
        print(f"{extractor}: {pps:.1f} pages/s (decode, parse, classify, extract; {args.rounds} rounds)")


if __name__ == "__main__":
    main()
