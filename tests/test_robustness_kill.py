"""A `tm align` run killed (SIGKILL) in the middle of writing its exports leaves
every previous export intact: each file is byte-identical either to the
previous run's or to a complete new one, never partial, and the set is never a mix
of old and new files (the renames wait until every export is written); the next run removes
the temporary files the killed run left and writes everything.

To land the kill inside the export phase every time (not in alignment, which
takes most of a run), the run goes through `tm.cli.main` with `os.fsync`
slowed down, and the kill waits until the first temporary export file exists.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import REPO, run_tm

CASES = REPO / "tests" / "robustness" / "cases"
SLOW_FSYNC = 0.3   # seconds added to every fsync of an export file
SLOW_RUN = (
    "import os, sys, time\n"
    "_fsync = os.fsync\n"
    f"os.fsync = lambda fd: (time.sleep({SLOW_FSYNC}), _fsync(fd))[1]\n"
    "from tm.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
TEMP = re.compile(r"\..+\.[A-Za-z0-9_]{6,}\.tmp")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not TEMP.fullmatch(p.name)}


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if TEMP.fullmatch(p.name)]


def make_corpus(dest: Path, edit: bool) -> Path:
    shutil.copytree(CASES / "ok-utf8", dest)
    if edit:   # the new version of the corpus: every export changes
        for path in (dest / "ru").iterdir():
            path.write_text(path.read_text(encoding="utf-8").replace("2024 года", "2025 года"), encoding="utf-8")
        for path in (dest / "en").iterdir():
            path.write_text(path.read_text(encoding="utf-8").replace(" 2024,", " 2025,"), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """Exports of the old corpus and of the new one, each from a complete run."""
    root = tmp_path_factory.mktemp("kill")
    old, new = make_corpus(root / "old" / "corpus", False), make_corpus(root / "new" / "corpus", True)
    out = {}
    for name, corpus in (("old", old), ("new", new)):
        r = run_tm("align", "--corpus", corpus, "--out", root / name / "out", cwd=root)
        assert r.returncode == 0, r.stderr
        out[name] = snapshot(root / name / "out")
    assert set(out["old"]) == set(out["new"])
    changed = {"corpus.tmx", "po/2024-08-14-secretariat-meeting.po", "po/2024-09-20-peacekeeping-courses.po"}
    assert changed <= set(out["old"])
    assert all(out["old"][k] != out["new"][k] for k in changed)
    return root, new, out


@pytest.mark.parametrize("delay", [0.0, SLOW_FSYNC + 0.15, 2 * SLOW_FSYNC + 0.15])
def test_kill_mid_export_leaves_previous_exports_intact(versions, tmp_path, delay):
    root, new_corpus, expected = versions
    out = tmp_path / "out"
    shutil.copytree(root / "old" / "out", out)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RUN, "align", "--corpus", str(new_corpus),
                             "--out", str(out)], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not temp_files(out):
            assert proc.poll() is None, "the run ended before writing any export: " + proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no export started within 300 s"
            time.sleep(0.005)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    now = snapshot(out)
    assert set(now) == set(expected["old"])
    for name, data in now.items():
        assert data in (expected["old"][name], expected["new"][name]), f"{name} is partial"
    # all exports or none (tm/fileio.all_or_nothing): never a mix of old and new files;
    # with every fsync slowed, the kill lands before the final renames
    assert now in (expected["old"], expected["new"])
    assert now == expected["old"]
    leftovers = temp_files(out)
    assert leftovers, "SIGKILL leaves the temporary file of the export it interrupted"

    # The next run removes the killed run's temporary files and writes everything.
    r = run_tm("align", "--corpus", new_corpus, "--out", out, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert snapshot(out) == expected["new"]
    assert temp_files(out) == []
