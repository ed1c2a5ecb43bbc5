"""Which source-language page is translated by which target-language page.

1. The same URL path on the two language hosts (`csto.example/news/x/` and
   `en.csto.example/news/x/`, or `/en/news/x/`): method `url-path`.
2. The pages left over: candidates of the same date (a day apart at most, or with no
   date), ranked by cheap content evidence shared by the two texts (numbers and
   dates, names through transliteration: tm/align/features.py; glossary concepts);
   the best few of each source page are aligned (tm/pipeline.align_release) and the
   aligner's document confidence is the pair's confidence; a one-to-one assignment
   takes the most confident pairs first: method `content`.

Every pair, by URL path too, must reach the aligner's wrong-pairing threshold
(tm/align WRONG_PAIRING_THRESHOLD); a URL-path pair under it is broken up and
its pages tried by content.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from ..align import WRONG_PAIRING_THRESHOLD
from ..align.features import name_keys, number_keys
from ..corpus import parse_release
from ..models import Release
from .lang import _url_rules

CANDIDATES_PER_PAGE = 3     # content candidates of a page that are aligned
MAX_DAYS_APART = 1


@dataclass
class PairCandidate:
    src: int                 # index into the source pages
    tgt: int
    method: str              # url-path | content
    confidence: float


def url_key(url: str) -> tuple[str, str]:
    """(site, path) with the language label of the host and the language segment of the
    path taken away: the same for a page and its translation when the site keeps paths."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    lang_labels = {v for kind, v, _ in _url_rules() if kind == "host-prefix"}
    lang_segments = {v for kind, v, _ in _url_rules() if kind == "path-prefix"}
    if len(labels) > 2 and labels[0] in lang_labels | {"www"}:
        labels = labels[1:]
    segments = [s for s in parts.path.split("/")]
    nonempty = [i for i, s in enumerate(segments) if s]
    if nonempty and segments[nonempty[0]].lower() in lang_segments:
        del segments[nonempty[0]]
    path = "/".join(segments)
    if path.endswith(("/index.html", "/index.htm")):
        path = path.rsplit("/", 1)[0] + "/"
    if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    return ".".join(labels), path + (f"?{parts.query}" if parts.query else "")


def _days_apart(a: str | None, b: str | None) -> int:
    if not a or not b:
        return 0
    return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)


def _keys(release: Release, glossary) -> tuple[frozenset, frozenset, frozenset]:
    text = "\n".join(p.text for p in release.paragraphs)
    concepts = glossary.concept_keys(text, release.lang) if glossary is not None else frozenset()
    return number_keys(text, release.lang), name_keys(text, release.lang), concepts


def _overlap(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def evidence(src_keys, tgt_keys) -> float:
    """Cheap content evidence in [0, 1]: the mean overlap of numbers, names and concepts."""
    return sum(_overlap(a, b) for a, b in zip(src_keys, tgt_keys)) / 3


def document_confidence(src: Release, tgt: Release, glossary, mode: str) -> float:
    from ..pipeline import align_release

    return align_release(src, tgt, glossary, mode).confidence


def pair_pages(src: list[tuple[str, str | None, Release]], tgt: list[tuple[str, str | None, Release]],
               glossary=None, mode: str = "default") -> list[PairCandidate]:
    """One-to-one pairs of (url, date, release) lists; see the module docstring."""
    pairs: list[PairCandidate] = []
    tgt_by_key: dict[tuple[str, str], list[int]] = {}
    for j, (url, _, _) in enumerate(tgt):
        tgt_by_key.setdefault(url_key(url), []).append(j)
    used_src, used_tgt = set(), set()
    for i, (url, _, rel) in enumerate(src):
        js = tgt_by_key.get(url_key(url), [])
        if len(js) == 1 and js[0] not in used_tgt:
            conf = document_confidence(rel, tgt[js[0]][2], glossary, mode)
            if conf >= WRONG_PAIRING_THRESHOLD:
                pairs.append(PairCandidate(i, js[0], "url-path", conf))
                used_src.add(i)
                used_tgt.add(js[0])
    left_src = [i for i in range(len(src)) if i not in used_src]
    left_tgt = [j for j in range(len(tgt)) if j not in used_tgt]
    keys_t = {j: _keys(tgt[j][2], glossary) for j in left_tgt}
    scored: list[PairCandidate] = []
    for i in left_src:
        keys_s = _keys(src[i][2], glossary)
        near = [(evidence(keys_s, keys_t[j]), j) for j in left_tgt
                if _days_apart(src[i][1], tgt[j][1]) <= MAX_DAYS_APART]
        near.sort(key=lambda t: (-t[0], t[1]))
        for ev, j in near[:CANDIDATES_PER_PAGE]:
            if ev <= 0:
                continue
            conf = document_confidence(src[i][2], tgt[j][2], glossary, mode)
            scored.append(PairCandidate(i, j, "content", conf))
    scored.sort(key=lambda c: (-c.confidence, c.src, c.tgt))
    for cand in scored:
        if cand.confidence < WRONG_PAIRING_THRESHOLD:
            break
        if cand.src in used_src or cand.tgt in used_tgt:
            continue
        pairs.append(cand)
        used_src.add(cand.src)
        used_tgt.add(cand.tgt)
    pairs.sort(key=lambda c: c.src)
    return pairs


def release_of(text: str, release_id: str, lang: str, where: str) -> Release:
    from pathlib import Path

    return parse_release(text, release_id, lang, Path(where))
