import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# One sentence-vector cache for the whole test session, shared with the `tm`
# subprocesses the tests start (the cache never changes results, only time),
# and never the user's own ~/.cache.
_EMBED_CACHE = tempfile.mkdtemp(prefix="tm-test-embed-")
os.environ["TM_EMBED_CACHE"] = _EMBED_CACHE


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
