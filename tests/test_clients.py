"""Exports read by the real clients (issue 6): xmllint, gettext, translate-toolkit, OmegaT.

Marked `clients`: CI installs `omegat gettext libxml2-utils` (.ci/run); a developer
without Java skips them with `-m 'not clients'`. A missing tool fails the test
instead of skipping it, unless TM_SKIP_MISSING_CLIENTS=1 is set."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest

from helpers import (OMEGAT_JAR, OMEGAT_PROJECT, PAIRS_A, RELEASE_A, hostile_units, make_units, need, run_omegat,
                     sample_units, xmllint_valid)
from tm.export import write_po, write_tmx
from tm.models import TranslationUnit

pytestmark = pytest.mark.clients


# --- TMX: xmllint --------------------------------------------------------------------------------

@pytest.mark.parametrize("profile", ["generic", "omegat", "trados", "memoq"])
def test_xmllint_validates_the_tmx_of_every_profile(tmp_path, profile):
    path = tmp_path / f"{profile}.tmx"
    write_tmx(sample_units() + hostile_units(), path, src_lang="ru", tgt_lang="en", profile=profile)
    r = xmllint_valid(path)
    assert r.returncode == 0, r.stderr


def test_xmllint_would_reject_what_we_remove(tmp_path):
    """The check has teeth: a control character as a character reference is not well-formed."""
    path = tmp_path / "bad.tmx"
    write_tmx(sample_units()[:1], path, src_lang="ru", tgt_lang="en")
    text = path.read_text(encoding="utf-8").replace("ОДКБ</seg>", "ОДКБ&#x1;</seg>", 1)
    path.write_text(text, encoding="utf-8")
    assert xmllint_valid(path).returncode != 0


# --- PO: msgfmt, msgcat ------------------------------------------------------------------------

def _many_units(n: int = 400) -> list[TranslationUnit]:
    """Sentences of every length, built from our own press-release vocabulary, with the
    punctuation that matters for line breaking (quotes, dashes, NBSP, slashes, brackets)."""
    rnd = random.Random(6)
    ru_words = ("Генеральный секретарь ОДКБ «Взаимодействие-2023» военно-политической 6\u00a0500 "
                "г. Минске (Республика Беларусь) — заявил: Совет/Комитет 12,5% №\u00a07 т.е. "
                "Объединённого штаба «Поиск» Ген.-полк. А.Н. Сидоров коллективной безопасности; "
                "«Эшелон-2024»… учения! \"кавычки\" \\ обратная").split(" ")
    en_words = ("Secretary General of the CSTO Interaction-2023 military-political 6,500 Minsk "
                "(Republic of Belarus) — said: Council/Committee 12.5% No.\u00a07 i.e. Joint Staff "
                "“Search” Colonel General A.N. Sidorov collective security; Echelon-2024… "
                "exercise! \"quotes\" \\ backslash").split(" ")
    pairs = []
    for i in range(n):
        k = rnd.choice([1, 3, 8, 12, 15, 25, 40])
        ru = " ".join(rnd.choice(ru_words) for _ in range(k)) + "."
        en = " ".join(rnd.choice(en_words) for _ in range(k)) + "."
        pairs.append((ru, en, "1-1", rnd.random()))
    return make_units("2024-03-03-many", pairs)


@pytest.mark.parametrize("units", [lambda: make_units(RELEASE_A, PAIRS_A), hostile_units, _many_units],
                         ids=["release", "hostile", "many"])
def test_msgfmt_check_passes_and_msgcat_no_wrap_leaves_the_po_unchanged(tmp_path, units):
    """The PO is not wrapped (tm/export/po.py): gettext's tools with --no-wrap write it
    byte for byte as it is."""
    need("msgfmt")
    need("msgcat")
    path = tmp_path / "r.po"
    write_po(units(), path, src_lang="ru", tgt_lang="en", fuzzy_below=0.9)
    r = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = subprocess.run(["msgcat", "--no-wrap", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ours = path.read_text(encoding="utf-8")
    if r.stdout != ours:
        diff = [(a, b) for a, b in zip(ours.splitlines(), r.stdout.splitlines()) if a != b][:3]
        pytest.fail(f"msgcat rewrites the PO: {diff}")


def test_polib_and_gettext_read_the_po_back_to_the_same_content(tmp_path):
    """polib (no wrapping) writes what it reads unchanged; msgcat with its own wrapping
    (79 columns) changes only the line breaks: polib reads the same entries from it."""
    need("msgcat")
    path = tmp_path / "r.po"
    write_po(_many_units(), path, src_lang="ru", tgt_lang="en", fuzzy_below=0.9)
    ours = path.read_text(encoding="utf-8")
    assert str(polib.pofile(str(path), wrapwidth=0)) == ours
    wrapped = tmp_path / "wrapped.po"
    r = subprocess.run(["msgcat", "-o", str(wrapped), str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert wrapped.read_text(encoding="utf-8") != ours

    def content(po):
        return [(e.msgctxt, e.msgid, e.msgstr, e.flags, e.comment, e.occurrences) for e in po], po.metadata

    assert content(polib.pofile(str(wrapped))) == content(polib.pofile(str(path)))


# --- translate-toolkit -------------------------------------------------------------------------

def test_translate_toolkit_reads_tmx_and_po_back_to_the_same_pairs(tmp_path):
    from translate.storage import po as tt_po
    from translate.storage import tmx as tt_tmx

    units = sample_units()
    write_tmx(units, tmp_path / "a.tmx", src_lang="ru", tgt_lang="en", keep_duplicates=True)
    with open(tmp_path / "a.tmx", "rb") as fh:
        store = tt_tmx.tmxfile(fh, sourcelanguage="ru", targetlanguage="en")
    assert [(u.source, u.target) for u in store.units] == [(u.source, u.target) for u in units]
    assert [u.getid() for u in store.units][:2] == [f"{RELEASE_A}:0", f"{RELEASE_A}:1"]

    release = make_units(RELEASE_A, PAIRS_A)
    write_po(release, tmp_path / "a.po", src_lang="ru", tgt_lang="en", fuzzy_below=0.9)
    with open(tmp_path / "a.po", "rb") as fh:
        store = tt_po.pofile(fh)
    entries = [u for u in store.units if not u.isheader()]
    assert [(u.source, u.target) for u in entries] == [(u.source, u.target) for u in release]
    assert [u.isfuzzy() for u in entries] == [u.score < 0.9 for u in release]


# Checks about the file's integrity: any finding is a bug of ours. The others (numbers written
# 6 500 vs 6,500, sentence counts of 1-2 beads, end punctuation, capitals) judge the
# translation, and press translations legitimately differ there; they are printed, not failed.
INTEGRITY_CHECKS = ("untranslated", "escapes", "newlines", "tabs", "nplurals", "printf", "xmltags",
                    "unchanged", "doublespacing", "brackets")


def test_pofilter_finds_nothing_unexpected(tmp_path, capsys):
    pofilter = Path(os.__file__).parents[2] / "bin" / "pofilter"
    exe = shutil.which("pofilter") or (str(pofilter) if pofilter.exists() else None)
    if exe is None:
        import sys
        exe = str(Path(sys.executable).with_name("pofilter"))
    release = make_units(RELEASE_A, PAIRS_A)
    write_po(release, tmp_path / "in.po", src_lang="ru", tgt_lang="en", fuzzy_below=0.9)
    r = subprocess.run([exe, "--nofuzzy", "-i", str(tmp_path / "in.po"), "-o", str(tmp_path / "out.po")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    found = polib.pofile(str(tmp_path / "out.po"))
    checks = {}
    for entry in found:
        for line in entry.tcomment.splitlines():
            m = re.match(r"\(pofilter\) (\w+)", line)
            if m:
                checks.setdefault(m.group(1), []).append(entry.msgid[:40])
    with capsys.disabled():
        print(f"\npofilter findings on the sample release: {checks or 'none'}")
    assert not set(checks) & set(INTEGRITY_CHECKS), checks


# --- OmegaT ------------------------------------------------------------------------------------


def test_omegat_fills_segments_from_our_tmx_with_both_language_code_styles(tmp_path):
    # A source document a translator would get: each sentence on its own line (so OmegaT's
    # abbreviation rules do not come into it; the shipped-corpus test covers those).
    units = make_units(RELEASE_A, [p for p in PAIRS_A if "г. " not in p[0] and "И.Н. " not in p[0]])
    doc = "\n\n".join(u.source for u in units) + "\n"
    for profile, codes in (("generic", ("ru", "en")), ("omegat", ("ru-RU", "en-GB"))):
        tmx = tmp_path / f"{profile}.tmx"
        write_tmx(units, tmx, src_lang="ru", tgt_lang="en", profile=profile)
        res = run_omegat(tmp_path / f"p-{profile}", {"release.txt": doc}, tmx, src=codes[0], tgt=codes[1])
        assert res["total"] == len(units) == 4 and res["unique"] == 3, res
        assert res["filled"] == 4, (profile, res["targets"])
        # a repeated source with two translations: OmegaT takes one of them
        for u in units:
            if sum(v.source == u.source for v in units) == 1:
                assert u.target in res["targets"]["release.txt"], (profile, u.target)


def test_hostile_tmx_still_imports_into_omegat(tmp_path):
    """OmegaT drops a whole TMX over one bad character, and exits 0: prove ours loads."""
    units = hostile_units()
    tmx = tmp_path / "hostile.tmx"
    write_tmx(units, tmx, src_lang="ru", tgt_lang="en")
    assert xmllint_valid(tmx).returncode == 0
    # The translator's source document has the same sentences, without the control characters.
    doc = ("Учения «Рубеж\u00a0&\u00a0<Щит>» ]]> начались.\n\n"
           "Обычное предложение.   \n")
    res = run_omegat(tmp_path / "p", {"release.txt": doc}, tmx)
    assert res["total"] == 2 and res["filled"] == 2, res["targets"]
    out = res["targets"]["release.txt"]
    assert "The exercise \u201cRubezh & <Shield>\u201d ]]> began." in out
    assert "An ordinary sentence." in out


def test_omegat_segments_like_tm_with_the_shipped_rules(tmp_path):
    """With tm's segmentation.conf, OmegaT keeps «г. Минске», «И.Н. Тасмагамбетов», list
    enumerators and «…» quotes inside one segment, as tm/segment.py does."""
    from tm.export import write_omegat_segmentation
    from tm.segment import split_sentences

    doc = ("12 апреля 2023 г. в г. Минске состоялось заседание Совета. Генеральный секретарь ОДКБ "
           "И.Н. Тасмагамбетов выступил с докладом. «Мы готовы к работе.» Заседание продлилось 2 ч. "
           "Участники обсудили 5 млн. руб. расходов.\n\n"
           "Рассмотрены вопросы:\n1. О ходе подготовки учения.\n2. О бюджете на 2024 г.\n")
    sentences = [s for p in doc.split("\n\n") for s in split_sentences(p, "ru")]
    units = make_units("2023-04-12-rules", [(s, f"English {i}.", "1-1", 0.9) for i, s in enumerate(sentences)])
    tmx = tmp_path / "rules.tmx"
    write_tmx(units, tmx, src_lang="ru", tgt_lang="en")
    seg = tmp_path / "segmentation.conf"
    write_omegat_segmentation(seg, "ru")
    res = run_omegat(tmp_path / "p", {"release.txt": doc}, tmx, segmentation=seg)
    assert res["total"] == len(sentences) and res["filled"] == len(sentences), (sentences, res["targets"])
    # and without the rules OmegaT cuts some of them differently
    plain = run_omegat(tmp_path / "q", {"release.txt": doc}, tmx)
    assert plain["filled"] < len(sentences)


def test_po_of_random_text_passes_msgfmt_and_msgcat_no_wrap(tmp_path):
    """3,000 random strings over letters, digits and every punctuation class that could
    trouble a PO writer (quotes, brackets, dashes, NBSP, slash, %, №, …, \\, a combining
    accent): msgfmt --check accepts them, msgcat --no-wrap leaves them as they are."""
    need("msgfmt")
    need("msgcat")
    rnd = random.Random(14)
    letters = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИКЛМНОПРСТУЭЮЯabcdefghijklmnopqrstuvwxyzABCXYZ0123456789"
    marks = list(" \u00a0\u202f,.:;!?()[]{}\"'«»“”„‘’-–—/%№…\\$+°|*&#@_=<>~`\u2009\u0301")
    pairs = []
    for _ in range(3000):
        words = ["".join(rnd.choice(letters) if rnd.random() > 0.25 else rnd.choice(marks)
                         for _ in range(rnd.choice([1, 2, 3, 5, 8, 12, 20, 40])))
                 for _ in range(rnd.randint(1, 25))]
        text = " ".join(words).strip() or "x"
        pairs.append((text, text[::-1].strip() or "y", "1-1", rnd.random()))
    path = tmp_path / "random.po"
    stats = write_po(make_units("2024-03-03-random", pairs), path, src_lang="ru", tgt_lang="en", fuzzy_below=0.5)
    assert stats.written == 3000
    r = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr[:2000]
    r = subprocess.run(["msgcat", "--no-wrap", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ours = path.read_text(encoding="utf-8").split("\n\n")
    theirs = r.stdout.split("\n\n")
    assert len(ours) == len(theirs)
    different = [(a, b) for a, b in zip(ours, theirs) if a != b]
    assert not different, different[:2]
    assert [(e.msgid, e.msgstr) for e in polib.pofile(str(path))] == [(a, b) for a, b, _, _ in pairs]


# --- glossaries in OmegaT's own readers ----------------------------------------------------------
# Console mode does not load glossaries, so a Groovy script (groovy-all is on OmegaT's class path,
# no JDK needed) calls OmegaT's glossary readers on our files directly.

GROOVY_JAR = Path("/usr/share/java/groovy-all.jar")
READ_GLOSSARY = """
import org.omegat.gui.glossary.*
import org.omegat.core.Core
import org.omegat.core.data.IProject
import org.omegat.util.ProjectFileStorage
if (args.length > 1) {   // the TBX reader takes the languages from the open project
    def props = ProjectFileStorage.loadProjectProperties(new File(args[1]))
    Core.setProject([getProjectProperties: { props }, isProjectLoaded: { true }] as IProject)
}
def f = new File(args[0])
def entries = f.name.endsWith(".tbx") ? GlossaryReaderTBX.read(f, false) : GlossaryReaderTSV.read(f, false)
def out = new PrintStream(System.out, true, "UTF-8")
for (e in entries) { out.println(e.getSrcText() + "\\t" + e.getLocText() + "\\t" + e.getCommentText().replace("\\n", " / ")) }
"""


def omegat_glossary_entries(path: Path, tmp_path: Path) -> list[tuple[str, str, str]]:
    need("java")
    if not (OMEGAT_JAR.exists() and GROOVY_JAR.exists()):
        pytest.fail("OmegaT or its groovy-all.jar missing (apt-get install omegat)")
    project = tmp_path / "glossary-project"
    project.mkdir(exist_ok=True)
    (project / "omegat.project").write_text(OMEGAT_PROJECT.format(src="ru", tgt="en"), encoding="utf-8")
    script = tmp_path / "read_glossary.groovy"
    script.write_text(READ_GLOSSARY, encoding="utf-8")
    r = subprocess.run(["java", "-Djava.awt.headless=true", "-cp", f"{OMEGAT_JAR}:{GROOVY_JAR}",
                        "groovy.ui.GroovyMain", str(script), str(path), str(project)],
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-2000:]
    return [tuple(line.split("\t")) for line in r.stdout.decode("utf-8").splitlines()]


def test_omegat_reads_our_tab_separated_glossary(tmp_path):
    from tm.export import glossary_pairs, omegat_glossary_text
    from tm.glossary import load_glossary

    glossary = load_glossary(Path(__file__).resolve().parents[1] / "glossaries" / "csto.tsv")
    path = tmp_path / "csto.utf8"
    text = omegat_glossary_text(glossary)
    path.write_text(text, encoding="utf-8")
    n = text.count("\n") - 1
    entries = omegat_glossary_entries(path, tmp_path)
    assert len(entries) == n > 100
    expected = []
    for src, tgt, comment in glossary_pairs(glossary):
        if (src, tgt, comment) not in expected:
            expected.append((src, tgt, comment))
    assert entries == expected


def test_omegat_reads_the_tbx_glossary_export(tmp_path):
    """`tm glossary export --tbx-version 2` (the form OmegaT reads): every source term with its
    preferred English term is among the entries OmegaT's TBX reader returns."""
    from helpers import run_tm
    from tm.export import glossary_pairs
    from tm.glossary import load_glossary

    table = Path(__file__).resolve().parents[1] / "glossaries" / "csto.tsv"
    tbx = tmp_path / "csto.tbx"
    r = run_tm("glossary", "export", "--tbx-version", "2", "--glossary", table, "--output", tbx)
    assert r.returncode == 0, r.stderr
    entries = {(src, tgt) for src, tgt, _ in omegat_glossary_entries(tbx, tmp_path)}
    # exercise names: the TBX keeps the {year} slot, the .utf8 export leaves it out
    pairs = [(s, t) for s, t, c in glossary_pairs(load_glossary(table))
             if "with the year:" not in c]
    missing = [p for p in pairs if p not in entries]
    assert entries and not missing, missing[:5]
