"""The test session's settings and shared fixtures. Helpers that tests import are in
helpers.py."""
import tm  # noqa: F401  first, as in the `tm` command: tm chooses numpy's BLAS kernels before numpy loads
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from helpers import SHARED, run_tm_align  # noqa: E402

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
