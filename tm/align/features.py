"""Each side of an alignment as the search and the scorer read it (_Side):
its sentences' lengths and cheap, language-light evidence (numbers, dates,
names through transliteration, glossary anchors), and the lexical vectors
that stand in for embeddings without them.

Everything here works for any language pair; language knowledge (month names,
number multipliers, transliteration tables) is data under tm/data/. The number
and date keys are tm/numbers.py's `number_keys`.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np

from ..data import read_lines
from ..numbers import WORD_CACHE, number_keys  # noqa: F401  (numbers and dates: tm/numbers.py)
from ..text import fold_spaces
from .options import Anchors
from .search import _unit

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NO_KEYS: frozenset[str] = frozenset()


def number_weight(key: str) -> float:
    """Small integers are often written as words, or are chapter/list numbers:
    a match on them is weaker evidence than a match on 6500 or a year."""
    if key.startswith("m"):
        return 0.5
    try:
        v = float(key)
    except ValueError:
        return 1.0
    if v == int(v) and 0 <= v <= 10:
        return 0.3
    if v == int(v) and v <= 31:
        return 0.6
    return 1.0


@lru_cache(maxsize=None)
def _translit_table(lang: str) -> dict[str, str]:
    table = {}
    for line in read_lines("translit", f"{lang}.tsv", optional=True):
        parts = line.split("\t")
        table[parts[0]] = parts[1].split("|")[0] if len(parts) > 1 else ""
    return table


# spelling variants that romanisations disagree on, folded in this order
_FOLDS = (("kh", "h"), ("shch", "sh"), ("ts", "c"), ("tz", "c"), ("j", "y"), ("w", "v"),
          ("ph", "f"), ("ck", "k"), ("c", "k"), ("q", "k"), ("x", "ks"), ("ie", "i"), ("iy", "i"),
          ("yi", "i"), ("ey", "e"), ("y", "i"))
_DOUBLED = re.compile(r"(.)\1")


def _fold_latin(word: str) -> str:
    # strip accents and fold spelling variants that romanisations disagree on
    if word.isascii():
        w = word.lower()          # NFKD leaves ASCII as it is: no accents to strip
    else:
        w = unicodedata.normalize("NFKD", word)
        w = "".join(c for c in w if not unicodedata.combining(c)).lower()
        w = w.replace("ß", "ss")
    for a, b in _FOLDS:
        w = w.replace(a, b)
    # doubled letters
    return _DOUBLED.sub(r"\1", w) if _DOUBLED.search(w) is not None else w


@lru_cache(maxsize=None)
def _translit_map(lang: str) -> dict[int, str]:
    """The transliteration table of lang (or of ru when lang has none) for str.translate."""
    table = _translit_table(lang) or _translit_table("ru")
    return {ord(c): latin for c, latin in table.items() if len(c) == 1}


_CYRILLIC = re.compile("[\u0400-\u04ff]")


@lru_cache(maxsize=WORD_CACHE)   # words: bounded (tm/numbers.py), far more than a document's vocabulary
def romanise(word: str, lang: str) -> str:
    """A word in a comparable Latin spelling (Cyrillic through the table of lang,
    or of ru when lang has none)."""
    if _CYRILLIC.search(word) is not None:
        word = word.lower().translate(_translit_map(lang))
    return _fold_latin(word)


# (lang, prefix) -> {word: its name key, or "" when the word gives none}
_NAME_KEYS: dict[tuple[str, int], dict[str, str]] = {}


def _word_name_key(word: str, lang: str, prefix: int) -> str | None:
    """The key of a word that is not a sentence's first word: a long word, or a
    capitalised one of 3+ letters (a first word counts only when long)."""
    if len(word) >= 6 or (len(word) >= 3 and word[0].isupper()):
        r = romanise(word, lang)
        if len(r) >= 3:
            return r[:prefix]
    return None


def name_keys(text: str, lang: str, prefix: int = 5) -> frozenset[str]:
    """Cognate/name keys: romanised prefixes of the longer words, and of the
    capitalised words not at the sentence start (proper names are short too:
    Minsk, Osh). Two sentences sharing keys share names or cognates."""
    words = _WORD.findall(text)
    if not words:
        return _NO_KEYS
    cache = _NAME_KEYS.get((lang, prefix))
    if cache is None or len(cache) > WORD_CACHE:
        cache = _NAME_KEYS[(lang, prefix)] = {}
    got = list(map(cache.get, words))          # "" for a word without a key, None if not seen yet
    if None in got:
        for k, w in enumerate(words):
            if got[k] is None:
                got[k] = cache[w] = _word_name_key(w, lang, prefix) or ""
    keys = set(got[1:])
    if len(words[0]) >= 6:                     # the first word counts only when long
        keys.add(got[0])
    keys.discard("")
    return frozenset(keys)


# --------------------------------------------------------------------------
# one side of an alignment


def _norm_text(s: str) -> str:
    return fold_spaces(s)


_TOKENISED = re.compile(r"\s[,.;:!?)](?:\s|$)")
_DETOK = [(re.compile(r"\s+([,.;:!?)\]}%])"), r"\1"), (re.compile(r"([(\[{])\s+"), r"\1"),
          (re.compile(r"(\w['’])\s+(?=\w)"), r"\1")]


def _for_encoder(s: str) -> str:
    """Undo tokenisation ("d' altitude , ce") before encoding: the encoder saw plain text."""
    if not _TOKENISED.search(s):
        return s
    for rx, rep in _DETOK:
        s = rx.sub(rep, s)
    return s


def _joined(texts: Sequence[str]) -> str:
    """Consecutive sentences as one text (a window or an alignment unit)."""
    return " ".join(t for t in texts if t)


@dataclass
class _Side:
    texts: list[str]
    lang: str
    lens: np.ndarray
    numbers: list[frozenset]
    names: list[frozenset]
    anchors: list[frozenset]
    paragraphs: list[int] | None
    vecs: np.ndarray | None = None
    windows: dict = field(default_factory=dict)   # size -> (len+1, DIM) vectors of the window ending at i
    merge_ends: np.ndarray | None = None   # cascade: where a multi-sentence window may end (None: anywhere)
    encoding: object = None       # the encoder's Encoding of both sides' texts: composes the cascade's windows
    unit_of: np.ndarray | None = None   # sentence -> its unit in `encoding` (-1: not encoded)
    encoded: np.ndarray | None = None   # which sentences have vectors (None: all; see tm/align/sure.py)
    key_windows: dict = field(default_factory=dict)   # kind -> keys._KeyWindows, built once per side

    @property
    def n(self) -> int:
        return len(self.texts)


@lru_cache(maxsize=1 << 13)   # a release pair reads its texts several times; memory stays flat over an archive
def _text_keys(text: str, lang: str) -> tuple[frozenset, frozenset]:
    """(number keys, name keys) of a normalised sentence, cached: document_similarity
    reads them again after align(), and a corpus repeats its boilerplate sentences."""
    return number_keys(text, lang), name_keys(text, lang)


def _side(texts: Sequence[str], lang: str, anchors: Anchors | None, paragraphs) -> _Side:
    texts = [_norm_text(t or "") for t in texts]
    # lengths in non-space characters (robust to tokenised text: "d' altitude , ce");
    # _norm_text leaves single spaces as the only white space
    lens = np.array([len(t) - t.count(" ") for t in texts], dtype=np.float64)
    keys = [_text_keys(t, lang) for t in texts]
    nums = [k[0] for k in keys]
    names = [k[1] for k in keys]
    anc = [frozenset(anchors(t, lang)) if anchors and t else frozenset() for t in texts]
    if paragraphs is not None and len(paragraphs) != len(texts):
        raise ValueError("paragraph indices must have one entry per sentence")
    return _Side(texts, lang, lens, nums, names, anc, list(paragraphs) if paragraphs is not None else None)


LEX_DIM = 256


def _lexical_vectors(side: _Side) -> np.ndarray:
    """Hashed bag of names/cognates and numbers, L2-normalised: the cosine of two
    such vectors is a Dice-like overlap, and windows/blocks are their means, so the
    embedding-free mode runs through the same banded search."""
    n = side.n
    keys = [k for ks in side.names for k in ks] + ["#" + k for ks in side.numbers for k in ks]
    rows = np.repeat(np.tile(np.arange(n), 2), [len(ks) for ks in side.names] + [len(ks) for ks in side.numbers])
    code = np.fromiter((_LEX_CODES.get(k) or _lex_code(k) for k in keys), dtype=np.int64, count=len(keys)) - 1
    # sums of +-1: exact in any order
    out = np.bincount(rows * LEX_DIM + code // 2, weights=np.where(code & 1, 1.0, -1.0), minlength=n * LEX_DIM)
    return _unit(out.astype(np.float32).reshape(n, LEX_DIM))


_LEX_CODES: dict[str, int] = {}


def _lex_code(key: str) -> int:
    """1 + 2 * (the hashed dimension of a key) + (1 if its sign is + else 0), remembered."""
    h = zlib.crc32(key.encode("utf-8"))
    if len(_LEX_CODES) > WORD_CACHE:   # bounded like the word caches: memory stays flat over an archive
        _LEX_CODES.clear()
    code = _LEX_CODES[key] = 1 + 2 * (h % LEX_DIM) + ((h >> 16) & 1)
    return code


def _mean_window_vectors(side: _Side, size: int) -> np.ndarray:
    """(n+1, DIM): row i is the mean vector of sentences [i-size, i), normalised
    (zero where i < size): the window vectors of the fast mode and of the
    cascade's first search."""
    n = side.n
    dim = side.vecs.shape[1]
    out = np.zeros((n + 1, dim), dtype=np.float32)
    if n < size:
        return out
    if size == 1:
        out[1:] = side.vecs
        return out
    c = np.cumsum(np.vstack([np.zeros((1, dim), np.float32), side.vecs]), axis=0)
    out[size:] = _unit(c[size:] - c[:-size])
    return out
