"""A release saved as an HTML page -> its article text as plain-text blocks.

Parsed with lxml's HTML parser with network access off and huge-tree
protection on (an HTML parser never resolves external entities). Nothing in the
page is executed: scripts, styles, comments and processing instructions are
dropped. Which elements are navigation and where the article is live in
tm/data/html.txt.

Result: the headline (the article's <h1>, else the page <title>), the date (a
<time datetime> or an element of class "date", parsed to YYYY-MM-DD), and the
body blocks: each <p>, <li>, <h1>-<h6>, <div>, <blockquote>, <td>, ... is its
own paragraph; <br> is a line break inside a paragraph; whitespace inside a
paragraph collapses as a browser shows it.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import lxml.etree
import lxml.html

from .data import read_lines
from .models import InputError
from .numbers import month_of

# Elements that start a new paragraph (everything else is inline).
BLOCK_TAGS = frozenset("""
    address article aside blockquote body caption center dd details dialog dir div dl dt
    fieldset figcaption figure h1 h2 h3 h4 h5 h6 hr html li main menu ol p pre section
    summary table tbody td tfoot th thead tr ul
""".split())
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff]")
# A DOCTYPE with an internal subset (entity definitions): removed whole, unread.
_DOCTYPE = re.compile(r"^\s*<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>", re.S | re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DMY_DATE = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b")
_TEXT_DATE = re.compile(r"\b(\d{1,2})\s+([^\W\d_]+)\.?,?\s+(\d{4})\b")
_MDY_DATE = re.compile(r"\b([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})\b")


@dataclass(frozen=True)
class Block:
    text: str    # one paragraph; may hold "\n" from <br>
    line: int    # 1-based line of the element in the HTML file


@dataclass(frozen=True)
class HtmlRelease:
    headline: Block | None
    date: str | None
    blocks: list[Block]


@dataclass(frozen=True)
class _Rules:
    drop_tags: frozenset[str]
    drop_classes: frozenset[str]
    article: tuple[tuple[str, str], ...]
    date: tuple[tuple[str, str], ...]


@lru_cache(maxsize=None)
def _rules() -> _Rules:
    drop_tags, drop_classes, article, when = set(), set(), [], []
    for line in read_lines("html.txt"):
        key, value = line.split(None, 1)
        if key == "drop-tag":
            drop_tags.add(value.lower())
        elif key == "drop-class":
            drop_classes.add(value.lower())
        elif key in ("article", "date"):
            kind, _, name = value.partition(":")
            (article if key == "article" else when).append((kind, name.lower()))
    return _Rules(frozenset(drop_tags), frozenset(drop_classes), tuple(article), tuple(when))


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in <meta charset> / http-equiv (first 4 KiB)."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii").lower() if m else None


def _class_parts(el) -> set[str]:
    value = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return set(re.split(r"[\s_-]+", value)) - {""}


def _matches(el, kind: str, name: str) -> bool:
    if kind == "tag":
        return isinstance(el.tag, str) and el.tag.lower() == name
    return name in _class_parts(el) or (
        "-" in name and name in f"{el.get('class') or ''} {el.get('id') or ''}".lower().split())


def _find(root, selectors) -> object | None:
    for kind, name in selectors:
        for el in root.iter():
            if isinstance(el.tag, str) and _matches(el, kind, name):
                return el
    return None


def parse_date(text: str) -> str | None:
    """`2024-07-25`, `25.07.2024`, `25 июля 2024`, `25 July 2024`, `July 25, 2024` -> ISO."""
    candidates = []
    if m := _ISO_DATE.search(text):
        candidates.append((m[1], m[2], m[3]))
    if m := _DMY_DATE.search(text):
        candidates.append((m[3], m[2], m[1]))
    if (m := _TEXT_DATE.search(text)) and month_of(m[2]):
        candidates.append((m[3], month_of(m[2]), m[1]))
    if (m := _MDY_DATE.search(text)) and month_of(m[1]):
        candidates.append((m[3], month_of(m[1]), m[2]))
    for y, mo, d in candidates:
        try:
            return date(int(y), int(mo), int(d)).isoformat()
        except ValueError:
            continue
    return None


class _BlockWriter:
    """Collects inline text into paragraphs, breaking at block elements."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.lines: list[str] = []   # lines of the current paragraph (split by <br>)
        self.parts: list[str] = []   # inline text of the current line
        self.line: int | None = None

    def text(self, s: str | None, line: int | None) -> None:
        if s:
            if self.line is None and s.strip():
                self.line = line
            self.parts.append(s)

    def br(self) -> None:
        self.lines.append("".join(self.parts))
        self.parts = []

    def end_block(self) -> None:
        self.br()
        lines = [_SPACES.sub(" ", ln).strip() for ln in self.lines]
        text = "\n".join(ln for ln in lines if ln)
        if text:
            self.blocks.append(Block(text, self.line or 1))
        self.lines, self.parts, self.line = [], [], None

    def walk(self, el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        line = el.sourceline
        if tag == "br":
            self.br()
        elif tag in BLOCK_TAGS:
            self.end_block()
            self.text(el.text, line)
            for child in el:
                self.walk(child)
                self.text(child.tail, child.sourceline)
            self.end_block()
            return
        elif tag is not None:
            self.text(el.text, line)
            for child in el:
                self.walk(child)
                self.text(child.tail, child.sourceline)


def _drop(el) -> None:
    """Remove an element and its content, keeping its tail text."""
    if el.getparent() is not None:
        el.drop_tree()


def parse_html(text: str, path: str | Path):
    """The page as an lxml tree (no network, no entities, huge-tree protection), or
    None for a page with no text. A page over the parser's limits is refused:
    InputError."""
    text = _DOCTYPE.sub("", _XML_DECL.sub("", text, count=1), count=1)
    # Control characters no HTML/XML tree can hold (lxml refuses them): removed;
    # vertical tab and form feed are whitespace to a browser.
    text = _NOT_XML.sub("", text.replace("\v", " ").replace("\f", " "))
    if not text.strip():
        return None
    parser = lxml.html.HTMLParser(no_network=True, huge_tree=False, remove_comments=True,
                                  remove_pis=True, recover=True, default_doctype=False)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"cannot parse HTML: {str(exc).splitlines()[0] if str(exc) else 'empty'}",
                         path) from None
    # Huge-tree protection stops parsing (elements nested too deep, text too long):
    # the rest of the page would be lost without a word, so the page is refused.
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT" or "XML_PARSE_HUGE" in error.message:
            raise InputError(f"HTML over the parser's safety limits ({error.message.strip()})",
                             path, error.line or None)
    return root


def extract_html(text: str, path: str | Path) -> HtmlRelease:
    """The article of an HTML page: headline, date and body blocks."""
    root = parse_html(text, path)
    if root is None:
        return HtmlRelease(None, None, [])
    rules = _rules()
    title_el = root.find(".//title")
    body = root.find("body")
    if body is None:
        body = root
    article = _find(body, rules.article)
    if article is None:
        article = body

    # The headline and the date first: they often sit in a <header> that is dropped below.
    headline_el = article.find(".//h1")
    if headline_el is None:
        headline_el = next((h for h in body.iter("h1") if not _inside_dropped(h, body, rules)), None)
    headline = None
    if headline_el is not None:
        words = _SPACES.sub(" ", _visible_text(headline_el, rules)).strip()
        if words:
            headline = Block(words, headline_el.sourceline or 1)
    if headline is None and title_el is not None:
        words = _SPACES.sub(" ", title_el.text_content()).strip()
        if words:
            headline = Block(words, title_el.sourceline or 1)

    date_el = _find(article, rules.date)
    if date_el is None:
        date_el = _find(body, rules.date)
    release_date = None
    if date_el is not None:
        release_date = parse_date(date_el.get("datetime") or "") or parse_date(date_el.text_content())

    for el in (headline_el, date_el):
        if el is not None and _is_within(el, article) and el is not article:
            _drop(el)
    doomed = [el for el in article.iter() if el is not article and isinstance(el.tag, str)
              and (el.tag.lower() in rules.drop_tags
                   or any(_matches(el, "class", c) for c in rules.drop_classes))]
    for el in doomed:
        if _is_within(el, article):      # not already gone with a dropped ancestor
            _drop(el)
    # Comments/PIs are removed by the parser; entities never reach the text as markup.
    for el in list(article.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        _drop(el)

    writer = _BlockWriter()
    writer.walk(article)
    writer.end_block()
    blocks = writer.blocks
    if headline is not None and blocks and blocks[0].text == headline.text:
        blocks = blocks[1:]
    return HtmlRelease(headline, release_date, blocks)


def _visible_text(el, rules: _Rules) -> str:
    """The text of an element without its scripts, styles and other dropped parts."""
    el = copy.deepcopy(el)
    for child in [c for c in el.iter() if c is not el and isinstance(c.tag, str)
                  and c.tag.lower() in rules.drop_tags]:
        if _is_within(child, el):
            _drop(child)
    el.tail = None
    return el.text_content()


def _is_within(el, ancestor) -> bool:
    while el is not None:
        if el is ancestor:
            return True
        el = el.getparent()
    return False


def _inside_dropped(el, stop, rules: _Rules) -> bool:
    while el is not None and el is not stop:
        if isinstance(el.tag, str) and (el.tag.lower() in rules.drop_tags
                                        or any(_matches(el, "class", c) for c in rules.drop_classes)):
            return True
        el = el.getparent()
    return False
