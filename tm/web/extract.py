"""The article of a web page: headline, date (and the date line as the page shows
it), paragraphs in order; plus what kind of page it is (article, list, nothing).

Three extractors, measured against each other by benchmarks/import_bench.py on the
test site (tests/site/):

- `trafilatura`: trafilatura's main-content extraction (its XML: <p>, <list>,
  <cell>, <lb/> for <br>), its title, and htmldate's date;
- `rules`: tm's own reader of saved pages (tm/html.py, tm/data/html.txt);
- `combined` (what `tm import` uses): the article is the smallest element around
  the page's headline that holds article text (the headline is the <h1>, else the
  part of the <title> that stands in the page), read with tm's block rules; the date
  line is the first date after the headline; a page without such a headline is left
  to trafilatura and htmldate. The figures and the reasons are in docs/import.md.

Every extractor drops navigation lines (tm/data/boilerplate/<lang>.txt) and the
share, cookie and "read more" lines of tm/data/web/navigation.txt.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache

import lxml.html

from .. import html as tm_html
from ..corpus import is_boilerplate
from ..data import read_lines
from ..models import InputError

_SPACES = re.compile(r"\s+")
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:/»]\s+|\s+::\s+")
MIN_PARAGRAPH_CHARS = 80      # an article has at least one paragraph this long
MAX_DATE_LINE_CHARS = 60
HEADLINE_LINK_CHARS = 30      # a link with this much text is a headline of a preview
LIST_LINKS = 3                # this many headline links in the article region: a list page
EXTRACTORS = ("combined", "trafilatura", "rules")


@dataclass
class Article:
    kind: str                       # article | list | empty
    headline: str | None = None
    date: str | None = None         # YYYY-MM-DD
    date_line: str | None = None    # the date as the page shows it
    paragraphs: list[str] = field(default_factory=list)   # "\n" inside: a <br>
    extractor: str = ""

    def text(self) -> str:
        parts = [self.headline or ""] + ([self.date_line] if self.date_line else []) + self.paragraphs
        return "\n\n".join(p for p in parts if p) + "\n"


@lru_cache(maxsize=None)
def _navigation_patterns() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(line, re.I) for line in read_lines("web", "navigation.txt"))


def is_navigation(line: str, lang: str | None) -> bool:
    """A line that is no article text: a release's navigation line, share buttons, a cookie notice."""
    line = _SPACES.sub(" ", line).strip()
    if not line:
        return True
    if lang and _navigation_links(line, lang):
        return True
    return any(p.search(line) for p in _navigation_patterns())


def _navigation_links(line: str, lang: str) -> bool:
    """The line is one navigation line or several in a row ("Назад Вернуться в раздел":
    links side by side in one paragraph)."""
    words = line.split()
    ok = [True] + [False] * len(words)      # ok[i]: words[:i] is a run of navigation lines
    for end in range(1, len(words) + 1):
        ok[end] = any(ok[start] and is_boilerplate(" ".join(words[start:end]), lang)
                      for start in range(max(0, end - 8), end))
    return ok[-1]


def clean_paragraphs(paragraphs: list[str], lang: str | None, skip: tuple[str, ...] = ()) -> list[str]:
    """Navigation lines removed from each paragraph; empty paragraphs and those equal to
    `skip` (the headline, the date line) dropped."""
    out = []
    keys = {_key(s) for s in skip if s}
    for para in paragraphs:
        lines = [ln.strip() for ln in para.split("\n")]
        lines = [ln for ln in lines if ln and not is_navigation(ln, lang)]
        text = "\n".join(lines)
        if text and _key(text) not in keys:
            out.append(text)
    return out


def _key(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


# ---------------------------------------------------------------- parsing

def parse_page(text: str, path) -> lxml.html.HtmlElement:
    """The page as an lxml tree, parsed as tm/html.py does; a page with no text is
    refused (InputError)."""
    root = tm_html.parse_html(text, path)
    if root is None:
        raise InputError("empty page", path)
    return root


def _text(el) -> str:
    return _SPACES.sub(" ", el.text_content()).strip()


def _is_dropped(el, rules) -> bool:
    return isinstance(el.tag, str) and (el.tag.lower() in rules.drop_tags
                                        or any(tm_html._matches(el, "class", c) for c in rules.drop_classes))


def _inside_dropped(el, rules) -> bool:
    while el is not None:
        if _is_dropped(el, rules):
            return True
        el = el.getparent()
    return False


def _title_parts(root) -> list[str]:
    title = root.find(".//title")
    if title is None:
        return []
    text = _text(title)
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(text) if p.strip()]
    return sorted(set(parts) | {text}, key=len, reverse=True)


def find_headline(root) -> tuple[object | None, str | None]:
    """The headline element and text: the first <h1> outside navigation, else the element
    whose whole text is the <title> (or its longest part around a ' | ' or ' - ')."""
    rules = tm_html._rules()
    body = root.find("body")
    if body is None:
        body = root
    for h in body.iter("h1"):
        if not _inside_dropped(h, rules) and _text(h):
            return h, _text(h)
    parts = [p for p in _title_parts(root) if len(p) >= 15]
    if parts:
        wanted = {_key(p): p for p in parts}
        for el in body.iter():
            if isinstance(el.tag, str) and not _inside_dropped(el, rules) and el.tag.lower() not in ("a",):
                k = _key(el.text_content())
                if k in wanted and len(el) <= 3:
                    return el, _text(el)
    return None, (parts[0] if parts else None)


def _article_region(anchor):
    """The smallest ancestor of the headline holding a paragraph of article text."""
    rules = tm_html._rules()
    el = anchor.getparent()
    while el is not None:
        for child in el.iter():
            if child is anchor or not isinstance(child.tag, str) or _inside_dropped(child, rules):
                continue
            own = _SPACES.sub(" ", (child.text or "") + "".join(
                (c.tail or "") for c in child)).strip()
            if len(own) >= MIN_PARAGRAPH_CHARS:
                return el
        el = el.getparent()
    return None


def _headline_links(region) -> int:
    """Links whose text is as long as a headline (previews, list items) in a region."""
    rules = tm_html._rules()
    return sum(1 for a in region.iter("a") if len(_text(a)) >= HEADLINE_LINK_CHARS
               and not _inside_dropped(a, rules))


def _date_after(region, anchor) -> tuple[object | None, str | None, str | None]:
    """The first short text after the headline that reads as a date: (element, line, ISO)."""
    started = anchor is None
    for el in region.iter():
        if el is anchor:
            started = True
            continue
        if not started or not isinstance(el.tag, str):
            continue
        if anchor is not None and _within(el, anchor):
            continue
        for piece in ((el.text or ""),):
            line = _SPACES.sub(" ", piece).strip()
            if 0 < len(line) <= MAX_DATE_LINE_CHARS and (iso := tm_html.parse_date(line)):
                return el, line, iso
    return None, None, None


def _within(el, ancestor) -> bool:
    while el is not None:
        if el is ancestor:
            return True
        el = el.getparent()
    return False


def find_date_line(root, iso: str | None, anchor=None) -> str | None:
    """The text of the page that shows the date `iso` (the first one after the headline,
    else the first anywhere)."""
    if not iso:
        return None
    body = root.find("body")
    body = root if body is None else body
    rules = tm_html._rules()
    for start in ((anchor, body) if anchor is not None else (None, body)):
        seen = start is None
        for el in body.iter():
            if el is start:
                seen = True
                continue
            if not seen or not isinstance(el.tag, str) or _inside_dropped(el, rules) and el.tag != "time":
                continue
            line = _SPACES.sub(" ", el.text or "").strip()
            if 0 < len(line) <= MAX_DATE_LINE_CHARS and tm_html.parse_date(line) == iso:
                return line
            if el.tag == "time" and (el.get("datetime") or "").startswith(iso) and _text(el):
                return _text(el)
    return None


def _write_blocks(region, rules) -> list[str]:
    doomed = [el for el in region.iter() if el is not region and _is_dropped(el, rules)]
    for el in doomed:
        if _within(el, region):
            tm_html._drop(el)
    writer = tm_html._BlockWriter()
    writer.walk(region)
    writer.end_block()
    return [b.text for b in writer.blocks]


# ---------------------------------------------------------------- the extractors

def classify(root) -> str:
    """article | list | empty, from the region around the headline."""
    anchor, _ = find_headline(root)
    if anchor is None:
        return "empty"
    region = _article_region(anchor)
    if region is None:
        return "empty"
    if _headline_links(region) >= LIST_LINKS:
        return "list"
    return "article"


def extract_combined(root, lang: str | None, url: str | None = None) -> Article:
    anchor, headline = find_headline(root)
    region = _article_region(anchor) if anchor is not None else None
    if region is None:
        art = extract_trafilatura(root, lang, url)
        art.extractor = "combined:trafilatura"
        return art
    if _headline_links(region) >= LIST_LINKS:
        return Article("list", headline, extractor="combined")
    rules = tm_html._rules()
    # the date: tm's date element (<time>, class "date") in the region, else the first date after the headline
    date_el = tm_html._find(region, rules.date)
    date_line = iso = None
    if date_el is not None:
        iso = tm_html.parse_date(date_el.get("datetime") or "") or tm_html.parse_date(date_el.text_content())
        date_line = _text(date_el) if iso else None
    if iso is None:
        date_el, date_line, iso = _date_after(region, anchor)
    if iso is None:
        iso = _htmldate(root)
        date_line = find_date_line(root, iso, anchor)
    # read a copy of the region without the headline and the date element
    index = {id(el): i for i, el in enumerate(region.iter())}
    wanted = {index[k]: v for k, v in ((id(anchor), "h"), (id(date_el), "d")) if k in index}
    copy_region = copy.deepcopy(region)
    for i, el in enumerate(list(copy_region.iter())):
        if i in wanted and el is not copy_region:
            if wanted[i] == "d" and _text(el) != date_line:
                el.text = None      # the date is only the element's leading text
            else:
                tm_html._drop(el)
    paragraphs = _write_blocks(copy_region, rules)
    paragraphs = clean_paragraphs(paragraphs, lang, skip=(headline or "", date_line or ""))
    if not any(len(p) >= MIN_PARAGRAPH_CHARS for p in paragraphs):
        return Article("empty", headline, iso, date_line, paragraphs, "combined")
    return Article("article", headline, iso, date_line, paragraphs, "combined")


def _htmldate(root) -> str | None:
    from htmldate import find_date

    try:
        return find_date(copy.deepcopy(root), original_date=True, outputformat="%Y-%m-%d",
                         extensive_search=True)
    except Exception:   # htmldate raises several kinds on odd pages; a date is optional
        return None


def _xml_blocks(el, out: list[str]) -> None:
    """trafilatura's XML -> paragraphs (<lb/> is a line break)."""
    tag = el.tag
    if tag in ("p", "head", "item", "cell", "quote", "code"):
        parts = [el.text or ""]
        for child in el:
            if child.tag in ("p", "list", "table", "row", "cell", "quote", "head"):
                if "".join(parts).strip():
                    out.append(_lines("".join(parts)))
                parts = []
                _xml_blocks(child, out)
            elif child.tag == "lb":
                parts.append("\n")
            else:
                parts.append("".join(child.itertext()).replace("\n", " "))
            parts.append(child.tail or "")
        text = _lines("".join(parts))
        if text:
            out.append(text)
        return
    for child in el:
        _xml_blocks(child, out)


def _lines(text: str) -> str:
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def extract_trafilatura(root, lang: str | None, url: str | None = None) -> Article:
    import trafilatura

    doc = trafilatura.bare_extraction(copy.deepcopy(root), url=url, output_format="python",
                                      include_comments=False, include_tables=True,
                                      with_metadata=True, deduplicate=False)
    if doc is None:
        return Article("empty", extractor="trafilatura")
    xml = getattr(doc, "body", None)
    paragraphs: list[str] = []
    if xml is not None:
        _xml_blocks(xml, paragraphs)
    headline = getattr(doc, "title", None)
    iso = _htmldate(root)
    date_line = find_date_line(root, iso)
    paragraphs = clean_paragraphs(paragraphs, lang, skip=(headline or "", date_line or ""))
    kind = "article" if any(len(p) >= MIN_PARAGRAPH_CHARS for p in paragraphs) else "empty"
    return Article(kind, headline, iso, date_line, paragraphs, "trafilatura")


def extract_rules(root, lang: str | None, url: str | None = None) -> Article:
    text = lxml.html.tostring(root, encoding="unicode")
    page = tm_html.extract_html(text, url or "<page>")
    headline = page.headline.text if page.headline else None
    date_line = find_date_line(root, page.date)
    paragraphs = clean_paragraphs([b.text for b in page.blocks], lang, skip=(headline or "", date_line or ""))
    kind = "article" if any(len(p) >= MIN_PARAGRAPH_CHARS for p in paragraphs) else "empty"
    return Article(kind, headline, page.date, date_line, paragraphs, "rules")


def extract(root, lang: str | None, url: str | None = None, extractor: str = "combined") -> Article:
    """The article of a parsed page with one of EXTRACTORS."""
    if extractor == "combined":
        return extract_combined(root, lang, url)
    if extractor == "trafilatura":
        return extract_trafilatura(root, lang, url)
    if extractor == "rules":
        return extract_rules(root, lang, url)
    raise ValueError(f"unknown extractor {extractor!r}")
