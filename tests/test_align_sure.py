"""Sure regions (tm/align/sure.py): the cheap pass's sure 1-1 beads are kept and
their sentences not encoded; the rest is aligned as the default always was."""
import numpy as np
import pytest

from helpers import CountingEncoder, assert_covers
from test_align import press_docs, score
from tm import align as A
from tm.align import features as F
from tm.align.calibration import logistic_probability
from tm.align.sure import SureScorer, gaps, sure_beads


@pytest.fixture(scope="module")
def docs():
    return press_docs()


def cheap_path(s, t, sp, tp):
    return A.align_raw(s, t, "ru", "en", src_paragraphs=sp, tgt_paragraphs=tp, use_embeddings=False)[0]


def test_sure_beads_are_right_on_the_press_gold_and_never_rest_on_length_alone(docs):
    threshold, content = A.Options().sure, A.Options().sure_content
    sure = right = 0
    likely_by_length = []      # 1-1 beads the lexical fit finds likely on their length alone
    for _, s, t, gold, sp, tp in docs:
        raw = cheap_path(s, t, sp, tp)
        g = {(b.src, b.tgt) for b in gold}
        picked = set(sure_beads(raw, threshold, content))
        for r in sorted(picked):
            i0, i1, j0, j1, score_, _ = raw[r]
            assert (i1 - i0, j1 - j0) == (1, 1) and score_ > content
            sure += 1
            right += ((i0,), (j0,)) in g
        nbrs = A.one_one_neighbours([(i1 - i0, j1 - j0) for i0, i1, j0, j1, _, _ in raw])
        likely_by_length += [r in picked for r, ((i0, i1, j0, j1, score_, gap), k) in enumerate(zip(raw, nbrs))
                             if (i1 - i0, j1 - j0) == (1, 1) and score_ <= A.Options().lexical_length
                             and logistic_probability(score_, gap, 1, 1, "lexical", k) >= threshold]
    # the press gold: about a quarter of its beads are sure, and all of them right
    assert sure >= 80
    assert right == sure
    # such beads exist, and none of them is sure
    assert likely_by_length and not any(likely_by_length)


def test_short_runs_between_sure_beads_are_sure_and_right_on_the_press_gold(docs):
    opt = A.Options()
    between = 0
    for _, s, t, gold, sp, tp in docs:
        raw = cheap_path(s, t, sp, tp)
        g = {(b.src, b.tgt) for b in gold}
        by_content = sure_beads(raw, opt.sure, opt.sure_content)
        runs = sorted(set(sure_beads(raw, opt.sure, opt.sure_content, opt.sure_between)) - set(by_content))
        for r in runs:
            i0, i1, j0, j1 = raw[r][:4]
            assert (i1 - i0, j1 - j0) == (1, 1) and ((i0,), (j0,)) in g
            # between two sure beads, at most sure_between beads from each
            assert [q for q in by_content if q < r] and [q for q in by_content if q > r]
            before, after = max(q for q in by_content if q < r), min(q for q in by_content if q > r)
            assert after - before - 1 <= opt.sure_between
        between += len(runs)
    assert between >= 20      # the runs add a good share to the sure beads (99 by content)


def bead(i, score, gap=10.0, a=1, b=1):
    return (i, i + a, i, i + b, score, gap)


def test_a_run_is_sure_only_between_sure_beads_and_when_every_bead_of_it_is_likely():
    content = 0.4
    # beads 0 and 3 share content; 1 and 2 have a likely length alone (probability about 0.97)
    path = [bead(0, 0.6), bead(1, 0.3), bead(2, 0.3), bead(3, 0.6), bead(4, 0.3)]
    assert sure_beads(path, 0.9, content) == [0, 3]
    assert sure_beads(path, 0.9, content, between=2) == [0, 1, 2, 3]   # 4: no sure bead after it
    assert sure_beads(path, 0.9, content, between=1) == [0, 3]         # a run longer than allowed
    longer = [bead(0, 0.6), bead(1, 0.3), bead(2, 0.3), bead(3, 0.3), bead(4, 0.6)]
    assert sure_beads(longer, 0.9, content, between=3) == [0, 1, 2, 3, 4]
    longer[2] = bead(2, -0.2, gap=0.0)                                   # probability under 0.9
    assert sure_beads(longer, 0.9, content, between=3) == [0, 4]
    merged = [bead(0, 0.6), bead(1, 0.6), bead(2, 0.3, a=2), bead(4, 0.6), bead(5, 0.6)]
    assert sure_beads(merged, 0.9, content, between=4) == [0, 4]       # a 2-1 bead is never sure


def test_sure_sentences_are_not_encoded_and_their_beads_are_kept(docs):
    _, s, t, gold, sp, tp = max(docs, key=lambda d: len(d[1]))
    recording = CountingEncoder()
    beads, evidence = A.align_with_evidence(s, t, "ru", "en", encode=recording, src_paragraphs=sp, tgt_paragraphs=tp)
    assert_covers(beads, len(s), len(t))
    sure = [b for b, e in zip(beads, evidence) if e == "sure"]
    raw = cheap_path(s, t, sp, tp)
    opt = A.Options()
    expected = {((raw[r][0],), (raw[r][2],)) for r in sure_beads(raw, opt.sure, opt.sure_content, opt.sure_between)}
    assert {(b.src, b.tgt) for b in sure} == expected and expected
    # the aligner's one encoder call: every sentence but the sure ones
    def unit(text):
        return F._for_encoder(F._norm_text(text))
    wanted = [unit(s[i]) for i in range(len(s)) if all(i not in b.src for b in sure)] + \
             [unit(t[j]) for j in range(len(t)) if all(j not in b.tgt for b in sure)]
    assert recording.units[0] == wanted
    assert len(wanted) < len(s) + len(t)
    # sure beads are right on this gold, and calibrated to be exported
    g = {(b.src, b.tgt) for b in gold}
    assert all(b.score >= A.DEFAULT_MIN_SCORE and (b.src, b.tgt) in g for b in sure)
    # the full mode encodes every sentence
    everything = CountingEncoder()
    A.align(s, t, "ru", "en", encode=everything, src_paragraphs=sp, tgt_paragraphs=tp, **A.MODES["full"])
    assert everything.units[0] == [unit(x) for x in s] + [unit(x) for x in t]


def test_the_press_gold_floor_holds_in_both_modes(docs):
    for options in (A.MODES["default"], A.MODES["full"]):
        hyps = [A.align(s, t, "ru", "en", src_paragraphs=sp, tgt_paragraphs=tp, **options)
                for _, s, t, _, sp, tp in docs]
        assert score([(h, d[3]) for h, d in zip(hyps, docs)]).f1 >= 0.98, options


def test_wrong_pairings_are_found_as_the_pipeline_reads_them(docs):
    # tm/pipeline/pair.py: the sure beads' sentences are not encoded for the
    # document confidence either; each release with the next one's English
    for k, (rid, s, t, _, sp, tp) in enumerate(docs):
        beads, ev = A.align_with_evidence(s, t, "ru", "en", src_paragraphs=sp, tgt_paragraphs=tp)
        unencoded = [i for i, e in enumerate(ev) if e == "sure"]
        assert A.document_confidence(s, t, beads, "ru", "en", unencoded=unencoded) >= A.WRONG_PAIRING_THRESHOLD
        _, _, t2, _, _, tp2 = docs[(k + 1) % len(docs)]
        beads, ev = A.align_with_evidence(s, t2, "ru", "en", src_paragraphs=sp, tgt_paragraphs=tp2)
        unencoded = [i for i, e in enumerate(ev) if e == "sure"]
        assert A.document_confidence(s, t2, beads, "ru", "en", unencoded=unencoded) < A.WRONG_PAIRING_THRESHOLD, rid


def test_gaps_are_the_regions_between_sure_beads():
    # sure beads start at (2, 2), (3, 3) and (7, 8): source 2, 3, 7 with target 2, 3, 8
    assert gaps([(2, 2), (3, 3), (7, 8)], 10, 12) == [(0, 2, 0, 2), (4, 7, 4, 8), (8, 10, 9, 12)]
    assert gaps([(0, 0), (1, 1)], 2, 2) == []
    assert gaps([], 3, 4) == [(0, 3, 0, 4)]


def test_no_bead_but_the_sure_one_covers_a_sure_sentence():
    class Ones:
        def __call__(self, a, b, I, J):
            return np.ones(len(I))
    scorer = SureScorer(Ones(), 4, 4, [(1, 1, 0.5)])     # source 1 with target 1
    one = np.array([1])

    def at(a, b, i, j):
        return float(scorer(a, b, one * i, one * j)[0])
    assert at(1, 1, 2, 2) == 0.5            # the sure bead itself: its cheap score
    assert at(1, 1, 1, 1) == 1.0            # before it: the inner scorer
    assert at(1, 1, 3, 3) == 1.0            # after it
    assert at(2, 1, 2, 1) == -np.inf        # a merge taking source 1
    assert at(1, 2, 2, 2) == -np.inf        # source 1 with targets 0 and 1
    assert at(0, 1, 1, 2) == -np.inf        # target 1 left out
    assert at(1, 0, 2, 1) == -np.inf        # source 1 left out
    assert at(1, 0, 3, 2) == 1.0            # source 2 left out


@pytest.mark.parametrize("mode, stacked", [("default", True), ("full", True), ("full", False),
                                           ("cascade", True), ("no-embeddings", True)])
def test_every_bead_type_scored_in_one_call_gives_the_numbers_of_one_type_at_a_time(docs, monkeypatch, mode,
                                                                                   stacked):
    """search._dp scores the two-sided bead types in one `many` call; on the press gold,
    every search of every mode gets from it exactly what __call__ gives type by type
    (the same floats, -inf included), through SureScorer and without it, with the
    window vectors stacked and (a long document's way) without."""
    from tm.align import scorer, search

    if not stacked:
        monkeypatch.setattr(scorer, "STACK_MAX_ROWS", 0)

    real_dp = search._dp
    checked = []

    def checking_dp(n, m, lo, hi, types, score_fn):
        assert hasattr(score_fn, "many")
        score_fn.prepare(np.asarray(lo), np.asarray(hi))
        cells_i, cells_j, _ = search._band_cells(np.asarray(lo), np.asarray(hi))
        A_, B_, I_, J_, one_type = [], [], [], [], []
        for a, b in types:
            if a and b:
                ok = (cells_i >= a) & (cells_j >= b)
                I, J = cells_i[ok], cells_j[ok]
                one_type.append(score_fn(a, b, I, J))
                A_.append(np.full(len(I), a))
                B_.append(np.full(len(I), b))
                I_.append(I)
                J_.append(J)
        in_one_call = score_fn.many(*map(np.concatenate, (A_, B_, I_, J_)))
        assert np.array_equal(np.concatenate(one_type), in_one_call)
        checked.append(len(in_one_call))
        return real_dp(n, m, lo, hi, types, score_fn)

    monkeypatch.setattr(A, "_dp", checking_dp)
    for _, s, t, _, sp, tp in docs[:6]:
        A.align_raw(s, t, "ru", "en", src_paragraphs=sp, tgt_paragraphs=tp, **A.MODES[mode])
    assert sum(checked) > 1000
