import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
