"""`tm check`: the four rules, number normalisation and the report formats."""
import json
from pathlib import Path

import pytest
from lxml import etree

from tm.check import (RULES, check_release, extract_numbers, format_findings, read_gold,
                      score_findings, summarize)
from tm.glossary import load_glossary
from tm.models import AlignedRelease, Bead, Paragraph, Release, Sentence

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def csto():
    return load_glossary(REPO / "glossaries" / "csto.tsv")


def release(rid, lang, sentences):
    """A release with one sentence per paragraph (sentence k on line 2k+1)."""
    text = "\n\n".join(sentences) + "\n"
    paragraphs, sents, pos = [], [], 0
    for k, s in enumerate(sentences):
        paragraphs.append(Paragraph(s, pos, 2 * k + 1))
        sents.append(Sentence(k, s, pos, pos + len(s), k, 2 * k + 1))
        pos += len(s) + 2
    return Release(rid, lang, Path(f"corpus/{lang}/{rid}.txt"), text, paragraphs), sents


def aligned(pairs, beads=None, rid="r1"):
    src, src_s = release(rid, "ru", [p[0] for p in pairs])
    tgt, tgt_s = release(rid, "en", [p[1] for p in pairs])
    beads = beads or [Bead((i,), (i,)) for i in range(len(pairs))]
    return AlignedRelease(rid, src, tgt, src_s, tgt_s, beads)


def rules(findings):
    return [(f.rule, f.concept, f.line) for f in findings]


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("ru, en", [
    ("более 6 500 человек", "more than 6,500 people"),
    ("более 6\u00a0500 человек", "more than 6500 people"),
    ("1,5 тыс. военнослужащих", "1,500 servicemen"),
    ("1,5 тыс. военнослужащих", "1.5 thousand servicemen"),
    ("2,5 млн рублей", "2.5 million roubles"),
    ("25 июля 2024 года", "25 July 2024"),
    ("25.07.2024", "on 25 July 2024"),
    ("«25 июля 2024 года»", "July 25, 2024"),
    ("в 10.00", "at 10:00"),
    ("80-летие", "the 80th anniversary"),
    ("трое суток", "three days"),          # number words on both sides: nothing to compare
    ("3 дня", "three days"),               # a figure satisfied by a number word
])
def test_equal_numbers_written_differently(ru, en):
    ru_fig, ru_words = extract_numbers(ru, "ru")
    en_fig, en_words = extract_numbers(en, "en")
    assert set(ru_fig) - set(en_fig) - en_words == set()
    assert set(en_fig) - set(ru_fig) - ru_words == set()


def test_number_values_by_hand():
    assert set(extract_numbers("свыше 1 344 км и 1,5 тыс. человек 19 июля 2024 года", "ru")[0]) == \
        {"1344", "1500", "date:19.07", "2024"}
    assert set(extract_numbers("1,344 km, 2.5 and 6 500 on July 19", "en")[0]) == \
        {"1344", "2.5", "6500", "date:19.07"}
    # the comma is decimal in Russian, a thousands separator in English
    assert "2.5" in extract_numbers("2,5", "ru")[0] and "2500" in extract_numbers("2,500", "en")[0]


# ---------------------------------------------------------------- rules

def test_clean_pair_has_no_findings(csto):
    a = aligned([
        ("Генеральный секретарь ОДКБ Имангали Тасмагамбетов встретился с начальником Объединённого штаба ОДКБ.",
         "CSTO Secretary General Imangali Tasmagambetov met with the Chief of the CSTO Joint Staff."),
        ("В учении «Поиск-2023» приняли участие более 1 200 военнослужащих КСОР.",
         "More than 1,200 CRRF servicemen took part in the \"Search-2023\" exercise."),
        ("Разведчики отработали поиск и взаимодействие.", "Scouts practised search and interaction."),
    ])
    assert check_release(a, csto) == []


def test_deprecated_term(csto):
    a = aligned([("Учение с Коллективными силами оперативного реагирования ОДКБ.",
                  "An exercise with the CSTO Collective Rapid Response Forces.")])
    (f,) = check_release(a, csto)
    assert (f.rule, f.concept, f.severity) == ("deprecated-term", "crrf", "error")
    assert f.found == "Collective Rapid Response Forces" and f.expected == "Collective Rapid Reaction Forces"
    assert (f.file, f.line, f.src_index, f.tgt_index) == ("corpus/en/r1.txt", 1, 0, 0)


def test_missing_term_quotes_the_russian_and_expects_the_preferred_english(csto):
    a = aligned([("Заголовок", "Headline"),
                 ("Заседание Комитета секретарей советов безопасности ОДКБ прошло в Москве.",
                  "The meeting of the Committee was held in Moscow.")])
    (f,) = check_release(a, csto)
    assert (f.rule, f.concept, f.line, f.tgt_index) == ("missing-term", "cssc", 3, 1)
    assert f.expected == "Committee of Secretaries of Security Councils" and f.found is None
    assert "Комитета секретарей советов безопасности ОДКБ" in f.message


def test_year_mismatch_not_doubled_by_number_mismatch(csto):
    a = aligned([("Учение «Взаимодействие-2022» началось.", 'The "Interaction-2023" exercise began.')])
    (f,) = check_release(a, csto)
    assert (f.rule, f.concept, f.found, f.expected) == \
        ("year-mismatch", "interaction", "Interaction-2023", "Interaction-2022")


def test_a_year_in_a_name_satisfies_a_plain_year_and_an_added_year_is_no_error(csto):
    a = aligned([("Учение «Взаимодействие-2022» завершилось.", "The 2022 exercise ended."),
                  ("Учение «Поиск» завершилось.", 'The "Search-2022" exercise ended.')])
    # only the first English sentence lacks the exercise's name
    assert rules(check_release(a, csto)) == [("missing-term", "interaction", 1)]


def test_number_mismatch_either_direction(csto):
    a = aligned([("Приняли участие 850 человек.", "850 people and 30 vehicles took part."),
                 ("Подписано 6 документов.", "Documents were signed.")])
    f1, f2 = check_release(a, csto)
    assert (f1.rule, f1.found, f1.expected, f1.line) == ("number-mismatch", "30", None, 1)
    assert (f2.rule, f2.found, f2.expected, f2.line) == ("number-mismatch", None, "6", 3)


def test_beads_with_an_empty_side_are_not_checked_and_merged_beads_are(csto):
    a = aligned([("Генеральный секретарь ОДКБ прибыл в Минск.", "The CSTO Secretary General"),
                 ("Это 1-я поездка.", "arrived in Minsk.")],
                beads=[Bead((0,), ()), Bead((1,), (0, 1))])
    # bead 1 pairs "Это 1-я поездка." with both English sentences: 1 is not in the English
    (f,) = check_release(a, csto)
    assert (f.rule, f.src_index, f.tgt_index, f.line) == ("number-mismatch", 1, 0, 1)


# ---------------------------------------------------------------- report formats

@pytest.fixture
def sample(csto):
    a = aligned([("Учение с КСОР ОДКБ «Взаимодействие-2022».", 'Exercise "Interaction-2023" of the Collective Rapid Response Forces.'),
                 ("Участвовали 500 человек.", "600 people took part.")], rid="r1")
    b = aligned([("Заголовок", "Headline")], rid="r2")
    findings = check_release(a, csto) + check_release(b, csto)
    return findings, summarize({"r1": findings, "r2": []})


def test_text_format(sample):
    findings, summary = sample
    lines = format_findings(findings, "text", summary).splitlines()
    assert lines[:-1] == [f"corpus/en/r1.txt:{f.line}: {f.rule}: {f.message}" for f in findings]
    assert [f.rule for f in findings] == ["deprecated-term", "year-mismatch", "number-mismatch"]
    assert lines[-1].startswith("tm check: 3 finding(s) (3 error(s), 0 warning(s)) in 2 release(s)")


def test_json_format(sample):
    findings, summary = sample
    doc = json.loads(format_findings(findings, "json", summary))
    keys = {"release", "rule", "severity", "concept", "src_index", "tgt_index", "src_text",
            "tgt_text", "found", "expected"}
    assert len(doc["findings"]) == 3 and all(keys <= set(f) for f in doc["findings"])
    assert doc["findings"][2]["concept"] is None
    assert doc["summary"]["findings"] == 3 and doc["summary"]["releases"] == 2
    assert doc["summary"]["by_rule"]["number-mismatch"] == 1


def test_junit_format(sample):
    findings, summary = sample
    root = etree.fromstring(format_findings(findings, "junit", summary).encode())
    cases = root.findall(".//testcase")
    assert root.tag == "testsuites" and [c.get("name") for c in cases] == ["r1", "r2"]
    assert len(cases[0].findall("failure")) == 3 and not cases[1].findall("failure")
    assert cases[0].find("failure").get("type") == "deprecated-term"
    assert root.find("testsuite").get("failures") == "1" and root.find("testsuite").get("tests") == "2"


def test_sarif_format(sample):
    findings, summary = sample
    doc = json.loads(format_findings(findings, "sarif", summary))
    assert doc["version"] == "2.1.0" and "sarif" in doc["$schema"]
    (run,) = doc["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(RULES)
    assert run["tool"]["driver"]["name"]
    assert len(run["results"]) == 3
    for res, f in zip(run["results"], findings):
        assert res["ruleId"] == f.rule and res["level"] == "error" and res["message"]["text"] == f.message
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "corpus/en/r1.txt" and loc["region"]["startLine"] == f.line
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == f.rule


def test_sarif_uri_of_a_file_outside_the_working_folder_is_a_file_uri():
    from tm.models import Finding

    f = Finding("r", "missing-term", "error", "m", 0, 0, "", "", file="/nowhere/en/r.txt", line=2)
    doc = json.loads(format_findings([f], "sarif"))
    loc = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "file:///nowhere/en/r.txt"


def test_unknown_format_is_refused(sample):
    with pytest.raises(ValueError):
        format_findings(sample[0], "xml", sample[1])


# ---------------------------------------------------------------- scoring helper

def test_scoring_counts_each_gold_row_once(tmp_path):
    from tm.models import Finding

    gold = tmp_path / "gold.tsv"
    gold.write_text("release\trule\tconcept\tline\nr\tmissing-term\tcsc\t3\nr\tnumber-mismatch\t-\t5\n")
    g = read_gold(gold)
    f = Finding("r", "missing-term", "error", "m", 0, 0, "", "", concept="csc", line=3)
    s = score_findings([f, f], g)
    assert s["missing-term"]["tp"] == 1 and s["missing-term"]["precision"] == 0.5
    assert s["number-mismatch"]["recall"] == 0.0


@pytest.mark.parametrize("ru, en", [
    ("13–15 февраля 2024 года", "February 13-15, 2024"),
    ("13–15 февраля 2024 года", "from 13 to 15 February 2024"),
    ("с 13 по 15 февраля", "February 13-15"),
    ("30-летие Договора", "the thirtieth anniversary of the Treaty"),
])
def test_day_ranges_and_ordinal_words(csto, ru, en):
    assert check_release(aligned([(ru, en)]), csto) == []


def test_a_wrong_day_in_a_range_is_still_found(csto):
    (f,) = check_release(aligned([("13–15 февраля", "February 13-16")]), csto)
    assert f.rule == "number-mismatch" and f.expected == "15.02" and f.found == "16"


# ---------------------------------------------------------------- issue 12

@pytest.mark.parametrize("en, deprecated", [
    ("CSTO Secretary-General Imangali Tasmagambetov arrived.", True),
    ("CSTO Secretary General Imangali Tasmagambetov arrived.", False),
    ("The Secretary-General of the CSTO arrived.", True),
    ("Units of the CSTO Collective Rapid Reaction Force arrived.", True),
    ("Units of the CSTO Collective Rapid Reaction Forces arrived.", False),
    ("Units of the Collective Rapid Reaction Force's staff arrived.", True),
])
def test_class5_a_listed_variant_is_recognised_as_itself(csto, en, deprecated):
    ru = ("Генеральный секретарь ОДКБ прибыл." if "Secretary" in en
          else "Подразделения Коллективных сил оперативного реагирования прибыли.")
    found = [r for r in rules(check_release(aligned([(ru, en)]), csto)) if r[0] == "deprecated-term"]
    assert bool(found) == deprecated, found


def test_class5_exact_variant_wins_in_russian_too():
    from tm.glossary import Glossary, Term

    g = Glossary([Term("ms", "ru", "государства — члены ОДКБ", "preferred", "term"),
                  Term("ms", "ru", "государства-члены ОДКБ", "deprecated", "term"),
                  Term("crrf", "ru", "Коллективные силы оперативного реагирования", "preferred", "unit"),
                  Term("crrf", "ru", "Коллективная сила оперативного реагирования", "deprecated", "unit")])
    status = lambda text: [m.status for m in g.find(text, "ru")]  # noqa: E731
    assert status("делегации государств-членов ОДКБ") == ["deprecated"]
    assert status("делегации государств — членов ОДКБ") == ["preferred"]
    assert status("подразделения Коллективных сил оперативного реагирования") == ["preferred"]
    assert status("подразделения Коллективной силы оперативного реагирования") == ["deprecated"]


def test_class6_exercise_without_a_year(csto):
    ok = aligned([("Учения «Поиск» проводятся ежегодно с 2010 г.",
                   "The Search exercises have been held annually since 2010.")])
    assert rules(check_release(ok, csto)) == []
    # the base name is needed: a lower-case "search" is not the exercise
    gone = aligned([("Учения «Поиск» проводятся ежегодно с 2010 г.",
                     "The search drills have been held annually since 2010.")])
    assert rules(check_release(gone, csto)) == [("missing-term", "search", 1)]
    # with a year in the Russian the year is required, as before
    year = aligned([("Учение «Поиск-2025» пройдёт в июне.", "The Search exercise will be held in June.")])
    assert [r[0] for r in rules(check_release(year, csto))] == ["missing-term"]


@pytest.mark.parametrize("ru, en", [
    ("Заседание начнётся в 11:00 по московскому времени.", "The meeting will begin at 11 a.m. Moscow time."),
    ("Брифинг пройдёт в 15:30.", "The briefing will be held at 3:30 p.m."),
    ("Брифинг пройдёт в 15:30.", "The briefing will be held at 15.30."),
    ("Церемония начнётся в 10 часов.", "The ceremony will begin at 10 o'clock."),
    ("Церемония начнётся в 12:00.", "The ceremony will begin at noon."),
    ("Сессия открылась в 10.00.", "The session opened at 10 a.m."),
    ("Сессия открылась в 11 часов 30 минут.", "The session opened at 11:30."),
])
def test_class7_times_of_day_are_not_number_mismatches(csto, ru, en):
    assert rules(check_release(aligned([(ru, en)]), csto)) == []


@pytest.mark.parametrize("ru, en", [
    ("Заседание начнётся в 11:00 по московскому времени.", "The meeting will begin at 12 a.m. Moscow time."),
    ("Брифинг пройдёт в 15:30.", "The briefing will be held at 4:30 p.m."),
    ("Учения продлятся 10 часов.", "The exercise will last 12 hours."),
    ("Рост составил 15,30 %.", "Growth was 15.50%."),
])
def test_class7_wrong_times_and_durations_are_still_reported(csto, ru, en):
    assert [r[0] for r in rules(check_release(aligned([(ru, en)]), csto))] == ["number-mismatch"]


def test_class8_a_number_in_the_next_bead_is_one_warning_not_two_errors(csto):
    pairs = [("К учению привлекаются 40 единиц техники и 6 вертолётов.",
              "The exercise will involve 40 units of equipment."),
             ("Руководить учением будет командование.",
              "The exercise, which will also involve 6 helicopters, will be directed by the command.")]
    findings = check_release(aligned(pairs), csto)
    assert [(f.rule, f.severity, f.line, f.found) for f in findings] == [("boundary-slip", "warning", 3, "6")]
    # the other direction: the English number is in the Russian of the next bead
    pairs = [("Генеральный секретарь сообщил о выполнении решений.",
              "The Secretary General reported on the implementation of 30 decisions."),
             ("Всего выполнено 27 поручений из 30.", "In total, 27 instructions have been fulfilled.")]
    assert [(f.rule, f.line) for f in check_release(aligned(pairs), csto)] == [("boundary-slip", 1)]
    # a number really changed stays an error, even next to a slip
    pairs = [("Задействуют 650 военнослужащих.", "A total of 560 servicemen will be involved."),
             ("Учения продлятся три дня.", "The exercise will last three days.")]
    assert [(f.rule, f.severity) for f in check_release(aligned(pairs), csto)] == [("number-mismatch", "error")]


def test_class8_warnings_do_not_fail_the_command_exit_status(csto):
    from tm.check import SEVERITY

    assert SEVERITY["boundary-slip"] == "warning"
    assert all(SEVERITY[r] == "error" for r in RULES if r != "boundary-slip")
