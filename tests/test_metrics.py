from pathlib import Path

import pytest

from tm.metrics import alignment_prf, boundary_prf, exact_match, read_beads
from tm.models import Bead

SHARED = Path(__file__).resolve().parents[2] / "shared"


def B(s, t):
    return Bead(tuple(s), tuple(t))


def test_bead_format_and_parse_round_trip():
    for text in ("[0]:[0]", "[1, 2]:[1]", "[3]:[]", "[]:[2]", "[4, 5, 6]:[7, 8]"):
        assert Bead.parse(text).format() == text
    assert Bead.parse("[0]:[0]:0.156").score == pytest.approx(0.156)
    assert Bead.parse("[0, 1]:[2]\t0.5") == Bead((0, 1), (2,), 0.5)
    assert Bead((0, 1), (2,)).kind == "2-1"


def test_strict_scores_by_hand():
    gold = [B([0], [0]), B([1, 2], [1]), B([3], []), B([4], [2])]
    hyp = [B([0], [0]), B([1], [1]), B([2], []), B([3], []), B([4], [2])]
    prf = alignment_prf(hyp, gold)
    # precision: [0]:[0], [3]:[], [4]:[2] are in gold -> 3/5;
    # recall over the 3 non-empty gold beads, against non-empty hyp beads -> 2/3
    assert (prf.tp_p, prf.n_p, prf.tp_r, prf.n_r) == (3, 5, 2, 3)
    assert prf.f1 == pytest.approx(2 * 0.6 * (2 / 3) / (0.6 + 2 / 3))


def test_lax_counts_overlapping_links_but_not_empty_beads():
    gold = [B([0], [0]), B([1, 2], [1]), B([3], [])]
    hyp = [B([0], [0]), B([1], [1]), B([2], []), B([3], [])]
    lax = alignment_prf(hyp, gold, lax=True)
    # [1]:[1] shares the link (1,1) with gold [1,2]:[1]; [2]:[] is not in gold
    assert (lax.tp_p, lax.n_p, lax.tp_r, lax.n_r) == (3, 4, 2, 2)


def test_boundaries_ignore_whitespace():
    gold = ["A b.", "C d."]
    assert boundary_prf(["A  b.", "C\nd."], gold).f1 == 1.0
    prf = boundary_prf(["A b. C d."], gold)
    assert (prf.tp_p, prf.n_p, prf.n_r) == (0, 0, 1) and prf.recall == 0.0
    assert exact_match(["A  b. ", "C d."], gold)
    assert not exact_match(["A b. C d."], gold)


def test_gold_scores_itself_perfectly():
    folder = SHARED / "bench/align/textberg-de-fr/test/gold"
    if not folder.is_dir():
        pytest.skip("shared benchmark data not present")
    for path in sorted(folder.iterdir()):
        gold = read_beads(path.read_text(encoding="utf-8"))
        assert alignment_prf(gold, gold).f1 == 1.0


def test_read_segmentation_gives_sentences_and_paragraphs():
    from tm.metrics import read_segmentation

    sents, paras = read_segmentation("Headline\n\nOne.\nTwo.\n\nThree.\n\n")
    assert sents == ["Headline", "One.", "Two.", "Three."]
    assert paras == [0, 1, 1, 2]
