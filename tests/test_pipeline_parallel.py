"""`tm align` in parallel, on a Dask cluster, from the result store, with a progress bar
(issue 11): the exports are byte-identical whichever way the pairs are processed."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import REPO, run_tm
from tm import pipeline
from tm.glossary import load_glossary
from tm.models import InputError

CSTO = REPO / "corpora" / "csto"
GLOSSARY = REPO / "glossaries" / "csto.tsv"
PAIRS = sorted(p.stem for p in (CSTO / "ru").glob("*.txt"))[:4]


def make_corpus(root: Path) -> Path:
    """Four pairs of the shipped corpus, one of them again under a later id (its units are
    duplicates: x-occurrences in the TMX), and an English release with no original."""
    for lang in ("ru", "en"):
        (root / lang).mkdir(parents=True)
        for rid in PAIRS:
            shutil.copy(CSTO / lang / f"{rid}.txt", root / lang / f"{rid}.txt")
        shutil.copy(CSTO / lang / f"{PAIRS[0]}.txt", root / lang / f"2099-01-01-{PAIRS[0][11:]}.txt")
    shutil.copy(CSTO / "en" / f"{PAIRS[1]}.txt", root / "en" / "2099-02-02-english-only.txt")
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("parallel") / "corpus")


def align(corpus: Path, out: Path, cache: Path | None, *args) -> subprocess.CompletedProcess:
    env = {"TM_CACHE_DIR": str(cache) if cache else "0"}
    out.parent.mkdir(parents=True, exist_ok=True)
    r = run_tm("align", "--corpus", corpus, "--glossary", GLOSSARY, "--out", out, *args,
               cwd=out.parent, env=env)
    assert r.returncode == 0, r.stderr
    return r


def summary_text(r: subprocess.CompletedProcess, out: Path) -> str:
    return r.stdout.replace(str(out), "OUT")


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """--jobs 1, no cache, no embeddings: what every other way must write."""
    out = tmp_path_factory.mktemp("ref") / "out"
    r = align(corpus, out, None, "--jobs", "1", "--mode", "no-embeddings")
    assert "x-occurrences" in (out / "corpus.tmx").read_text(encoding="utf-8")
    return snapshot(out), summary_text(r, out)


def test_jobs_2_writes_what_jobs_1_writes(corpus, reference, tmp_path):
    out = tmp_path / "out"
    r = align(corpus, out, None, "--jobs", "2", "--mode", "no-embeddings")
    assert snapshot(out) == reference[0]
    assert summary_text(r, out) == reference[1]


def test_jobs_2_default_mode_writes_what_jobs_1_writes(corpus, tmp_path):
    one, two = tmp_path / "one" / "out", tmp_path / "two" / "out"
    r1 = align(corpus, one, tmp_path / "cache1", "--jobs", "1")
    r2 = align(corpus, two, tmp_path / "cache2", "--jobs", "2")
    assert snapshot(one) == snapshot(two)
    assert summary_text(r1, one) == summary_text(r2, two)
    # the worker processes wrote their batches of new vectors as they ended
    rows = []
    for cache in (tmp_path / "cache1", tmp_path / "cache2"):
        with sqlite3.connect(cache / "vectors.sqlite") as db:
            rows.append(db.execute("SELECT COUNT(*) FROM kv").fetchone()[0])
    assert rows[0] > 0 and rows[0] == rows[1]


def test_cached_rerun_writes_what_a_cold_run_writes(corpus, reference, tmp_path):
    cache = tmp_path / "cache"
    cold, warm = tmp_path / "cold" / "out", tmp_path / "warm" / "out"
    r1 = align(corpus, cold, cache, "--jobs", "2", "--mode", "no-embeddings")
    assert (cache / pipeline.RESULT_STORE).is_file()
    r2 = align(corpus, warm, cache, "--jobs", "2", "--mode", "no-embeddings")
    assert snapshot(cold) == snapshot(warm) == reference[0]
    assert summary_text(r1, cold) == summary_text(r2, warm) == reference[1]


def test_unchanged_pairs_are_not_aligned_again(corpus, tmp_path, monkeypatch):
    from tm.pipeline import pair

    config = pipeline.Config(mode="no-embeddings", cache_dir=tmp_path / "cache")
    calls = []
    real = pair.align_release
    monkeypatch.setattr(pair, "align_release", lambda *a, **k: calls.append(a[0].release_id) or real(*a, **k))
    glossary = load_glossary(GLOSSARY)
    work = tmp_path / "corpus"
    shutil.copytree(corpus, work)

    def run(out):
        pipeline.run_align(work, tmp_path / out, glossary=glossary, config=config,
                           run=pipeline.RunOptions(jobs=1, cache=True))
        return snapshot(tmp_path / out)

    cold = run("cold")
    assert len(calls) == len(PAIRS) + 1
    calls.clear()
    assert run("warm") == cold and calls == []
    # one release changed: only its pair is aligned again
    path = work / "en" / f"{PAIRS[2]}.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    run("changed")
    assert calls == [PAIRS[2]]
    # without the store, everything is aligned
    calls.clear()
    pipeline.run_align(work, tmp_path / "nocache", glossary=glossary, config=config,
                       run=pipeline.RunOptions(jobs=1, cache=False))
    assert len(calls) == len(PAIRS) + 1


def test_a_corrupt_result_store_is_rebuilt_with_one_warning(corpus, reference, tmp_path):
    cache = tmp_path / "cache"
    align(corpus, tmp_path / "first" / "out", cache, "--jobs", "1", "--mode", "no-embeddings")
    store = cache / pipeline.RESULT_STORE
    store.write_bytes(b"\x00garbage, not a database\n" * 500)
    out = tmp_path / "second" / "out"
    r = align(corpus, out, cache, "--jobs", "1", "--mode", "no-embeddings")
    warnings = [ln for ln in r.stdout.splitlines() if ln.startswith("warning: ")]
    cache_warnings = [w for w in warnings if "results.sqlite" in w]
    assert len(cache_warnings) == 1 and "rebuilt" in cache_warnings[0], warnings
    assert snapshot(out) == reference[0]
    # rebuilt and usable: the next run finds its results there, and no warning
    r = align(corpus, tmp_path / "third" / "out", cache, "--jobs", "1", "--mode", "no-embeddings")
    assert "results.sqlite" not in r.stdout


def test_quiet_prints_no_summary(corpus, reference, tmp_path):
    out = tmp_path / "out"
    r = align(corpus, out, None, "--jobs", "1", "--mode", "no-embeddings", "--quiet")
    assert snapshot(out) == reference[0]
    warnings = [ln for ln in reference[1].splitlines() if ln.startswith("warning: ")]
    assert warnings and r.stdout.splitlines() == warnings     # the warnings, nothing else
    assert r.stderr == ""


def test_progress_bar_on_a_terminal_only(corpus, tmp_path):
    # stderr a pipe: nothing on it
    r = align(corpus, tmp_path / "piped" / "out", None, "--jobs", "1", "--mode", "no-embeddings")
    assert r.stderr == ""
    # stderr a pseudo-terminal: a progress bar
    from helpers import tm_command

    master, slave = os.openpty()
    out = tmp_path / "tty" / "out"
    out.parent.mkdir()
    proc = subprocess.Popen(tm_command() + ["align", "--corpus", str(corpus), "--glossary", str(GLOSSARY),
                                            "--out", str(out), "--jobs", "1", "--mode", "no-embeddings"],
                            cwd=out.parent, stdout=subprocess.PIPE, stderr=slave,
                            env=dict(os.environ, TM_CACHE_DIR="0", COLUMNS="100"))
    os.close(slave)
    chunks = []

    def read():
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:          # EIO: the other end is closed
                break
            if not data:
                break
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stdout, _ = proc.communicate(timeout=300)
    reader.join(timeout=10)
    os.close(master)
    assert proc.returncode == 0
    shown = b"".join(chunks).decode("utf-8", "replace")
    total = len(PAIRS) + 2
    assert f"/{total}" in shown and "pair" in shown and "sentences/s" in shown, shown
    assert b"translation units written" in stdout


# --- a real Dask cluster on 127.0.0.1 ---------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dask_processes(work: Path, workers: int, worker_env: dict | None = None):
    """A Dask scheduler and `workers` workers on 127.0.0.1 (a free port), stopped by
    process id at the end; yields the scheduler's address."""
    pytest.importorskip("distributed")
    dask = Path(sys.executable).with_name("dask")
    command = [str(dask)] if dask.exists() else [sys.executable, "-m", "dask"]
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, TM_CACHE_DIR=str(work / "cache"))
    procs = []
    try:
        procs.append(subprocess.Popen(command + ["scheduler", "--host", "127.0.0.1", "--port", str(port),
                                                 "--no-dashboard"], cwd=work, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for n in range(workers):
            procs.append(subprocess.Popen(command + ["worker", address, "--nthreads", "1", "--no-dashboard",
                                                     "--no-nanny", "--local-directory", str(work / f"w{n}")],
                                          cwd=work, env=dict(env, **(worker_env or {})),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        deadline = time.monotonic() + 120
        while True:
            assert all(p.poll() is None for p in procs), "a Dask process ended"
            try:
                with Client(address, timeout=5) as client:
                    client.wait_for_workers(workers, timeout=max(1, deadline - time.monotonic()))
                break
            except OSError:
                assert time.monotonic() < deadline, "the Dask cluster did not start"
                time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    with dask_processes(tmp_path_factory.mktemp("dask"), 2) as address:
        yield address


def test_dask_cluster_writes_what_jobs_1_writes(corpus, reference, dask_cluster, tmp_path):
    out = tmp_path / "out"
    r = align(corpus, out, None, "--executor", "dask", "--scheduler", dask_cluster, "--mode", "no-embeddings")
    assert snapshot(out) == reference[0]
    assert summary_text(r, out) == reference[1]


def test_dask_default_mode_writes_what_jobs_1_writes(corpus, dask_cluster, tmp_path):
    local, dask = tmp_path / "local" / "out", tmp_path / "dask" / "out"
    align(corpus, local, tmp_path / "cache", "--jobs", "1")
    align(corpus, dask, None, "--executor", "dask", "--scheduler", dask_cluster)
    assert snapshot(local) == snapshot(dask)


def test_dask_workers_on_other_blas_kernels_are_warned_about(corpus, tmp_path):
    from tm.blas import blas_kernel

    if blas_kernel() != "openblas SkylakeX":
        pytest.skip("needs OpenBLAS's AVX-512 kernels here, to start a worker on others")
    with dask_processes(tmp_path, 1, {"OPENBLAS_CORETYPE": "Haswell"}) as address:
        r = align(corpus, tmp_path / "out", None, "--executor", "dask", "--scheduler", address,
                  "--mode", "no-embeddings")
    warned = [line for line in r.stdout.splitlines() if "BLAS kernels" in line]     # the summary's warnings
    assert len(warned) == 1
    assert "openblas Haswell" in warned[0] and "OPENBLAS_CORETYPE=SkylakeX" in warned[0]


def test_dask_workers_on_the_same_kernels_are_not_warned_about(corpus, dask_cluster, tmp_path):
    r = align(corpus, tmp_path / "out", None, "--executor", "dask", "--scheduler", dask_cluster,
              "--mode", "no-embeddings")
    assert "BLAS kernels" not in r.stdout + r.stderr


def test_unreachable_scheduler_is_a_clear_error(corpus, tmp_path):
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{free_port()}"       # nobody listens there
    r = run_tm("align", "--corpus", corpus, "--out", tmp_path / "out", "--executor", "dask",
               "--scheduler", address, cwd=tmp_path, env={"TM_CACHE_DIR": "0", "TM_DASK_TIMEOUT": "2"})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"tm: error: cannot reach the Dask scheduler at {address}")
    assert len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
    r = run_tm("align", "--corpus", corpus, "--out", tmp_path / "out", "--executor", "dask",
               cwd=tmp_path, env={"TM_CACHE_DIR": "0"})
    assert r.returncode == 2 and "--scheduler" in r.stderr


def test_dask_not_installed_is_a_clear_error(monkeypatch):
    from tm.executors import make_executor

    monkeypatch.setitem(sys.modules, "distributed", None)      # import fails
    with pytest.raises(InputError, match=r"pip install 'tm\[cluster\]'"):
        make_executor("dask", pipeline.process_pair, None, pipeline.Config(), scheduler="tcp://x:1")


def _square(x, shared, options):
    return x * x


def test_a_run_collects_garbage_less_often_and_puts_everything_back():
    import gc

    from tm import executors

    before = gc.get_threshold()
    with executors.fewer_collections():
        assert gc.get_threshold()[0] >= executors.GC_YOUNG_THRESHOLD
        pool = executors.make_executor("local", _square, None, None, jobs=2)
        assert [pool.result(pool.submit(x)) for x in range(5)] == [0, 1, 4, 9, 16]
        pool.close()
        assert gc.get_freeze_count() == 0      # what was frozen for the fork is collectable again
    assert gc.get_threshold() == before
