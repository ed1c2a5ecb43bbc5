"""Exports (issue 6): TMX and PO writers, hygiene, profiles, duplicates, determinism.

The tests that drive real clients (xmllint, msgfmt/msgcat, OmegaT, translate-toolkit)
are in test_clients.py; these run with Python and lxml only."""
from __future__ import annotations

import os
from pathlib import Path

import polib
import pytest
from lxml import etree

from helpers import DTD_PATH, PAIRS_A, RELEASE_A, XML_LANG, hostile_units, make_units, sample_units
from tm import __version__
from tm.export import (
    PROFILES, SKIP_REASONS, clean_segment, format_profile_report, glossary_pairs, iter_plan, load_profile,
    omegat_glossary_text, profile_report, units_for, write_po, write_tmx,
)
from tm.models import AlignedRelease, Bead, Finding, InputError, Release, Sentence




def parse_tmx(path: Path):
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))


def tu_pairs(doc) -> list[tuple[str, str]]:
    return [tuple(tuv.findtext("seg") for tuv in tu.findall("tuv")) for tu in doc.iter("tu")]


def props(tu) -> dict[str, str]:
    return {p.get("type"): p.text for p in tu.findall("prop")}


@pytest.fixture
def dtd():
    if not DTD_PATH.exists():
        pytest.skip("../shared/schemas/tmx14.dtd not present")
    return etree.DTD(str(DTD_PATH))


# --- text hygiene -------------------------------------------------------------------------------

def test_clean_segment_removes_illegal_characters_and_counts_them():
    text = "\x01Учения\x1f\u00a0прошли\ud800 успешно\ufffe.\uffff\x7f\x85 "
    cleaned, removed = clean_segment(text)
    # \x01 \x1f \ud800 \ufffe \uffff and the C1/DEL controls \x7f \x85 are removed (7)
    assert cleaned == "Учения\u00a0прошли успешно."
    assert removed == 7


def test_clean_segment_keeps_spaces_as_the_source_has_them_but_not_line_breaks():
    assert clean_segment("  6\u00a0500 и 7\u202f000  человек \t")[0] == "6\u00a0500 и 7\u202f000  человек"
    assert clean_segment("первая строка\n  вторая\r\nтретья")[0] == "первая строка вторая третья"
    assert clean_segment("\t\n ") == ("", 0)


# --- units_for ----------------------------------------------------------------------------------

def _sentences(texts: list[str], lines: list[int]) -> list[Sentence]:
    out, pos = [], 0
    for i, (t, ln) in enumerate(zip(texts, lines)):
        out.append(Sentence(i, t, pos, pos + len(t), 0, ln))
        pos += len(t) + 1
    return out


def test_units_for_one_unit_per_bead_with_both_sides():
    ru = ["Заголовок сообщения", "Первое предложение.", "Второе предложение.", "Лишнее предложение."]
    en = ["Headline of the release", "The first and the second sentence.", "Extra sentence."]
    src = Release("2024-01-02-x", "ru", Path("ru/2024-01-02-x.txt"), "", [], date="2024-01-02")
    tgt = Release("2024-01-02-x", "en", Path("en/2024-01-02-x.txt"), "", [], date="2024-01-02")
    beads = [Bead((0,), (0,), 0.9), Bead((1, 2), (1,), 0.7), Bead((3,), (), 0.1), Bead((), (2,), 0.1)]
    aligned = AlignedRelease("2024-01-02-x", src, tgt, _sentences(ru, [1, 3, 3, 5]),
                             _sentences(en, [1, 3, 5]), beads)
    finding = Finding("2024-01-02-x", "missing-term", "error", "expected «X»\nfound Y", 1, 1,
                      ru[1], en[1])
    units = units_for(aligned, [finding], src_file="ru/2024-01-02-x.txt")
    assert [(u.source, u.target) for u in units] == [
        ("Заголовок сообщения", "Headline of the release"),
        ("Первое предложение. Второе предложение.", "The first and the second sentence."),
    ]
    assert units[1].bead_kind == "2-1" and units[1].src_indices == (1, 2) and units[1].tgt_indices == (1,)
    assert units[1].src_line == 3 and units[1].score == 0.7 and units[1].date == "2024-01-02"
    assert units[1].notes == ("missing-term: expected «X» found Y",)
    assert units[0].notes == ()


def test_units_for_puts_back_the_spaces_of_the_original_document():
    # The corpus reader normalised «6\u00a0500» to «6 500»; the unit must hold the NBSP
    # again, because that is what a CAT tool segments from the original file.
    ru_text = "Участвуют 6 500 военнослужащих. Учения начались."
    en_text = "6,500 servicemen take part. The exercise began."
    nbsp_at = ru_text.index("6 500") + 1
    src = Release("2024-01-03-y", "ru", Path("ru/2024-01-03-y.txt"), ru_text, [],
                  original_spaces={nbsp_at: "\u00a0", len(ru_text) - 9: "\u202f"})
    tgt = Release("2024-01-03-y", "en", Path("en/2024-01-03-y.txt"), en_text, [])
    s1, s2 = ru_text.split(". ")
    src_sents = [Sentence(0, s1 + ".", 0, len(s1) + 1, 0, 1),
                 Sentence(1, s2, len(s1) + 2, len(ru_text), 0, 1)]
    e1, e2 = en_text.split(". ")
    tgt_sents = [Sentence(0, e1 + ".", 0, len(e1) + 1, 0, 1), Sentence(1, e2, len(e1) + 2, len(en_text), 0, 1)]
    aligned = AlignedRelease("2024-01-03-y", src, tgt, src_sents, tgt_sents,
                             [Bead((0,), (0,), 0.9), Bead((1,), (1,), 0.9)])
    units = units_for(aligned, [], src_file="ru/2024-01-03-y.txt")
    assert units[0].source == "Участвуют 6\u00a0500 военнослужащих."
    # an offset that holds no space in the normalised text is left alone
    assert units[1].source == "Учения начались."
    assert units[0].target == "6,500 servicemen take part."


# --- TMX ----------------------------------------------------------------------------------------

def test_tmx_is_valid_and_carries_header_props_and_notes(tmp_path, dtd):
    path = tmp_path / "csto.tmx"
    stats = write_tmx(sample_units(), path, src_lang="ru", tgt_lang="en")
    doc = parse_tmx(path)
    assert dtd.validate(doc), dtd.error_log.filter_from_errors()
    assert doc.docinfo.doctype == '<!DOCTYPE tmx SYSTEM "tmx14.dtd">'
    header = doc.find("header").attrib
    assert dict(header) == {
        "creationtool": "tm", "creationtoolversion": __version__, "segtype": "sentence",
        "o-tmf": "tm", "adminlang": "en", "srclang": "ru", "datatype": "plaintext",
        "creationdate": "20230601T000000Z"}      # the latest release date
    tus = doc.findall("body/tu")
    # 8 units: the pair "Источник: пресс-служба ОДКБ." / "Source: CSTO press service." occurs in
    # both releases and is written once; the other "Источник" pair has a different target.
    assert len(tus) == 7 and stats.written == 7 and stats.skipped == {"duplicate": 1}
    assert stats.decisions == [None, None, None, None, None, None, None, "duplicate"]
    first = tus[1]
    assert first.get("tuid") == f"{RELEASE_A}:1" and first.get("creationdate") == "20230412T000000Z"
    assert props(first) == {"x-release": RELEASE_A, "x-release-date": "2023-04-12", "x-bead": "1-1",
                            "x-score": "0.950", "x-src-index": "1", "x-tgt-index": "1",
                            "x-src-file": f"ru/{RELEASE_A}.txt:3"}
    assert [n.text for n in first.findall("note")] == [
        "missing-term: «Совет министров иностранных дел» should be “Council of Foreign Ministers”"]
    assert props(tus[2])["x-bead"] == "1-2" and props(tus[2])["x-tgt-index"] == "2-3"
    dup = tus[3]
    assert props(dup)["x-occurrences"] == "2" and dup.get("tuid") == f"{RELEASE_A}:3"
    for tu in tus:
        langs = [tuv.get(XML_LANG) for tuv in tu.findall("tuv")]
        assert langs == ["ru", "en"]
        for seg in tu.iter("seg"):
            assert seg.text and seg.text == seg.text.strip()
    # the NBSP of «6 500» is written as the character itself, as in the source document
    assert "6\u00a0500" in tus[2].find("tuv/seg").text
    assert b"&nbsp;" not in path.read_bytes() and b"&#" not in path.read_bytes()


def test_tmx_keep_duplicates_and_min_score(tmp_path):
    units = sample_units()
    stats = write_tmx(units, tmp_path / "a.tmx", src_lang="ru", tgt_lang="en", keep_duplicates=True,
                      min_score=0.5)
    doc = parse_tmx(tmp_path / "a.tmx")
    assert stats.written == 7 and stats.skipped == {"below-threshold": 1}
    assert stats.decisions[4] == "below-threshold"          # the 0.42 bead
    assert "x-occurrences" not in "".join(props(tu).get("x-occurrences", "") and "x-occurrences"
                                          for tu in doc.iter("tu"))
    assert tu_pairs(doc).count(("Источник: пресс-служба ОДКБ.", "Source: CSTO press service.")) == 2


def test_duplicates_are_decided_after_the_other_filters():
    # The first occurrence is below the threshold: the second one is the one written.
    a = make_units("2020-01-01-a", [("Текст.", "Text.", "1-1", 0.1)])
    b = make_units("2020-01-02-b", [("Текст.", "Text.", "1-1", 0.9)])
    plan = list(iter_plan(a + b, "generic", min_score=0.5))
    assert [p.skip for p in plan] == ["below-threshold", None]
    assert plan[1].occurrences == 1


def test_tmx_is_byte_identical_on_rerun_and_ignores_the_clock(tmp_path, monkeypatch):
    write_tmx(sample_units(), tmp_path / "1.tmx", src_lang="ru", tgt_lang="en")
    write_tmx(sample_units(), tmp_path / "2.tmx", src_lang="ru", tgt_lang="en")
    assert (tmp_path / "1.tmx").read_bytes() == (tmp_path / "2.tmx").read_bytes()
    undated = [u.__class__(**{**u.__dict__, "date": None}) for u in sample_units()]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1")       # the environment is tm/config.py's to read
    write_tmx(undated, tmp_path / "3.tmx", src_lang="ru", tgt_lang="en",
              source_date_epoch="1700000000")       # 2023-11-14T22:13:20Z
    doc = parse_tmx(tmp_path / "3.tmx")
    assert doc.find("header").get("creationdate") == "20231114T221320Z"
    assert all(tu.get("creationdate") is None for tu in doc.iter("tu"))
    write_tmx(undated, tmp_path / "4.tmx", src_lang="ru", tgt_lang="en")
    assert parse_tmx(tmp_path / "4.tmx").find("header").get("creationdate") is None


def test_tmx_hostile_characters_are_removed_counted_and_the_rest_round_trips(tmp_path, dtd):
    path = tmp_path / "h.tmx"
    stats = write_tmx(hostile_units(), path, src_lang="ru", tgt_lang="en")
    raw = path.read_bytes()
    assert b"&#" not in raw and b"&nbsp;" not in raw
    doc = parse_tmx(path)
    assert dtd.validate(doc), dtd.error_log.filter_from_errors()
    assert tu_pairs(doc) == [
        ("Учения «Рубеж\u00a0&\u00a0<Щит>» ]]> начались.", "The exercise \u201cRubezh & <Shield>\u201d ]]> began."),
        ("Обычное предложение.", "An ordinary sentence."),
    ]
    # source: \x00 \x0b \ud800 \ufffe \x1b = 5; target: \x07 \udfff \uffff \x08 = 4;
    # the second unit: \x01 \x02 = 2 (its source is then empty)
    assert stats.illegal_chars_removed == 11
    assert stats.units_with_illegal_chars == 2
    assert stats.skipped == {"empty": 1} and stats.written == 2


def test_profiles_language_codes_and_length_limit(tmp_path):
    long_ru = "Предложение " * 166 + "окончено."       # 2,001 characters
    units = make_units("2021-05-05-long", [
        ("Короткое предложение.", "A short sentence.", "1-1", 0.9),
        (long_ru, "A very long sentence.", "1-1", 0.9),
        ("Р" * 2000, "Exactly two thousand characters on the other side.", "1-1", 0.9),
    ])
    assert len(long_ru) == 2001
    for profile, codes, written in (("generic", ("ru", "en"), 3), ("omegat", ("ru-RU", "en-GB"), 3),
                                    ("trados", ("ru-RU", "en-GB"), 2), ("memoq", ("ru-RU", "en-GB"), 3)):
        path = tmp_path / f"{profile}.tmx"
        stats = write_tmx(units, path, src_lang="ru", tgt_lang="en", profile=profile)
        doc = parse_tmx(path)
        assert doc.find("header").get("srclang") == codes[0]
        assert {tuv.get(XML_LANG) for tuv in doc.iter("tuv")} == set(codes)
        assert stats.written == written == len(doc.findall("body/tu")), profile
    assert stats.skipped == {}
    stats = write_tmx(units, tmp_path / "t.tmx", src_lang="ru", tgt_lang="en", profile="trados")
    assert stats.decisions == [None, "too-long", None]
    # regions are configurable per language; underscores never reach the file
    stats = write_tmx(units[:1], tmp_path / "us.tmx", src_lang="ru_RU", tgt_lang="en", profile="omegat",
                      regions={"en": "US"})
    assert {tuv.get(XML_LANG) for tuv in parse_tmx(tmp_path / "us.tmx").iter("tuv")} == {"ru-RU", "en-US"}
    assert load_profile("generic").lang_code("ru_RU") == "ru-RU"
    with pytest.raises(InputError):
        load_profile("wordfast")


def test_profile_report_counts_what_each_profile_drops():
    units = sample_units() + make_units("2021-05-05-long", [("Д" * 2500, "Long.", "1-1", 0.9)])
    report = profile_report(units, min_score=0.5)
    assert report["generic"].written == 7
    assert report["generic"].skipped == {"duplicate": 1, "below-threshold": 1}
    assert report["trados"].written == 6
    assert report["trados"].skipped == {"duplicate": 1, "below-threshold": 1, "too-long": 1}
    text = format_profile_report(report)
    assert "trados   ru-RU->en-GB: 6 of 9 units written; dropped: 1 below-threshold, 1 duplicate, 1 too-long" in text
    assert "generic  ru->en: 7 of 9 units written" in text


class _FailsOnSecondPass:
    """Re-iterable units whose second pass (the writing pass) breaks half-way."""

    def __init__(self, units):
        self.units, self.passes = units, 0

    def __iter__(self):
        self.passes += 1
        for n, u in enumerate(self.units):
            if self.passes >= 3 and n == 3:
                raise RuntimeError("disk on fire")
            yield u


def test_tmx_write_is_atomic(tmp_path):
    path = tmp_path / "out.tmx"
    path.write_text("previous export\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        write_tmx(_FailsOnSecondPass(sample_units()), path, src_lang="ru", tgt_lang="en")
    assert path.read_text(encoding="utf-8") == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tmx"]


def test_unwritable_folder_is_an_input_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError) as e:
            write_tmx(sample_units(), locked / "x.tmx", src_lang="ru", tgt_lang="en")
        assert "x.tmx" in str(e.value)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_tmx_accepts_a_one_shot_generator(tmp_path):
    stats = write_tmx((u for u in sample_units()), tmp_path / "g.tmx", src_lang="ru", tgt_lang="en")
    assert stats.written == 7


# --- PO -----------------------------------------------------------------------------------------

def test_po_entries_header_flags_and_context(tmp_path):
    path = tmp_path / f"{RELEASE_A}.po"
    units = make_units(RELEASE_A, PAIRS_A)
    stats = write_po(units, path, src_lang="ru", tgt_lang="en", fuzzy_below=0.9)
    assert stats.written == 6
    po = polib.pofile(str(path))
    assert po.metadata["Language"] == "en"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Content-Transfer-Encoding"] == "8bit"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert po.metadata["Project-Id-Version"] == RELEASE_A
    assert po.metadata["PO-Revision-Date"] == "2023-04-12 00:00+0000"
    assert [(e.msgid, e.msgstr) for e in po] == [(ru, en) for ru, en, _, _ in PAIRS_A]
    # fuzzy: the 1-2 bead (0.88) and the 0.42 bead
    assert [e.fuzzy for e in po] == [False, False, True, False, True, False]
    # the repeated msgid gets msgctxt = tuid; the others none
    assert [e.msgctxt for e in po] == [None, None, None, f"{RELEASE_A}:3", None, f"{RELEASE_A}:5"]
    assert po[1].occurrences == [(f"ru/{RELEASE_A}.txt", "3")]
    assert po[2].comment.splitlines() == ["bead 1-2, score 0.880, sentences 2 -> 2-3"]
    assert po[1].comment.splitlines()[1].startswith("missing-term: «Совет министров")
    # no wrapping: a message is one line however long; the header one line per field
    text = path.read_text(encoding="utf-8")
    assert '\nmsgid "12 апреля 2023 года в г. Минске' in text
    assert 'msgstr ""\n"Project-Id-Version: ' in text
    assert not [line for line in text.splitlines() if line.startswith('"') and not line.endswith('\\n"')]


def test_po_is_deterministic_and_cleans_text(tmp_path):
    write_po(hostile_units(), tmp_path / "1.po", src_lang="ru", tgt_lang="en", fuzzy_below=0.9)
    stats = write_po(hostile_units(), tmp_path / "2.po", src_lang="ru", tgt_lang="en", fuzzy_below=0.9)
    assert (tmp_path / "1.po").read_bytes() == (tmp_path / "2.po").read_bytes()
    assert stats.written == 2 and stats.skipped == {"empty": 1} and stats.illegal_chars_removed == 11
    po = polib.pofile(str(tmp_path / "1.po"))
    assert po[0].msgid == "Учения «Рубеж\u00a0&\u00a0<Щит>» ]]> начались."


def test_po_escapes_quotes_and_backslashes_and_keeps_long_lines_whole():
    long = "Ж" * 100 + " «6\u00a0500» " + "а " * 40 + "б"
    units = make_units(RELEASE_A, [('a "b" \\ c', "x", "1-1", 0.9), (long, long, "1-1", 0.9)])
    text = po_text(units)
    assert '\nmsgid "a \\"b\\" \\\\ c"\nmsgstr "x"\n' in text
    assert f'\nmsgid "{long}"\nmsgstr "{long}"\n' in text


def po_text(units) -> str:
    from tm.export import po_bytes

    return po_bytes(units, src_lang="ru", tgt_lang="en", fuzzy_below=0.5)[0].decode("utf-8")


def test_profiles_come_from_the_data_folder_and_skip_reasons_are_one_list():
    from tm.data import DATA_DIR
    from tm.pipeline import SKIP_REASONS as pipeline_reasons

    assert PROFILES == ("generic", "omegat", "trados", "memoq")       # in their `order`
    assert set(PROFILES) == {p.stem for p in (DATA_DIR / "profiles").glob("*.txt")}
    assert pipeline_reasons is SKIP_REASONS
    assert {"empty", "below-threshold", "too-long", "duplicate", "rejected"} <= set(SKIP_REASONS)


def test_writer_registry():
    from tm.export import FORMATS, writer

    assert FORMATS == ("tmx", "po")
    assert writer("tmx").write is write_tmx and writer("po").write is write_po
    assert [writer(name).SUFFIX for name in FORMATS] == [".tmx", ".po"]
    with pytest.raises(ValueError):
        writer("xliff")


# --- OmegaT glossary ----------------------------------------------------------------------------

def _glossary(*rows):
    from tm.glossary import Glossary, Term

    return Glossary([Term(*row) for row in rows])


def test_omegat_glossary_pairs_every_allowed_source_term_with_the_preferred_target(tmp_path):
    glossary = _glossary(
        ("crrf", "ru", "КСОР ОДКБ", "admitted", "body", ""),
        ("crrf", "ru", "Коллективные силы оперативного реагирования", "preferred", "body", ""),
        ("crrf", "ru", "Силы оперативного реагирования", "deprecated", "body", ""),
        ("crrf", "en", "CSTO Rapid Reaction Force", "deprecated", "body", ""),
        ("crrf", "en", "CSTO Collective Rapid Reaction Forces", "preferred", "body", "official name"),
        ("staff", "ru", "Объединённый штаб ОДКБ", "preferred", "body", ""),
        ("staff", "en", "CSTO Joint Staff", "preferred", "body", ""),
    )
    assert glossary_pairs(glossary) == [
        ("КСОР ОДКБ", "CSTO Collective Rapid Reaction Forces", "crrf; body; official name"),
        ("Коллективные силы оперативного реагирования", "CSTO Collective Rapid Reaction Forces",
         "crrf; body; official name"),
        ("Объединённый штаб ОДКБ", "CSTO Joint Staff", "staff; body"),
    ]
    lines = omegat_glossary_text(glossary).splitlines()
    assert lines[0].startswith("#")
    assert lines[1:] == ["КСОР ОДКБ\tCSTO Collective Rapid Reaction Forces\tcrrf; body; official name",
                         "Коллективные силы оперативного реагирования\tCSTO Collective Rapid Reaction Forces"
                         "\tcrrf; body; official name",
                         "Объединённый штаб ОДКБ\tCSTO Joint Staff\tstaff; body"]


def test_omegat_glossary_drops_the_year_slot_of_exercise_names():
    glossary = _glossary(("interaction", "ru", "Взаимодействие-{year}", "preferred", "exercise", ""),
                         ("interaction", "en", "Interaction-{year}", "preferred", "exercise", ""))
    assert glossary_pairs(glossary) == [
        ("Взаимодействие", "Interaction", "interaction; exercise; with the year: Interaction-2024")]


def test_cli_glossary_export_omegat(tmp_path):
    from helpers import run_tm

    table = tmp_path / "g.tsv"
    table.write_text("concept\tlang\tterm\tstatus\tkind\tnote\n"
                     "secretariat\tru\tСекретариат ОДКБ\tpreferred\tbody\t\n"
                     "secretariat\ten\tCSTO Secretariat\tpreferred\tbody\t\n", encoding="utf-8")
    out = tmp_path / "csto.utf8"
    r = run_tm("glossary", "export", "--format", "omegat", "--glossary", table, "--output", out)
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").splitlines()[1:] == [
        "Секретариат ОДКБ\tCSTO Secretariat\tsecretariat; body"]


def test_repeated_keys_with_and_without_numpy(monkeypatch):
    import sys
    from array import array

    from tm.export.plan import _repeated_keys

    keys = array("Q", [5, 2**64 - 1, 5, 7, 2**64 - 1, 5])
    assert _repeated_keys(keys) == {5: 3, 2**64 - 1: 2}
    assert _repeated_keys(array("Q")) == {}
    monkeypatch.setitem(sys.modules, "numpy", None)          # import numpy -> ImportError
    assert _repeated_keys(keys) == {5: 3, 2**64 - 1: 2}
    assert _repeated_keys(array("Q")) == {}


def test_tu_elements_of_different_shapes_keep_their_own_content():
    """tmx_unit_xml fills a copy of a kept empty <tu> per shape: a unit never shows
    another's notes, props or text, whatever came before it."""
    from dataclasses import replace

    from tm.export import tmx_unit_xml
    from tm.models import TranslationUnit

    plain = TranslationUnit("r1", "2024-08-14", "ru", "en", "Один.", "One.", "1-1", 0.95, (0,), (0,), "ru/r1.txt", 3)
    noted = replace(plain, release_id="r2", date=None, notes=("check: a number differs", "second note"),
                    source="Два & три.", target="Two <and> three.", score=0.5)
    for order in ((plain, noted, plain), (noted, plain, noted)):
        for unit in order:
            reviewed = "accept" if unit is noted else None
            tu = etree.fromstring(tmx_unit_xml(unit, unit.source, unit.target, src_code="ru", tgt_code="en-US",
                                               reviewed=reviewed))
            assert tu.get("tuid") == f"{unit.release_id}:0"
            assert tu.get("creationdate") == ("20240814T000000Z" if unit.date else None)
            assert [n.text for n in tu.findall("note")] == list(unit.notes)
            props = {p.get("type"): p.text for p in tu.findall("prop")}
            assert props["x-release"] == unit.release_id and props["x-score"] == f"{unit.score:.3f}"
            assert ("x-reviewed" in props) == (reviewed is not None)
            assert ("x-release-date" in props) == bool(unit.date)
            assert [(t.get(XML_LANG), t.findtext("seg")) for t in tu.findall("tuv")] == \
                [("ru", unit.source), ("en-US", unit.target)]
