"""The sentence aligner: coverage for any input, the evidence it uses, and the
accuracy floors on the gold sets (press releases, Text+Berg de-fr, OPUS en-ru)."""
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tm import align as A
from tm.align_features import name_keys, number_keys, romanise
from tm.metrics import PRF, alignment_prf, read_beads
from tm.models import Bead

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BENCH = SHARED / "bench" / "align"


def check_cover(beads, n, m):
    """Every index of both sides exactly once, in order, consecutive inside beads."""
    src = [i for b in beads for i in b.src]
    tgt = [j for b in beads for j in b.tgt]
    assert src == list(range(n))
    assert tgt == list(range(m))
    for b in beads:
        assert b.src or b.tgt
        assert 0.0 <= b.score <= 1.0
        assert list(b.src) == list(range(b.src[0], b.src[0] + len(b.src))) if b.src else True
        assert list(b.tgt) == list(range(b.tgt[0], b.tgt[0] + len(b.tgt))) if b.tgt else True


# --------------------------------------------------------------------------- coverage

sentence = st.one_of(st.just(""), st.just("   "), st.text(max_size=40),
                     st.sampled_from(["Учения начались 25 июля 2024 года.", "The exercise began on 25 July 2024.",
                                      "6 500 военнослужащих.", "6,500 troops.", "?", "«Цитата»"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(sentence, max_size=12), st.lists(sentence, max_size=12),
       st.sampled_from([("ru", "en"), ("de", "fr"), ("xx", "yy"), ("kk", "en")]))
def test_any_input_is_covered_in_order(src, tgt, langs):
    beads = A.align(src, tgt, *langs)
    check_cover(beads, len(src), len(tgt))


@settings(max_examples=15, deadline=None)
@given(st.lists(sentence, max_size=8), st.lists(sentence, max_size=8))
def test_any_input_is_covered_without_embeddings(src, tgt):
    check_cover(A.align(src, tgt, "ru", "en", use_embeddings=False), len(src), len(tgt))


def test_empty_sides():
    assert A.align([], [], "ru", "en") == []
    assert [b.format() for b in A.align(["a", "b"], [], "ru", "en")] == ["[0]:[]", "[1]:[]"]
    assert [b.format() for b in A.align([], ["x"], "ru", "en")] == ["[]:[0]"]


def test_very_different_lengths():
    src = [f"Предложение номер {k} о проведении учений." for k in range(200)]
    tgt = ["Sentence one.", "Sentence two."]
    check_cover(A.align(src, tgt, "ru", "en"), 200, 2)
    check_cover(A.align(tgt, src, "en", "ru"), 2, 200)


def test_long_document_uses_the_coarse_to_fine_band():
    # 3,000 x 3,000 would be 9 M cells for a dense matrix; the band keeps it linear
    src = [f"Раздел {k}. Участники обсудили вопрос номер {k}." for k in range(3000)]
    tgt = [f"Section {k}. Participants discussed item {k}." for k in range(3000)]
    beads = A.align(src, tgt, "ru", "en", use_embeddings=False)
    check_cover(beads, 3000, 3000)
    assert sum(b.src == b.tgt for b in beads) >= 2990


# --------------------------------------------------------------------------- evidence


@pytest.mark.parametrize("a, la, b, lb", [
    ("6 500 военнослужащих", "ru", "6,500 troops", "en"),
    ("6500 военнослужащих", "ru", "6.500 Soldaten", "de"),
    ("25.07.2024", "ru", "25 July 2024", "en"),
    ("«25 июля 2024 года»", "ru", "on 25 July 2024", "en"),
    ("1,5 тыс. человек", "ru", "1,500 people", "en"),
    ("1,5 тыс. человек", "ru", "1.5 thousand people", "en"),
    ("le 3 mars 2020", "fr", "am 3. März 2020", "de"),
])
def test_numbers_are_equal_across_languages(a, la, b, lb):
    assert number_keys(a, la) == number_keys(b, lb)
    assert number_keys(a, la)


def test_numbers_that_differ_stay_different():
    assert number_keys("6,5 млн", "ru") != number_keys("6,500", "en")
    assert number_keys("1,5", "ru") == number_keys("1.5", "en")
    assert number_keys("1,5", "ru") != number_keys("1,500", "en")
    # a bare month name is not a date
    assert number_keys("You may go.", "en") == frozenset()


def test_transliterated_names_match():
    assert romanise("Тасмагамбетов", "ru") == romanise("Tasmagambetov", "en")
    assert romanise("Матыбулак", "ru") == romanise("Matybulak", "en")
    assert romanise("Алматы", "ru") == romanise("Almaty", "en")
    assert romanise("Щучинск", "ru") == romanise("Shchuchinsk", "en")
    ru = name_keys("Генеральный секретарь Имангали Тасмагамбетов прибыл в Бишкек.", "ru")
    en = name_keys("Secretary General Imangali Tasmagambetov arrived in Bishkek.", "en")
    assert {"tasma", "imang", "bishk"} <= ru & en


RU = ["Генеральный секретарь ОДКБ Имангали Тасмагамбетов прибыл в Бишкек.",
      "В учениях принимают участие 6 500 военнослужащих и 300 единиц техники.",
      "Учения продлятся до 25 июля 2024 года.",
      "Церемония открытия состоялась на полигоне Матыбулак.",
      "Участники обсудили вопросы коллективной безопасности в регионе."]
EN = ["CSTO Secretary General Imangali Tasmagambetov arrived in Bishkek.",
      "The exercise involves 6,500 troops.", "300 pieces of equipment are also used.",
      "The exercise will last until 25 July 2024.",
      "The opening ceremony took place at the Matybulak training ground.",
      "The participants discussed collective security in the region."]


@pytest.mark.parametrize("emb", [True, False])
def test_one_to_two_split_is_found(emb):
    beads = A.align(RU, EN, "ru", "en", use_embeddings=emb)
    assert [b.format() for b in beads] == ["[0]:[0]", "[1]:[1, 2]", "[2]:[3]", "[3]:[4]", "[4]:[5]"]


def test_dropped_sentence_gives_one_to_zero():
    en = [EN[0], EN[1] + " " + EN[2], EN[4], EN[5]]   # the date sentence was not translated
    beads = A.align(RU, en, "ru", "en")
    assert [b.format() for b in beads] == ["[0]:[0]", "[1]:[1]", "[2]:[]", "[3]:[2]", "[4]:[3]"]


def test_unknown_language_pair_degrades_to_names_and_numbers():
    beads = A.align(RU, EN, "xx", "yy")
    check_cover(beads, len(RU), len(EN))
    assert "[0]:[0]" in [b.format() for b in beads]
    assert "[4]:[5]" in [b.format() for b in beads]


def test_unknown_option_is_an_error():
    with pytest.raises(TypeError):
        A.align(["a"], ["b"], "ru", "en", no_such_option=1)


def test_thresholds_are_ordered():
    assert 0.0 < A.DEFAULT_MIN_SCORE < A.FUZZY_SCORE <= 1.0
    assert 0.0 < A.WRONG_PAIRING_THRESHOLD < 1.0
