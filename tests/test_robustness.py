"""The robustness corpus (issue 7): `tm` run as a subprocess on one small corpus
or file per hazard, with the outcome of tests/robustness/cases.tsv asserted
(processed, warned or refused), no traceback ever, and what each hazard must
do to the exports checked against the clean reference corpus."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from helpers import REPO, run_tm
from robustness.texts import EN_COURSES, RU_COURSES, RU_MEETING

ROBUSTNESS = REPO / "tests" / "robustness"
CASES = ROBUSTNESS / "cases"

MEETING = "2024-08-14-secretariat-meeting"
COURSES = "2024-09-20-peacekeeping-courses"


def manifest() -> list[dict]:
    rows = []
    for line in (ROBUSTNESS / "cases.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        case, command, outcome, says = line.split("\t")
        rows.append({"case": case, "command": command, "outcome": outcome,
                     "says": [s for s in says.split(" && ") if s]})
    return rows


CASE_ROWS = {row["case"]: row for row in manifest()}
_RUNS: dict[str, dict] = {}


def run_case(name: str, tmp_root: Path) -> dict:
    """Run a manifest case once per session (in a fresh working folder) and keep the result."""
    if name in _RUNS:
        return _RUNS[name]
    row = CASE_ROWS[name]
    work = tmp_root / name
    work.mkdir(parents=True)
    out = work / "out"
    args = row["command"].replace("{cases}", str(CASES)).replace("{out}", str(out)).split(" ")
    if args[0] in ("align", "check") and "--glossary" not in args:
        # what `tm align` / `tm check` use when run from the repository root
        args += ["--glossary", str(REPO / "glossaries" / "csto.tsv")]
    report = None
    if args[0] == "align":
        report = work / "report.json"
        args += ["--report", str(report)]
    result = run_tm(*args, cwd=work)
    _RUNS[name] = {"row": row, "result": result, "work": work, "out": out, "report": report}
    return _RUNS[name]


@pytest.fixture(scope="session")
def cases_tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("robustness")


def tmx_pairs(path: Path) -> list[tuple[str, str]]:
    """(source, target) of every <tu> of a TMX file, in order."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    pairs = []
    for tu in tree.iter("tu"):
        segs = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang").split("-")[0].lower():
                "".join(tuv.find("seg").itertext()) for tuv in tu.iter("tuv")}
        pairs.append((segs["ru"], segs["en"]))
    return pairs


def case_tmx(name: str, cases_tmp: Path) -> list[tuple[str, str]]:
    run = run_case(name, cases_tmp)
    assert run["result"].returncode == 0, run["result"].stderr
    return tmx_pairs(run["out"] / f"{name}.tmx")


# --- every case: outcome, message, no traceback ------------------------------

@pytest.mark.parametrize("name", list(CASE_ROWS))
def test_case_outcome(name, cases_tmp):
    run = run_case(name, cases_tmp)
    row, r = run["row"], run["result"]
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    warnings = [ln for ln in r.stdout.splitlines() if ln.startswith("warning: ")]
    if row["outcome"] == "refused":
        assert r.returncode == 2, (r.stdout, r.stderr)
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("tm: error: "), r.stderr
        for say in row["says"]:
            assert say in lines[0], (say, lines[0])
        # nothing exported, nothing left behind
        assert not list(run["out"].rglob("*.tmx")) and not list(run["out"].rglob("*.po"))
        if run["out"].exists():
            assert not list(run["out"].rglob(".*.tmp"))
    else:
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        if row["outcome"] == "processed":
            assert warnings == []
        else:
            assert row["outcome"] == "warned" and warnings
        for say in row["says"]:
            assert say in r.stdout, (say, r.stdout)


@pytest.mark.parametrize("name", [n for n, row in CASE_ROWS.items()
                                  if row["outcome"] != "refused" and row["command"].startswith("align")])
def test_case_accounting_adds_up(name, cases_tmp):
    """sentences in = exported + skipped by reason, per pair and side, in the --report JSON."""
    run = run_case(name, cases_tmp)
    report = json.loads(run["report"].read_text(encoding="utf-8"))
    assert report["pairs"]
    for pair in report["pairs"]:
        for side in ("src", "tgt"):
            count = pair[side]
            assert count["sentences"] == count["exported"] + sum(count["skipped"].values()), (name, pair)
    for side in ("src", "tgt"):
        total = report["totals"][side]
        assert total["sentences"] == sum(p[side]["sentences"] for p in report["pairs"])
        assert total["exported"] == sum(p[side]["exported"] for p in report["pairs"])
    assert report["units_written"] == len(tmx_pairs(run["out"] / f"{name}.tmx"))
    assert report["units_written"] == sum(p["units"] for p in report["pairs"])


# --- what each hazard does to the exports -------------------------------------

def test_line_ends_bom_and_utf16_give_the_same_tm_as_clean_utf8(cases_tmp):
    reference = case_tmx("ok-utf8", cases_tmp)
    assert len(reference) == 11
    for name in ("bom-crlf", "utf16-bom", "cp1251"):
        assert case_tmx(name, cases_tmp) == reference, name


def test_koi8r_is_decoded_to_the_same_russian(cases_tmp):
    # KOI8-R has no «» or —; make_cases.py wrote "" and - instead.
    expected = [(ru.replace("«", '"').replace("»", '"').replace("—", "-") if ru in RU_MEETING else ru, en)
                for ru, en in case_tmx("ok-utf8", cases_tmp)]
    assert case_tmx("koi8r", cases_tmp) == expected


UNICODE_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def plain_spaces(pairs):
    return [(ru.translate(UNICODE_SPACES), en.translate(UNICODE_SPACES)) for ru, en in pairs]


def test_invisible_characters_and_unicode_spaces_do_not_change_the_tm(cases_tmp):
    # Soft hyphens and zero-width characters removed; a decomposed «й» composed
    # (NFC); Unicode spaces align like plain ones and are written back as they were
    # in the document (a CAT tool segments the document with them): the TM equals
    # the clean one up to those spaces.
    pairs = case_tmx("invisible-chars", cases_tmp)
    assert plain_spaces(pairs) == case_tmx("ok-utf8", cases_tmp)
    for ru, en in pairs:
        for ch in "\u00ad\u200b\u200c\u200d\u2060\ufeff\u0306":
            assert ch not in ru and ch not in en
    text = "\n".join(ru + "\n" + en for ru, en in pairs)
    for kept in ("6\u202f500", "14\u00a0августа", "14\u00a0August", "Minsk\u2009in"):
        assert kept in text


def test_html_pages_give_the_article_text_only(cases_tmp):
    pairs = plain_spaces(case_tmx("html-pages", cases_tmp))   # the page has &nbsp; where the .txt has spaces
    sources = {ru for ru, _ in pairs}
    reference = case_tmx("ok-utf8", cases_tmp)
    # The Russian page (ru/<meeting>.html) yields exactly the sentences of the .txt release.
    meeting_ref = [(ru, en) for ru, en in reference if ru in RU_MEETING]
    assert len(meeting_ref) == 6
    assert all(pair in pairs for pair in meeting_ref)
    assert sources >= {ru for ru, _ in reference if ru in RU_MEETING}
    text = "\n".join(ru + "\n" + en for ru, en in pairs)
    for junk in ("Поделиться", "Главная", "Об организации", "Поиск", "document.write", "dataLayer",
                 "Черновик", "cookie", "Последние новости", "Сретенка", "JSON-LD", "Copyright",
                 "Home", "Back to the all news", "font-family", "14.08.2024"):
        assert junk not in text, junk
    # The English page: headline, 2 sentences + the line before the list, 3 list
    # items, the closing <div>: 8 sentences, nothing more (how they align is the aligner's).
    run = run_case("html-pages", cases_tmp)
    report = {p["release"]: p for p in json.loads(run["report"].read_text(encoding="utf-8"))["pairs"]}
    assert report[COURSES]["tgt"]["sentences"] == 8
    assert report[MEETING]["src"]["sentences"] == 6 + 1   # the article and its «Вернуться к списку новостей»


def test_hostile_html_is_parsed_without_entities_or_network(cases_tmp):
    pairs = case_tmx("html-hostile", cases_tmp)
    text = "\n".join(ru + "\n" + en for ru, en in pairs)
    assert "root:" not in text and "lollol" not in text and "alert" not in text
    passwd = Path("/etc/passwd")
    if passwd.exists():
        first = passwd.read_text(errors="replace").splitlines()[0]
        assert first not in text
    assert set(case_tmx("ok-utf8", cases_tmp)) <= set(pairs)


def test_code_in_the_text_is_written_literally_and_never_run(cases_tmp):
    run = run_case("nothing-evaluated", cases_tmp)
    pairs = case_tmx("nothing-evaluated", cases_tmp)
    last = [p for p in pairs if "$(touch PWNED)" in p[0]]
    assert len(last) == 1
    ru, en = last[0]
    for literal in ("$(touch PWNED)", "`touch PWNED`", "{{7*7}}", "__import__('os').system('touch PWNED')",
                    "]]>", "<script>alert(1)</script>", "&amp;", "%s%n"):
        assert literal in ru and literal in en
    assert not list(run["work"].rglob("PWNED")) and not (REPO / "PWNED").exists()
    po = (run["out"] / "po" / f"{COURSES}.po").read_text(encoding="utf-8")
    assert "$(touch PWNED)" in po


def test_control_characters_are_removed_from_the_exports(cases_tmp):
    pairs = case_tmx("control-chars", cases_tmp)
    assert len(pairs) == 11
    assert any(ru.startswith("[31mВыпускникам") for ru, _ in pairs)   # ESC and BEL gone, the rest kept
    assert not any(ch in ru for ru, _ in pairs for ch in "\x1b\x07")


def test_wrong_pairing_is_left_out_of_the_exports(cases_tmp):
    run = run_case("wrong-pairing", cases_tmp)
    pairs = case_tmx("wrong-pairing", cases_tmp)
    assert pairs and all(ru in RU_COURSES and en in EN_COURSES for ru, en in pairs)
    assert not (run["out"] / "po" / f"{MEETING}.po").exists()
    assert (run["out"] / "po" / f"{COURSES}.po").exists()
    report = json.loads(run["report"].read_text(encoding="utf-8"))
    wrong = next(p for p in report["pairs"] if p["release"] == MEETING)
    assert wrong["units"] == 0 and wrong["src"]["skipped"] == {"wrong-pairing": 6}
    assert wrong["tgt"]["skipped"] == {"wrong-pairing": 5}


def test_wrong_pairing_is_caught_without_a_glossary_too(tmp_path):
    r = run_tm("align", "--corpus", CASES / "wrong-pairing", "--out", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"en/{MEETING}.txt: does not look like a translation of" in r.stdout
    assert "skipped (wrong-pairing): ru 6, en 5" in r.stdout
    assert not (tmp_path / "out" / "po" / f"{MEETING}.po").exists()


def test_release_without_counterpart_is_named_and_counted(cases_tmp):
    run = run_case("no-counterpart", cases_tmp)
    pairs = case_tmx("no-counterpart", cases_tmp)
    assert not any("Only in English" in en for _, en in pairs)
    report = json.loads(run["report"].read_text(encoding="utf-8"))
    extra = next(p for p in report["pairs"] if p["release"] == "2024-10-01-extra")
    assert extra["confidence"] is None
    assert extra["tgt"] == {"sentences": 2, "exported": 0, "skipped": {"no-counterpart": 2}}


def test_empty_files_are_warned_and_their_counterparts_counted(cases_tmp):
    run = run_case("empty-files", cases_tmp)
    assert case_tmx("empty-files", cases_tmp) == case_tmx("ok-utf8", cases_tmp)
    assert sorted(p.name for p in (run["out"] / "po").iterdir()) == [f"{MEETING}.po", f"{COURSES}.po"]
    report = {p["release"]: p for p in json.loads(run["report"].read_text(encoding="utf-8"))["pairs"]}
    assert report["2024-10-02-empty"]["tgt"]["skipped"] == {"no-counterpart": 2}
    assert report["2024-10-04-navigation"]["src"]["skipped"] == {"boilerplate": 2}
    assert report["2024-10-04-navigation"]["tgt"]["skipped"] == {"boilerplate": 1}


def test_strict_exports_nothing(cases_tmp):
    run = run_case("strict-align", cases_tmp)
    assert run["result"].returncode == 2
    assert not run["out"].exists() or not any(run["out"].rglob("*"))
    assert not run["report"].exists()


@pytest.mark.parametrize("name", ["empty-files", "html-pages", "koi8r", "control-chars"])
def test_check_runs_on_the_hazards_it_can_process(name, tmp_path):
    """`tm check` reads the same corpora: findings (exit 0 or 1), never a crash."""
    r = run_tm("check", "--corpus", CASES / name, "--glossary", REPO / "glossaries" / "csto.tsv",
               "--format", "json", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr
    assert all(line.startswith("tm: warning: ") for line in r.stderr.splitlines()), r.stderr
    json.loads(r.stdout)


def test_check_leaves_a_wrong_pairing_unchecked_and_warns(tmp_path):
    r = run_tm("check", "--corpus", CASES / "wrong-pairing", "--glossary", REPO / "glossaries" / "csto.tsv",
               "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["findings"] == []
    assert f"en/{MEETING}.txt: does not look like a translation of" in r.stderr
    strict = run_tm("check", "--strict", "--corpus", CASES / "wrong-pairing", "--glossary",
                    REPO / "glossaries" / "csto.tsv", cwd=tmp_path)
    assert strict.returncode == 2 and "does not look like a translation" in strict.stderr


# --- hazards made at run time: symlinks, sizes, unwritable output --------------

def _copy_case(name: str, dest: Path) -> Path:
    for path in (CASES / name).rglob("*"):
        if path.is_file():
            target = dest / path.relative_to(CASES / name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return dest


def test_corpus_symlink_pointing_outside_is_skipped_with_a_warning(tmp_path):
    corpus = _copy_case("ok-utf8", tmp_path / "corpus")
    secret = tmp_path / "secret.txt"
    secret.write_text("Confidential text outside the corpus.\n", encoding="utf-8")
    (corpus / "en" / "2024-10-09-leak.txt").symlink_to(secret)
    (corpus / "ru" / "2024-10-09-leak.txt").write_text("Утечка.\n", encoding="utf-8")
    r = run_tm("align", "--corpus", corpus, "--out", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "en/2024-10-09-leak.txt: skipped: a symbolic link pointing outside the corpus" in r.stdout
    assert "Confidential" not in (tmp_path / "out" / "corpus.tmx").read_text(encoding="utf-8")
    r = run_tm("align", "--strict", "--corpus", corpus, "--out", tmp_path / "out2", cwd=tmp_path)
    assert r.returncode == 2 and "symbolic link" in r.stderr


def test_export_file_symlink_is_replaced_not_followed(tmp_path):
    """A pre-existing exports/po/<id>.po that links to a file outside: the rename
    replaces the link; the outside file is untouched."""
    outside = tmp_path / "precious.txt"
    outside.write_text("do not overwrite\n", encoding="utf-8")
    out = tmp_path / "out"
    (out / "po").mkdir(parents=True)
    (out / "po" / f"{MEETING}.po").symlink_to(outside)
    (out / "ok-utf8.tmx").symlink_to(outside)
    r = run_tm("align", "--corpus", CASES / "ok-utf8", "--out", out, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert outside.read_text(encoding="utf-8") == "do not overwrite\n"
    for path in (out / "po" / f"{MEETING}.po", out / "ok-utf8.tmx"):
        assert not path.is_symlink() and path.stat().st_size > 100


def test_export_folder_symlink_pointing_outside_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "po").symlink_to(elsewhere, target_is_directory=True)
    r = run_tm("align", "--corpus", CASES / "ok-utf8", "--out", out, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "po is a symbolic link pointing outside the output folder" in r.stderr
    assert list(elsewhere.iterdir()) == [] and not (out / "ok-utf8.tmx").exists()


def test_output_folder_that_is_a_file_is_refused(tmp_path):
    out = tmp_path / "out"
    out.write_text("a file\n", encoding="utf-8")
    r = run_tm("align", "--corpus", CASES / "ok-utf8", "--out", out, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.splitlines()) == 1
    assert str(out) in r.stderr
    assert out.read_text(encoding="utf-8") == "a file\n"


def test_fifo_named_like_a_release_is_skipped_not_read(tmp_path):
    corpus = _copy_case("ok-utf8", tmp_path / "corpus")
    os.mkfifo(corpus / "ru" / "2024-10-11-pipe.txt")     # opening it for reading would block
    (corpus / "en" / "2024-10-11-pipe.txt").write_text("Text.\n", encoding="utf-8")
    r = run_tm("align", "--corpus", corpus, "--out", tmp_path / "out", cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "ru/2024-10-11-pipe.txt: skipped: not a regular file" in r.stdout
    assert "en/2024-10-11-pipe.txt: no ru counterpart" in r.stdout


def test_release_id_too_long_for_an_export_name_is_refused_before_writing(tmp_path):
    corpus = _copy_case("ok-utf8", tmp_path / "corpus")
    long_id = "2024-10-12-" + "x" * 235            # .txt fits in 255 bytes, .<id>.po.<random>.tmp does not
    for lang, text in (("ru", "Текст.\n"), ("en", "Text.\n")):
        (corpus / lang / f"{long_id}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    r = run_tm("align", "--corpus", corpus, "--out", out, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "export file name too long" in r.stderr and len(r.stderr.splitlines()) == 1
    assert not out.exists()


def test_oversized_release_is_refused(tmp_path):
    corpus = _copy_case("ok-utf8", tmp_path / "corpus")
    big = corpus / "en" / "2024-10-10-huge.txt"
    with big.open("wb") as fh:          # sparse: 17 MiB without writing them
        fh.truncate(17 * 1024 * 1024)
    (corpus / "ru" / "2024-10-10-huge.txt").write_text("Текст.\n", encoding="utf-8")
    r = run_tm("align", "--corpus", corpus, "--out", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert re.search(r"en/2024-10-10-huge\.txt: too large for a press release", r.stderr)


def test_release_ids_cannot_name_paths_outside(tmp_path):
    """Names that would escape the output folder never become release ids."""
    corpus = _copy_case("ok-utf8", tmp_path / "corpus")
    for lang in ("ru", "en"):
        (corpus / lang / "..txt").write_text("Точка.\n", encoding="utf-8")      # hidden: ignored
        (corpus / lang / "...txt").write_text("Точки.\n", encoding="utf-8")     # hidden: ignored
        (corpus / lang / "-rf.txt").write_text("Минус.\n", encoding="utf-8")    # invalid id
    r = run_tm("align", "--corpus", corpus, "--out", tmp_path / "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "'-rf' is not a valid release id" in r.stdout
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")
                     if p.is_file() and p.suffix in (".tmx", ".po"))
    assert written == ["corpus.tmx", f"po/{MEETING}.po", f"po/{COURSES}.po"]
    assert sorted(os.listdir(tmp_path)) == ["corpus", "out"]


# --- the table of docs/bad-input.md matches the cases ----------------------------

RUNTIME_CASES = {
    "symlink-outside-corpus": "warned",
    "export-file-symlink": "processed",
    "export-folder-symlink": "refused",
    "output-is-a-file": "refused",
    "too-large": "refused",
    "not-a-regular-file": "warned",
    "id-too-long": "refused",
    "killed-mid-export": "processed",
}


def test_docs_table_lists_every_case_with_its_outcome():
    page = (REPO / "docs" / "bad-input.md").read_text(encoding="utf-8")
    section = page.split("<!-- section:bad-input -->")[1].split("<!-- /section:bad-input -->")[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[2]
    expected = {name: row["outcome"] for name, row in CASE_ROWS.items()} | RUNTIME_CASES
    assert {name: re.match(r"[a-z]+", outcome)[0] for name, outcome in rows.items()} == expected
