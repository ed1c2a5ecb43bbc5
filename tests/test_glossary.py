"""The glossary table (contract, validation) and the Russian/English term matcher."""
from pathlib import Path

import pytest

from tm.glossary import HEADER, Glossary, Term, load_glossary, write_glossary_tsv, glossary_rows
from tm.models import InputError

REPO = Path(__file__).resolve().parents[1]
CSTO = REPO / "glossaries" / "csto.tsv"


@pytest.fixture(scope="module")
def csto():
    return load_glossary(CSTO)


def table(tmp_path, *rows, header=True):
    path = tmp_path / "g.tsv"
    lines = (["\t".join(HEADER)] if header else []) + list(rows)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def concepts(glossary, text, lang):
    return [(m.concept, m.form) for m in glossary.find(text, lang)]


# ---------------------------------------------------------------- the shipped glossary

def test_shipped_glossary_covers_the_domain(csto):
    assert len(csto) >= 60
    kinds = {csto.kind(c) for c in csto.concepts}
    assert {"body", "title", "unit", "exercise", "place", "rank"} <= kinds
    for concept in csto.concepts:
        assert csto.preferred(concept, "ru") is not None, concept
        assert csto.preferred(concept, "en") is not None, concept
    # official titles as the issue names them
    assert csto.preferred("secretary_general", "ru").term == "Генеральный секретарь ОДКБ"
    assert csto.preferred("joint_staff", "ru").term == "Объединённый штаб ОДКБ"
    assert csto.preferred("crrf", "en").term == "Collective Rapid Reaction Forces"
    statuses = {(t.concept, t.term): t.status for t in csto.terms}
    assert statuses[("crrf", "КСОР")] == "admitted"
    assert statuses[("csto", "ОДКБ")] == "admitted"
    assert statuses[("nbc_protection", "РХБЗ")] == "admitted"
    assert statuses[("crrf", "Collective Rapid Response Forces")] == "deprecated"
    exercises = {c for c in csto.concepts if csto.kind(c) in ("exercise", "operation")}
    assert {"interaction", "search", "echelon", "rubezh", "cobalt", "barrier", "thunder",
            "channel", "illegal", "proxy"} <= exercises
    assert all("{year}" in csto.preferred(c, "en").term for c in exercises)


# ---------------------------------------------------------------- table contract

def test_reads_rows_comments_and_an_empty_note(tmp_path):
    path = table(tmp_path, "# a comment", "crrf\tru\tКСОР\tadmitted\tunit",
                 "crrf\tru\tКоллективные силы оперативного реагирования\tpreferred\tunit\tofficial",
                 "crrf\ten\tCollective Rapid Reaction Forces\tpreferred\tunit\t")
    g = load_glossary(path)
    assert [(t.term, t.status, t.note, t.line) for t in g.terms] == [
        ("КСОР", "admitted", "", 3),
        ("Коллективные силы оперативного реагирования", "preferred", "official", 4),
        ("Collective Rapid Reaction Forces", "preferred", "", 5)]


@pytest.mark.parametrize("row, line, words", [
    ("x\tru\tтерм\tpreferred", 2, "6 TAB-separated fields"),
    ("x\tru\tтерм\tofficial\tunit\t", 2, "bad status 'official'"),
    ("1x\tru\tтерм\tpreferred\tunit\t", 2, "bad concept id"),
    ("x\tRussian\tтерм\tpreferred\tunit\t", 2, "bad language code"),
    ("x\tru\t\tpreferred\tunit\t", 2, "empty term"),
    ("x\tru\tУчение-{yr}\tpreferred\texercise\t", 2, "unknown placeholder"),
    ("x\tru\tтерм\tpreferred\tUnit Kind\t", 2, "bad kind"),
    ("x\tru\tтерм\tpreferred\tunit\ta\tb", 2, "6 TAB-separated fields"),
    ("x\tru\t{year}\tpreferred\texercise\t", 2, "has no words"),
    ("x\tru\t«—»\tpreferred\tunit\t", 2, "has no words"),
])
def test_a_malformed_row_names_file_and_line(tmp_path, row, line, words):
    path = table(tmp_path, row)
    with pytest.raises(InputError) as err:
        load_glossary(path)
    assert err.value.path == path and err.value.line == line
    assert words in err.value.message
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_semantic_errors_name_the_line(tmp_path):
    path = table(tmp_path, "a\tru\tШтаб\tpreferred\tbody\t", "a\ten\tStaff\tpreferred\tbody\t",
                 "b\tru\tштаб\tpreferred\tbody\t")
    with pytest.raises(InputError) as err:
        load_glossary(path)
    assert err.value.line == 4 and "already listed on line 2" in err.value.message
    path = table(tmp_path, "a\tru\tШтаб\tpreferred\tbody\t", "a\ten\tStaff\tpreferred\ttitle\t")
    with pytest.raises(InputError) as err:
        load_glossary(path)
    assert err.value.line == 3 and "kind" in err.value.message
    path = table(tmp_path, "a\tru\tШтаб\tpreferred\tbody\t", "a\ten\tStaff\tadmitted\tbody\t")
    with pytest.raises(InputError) as err:
        load_glossary(path)
    assert "no preferred term in 'en'" in err.value.message


def test_header_missing_file_missing_and_bad_utf8(tmp_path):
    with pytest.raises(InputError) as err:
        load_glossary(table(tmp_path, "a\tru\tШтаб\tpreferred\tbody\t", header=False))
    assert err.value.line == 1 and "header" in err.value.message
    with pytest.raises(InputError) as err:
        load_glossary(tmp_path / "nowhere.tsv")
    assert "not found" in str(err.value) and "nowhere.tsv" in str(err.value)
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(("\t".join(HEADER) + "\n").encode() + b"a\tru\t\xff\xfe\tpreferred\tbody\t\n")
    with pytest.raises(InputError) as err:
        load_glossary(bad)
    assert err.value.line == 2 and "UTF-8" in err.value.message


def test_written_table_reads_back_the_same(tmp_path, csto):
    out = tmp_path / "out.tsv"
    write_glossary_tsv(csto, out)
    again = load_glossary(out)
    key = lambda g: [(t.concept, t.lang, t.term, t.status, t.kind, t.note) for t in glossary_rows(g)]
    assert key(again) == key(csto)
    assert len(key(csto)) == len(csto.terms)


# ---------------------------------------------------------------- Russian matching

@pytest.mark.parametrize("text, expected", [
    # inflected titles and bodies
    ("встреча с Генеральным секретарём ОДКБ", [("secretary_general", "Генеральным секретарём ОДКБ")]),
    ("доклад Генерального секретаря ОДКБ", [("secretary_general", "Генерального секретаря ОДКБ")]),
    ("под руководством Объединённого штаба ОДКБ", [("joint_staff", "Объединённого штаба ОДКБ")]),
    ("разработан Объединенным штабом ОДКБ", [("joint_staff", "Объединенным штабом ОДКБ")]),   # ё = е
    ("с Коллективными силами оперативного реагирования",
     [("crrf", "Коллективными силами оперативного реагирования")]),
    # the longest term wins over the one inside it
    ("заместителем Генерального секретаря ОДКБ", [("deputy_secretary_general", "заместителем Генерального секретаря ОДКБ")]),
    ("начальника Объединённого штаба ОДКБ", [("chief_joint_staff", "начальника Объединённого штаба ОДКБ")]),
    # abbreviations as admitted terms
    ("подразделения КСОР и РХБЗ", [("crrf", "КСОР"), ("nbc_protection", "РХБЗ")]),
    ("генерал-полковника Сидорова", [("colonel_general", "генерал-полковника")]),
    ("генерал–полковник Сидоров", [("colonel_general", "генерал–полковник")]),   # dash variant
    # generic lower-case use is not the body
    ("подразделения коллективных сил", []),
    ("постоянный и полномочный представитель", [("plenipotentiary", "постоянный и полномочный представитель")]),
    # ordinary words vs exercise names
    ("поиск и обнаружение, взаимодействие подразделений", []),
])
def test_russian_terms_in_any_form(csto, text, expected):
    assert concepts(csto, text, "ru") == expected


@pytest.mark.parametrize("text", ["учение «Взаимодействие-2022»", "учение \"Взаимодействие-2022\"",
                                  "учение „Взаимодействие – 2022“", "учение Взаимодействие-2022"])
def test_russian_exercise_names_with_any_quotes_and_dashes(csto, text):
    (m,) = csto.find(text, "ru")
    assert (m.concept, m.year, m.status) == ("interaction", 2022, "preferred")
    assert text[m.start:m.end] == m.form and m.form.startswith("Взаимодействие")


def test_a_concept_twice_in_one_sentence(csto):
    text = "Учения «Поиск-2023» и «Поиск-2024» прошли под руководством Объединённого штаба и Объединённым штабом ОДКБ."
    found = [(m.concept, m.year) for m in csto.find(text, "ru")]
    assert found == [("search", 2023), ("search", 2024), ("joint_staff", None), ("joint_staff", None)]
    assert csto.concept_keys(text, "ru") == frozenset({"search:2023", "search:2024", "joint_staff"})


# ---------------------------------------------------------------- English matching

@pytest.mark.parametrize("text, expected", [
    ("the CSTO's Collective Rapid Reaction Forces", [("crrf", "CSTO's Collective Rapid Reaction Forces")]),
    ("a Collective Rapid Reaction Force unit", [("crrf", "Collective Rapid Reaction Force")]),   # singular
    ("Chief of CSTO Joint Staff Anatoly Sidorov", [("chief_joint_staff", "Chief of CSTO Joint Staff")]),  # no "the"
    ("the Secretary General of the CSTO", [("secretary_general", "Secretary General of the CSTO")]),
    ("the CSTO Deputy Secretary General", [("deputy_secretary_general", "CSTO Deputy Secretary General")]),
    ("the Collective Rapid Response Forces", [("crrf", "Collective Rapid Response Forces")]),
    ("the defence ministers of the member states", [("defence_minister", "defence ministers"),
                                                   ("member_states", "member states")]),
    # proper names are case-sensitive: generic lower case is not the body
    ("units of the collective forces", []),
    # titles and ranks are not proper names: any case
    ("Sidorov, chief of the CSTO joint staff", [("chief_joint_staff", "chief of the CSTO joint staff")]),
    ("the general secretary of the CSTO", [("secretary_general", "general secretary of the CSTO")]),
    # ordinary "search" / "interaction" are not the exercises
    ("the search for and detection of groups, interaction between units", []),
    ("a search in 2022", []),
])
def test_english_terms(csto, text, expected):
    assert concepts(csto, text, "en") == expected


def test_english_exercise_names_need_a_year_or_a_quoted_capitalised_name(csto):
    (m,) = csto.find('the "Interaction-2022" exercise', "en")
    assert (m.concept, m.year, m.form) == ("interaction", 2022, "Interaction-2022")
    (m,) = csto.find("Interaction 2023 began", "en")
    assert m.year == 2023
    (m,) = csto.find('the "Search" exercises', "en")
    assert (m.concept, m.year) == ("search", None)
    assert csto.find("Search teams arrived", "en") == []          # capitalised, not quoted, no year
    (m,) = csto.find('"Poisk-2022"', "en")
    assert (m.concept, m.status, m.year) == ("search", "deprecated", 2022)


def test_match_records_the_form_found_and_its_position(csto):
    text = "On Monday, the CSTO Joint Headquarters said so."
    (m,) = csto.find(text, "en")
    assert (m.concept, m.status, m.form) == ("joint_staff", "deprecated", "CSTO Joint Headquarters")
    assert text[m.start:m.end] == m.form and m.start == text.index("CSTO")


def test_concept_keys_are_cached_and_usable_as_align_anchors(csto):
    ru = "Учение «Взаимодействие-2022» с КСОР ОДКБ"
    en = 'The exercise "Interaction-2022" with the CSTO CRRF'
    assert csto.concept_keys(ru, "ru") == csto.concept_keys(en, "en") == frozenset({"interaction:2022", "crrf"})
    assert csto.concept_keys("", "ru") == frozenset()
    assert csto.concept_keys("text", "de") == frozenset()   # a language the glossary lacks


def test_a_small_glossary_built_in_code():
    g = Glossary([Term("hq", "ru", "Штаб", "preferred", "body", line=2),
                  Term("hq", "en", "Staff", "preferred", "body", line=3)])
    assert [m.form for m in g.find("в Штабе и штабе", "ru")] == ["Штабе"]
    assert [m.form for m in g.find("the Staffs, the staff", "en")] == ["Staffs"]


from hypothesis import given, settings, strategies as st

WORDS = ["ОДКБ", "Генерального", "секретаря", "штаба", "Объединённого", "«", "»", "-", "–", "2022",
         "Взаимодействие", "Поиск", "CSTO", "the", "Joint", "Staff", "Search", '"', "'s", ",", ".",
         "Collective", "Rapid", "Reaction", "Forces", "КСОР", "генерал", "полковник", " "]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=30), st.sampled_from(["ru", "en"]))
def test_matches_are_exact_ordered_and_disjoint_for_any_text(csto_for_hypothesis, words, lang):
    text = " ".join(words)
    matches = csto_for_hypothesis.find(text, lang)
    for m in matches:
        assert text[m.start:m.end] == m.form and m.form.strip() == m.form and m.form
    for a, b in zip(matches, matches[1:]):
        assert a.end <= b.start


@pytest.fixture(scope="module")
def csto_for_hypothesis():
    return load_glossary(CSTO)


def test_second_token_prefilter_drops_no_match():
    """The matcher skips a pattern whose second slot cannot accept the next token
    (by keys) before trying it slot by slot: on every sentence of the shipped
    corpus and its Russian check corpus, the matches are those of trying every
    pattern in full."""
    from tm.corpus import read_release
    from tm.segment import segment_release
    texts = []
    for folder in (REPO / "corpora" / "csto", REPO / "tests" / "check_corpus"):
        for lang in ("ru", "en"):
            for path in sorted((folder / lang).glob("*.txt")):
                texts += [(s.text, lang) for s in segment_release(read_release(path, lang))]
    assert len(texts) > 500
    csto = load_glossary(CSTO)        # its own: the index is changed below
    filtered = [csto._find(text, lang) for text, lang in texts]
    assert sum(map(len, filtered)) > 500
    for lang_index in csto._index.values():          # every pattern tried in full
        for key, entries in lang_index.items():
            lang_index[key] = [(pattern, None) for pattern, _ in entries]
    assert [csto._find(text, lang) for text, lang in texts] == filtered
