"""The language of a web page, without any network call: from the URL (an `en.` host,
an `/en/` path: tm/data/web/hosts.txt), then the page's <html lang>, then the script
of its text (tm/data/web/scripts.txt)."""
from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache
from urllib.parse import urlsplit

from ..data import read_lines


@lru_cache(maxsize=None)
def _url_rules() -> tuple[tuple[str, str, str], ...]:
    rules = []
    for line in read_lines("web", "hosts.txt"):
        kind, value, lang = line.split()
        rules.append((kind, value.lower(), lang))
    return tuple(rules)


@lru_cache(maxsize=None)
def _scripts() -> dict[str, str]:
    out = {}
    for line in read_lines("web", "scripts.txt"):
        script, lang = line.split()
        out[script.upper()] = lang
    return out


def language_from_url(url: str) -> str | None:
    """The language the URL names (host's first label, path's first segment), or None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    first_segment = next((s for s in parts.path.lower().split("/") if s), "")
    for kind, value, lang in _url_rules():
        if kind == "host-prefix" and len(labels) > 2 and labels[0] == value:
            return lang
        if kind == "path-prefix" and first_segment == value:
            return lang
        if kind == "host-suffix" and host.endswith(value):
            return lang
    return None


def language_from_markup(root) -> str | None:
    """<html lang="ru-RU"> -> ru."""
    value = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    value = value.strip().lower().replace("_", "-").split("-")[0]
    return value if value.isalpha() and 2 <= len(value) <= 3 else None


def script_of(text: str) -> str | None:
    """The script most letters of `text` are written in (CYRILLIC, LATIN, ...)."""
    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            counts[name.split(" ")[0]] += 1
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def language_from_script(text: str) -> str | None:
    script = script_of(text)
    return _scripts().get(script) if script else None


def page_language(url: str, root, text: str) -> tuple[str | None, str]:
    """(language, how it was found: url | html-lang | script | unknown)."""
    if lang := language_from_url(url):
        return lang, "url"
    if lang := language_from_markup(root):
        return lang, "html-lang"
    if lang := language_from_script(text):
        return lang, "script"
    return None, "unknown"


def script_agrees(lang: str, text: str) -> bool:
    """False when the text is written in a script that names another language
    (a page filed under an `en.` host whose article is Cyrillic)."""
    script = script_of(text)
    if script is None:
        return True
    expected = [s for s, lg in _scripts().items() if lg == lang]
    return not expected or script in expected
