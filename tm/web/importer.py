"""`tm import`: saved pages and WARC files -> a corpus folder (DIR/{src,tgt}/<id>.txt
and DIR/manifest.tsv).

Stages: tm/web/pages.py (sources -> pages: decode, language, article),
tm/web/pairing.py (pages -> pairs), then here: ids, files, manifest, summary.

A release file is the headline, a blank line, the date line as the page shows it, a
blank line, then the paragraphs separated by blank lines (a <br> stays a line break).
Its id is `<YYYY-MM-DD>-<slug of the source page's URL>`. Files are written
atomically; an existing file is never overwritten unless `update` is set: the same
text is "unchanged", other text is reported as "changed".
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..fileio import atomic_write_bytes
from ..models import RELEASE_ID, InputError
from . import lang as web_lang
from .pages import Page, SourceReport, read_page, source_pages
from .pairing import pair_pages, release_of, url_key

MANIFEST = "manifest.tsv"
MANIFEST_HEADER = ("id", "source_url", "target_url", "method", "confidence", "source_from", "target_from")
_SLUG_CUT = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 80


@dataclass
class ImportSummary:
    sources: int = 0
    pages: int = 0
    skipped: Counter = field(default_factory=Counter)     # records and pages not imported, by reason
    articles: Counter = field(default_factory=Counter)    # by language
    pairs: Counter = field(default_factory=Counter)       # by method
    files: Counter = field(default_factory=Counter)       # new | unchanged | changed | updated
    unpaired: list[str] = field(default_factory=list)     # "LANG URL"
    problems: list[str] = field(default_factory=list)     # one line each
    notes: list[str] = field(default_factory=list)        # encodings read


def slug_of(url: str) -> str:
    """The last path segment of a URL (or the one before an index page), lower case,
    [a-z0-9] runs joined by '-'; a query string is part of it."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if segments and re.fullmatch(r"index\.\w+", segments[-1], re.I):
        segments.pop()
    last = re.sub(r"\.(html?|php|aspx?|jsp)$", "", segments[-1], flags=re.I) if segments else ""
    text = f"{last} {parts.query}".lower()
    slug = _SLUG_CUT.sub("-", text).strip("-")[:MAX_SLUG].strip("-")
    return slug or "page"


def release_id(date: str | None, url: str) -> str:
    rid = f"{date}-{slug_of(url)}" if date else slug_of(url)
    return rid if RELEASE_ID.fullmatch(rid) else "page-" + rid


def _read_manifest(path: Path) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    if not path.exists():
        return rows
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split("\t")
        if n == 1 and fields[0] == "id":
            continue
        if len(fields) != len(MANIFEST_HEADER):
            raise InputError(f"expected {len(MANIFEST_HEADER)} TAB-separated fields", path, n)
        rows[fields[0]] = fields
    return rows


def _tsv_field(text: str) -> str:
    return re.sub(r"[\t\r\n]", " ", text)


def run_import(sources: list[Path], corpus: Path, *, src_lang: str = "ru", tgt_lang: str = "en",
               update: bool = False, glossary=None, mode: str = "default") -> ImportSummary:
    summary = ImportSummary()
    if corpus.exists() and not corpus.is_dir():
        raise InputError("--corpus names a file, not a folder", corpus)
    langs = (src_lang, tgt_lang)
    by_url: dict[tuple[str, str], tuple[bytes, str]] = {}
    pages: list[Page] = []
    for source in sources:
        summary.sources += 1
        report = SourceReport()
        for raw in source_pages(source, report):
            key = (urlsplit(raw.url).hostname or "", url_key(raw.url)[1])
            if key in by_url:
                body, first = by_url[key]
                if body == raw.body:
                    summary.skipped["same page again"] += 1
                else:
                    summary.skipped["two pages with one URL"] += 1
                    summary.problems.append(f"{raw.provenance}: {raw.url}: a second page with this URL "
                                            f"(the first, from {first}, is kept)")
                continue
            by_url[key] = (raw.body, raw.provenance)
            try:
                page = read_page(raw.body, raw.url, http_content_type=raw.content_type,
                                 provenance=raw.provenance, langs=langs)
            except InputError as exc:
                summary.skipped["bad page"] += 1
                summary.problems.append(f"{exc} ({raw.url}); skipped")
                continue
            kind = page.article.kind
            if kind == "list":
                summary.skipped["list page"] += 1
                continue
            if kind == "empty":
                summary.skipped["no article"] += 1
                continue
            text = page.article.text()
            if page.lang not in langs:
                summary.skipped["unexpected language"] += 1
                summary.problems.append(f"{raw.provenance}: {raw.url}: in {page.lang or 'an unknown language'} "
                                        f"(from the {page.lang_how}), not {src_lang} or {tgt_lang}; skipped")
                continue
            if not web_lang.script_agrees(page.lang, text):
                summary.skipped["unexpected language"] += 1
                summary.problems.append(f"{raw.provenance}: {raw.url}: the {page.lang_how} says {page.lang} but "
                                        f"the text is in {web_lang.script_of(text).title()} script; skipped")
                continue
            if page.note:
                summary.notes.append(f"{raw.provenance}: {page.note}")
            summary.articles[page.lang] += 1
            pages.append(page)
        summary.pages += report.pages
        summary.skipped.update(report.skipped)
        summary.problems.extend(report.problems)

    src_pages = [p for p in pages if p.lang == src_lang]
    tgt_pages = [p for p in pages if p.lang == tgt_lang]

    def entries(side: list[Page], lang: str):
        return [(p.url, p.article.date, release_of(p.article.text(), "page", lang, p.provenance or p.url))
                for p in side]

    pairs = pair_pages(entries(src_pages, src_lang), entries(tgt_pages, tgt_lang), glossary, mode)
    paired_src = {c.src for c in pairs}
    paired_tgt = {c.tgt for c in pairs}
    summary.unpaired = ([f"{src_lang} {p.url}" for i, p in enumerate(src_pages) if i not in paired_src]
                        + [f"{tgt_lang} {p.url}" for j, p in enumerate(tgt_pages) if j not in paired_tgt])

    manifest_path = corpus / MANIFEST
    manifest = _read_manifest(manifest_path)
    old_manifest = dict(manifest)
    taken: dict[str, str] = {row[0]: row[1] for row in manifest.values()}
    for cand in pairs:
        sp, tp = src_pages[cand.src], tgt_pages[cand.tgt]
        rid = release_id(sp.article.date or tp.article.date, sp.url)
        base, n = rid, 2
        while rid in taken and taken[rid] != sp.url:
            rid, n = f"{base}-{n}", n + 1
        taken[rid] = sp.url
        summary.pairs[cand.method] += 1
        written = []
        for page, lang in ((sp, src_lang), (tp, tgt_lang)):
            written.append(_write_release(corpus / lang / f"{rid}.txt", page.article.text(), update, summary))
        if rid not in manifest or any(w in ("new", "updated") for w in written):
            manifest[rid] = [rid, sp.url, tp.url, cand.method, f"{cand.confidence:.3f}",
                             sp.provenance, tp.provenance]
    if manifest != old_manifest or not manifest_path.exists():
        lines = ["\t".join(MANIFEST_HEADER)] + ["\t".join(_tsv_field(f) for f in manifest[k])
                                                 for k in sorted(manifest)]
        atomic_write_bytes(manifest_path, ("\n".join(lines) + "\n").encode("utf-8"))
    return summary


def _write_release(path: Path, text: str, update: bool, summary: ImportSummary) -> str:
    data = text.encode("utf-8")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        summary.problems.append(f"{path}: not a regular file; left as it is")
        summary.files["changed"] += 1
        return "changed"
    if path.exists():
        if path.read_bytes() == data:
            summary.files["unchanged"] += 1
            return "unchanged"
        if not update:
            summary.files["changed"] += 1
            summary.problems.append(f"{path}: the page changed since it was imported; "
                                    "not overwritten (--update rewrites it)")
            return "changed"
        atomic_write_bytes(path, data)
        summary.files["updated"] += 1
        return "updated"
    atomic_write_bytes(path, data)
    summary.files["new"] += 1
    return "new"


def format_summary(summary: ImportSummary, corpus: Path, src_lang: str, tgt_lang: str) -> str:
    def counts(c: Counter) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"

    lines = [
        f"tm import: {summary.sources} source(s), {summary.pages} page(s) read -> {corpus}",
        f"  articles: {src_lang} {summary.articles[src_lang]}, {tgt_lang} {summary.articles[tgt_lang]}",
        f"  skipped: {counts(summary.skipped)}",
        f"  pairs: {sum(summary.pairs.values())} ({counts(summary.pairs)})",
        f"  release files: {counts(summary.files)}",
        f"  unpaired pages: {len(summary.unpaired)}",
    ]
    lines += [f"  unpaired: {u}" for u in summary.unpaired]
    lines += [f"  note: {n}" for n in summary.notes]
    lines += [f"warning: {p}" for p in summary.problems]
    return "\n".join(lines)
