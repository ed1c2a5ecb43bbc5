"""The test session's settings and shared fixtures. Helpers that tests import are in
helpers.py."""
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from helpers import SHARED, run_tm_align

# One cache folder (vector store, result store) for the whole test session,
# shared with the `tm` subprocesses the tests start (the cache never changes
# results, only time), and never the user's own ~/.cache.
_EMBED_CACHE = tempfile.mkdtemp(prefix="tm-test-cache-")
os.environ["TM_CACHE_DIR"] = _EMBED_CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_EMBED_CACHE, ignore_errors=True)


@pytest.fixture
def shared():
    if not SHARED.is_dir():
        pytest.skip("../shared (benchmark data) not present")
    return SHARED


@pytest.fixture(scope="session")
def shipped_exports(tmp_path_factory) -> dict[str, Path]:
    """Exports of the shipped corpus: the default run, a second identical run, and --profile omegat."""
    root = tmp_path_factory.mktemp("exports")
    runs = {"generic": root / "generic", "rerun": root / "rerun", "omegat": root / "omegat"}
    run_tm_align(runs["generic"])
    run_tm_align(runs["rerun"])
    run_tm_align(runs["omegat"], "--profile", "omegat")
    return runs
