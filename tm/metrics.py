"""Accuracy measures against gold data, shared by tests and benchmarks.

Alignment: strict and lax precision/recall/F1 in the vecalign/bertalign
convention (see shared/bench/align/README.md). Segmentation: sentence-boundary
precision/recall/F1 counted in non-whitespace characters, and exact match
after whitespace folding (the pySBD Golden Rules score).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from .models import Bead


@dataclass
class PRF:
    tp_p: int = 0   # correct hypothesis items (precision numerator)
    n_p: int = 0    # hypothesis items
    tp_r: int = 0   # correct gold items (recall numerator)
    n_r: int = 0    # gold items

    def add(self, other: "PRF") -> "PRF":
        return PRF(self.tp_p + other.tp_p, self.n_p + other.n_p,
                   self.tp_r + other.tp_r, self.n_r + other.n_r)

    @property
    def precision(self) -> float:
        return self.tp_p / self.n_p if self.n_p else 1.0

    @property
    def recall(self) -> float:
        return self.tp_r / self.n_r if self.n_r else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _key(b: Bead) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return (tuple(b.src), tuple(b.tgt))


def alignment_prf(hyp: Sequence[Bead], gold: Sequence[Bead], lax: bool = False) -> PRF:
    """Counts for one document pair; sum them with PRF.add for a micro average.

    Precision is over all hypothesis beads (empty-sided ones judged against all
    gold beads); recall is over gold beads with both sides non-empty, judged
    against hypothesis beads with both sides non-empty."""
    gold_keys = {_key(b) for b in gold}
    gold_full = [b for b in gold if b.src and b.tgt]
    hyp_full = [b for b in hyp if b.src and b.tgt]

    def links(beads: Iterable[Bead]) -> set[tuple[int, int]]:
        return {(s, t) for b in beads for s in b.src for t in b.tgt}

    gold_links, hyp_links = links(gold_full), links(hyp_full)

    def hit(b: Bead, keys: set, other_links: set[tuple[int, int]]) -> bool:
        if _key(b) in keys:
            return True
        if lax and b.src and b.tgt:
            return any((s, t) in other_links for s in b.src for t in b.tgt)
        return False

    hyp_full_keys = {_key(b) for b in hyp_full}
    tp_p = sum(hit(b, gold_keys, gold_links) for b in hyp)
    tp_r = sum(hit(b, hyp_full_keys, hyp_links) for b in gold_full)
    return PRF(tp_p, len(hyp), tp_r, len(gold_full))


def read_beads(text: str) -> list[Bead]:
    return [Bead.parse(line) for line in text.splitlines() if line.strip()]


def read_segmentation(text: str) -> tuple[list[str], list[int]]:
    """Gold segmentation in the `tm segment` format (one sentence per line, an empty
    line after each paragraph) -> (sentences, paragraph index of each sentence)."""
    sents: list[str] = []
    paras: list[int] = []
    p = 0
    for line in text.splitlines():
        if line.strip():
            sents.append(line.strip())
            paras.append(p)
        elif sents and paras[-1] == p:
            p += 1
    return sents, paras


_WS = re.compile(r"\s+")


def fold(s: str) -> str:
    return _WS.sub(" ", s).strip()


def boundary_positions(sentences: Sequence[str]) -> set[int]:
    """Boundaries as counts of non-whitespace characters before each sentence start."""
    out, pos = set(), 0
    for i, s in enumerate(sentences):
        if i:
            out.add(pos)
        pos += len(_WS.sub("", s))
    return out


def boundary_prf(hyp: Sequence[str], gold: Sequence[str]) -> PRF:
    h, g = boundary_positions(hyp), boundary_positions(gold)
    return PRF(len(h & g), len(h), len(h & g), len(g))


def exact_match(hyp: Sequence[str], gold: Sequence[str]) -> bool:
    return [fold(s) for s in hyp if fold(s)] == [fold(s) for s in gold if fold(s)]
