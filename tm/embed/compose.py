"""Windows, several consecutive sentences read as one text, composed exactly
from their sentences instead of being encoded from scratch.

The encoder is a two-layer n-gram CNN over tokens whose per-token features are
summed, so a token's feature depends only on the tokens within RECEPTIVE
positions of it: a window's feature sum is its first sentence's head, every
sentence's middle, its last sentence's tail, and at each junction of two
sentences the features of the few tokens that see across it (computed once per
junction). The composed vector equals the vector of the joined text up to float
rounding (tests/test_embed.py). Around a sentence too short to have a stable
middle, the whole gap between its neighbours' middles is computed in context; a
window whose text does not tokenise as the concatenation of its sentences is
encoded as a text of its own (`encode_direct`).
"""
from __future__ import annotations

import unicodedata
from typing import Callable

import numpy as np

from .model import BOS_ID, DIM, EOS_ID, RECEPTIVE, Model, _Parts, gap_sums, junction_sums


def compose_sums(model: Model, spans, texts, units, by_text, encode_direct: Callable[[list[str]], np.ndarray]):
    """The windows texts[k] = units[a:b] (spans[k] = (a, b)) up to the model's output
    layers; by_text: a unit's text -> (vector, _Parts) from its forward pass.
    Returns (vectors, rows, sums, n_tok): the windows encoded as texts of their own
    (encode_direct) have their vectors; rows are the composed ones, whose vectors
    are model.head(sums, n_tok) (the caller runs it, with other rows)."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    # A window that is its sentences joined by single spaces tokenises as their
    # concatenation (sentencepiece never merges pieces across a space); any
    # other window text is tokenised and compared.
    joined = [k for k, (a, b) in enumerate(spans) if texts[k] == " ".join(units[a:b])
              and all(_plain_start(units[i]) for i in range(a + 1, b))]
    joined_set = set(joined)
    other = [k for k in range(len(texts)) if k not in joined_set]
    window_tokens = dict(zip(other, model.tokens([texts[k] for k in other]))) if other else {}
    direct: list[int] = []
    plans: list[tuple[int, list[_Parts]]] = []
    gap_index: dict[tuple, int] = {}
    for k, (a, b) in enumerate(spans):
        parts = [by_text[units[i]][1] if units[i] else None for i in range(a, b)]
        ok = all(p is not None for p in parts)
        if ok and k in window_tokens:
            ok = window_tokens[k][1:-1] == [t for p in parts for t in p.body]
        if not ok:
            direct.append(k)
            continue
        plans.append((k, _window_plan(parts, gap_index)))
    rows = np.array([k for k, _ in plans], dtype=np.int64)
    sums = np.empty((len(plans), DIM), dtype=np.float32)
    n_tok = np.empty(len(plans), dtype=np.int64)
    if plans:
        gap_vecs = np.zeros((len(gap_index), DIM), dtype=np.float32)
        junctions = [(g, what) for g, what in gap_index.values() if isinstance(what[0], _Parts)]
        others = [(g, what) for g, what in gap_index.values() if not isinstance(what[0], _Parts)]
        if junctions:
            gap_vecs[[g for g, _ in junctions]] = junction_sums(model, [what for _, what in junctions])
        if others:
            gap_vecs[[g for g, _ in others]] = gap_sums(model, [what for _, what in others])
        for r, (k, (stable, gaps, n)) in enumerate(plans):
            acc = stable[0]
            for v in stable[1:]:
                acc = acc + v
            for g in gaps:
                acc = acc + gap_vecs[g]
            sums[r] = acc
            n_tok[r] = n
    if direct:
        out[direct] = encode_direct([texts[k] for k in direct])
    return out, rows, sums, n_tok


def _window_plan(parts: list[_Parts], gap_index: dict) -> tuple[list, list[int], int]:
    """How a window's feature sum is made: (stored partial sums, gap ids, token
    count). The stable stretches are the middles of long sentences (and the
    stored head of a long first sentence, tail of a long last one); every other
    token belongs to a gap, computed in context and shared between windows
    through gap_index: a junction of two long sentences by junction_sums,
    any other gap (around short sentences) by gap_sums."""
    tokens = [BOS_ID]
    cuts = []              # (start, end, unit) of stable token stretches in `tokens`
    sums = []
    for u, p in enumerate(parts):
        at = len(tokens)
        tokens.extend(p.body)
        if p.mid is not None and len(p.body) > 2 * RECEPTIVE:
            cuts.append((at + RECEPTIVE, at + len(p.body) - RECEPTIVE, u))
            sums.append(p.mid)
    tokens.append(EOS_ID)
    n = len(tokens)
    # the stored head/tail of a long sentence at the window's edge are exact as they are
    if cuts and cuts[0][0] == 1 + RECEPTIVE:
        cuts.insert(0, (0, 1 + RECEPTIVE, -1))
        sums.append(parts[0].head)
    if cuts and cuts[-1][1] == n - 1 - RECEPTIVE and cuts[-1][2] == len(parts) - 1:
        cuts.append((n - 1 - RECEPTIVE, n, -1))
        sums.append(parts[-1].tail)
    gaps = []
    at, before = 0, -1
    for s0, e0, u in cuts + [(n, n, -1)]:
        if s0 > at:
            if before >= 0 and u == before + 1:     # the junction of two long sentences
                key = ("junction", parts[before].body, parts[u].body)
                gap_index.setdefault(key, (len(gap_index), (parts[before], parts[u])))
            else:
                key = (tuple(tokens[max(0, at - RECEPTIVE):at]), tuple(tokens[at:s0]),
                       tuple(tokens[s0:s0 + RECEPTIVE]))
                gap_index.setdefault(key, (len(gap_index), key))
            gaps.append(gap_index[key][0])
        at, before = max(at, e0), u
    if not sums:
        sums.append(np.zeros(DIM, dtype=np.float32))
    return sums, gaps, n


def _plain_start(text: str) -> bool:
    """A text whose first character cannot combine with a space before it."""
    return bool(text) and not unicodedata.combining(text[0]) and unicodedata.category(text[0])[0] != "Z"
