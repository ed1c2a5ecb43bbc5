"""Sources of `tm import` -> web pages: saved-page folders and WARC files.

A folder is walked at any depth for `.html` / `.htm` files (and wget's
`index.html?QUERY.html`). A page's URL: in a wget mirror, the path under the host
folder (`HOST/PATH/index.html` -> `http://HOST/PATH/`); a page saved from a browser
names it itself (`<!-- saved from url=(NNNN)URL -->`, `<link rel="canonical">`,
`<meta property="og:url">`); else the file's path (`file:` URL).

A WARC (`.warc`, `.warc.gz`) is read with warcio: only `response` records with
status 200 and an HTML content type are pages; the other records are counted by
what they are (`request`, `warcinfo`, `status 301`, `not HTML`, ...).

A page is decoded (charset of the HTTP header, else the page's <meta charset>, else
tm's trial of legacy encodings: tm/encoding.py), parsed (tm/web/extract.py), given
a language (tm/web/lang.py) and its article extracted.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, unquote

from .. import html as tm_html
from ..encoding import decode_bytes
from ..models import InputError
from . import extract as ex
from . import lang as web_lang

PAGE_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".warc.gz")
MAX_PAGE_BYTES = 16 * 1024 * 1024
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$", re.I)
_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.I)
_CANONICAL = re.compile(rb"""<link\b[^>]*\brel=["']?canonical["']?[^>]*>""", re.I)
_OG_URL = re.compile(rb"""<meta\b[^>]*\bproperty=["']?og:url["']?[^>]*>""", re.I)
_HREF = re.compile(rb"""\b(?:href|content)=["']([^"']+)["']""", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)


@dataclass
class RawPage:
    """A page as found in a source, not decoded yet."""

    url: str
    body: bytes
    provenance: str                 # FILE, or WARC#offset (WARC-Record-ID)
    content_type: str | None = None  # the HTTP header, for a WARC record


@dataclass
class Page:
    url: str
    lang: str | None
    lang_how: str
    article: ex.Article
    provenance: str = ""
    encoding: str = "utf-8"
    note: str | None = None          # how the encoding was found, when not plain UTF-8


@dataclass
class SourceReport:
    """What a source held: pages found, records skipped and why, problems (one line each)."""

    pages: int = 0
    skipped: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- one page

def http_charset(content_type: str | None) -> str | None:
    m = _CHARSET.search(content_type or "")
    return m.group(1).lower() if m else None


def read_page(body: bytes, url: str, *, http_content_type: str | None = None, provenance: str = "",
              extractor: str = "combined", langs: tuple[str, ...] = ("ru", "en")) -> Page:
    """Decode, parse and extract one page. Raises InputError for a page that cannot be
    decoded or parsed (binary data, over the parser's limits)."""
    where = provenance or url
    if len(body) > MAX_PAGE_BYTES:
        raise InputError(f"page too large ({len(body)} bytes)", where)
    url_lang = web_lang.language_from_url(url)
    declared = http_charset(http_content_type) or tm_html.declared_charset(body)
    decoded = _decode(body, where, url_lang, langs, declared)
    root = ex.parse_page(decoded.text, where)
    sample = root.find("body")
    text_sample = (sample if sample is not None else root).text_content()[:20000]
    lang, how = web_lang.page_language(url, root, text_sample)
    article = ex.extract(root, lang, url, extractor)
    note = decoded.note
    if decoded.how == "declared" and http_charset(http_content_type):
        note = f"not UTF-8; read as {decoded.encoding} (declared in the HTTP header)"
    return Page(url, lang, how, article, provenance, decoded.encoding, note)


def _decode(body: bytes, where, url_lang: str | None, langs: tuple[str, ...], declared: str | None):
    """decode_bytes with the URL's language; when the URL names none, with each of the
    import's languages in turn, the first whose text is in that language's script."""
    if url_lang:
        return decode_bytes(body, where, url_lang, declared=declared)
    first_error = None
    for lang in langs:
        try:
            decoded = decode_bytes(body, where, lang, declared=declared)
        except InputError as exc:
            first_error = first_error or exc
            continue
        if decoded.how != "guessed" or web_lang.script_agrees(lang, decoded.text):
            return decoded
    if first_error is not None:
        raise first_error
    return decode_bytes(body, where, langs[0] if langs else None, declared=declared)


# ---------------------------------------------------------------- folders

def _declared_url(body: bytes) -> str | None:
    head = body[:8192]
    if m := _SAVED_FROM.search(head):
        return m.group(1).decode("ascii", "replace")
    for pattern in (_CANONICAL, _OG_URL):
        if (m := pattern.search(head)) and (h := _HREF.search(m.group(0))):
            value = h.group(1).decode("ascii", "replace")
            if value.startswith(("http://", "https://")):
                return value
    return None


def mirror_url(path: Path, root: Path) -> str | None:
    """The URL of a file of a wget mirror (HOST/PATH/index.html), or None when the file
    is not under a host folder."""
    rel = path.relative_to(root).parts
    # the host folder: the source itself, or its first sub-folder
    if _HOST.match(root.name) and rel:
        host, rest = root.name, list(rel)
    elif len(rel) > 1 and _HOST.match(rel[0]):
        host, rest = rel[0], list(rel[1:])
    else:
        return None
    name = rest[-1]
    query = ""
    if "?" in name:
        name, query = name.split("?", 1)
        query = "?" + re.sub(r"\.html?$", "", query)
    rest[-1] = "" if name in ("index.html", "index.htm") else name
    return f"http://{host}/" + "/".join(quote(unquote(p)) for p in rest) + query


def folder_pages(folder: Path, report: SourceReport) -> Iterator[RawPage]:
    files = sorted(p for p in folder.rglob("*")
                   if p.is_file() and not p.name.startswith(".")
                   and (p.suffix.lower() in PAGE_SUFFIXES or re.search(r"\.html?\?.*\.html?$", p.name)))
    for path in files:
        try:
            if path.stat().st_size > MAX_PAGE_BYTES:
                report.problems.append(f"{path}: skipped: too large for a web page")
                report.skipped["too large"] += 1
                continue
            body = path.read_bytes()
        except OSError as exc:
            report.problems.append(f"{path}: skipped: cannot read: {exc.strerror or exc}")
            report.skipped["unreadable"] += 1
            continue
        url = mirror_url(path, folder) or _declared_url(body) or path.resolve().as_uri()
        report.pages += 1
        yield RawPage(url, body, str(path))


# ---------------------------------------------------------------- WARC files

def is_warc(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(WARC_SUFFIXES)


def warc_pages(path: Path, report: SourceReport) -> Iterator[RawPage]:
    """The HTML pages of a WARC file. A file that is no WARC at all (its first record
    cannot be read) is an InputError; damage later on ends the file with a problem line."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    records = 0
    with fh:
        head = fh.read(64 * 1024)
        if head.startswith(b"\x1f\x8b"):
            import zlib

            try:
                head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
            except zlib.error:
                head = b""
        if not head.lstrip(b"\r\n").startswith(b"WARC/"):
            raise InputError("not a WARC file (it does not start with a WARC record)", path)
        fh.seek(0)
        iterator = ArchiveIterator(fh, no_record_parse=False)
        while True:
            try:
                record = next(iterator)
            except StopIteration:
                break
            except (ArchiveLoadFailed, EOFError, OSError, ValueError, UnicodeDecodeError) as exc:
                what = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                if records == 0:
                    raise InputError(f"not a readable WARC file ({what})", path) from None
                report.problems.append(f"{path}: bad record after record {records} "
                                       f"(offset {iterator.get_record_offset()}): {what}; rest of the file skipped")
                report.skipped["bad record"] += 1
                break
            records += 1
            try:
                page = _page_of_record(record, path, iterator, report)
            except Exception as exc:   # a record that warcio cannot read: counted, the next one read
                report.problems.append(f"{path}#{iterator.get_record_offset()}: bad record: "
                                       f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
                report.skipped["bad record"] += 1
                continue
            if page is not None:
                report.pages += 1
                yield page
    if records == 0:
        raise InputError("not a WARC file (no record)", path)
    if path.name.lower().endswith(".gz") and (damage := _gzip_damage(path)):
        report.problems.append(f"{path}: {damage}; the record it cuts short is lost")
        report.skipped["truncated record"] += 1


def _gzip_damage(path: Path) -> str | None:
    """Why a gzip file is damaged (truncated, bad data), or None. warcio ends a
    truncated member quietly, so the file is checked to the end once more."""
    import gzip
    import zlib

    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except EOFError:
        return "truncated (the compressed data ends in the middle of a record)"
    except (OSError, zlib.error) as exc:
        return f"damaged compressed data ({exc})"
    return None


def _page_of_record(record, path: Path, iterator, report: SourceReport) -> RawPage | None:
    kind = record.rec_type
    if kind != "response":
        report.skipped[f"{kind} record"] += 1
        record.content_stream().read()
        return None
    http = record.http_headers
    if http is None:
        report.skipped["response without HTTP headers"] += 1
        return None
    status = (http.get_statuscode() or "").strip()
    if status != "200":
        report.skipped[f"status {status or '?'}"] += 1
        return None
    content_type = http.get_header("Content-Type") or ""
    if "html" not in content_type.lower():
        report.skipped["not HTML"] += 1
        return None
    body = record.content_stream().read()
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    offset = iterator.get_record_offset()
    record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
    return RawPage(url, body, f"{path}#{offset} {record_id}".strip(), content_type)


def source_pages(source: Path, report: SourceReport) -> Iterator[RawPage]:
    """The pages of one source: a folder, a WARC file or one saved page. A source that
    does not exist or cannot be read at all is an InputError."""
    if source.is_dir():
        yield from folder_pages(source, report)
    elif not source.exists():
        raise InputError("no such file or folder", source)
    elif is_warc(source):
        yield from warc_pages(source, report)
    elif source.suffix.lower() in PAGE_SUFFIXES:
        try:
            body = source.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source) from None
        report.pages += 1
        yield RawPage(_declared_url(body) or source.resolve().as_uri(), body, str(source))
    else:
        raise InputError("not a folder of saved pages, a WARC (.warc, .warc.gz) or an .html page", source)
