"""The aligner's fast kernels against small reference implementations (the
per-cell code they replaced): the same paths, the same evidence, the same keys.

Scores are drawn from a few values so that ties are frequent: the kernels must
break them as the reference does (the earlier bead type wins)."""
import random
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import CountingEncoder
from tm import align as A
from tm.align import features as F
from tm.align import scorer, search

REPO = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- references

NEG = -1e18


def reference_dp(n, m, lo, hi, types, score_fn):
    """The search as it was: every cell and type in turn, in plain Python."""
    cells = {}
    for i in range(n + 1):
        for j in range(lo[i], hi[i] + 1):
            cells[(i, j)] = len(cells)
    D = {c: NEG for c in cells}
    back, gap, sc = {}, {}, {}
    for t, (a, b) in enumerate(types):
        for (i, j) in cells:
            if i >= a and j >= b and (i - a, j - b) in cells:
                sc[(t, i, j)] = float(score_fn(a, b, np.array([i]), np.array([j]))[0])
    for i in range(n + 1):
        row = [j for j in range(lo[i], hi[i] + 1)]
        best = {j: NEG for j in row}
        second = {j: NEG for j in row}
        arg = {j: -1 for j in row}
        if i == 0 and row:
            best[row[0]] = 0.0 if lo[0] == 0 else NEG
        for t, (a, b) in enumerate(types):
            if a == 0:
                continue
            for j in row:
                s = sc.get((t, i, j), -np.inf)
                if not np.isfinite(s):
                    continue
                c = D[(i - a, j - b)] + s
                if c > best[j]:
                    second[j], best[j], arg[j] = best[j], c, t
                else:
                    second[j] = max(second[j], c)
        for t, (a, b) in enumerate(types):
            if a != 0:
                continue
            for j in row[b:]:
                s = sc.get((t, i, j), -np.inf)
                if s == -np.inf:
                    continue
                c = best[j - b] + s
                if c > best[j]:
                    second[j], best[j], arg[j] = best[j], c, t
                elif c > second[j]:
                    second[j] = c
        for j in row:
            D[(i, j)], gap[(i, j)], back[(i, j)] = best[j], best[j] - second[j], arg[j]
    out = []
    i, j = n, m
    while i > 0 or j > 0:
        t = back[(i, j)]
        if t < 0:
            raise RuntimeError("alignment band is disconnected")
        a, b = types[t]
        out.append((i - a, i, j - b, j, sc[(t, i, j)], min(gap[(i, j)], 10.0)))
        i, j = i - a, j - b
    return out[::-1]


def reference_band(points, n, m, width):
    lo = np.full(n + 1, m, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    for i, j in points:
        lo[i] = min(lo[i], j)
        hi[i] = max(hi[i], j)
    have = hi >= lo
    if not have.any():
        lo[:] = 0
        hi[:] = m
    else:
        idx = np.nonzero(have)[0]
        lo = np.floor(np.interp(np.arange(n + 1), idx, lo[idx])).astype(np.int64)
        hi = np.ceil(np.interp(np.arange(n + 1), idx, hi[idx])).astype(np.int64)
    lo = np.minimum.accumulate(np.clip(lo - width, 0, m)[::-1])[::-1]
    hi = np.maximum.accumulate(np.clip(hi + width, 0, m))
    lo[0] = 0
    hi[n] = m
    for i in range(n):
        if lo[i + 1] > hi[i]:
            hi[i] = lo[i + 1]
    return lo, np.maximum.accumulate(hi)


def reference_evidence(sc, a, b, I, J):
    """_Scorer.evidence as it was: one cell at a time."""
    o, src, tgt = sc.opt, sc.src, sc.tgt
    out = np.zeros(len(I))
    for k, (i, j) in enumerate(zip(I.tolist(), J.tolist())):
        e = 0.0
        if sc.has_numbers:
            ns = frozenset().union(*src.numbers[i - a:i])
            nt = frozenset().union(*tgt.numbers[j - b:j])
            if ns or nt:
                w = sc.num_w
                match = sum(w[x] for x in ns & nt)
                miss = sum(w[x] for x in ns ^ nt)
                e += o.w_numbers * (match - miss) / (match + miss + 1.0)
        if sc.use_vecs and o.w_names:
            ns = frozenset().union(*src.names[i - a:i])
            nt = frozenset().union(*tgt.names[j - b:j])
            if ns and nt:
                e += o.w_names * 2 * len(ns & nt) / (len(ns) + len(nt))
        if sc.has_anchors:
            ns = frozenset().union(*src.anchors[i - a:i])
            nt = frozenset().union(*tgt.anchors[j - b:j])
            if ns or nt:
                e += o.w_anchors * (2 * len(ns & nt) - len(ns ^ nt)) / (len(ns) + len(nt))
        out[k] = e
    if o.w_paragraph and (src.paragraphs is not None or tgt.paragraphs is not None):
        cross = np.zeros(len(I))
        if a > 1:
            cross += sc.sp[I - 1] != sc.sp[I - a]
        if b > 1:
            cross += sc.tp[J - 1] != sc.tp[J - b]
        out -= o.w_paragraph * cross
    return out


def reference_lexical_vectors(side):
    out = np.zeros((side.n, F.LEX_DIM), dtype=np.float32)
    for i in range(side.n):
        for key in side.names[i] | {"#" + k for k in side.numbers[i]}:
            h = zlib.crc32(key.encode("utf-8"))
            out[i, h % F.LEX_DIM] += 1.0 if (h >> 16) & 1 else -1.0
    return search._unit(out)


def reference_name_keys(text, lang, prefix=5):
    keys = set()
    words = F._WORD.findall(text)
    for k, w in enumerate(words):
        if len(w) >= 6 or (k > 0 and w[:1].isupper() and len(w) >= 3):
            r = reference_romanise(w, lang)
            if len(r) >= 3:
                keys.add(r[:prefix])
    return frozenset(keys)


def reference_romanise(word, lang):
    import re
    import unicodedata
    if any("\u0400" <= c <= "\u04ff" for c in word):
        table = F._translit_table(lang) or F._translit_table("ru")
        word = "".join(table.get(c, c) for c in word.lower())
    w = unicodedata.normalize("NFKD", word)
    w = "".join(c for c in w if not unicodedata.combining(c)).lower()
    w = w.replace("ß", "ss")
    for x, y in F._FOLDS:
        w = w.replace(x, y)
    return re.sub(r"(.)\1", r"\1", w)


# --------------------------------------------------------------------------- helpers


def random_band(rng, n, m):
    if rng.random() < 0.3:
        return np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64)
    # a random monotone path and a band around it
    pts, i, j = [(0, 0)], 0, 0
    while (i, j) != (n, m):
        step = rng.choice([(1, 1), (1, 0), (0, 1)])
        i, j = min(n, i + step[0]), min(m, j + step[1])
        pts.append((i, j))
    return search._band_from_points(pts, n, m, rng.randint(0, 3))


def discrete_scores(rng, values=(-1.0, -0.5, 0.0, 0.25, 0.5, 1.0)):
    table = {}

    def score(a, b, I, J):
        out = []
        for i, j in zip(I.tolist(), J.tolist()):
            key = (a, b, i, j)
            if key not in table:
                table[key] = -np.inf if rng.random() < 0.05 else rng.choice(values)
            out.append(table[key])
        return np.array(out)
    return score


# --------------------------------------------------------------------------- the search


@pytest.mark.parametrize("python_rows", [0, 99])
def test_dp_matches_the_reference_search(monkeypatch, python_rows):
    monkeypatch.setattr(search, "_PYTHON_ROWS_MAX_TYPES", python_rows)   # numpy rows, then Python rows
    rng = random.Random(11 + python_rows)
    for trial in range(120):
        n, m = rng.randint(1, 14), rng.randint(1, 14)
        lo, hi = random_band(rng, n, m)
        types = A.BEAD_TYPES if trial % 2 else ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2))
        score = discrete_scores(rng)
        try:
            want = reference_dp(n, m, lo, hi, types, score)
        except (RuntimeError, KeyError):
            continue
        assert search._dp(n, m, lo, hi, types, score) == want, trial


def test_first_pass_search_matches_the_general_one():
    rng = random.Random(5)
    for trial in range(150):
        n, m = rng.randint(1, 16), rng.randint(1, 16)
        lo, hi = random_band(rng, n, m)
        score = discrete_scores(rng, (-0.5, -0.2, 0.0, 0.2, 0.5))

        def full(a, b, I, J):
            return score(a, b, I, J) if a and b else np.zeros(len(I))
        try:
            want = reference_dp(n, m, lo, hi, ((1, 1), (1, 0), (0, 1)), full)
        except (RuntimeError, KeyError):
            continue
        got = search._path_dp(n, m, lo, hi, lambda I, J: score(1, 1, I, J))
        assert got == [(0, 0)] + [(b[1], b[3]) for b in want], trial


def test_band_from_points_matches_the_reference():
    rng = random.Random(3)
    for _ in range(200):
        n, m = rng.randint(1, 30), rng.randint(1, 30)
        pts = [(rng.randint(0, n), rng.randint(0, m)) for _ in range(rng.randint(0, 12))]
        width = rng.randint(0, 5)
        got = search._band_from_points(pts, n, m, width)
        want = reference_band(pts, n, m, width)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


# --------------------------------------------------------------------------- the bead score


def random_sides(rng, n, m, with_anchors=True, paragraphs=True, many_keys=False):
    vocab_num = ["1", "2", "25", "m7", "2024", "6500", "1.5"]
    vocab_name = ["tasma", "bishk", "minsk", "almat", "kolle", "secur", "regio"]
    vocab_anc = ["csto", "interaction:2024", "council"]
    if many_keys:   # more keys than a byte or a 64-bit word holds (a release has about 190 names)
        vocab_name = [f"n{k:03d}" for k in range(300)]
        vocab_anc = [f"a{k:02d}" for k in range(70)]
    most = 12 if many_keys else 3

    def sets(vocab, p):
        return [frozenset(rng.sample(vocab, rng.randint(1, min(most, len(vocab))))) if rng.random() < p else frozenset()
                for _ in range(n)]
    out = []
    for k in (n, m):
        texts = ["x" * rng.randint(5, 80) for _ in range(k)]
        side = F._side(texts, "en", None, sorted(rng.randint(0, 3) for _ in range(k)) if paragraphs else None)
        side.numbers = sets(vocab_num, 0.4)[:k] + [frozenset()] * max(0, k - n)
        side.names = sets(vocab_name, 0.7)[:k] + [frozenset()] * max(0, k - n)
        side.anchors = (sets(vocab_anc, 0.3)[:k] + [frozenset()] * max(0, k - n)) if with_anchors else [frozenset()] * k
        out.append(side)
    return out


@pytest.mark.parametrize("many_keys", [False, True])
@pytest.mark.parametrize("use_vecs", [True, False])
def test_evidence_matches_the_per_cell_computation(use_vecs, many_keys):
    rng = random.Random(17 + use_vecs + 2 * many_keys)
    for trial in range(40):
        n, m = rng.randint(1, 12), rng.randint(1, 12)
        src, tgt = random_sides(rng, n, m, with_anchors=trial % 3 != 0, paragraphs=trial % 2 == 0,
                                many_keys=many_keys)
        sc = scorer._Scorer(src, tgt, A.Options(), 2.0)
        sc.use_vecs = use_vecs
        for a, b in A.BEAD_TYPES:
            if not a or not b:
                continue
            cells = [(i, j) for i in range(a, n + 1) for j in range(b, m + 1)]
            if not cells:
                continue
            I = np.array([c[0] for c in cells])
            J = np.array([c[1] for c in cells])
            np.testing.assert_allclose(sc.evidence(a, b, I, J), reference_evidence(sc, a, b, I, J),
                                       rtol=0, atol=1e-14)


def test_band_similarities_match_the_gathered_ones():
    rng = np.random.default_rng(2)
    for trial in range(20):
        n, m = int(rng.integers(2, 40)), int(rng.integers(2, 40))
        texts = [[f"Name{int(x)} Place{int(y)} {int(z)}" for x, y, z in rng.integers(0, 12, (k, 3))] for k in (n, m)]
        src, tgt = F._side(texts[0], "en", None, None), F._side(texts[1], "en", None, None)
        for side in (src, tgt):
            side.vecs = F._lexical_vectors(side)
            for k in (1, 2, 3, 4):
                side.windows[k] = F._mean_window_vectors(side, k)
        sc = scorer._Scorer(src, tgt, A.Options(), 2.0)
        lo, hi = random_band(random.Random(trial), n, m)
        cells_i, cells_j, _ = search._band_cells(lo, hi)
        sc.prepare(lo, hi)
        assert sc._band is not None
        for a, b in A.BEAD_TYPES:
            if not a or not b:
                continue
            ok = (cells_i >= a) & (cells_j >= b)
            I, J = cells_i[ok], cells_j[ok]
            if len(I) == 0:
                continue
            fast = sc.semantic(a, b, I, J)
            band, sc._band = sc._band, None
            slow = sc.semantic(a, b, I, J)
            sc._band = band
            np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-5)
        # cells outside the band are computed directly
        dots = search._BandDots([(src.windows[1], tgt.windows[1])], lo, hi)
        I, J = np.arange(n + 1), np.zeros(n + 1, dtype=np.int64) + m
        np.testing.assert_allclose(dots.get(0, I, J),
                                   np.einsum("ij,ij->i", src.windows[1][I], tgt.windows[1][J]), atol=1e-6)


# --------------------------------------------------------------------------- per-sentence keys

WORDS = ["Тасмагамбетов", "Tasmagambetov", "Щучинск", "Shchuchinsk", "Алматы", "Almaty", "Müller", "Straße",
         "Kolléktiv", "ОДКБ", "CSTO", "Минск", "the", "secretary", "Générale", "ёлка", "Қазақстан", "İstanbul",
         "naïve", "Œuvre", "x", "Ab", "Abc", "Abcdef", "1999", "6 500", "25 июля", "July", "mars", "Ё"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=8), max_size=12), st.sampled_from(["ru", "en", "de", "xx"]))
def test_name_keys_match_the_reference(words, lang):
    text = " ".join(words)
    assert F.name_keys(text, lang) == reference_name_keys(text, lang)
    assert F.name_keys(text, lang) == reference_name_keys(text, lang)   # from the word cache too


def test_number_keys_of_text_without_digits_are_empty():
    assert F.number_keys("25 июля", "ru") and F.number_keys("Двадцать пятого июля", "ru") == frozenset()


def test_lexical_vectors_match_the_reference():
    rng = random.Random(9)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 8))) for _ in range(60)]
    for lang in ("ru", "en"):
        side = F._side(texts, lang, None, None)
        assert np.array_equal(F._lexical_vectors(side), reference_lexical_vectors(side))


# --------------------------------------------------------------------------- document confidence


class NoEncoder(A.Usem3):
    def __call__(self, units):
        raise AssertionError("the encoder was called")


def test_document_confidence_without_embeddings_encodes_nothing():
    no_encoder = NoEncoder()
    ru = ["Генеральный секретарь ОДКБ Имангали Тасмагамбетов прибыл в Бишкек 25 июля 2024 года.",
          "В учениях приняли участие 6 500 военнослужащих."]
    en = ["CSTO Secretary General Imangali Tasmagambetov arrived in Bishkek on 25 July 2024.",
          "6,500 troops took part in the exercise."]
    other = ["The weather in Lisbon was mild.", "Tourists visited the old harbour of Porto."]
    beads = A.align(ru, en, "ru", "en", use_embeddings=False, encode=no_encoder)
    assert A.document_confidence(ru, en, beads, "ru", "en", use_embeddings=False,
                                 encode=no_encoder) >= A.WRONG_PAIRING_THRESHOLD
    wrong = A.align(ru, other, "ru", "en", use_embeddings=False, encode=no_encoder)
    assert A.document_confidence(ru, other, wrong, "ru", "en", use_embeddings=False,
                                 encode=no_encoder) < A.WRONG_PAIRING_THRESHOLD


def _corpus_pairs(folder):
    from tm.corpus import load_corpus
    from tm.segment import segment_release
    return [(src.release_id, [s.text for s in segment_release(src)], [s.text for s in segment_release(tgt)])
            for src, tgt in load_corpus(folder, "ru", "en").pairs]


def _no_embeddings_confidence(s, t, encode=None):
    """The wrong-pairing test of --mode no-embeddings: lexical beads, a sample of them encoded."""
    beads = A.align(s, t, "ru", "en", use_embeddings=False, encode=NoEncoder())
    return A.document_confidence(s, t, beads, "ru", "en", sample=A.DOCUMENT_SAMPLE, encode=encode)


def test_a_wrong_pairing_is_caught_without_embeddings_in_the_aligner():
    pairs = dict((rid, (s, t)) for rid, s, t in _corpus_pairs(REPO / "tests" / "robustness" / "cases" / "wrong-pairing"))
    s, t = pairs["2024-08-14-secretariat-meeting"]
    assert _no_embeddings_confidence(s, t) < A.WRONG_PAIRING_THRESHOLD
    s, t = pairs["2024-09-20-peacekeeping-courses"]       # the true pair beside it passes
    assert _no_embeddings_confidence(s, t) >= A.WRONG_PAIRING_THRESHOLD


def test_without_embeddings_in_the_aligner_true_pairs_pass_and_cross_pairings_do_not():
    pairs = _corpus_pairs(REPO / "corpora" / "csto")
    for rid, s, t in pairs:
        assert _no_embeddings_confidence(s, t) >= A.WRONG_PAIRING_THRESHOLD, rid
    for k, (rid, s, _) in enumerate(pairs):
        for rid2, _, t2 in pairs[k + 1:k + 4]:             # each release with three others' English
            assert _no_embeddings_confidence(s, t2) < A.WRONG_PAIRING_THRESHOLD, (rid, rid2)


def test_the_sample_encodes_only_that_many_beads():
    (rid, s, t), = _corpus_pairs(REPO / "corpora" / "csto")[:1]
    counting = CountingEncoder()
    _no_embeddings_confidence(s, t, encode=counting)
    assert counting.calls == [2 * A.DOCUMENT_SAMPLE]       # both sides' beads, in one call
