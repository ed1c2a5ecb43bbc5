"""tm/store.py: the SQLite key-value store behind the result store and the vector cache."""
import os
import subprocess
import sys
from pathlib import Path

from tm.store import Store, cache_dir


def test_put_get_roundtrip(tmp_path):
    store = Store(tmp_path / "s.sqlite", kind="test", version="1")
    assert store.warning is None and store.enabled
    assert store.get("missing") is None
    store.put("a", b"\x00\x01binary")
    store.put_many([(f"k{i}", str(i).encode()) for i in range(1200)])   # more than one IN chunk
    assert store.get("a") == b"\x00\x01binary"
    found = store.get_many([f"k{i}" for i in range(1200)] + ["nope"])
    assert len(found) == 1200 and found["k1199"] == b"1199"
    store.put("a", b"new")                      # replace
    assert store.get("a") == b"new"
    store.close()
    again = Store(tmp_path / "s.sqlite", kind="test", version="1")
    assert again.warning is None and again.get("a") == b"new" and len(again) == 1201
    again.close()


def test_corrupt_file_is_rebuilt_with_a_warning(tmp_path):
    path = tmp_path / "s.sqlite"
    store = Store(path, kind="test", version="1")
    store.put("a", b"1")
    store.close()
    path.write_bytes(b"this is not a database\n" * 100)
    store = Store(path, kind="test", version="1")
    assert store.warning and "rebuilt" in store.warning and "\n" not in store.warning
    assert store.get("a") is None          # never trusted
    store.put("b", b"2")
    assert store.get("b") == b"2"
    store.close()


def test_damaged_pages_are_detected(tmp_path):
    path = tmp_path / "s.sqlite"
    store = Store(path, kind="test", version="1")
    store.put_many([(f"k{i}", os.urandom(2000)) for i in range(200)])
    store.close()
    data = bytearray(path.read_bytes())
    data[4096:4096 + 16384] = os.urandom(16384)     # keep the header, damage the pages
    path.write_bytes(bytes(data))
    store = Store(path, kind="test", version="1")
    assert store.warning and "rebuilt" in store.warning and "\n" not in store.warning
    assert len(store) == 0
    store.close()


def test_version_or_kind_mismatch_rebuilds(tmp_path):
    path = tmp_path / "s.sqlite"
    store = Store(path, kind="test", version="1")
    store.put("a", b"1")
    store.close()
    store = Store(path, kind="test", version="2")
    assert store.warning and "rebuilt" in store.warning
    assert store.get("a") is None
    store.put("a", b"2")
    store.close()
    store = Store(path, kind="other", version="2")
    assert store.warning and "kind" in store.warning and store.get("a") is None
    store.close()
    store = Store(path, kind="other", version="2")
    assert store.warning is None
    store.close()


def test_eviction_keeps_recently_used_keys(tmp_path):
    store = Store(tmp_path / "s.sqlite", kind="test", version="1", max_bytes=10_000)
    store.put_many([(f"old{i}", b"x" * 100) for i in range(40)])
    store.put_many([(f"mid{i}", b"y" * 100) for i in range(40)])
    for i in range(40):                    # the old keys are used again
        assert store.get(f"old{i}") is not None
    store.put_many([(f"new{i}", b"z" * 100) for i in range(40)])   # 12,000 bytes > cap
    kept = store.get_many([f"{p}{i}" for p in ("old", "mid", "new") for i in range(40)])
    assert sum(len(v) for v in kept.values()) <= 9_000
    assert all(f"old{i}" in kept for i in range(40))
    assert all(f"new{i}" in kept for i in range(40))
    assert not any(f"mid{i}" in kept for i in range(30))
    store.close()


def test_unwritable_folder_means_no_caching(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = Store(blocker / "cache" / "s.sqlite", kind="test", version="1")
    assert not store.enabled
    store.put("a", b"1")
    assert store.get("a") is None and store.get_many(["a"]) == {}
    store.close()


def test_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("TM_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.setenv("TM_CACHE_DIR", "0")
    assert cache_dir() is None
    monkeypatch.delenv("TM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "tm"


def test_processes_share_one_file(tmp_path):
    path = tmp_path / "s.sqlite"
    code = ("import sys; from pathlib import Path; from tm.store import Store\n"
            "s = Store(Path(sys.argv[1]), kind='test', version='1')\n"
            "for i in range(50): s.put_many([(f'{sys.argv[2]}-{i}-{j}', b'v') for j in range(5)])\n"
            "s.close()\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), str(n)]) for n in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    store = Store(path, kind="test", version="1")
    assert store.warning is None and len(store) == 3 * 50 * 5
    store.close()


def _write_batches(path, tag, limit, out):
    import tm.store as store_module
    store_module._WAL_MAX_BYTES = limit
    store = Store(path, kind="t", version="1")
    biggest = 0
    for i in range(150):
        store.put_many([(f"{tag}-{i}-{j}", bytes(2048)) for j in range(20)])
        store.get_many([f"{tag}-{i}-0"])
        wal = Path(f"{path}-wal")
        biggest = max(biggest, wal.stat().st_size if wal.exists() else 0)
    store.close()
    out.put(biggest)


def test_the_write_ahead_log_stays_bounded_with_two_writers(tmp_path):
    """Two processes writing in turn (the pool's workers) would keep SQLite's own
    checkpoint from restarting the log: it grew to 4 GB over a 10,000-pair run."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    limit = 1 << 20
    procs = [ctx.Process(target=_write_batches, args=(tmp_path / "v.sqlite", k, limit, out)) for k in range(2)]
    for p in procs:
        p.start()
    sizes = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert (tmp_path / "v.sqlite").stat().st_size > 10 * limit      # far more was written than the limit
    assert max(sizes) < 4 * limit


def test_vector_sized_values_fill_the_file_pages(tmp_path):
    """2 kB values (a sentence vector) in 4 kB pages took one page each: the file
    was twice its contents. In 16 kB pages seven fit."""
    store = Store(tmp_path / "v.sqlite", kind="t", version="1")
    for i in range(20):
        store.put_many([(f"{i}-{j}", bytes(2048)) for j in range(100)])
    store.close()
    assert (tmp_path / "v.sqlite").stat().st_size < 1.3 * 2000 * 2048
