import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# One cache folder (vector store, result store) for the whole test session,
# shared with the `tm` subprocesses the tests start (the cache never changes
# results, only time), and never the user's own ~/.cache.
_EMBED_CACHE = tempfile.mkdtemp(prefix="tm-test-cache-")
os.environ["TM_CACHE_DIR"] = _EMBED_CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_EMBED_CACHE, ignore_errors=True)


def tm_command() -> list[str]:
    """The installed `tm` console script next to this Python, as a user runs it."""
    script = Path(sys.executable).with_name("tm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tm"]


def run_tm(*args, cwd=REPO, input=None, env=None, timeout=600):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(tm_command() + [str(a) for a in args], cwd=cwd, input=input,
                          capture_output=True, text=True, env=full_env, timeout=timeout)


@pytest.fixture
def shared():
    if not SHARED.is_dir():
        pytest.skip("../shared (benchmark data) not present")
    return SHARED


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
