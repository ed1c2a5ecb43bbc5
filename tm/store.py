"""A small embedded key-value store (one SQLite file) for tm's caches.

Used by the pipeline's result store (one stored result per release pair) and by
the sentence-vector cache (tm/embed/cache.py). A cache only ever saves time: what it
holds is never trusted blindly and losing it costs nothing but a re-computation.

- One file per store, in the run's cache folder (tm/config.py: $TM_CACHE_DIR, else
  $XDG_CACHE_HOME/tm, else ~/.cache/tm; TM_CACHE_DIR=0: no caching, None).
- WAL mode and a busy timeout: several worker processes may share one file.
- A `meta` table records the store's kind and version. A file of another kind
  or version, a file that is not an SQLite database, one that fails
  `PRAGMA quick_check` or a query that fails on a damaged file: the file is
  deleted and rebuilt empty, and `Store.warning` says so in one line (the full
  `quick_check` on open only for files up to 64 MB: on a multi-GB vector store
  it took 40 s; larger files are checked as they are read).
- `max_bytes`: a cap on the stored values' size. Every row carries a last-used
  counter (set on put, and on get in batches); when a write takes the total over
  the cap, the least recently used rows are evicted until it is under 90 % of it.
- A folder that cannot be created or written means no caching, never a crash:
  `get` misses and `put` does nothing (`Store.enabled` is False).
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .text import fold_spaces

_MAGIC = b"SQLite format 3\x00"
_CHUNK = 500              # keys per `IN (...)` query (SQLite's variable limit is 999 on old builds)
_TOUCH_BATCH = 512        # gets remembered before their last-used counter is written
_BUSY_TIMEOUT_S = 60.0
_EVICT_TO = 0.9           # after eviction the total is under this share of max_bytes
_QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024   # files up to this size get a full check on open
_WAL_MAX_BYTES = 64 * 1024 * 1024   # write-ahead log size that triggers a truncating checkpoint
_TRIM_ATTEMPTS = 4
_SCHEMA = 1               # layout of the tables below (part of the version check)


def cache_dir() -> Path | None:
    """The cache folder the environment names (tm/config.py's `cache_dir_from`, the one
    reading of it): $TM_CACHE_DIR, else $XDG_CACHE_HOME/tm, else ~/.cache/tm.
    TM_CACHE_DIR=0 (or "off", "no", "false") -> None: no caching at all."""
    from .config import cache_dir_from

    return cache_dir_from(os.environ)


class _Corrupt(Exception):
    """The file is damaged or not one of ours: rebuild it."""


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on PATH (a sidecar file) while a store is checked
    or rebuilt, so two processes never delete a file the other just rebuilt."""
    try:
        import fcntl
    except ImportError:       # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)          # releases the lock


def _is_transient(exc: sqlite3.Error) -> bool:
    """Lock contention (another process held the file past the busy timeout)."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _is_unusable(exc: sqlite3.Error) -> bool:
    """The file cannot be opened or written (permissions, a read-only or full disk):
    no caching, but nothing to rebuild either."""
    text = str(exc).lower()
    return any(s in text for s in ("readonly", "read-only", "unable to open", "disk i/o", "disk is full",
                                   "permission", "authori"))


def _is_corruption(exc: sqlite3.Error) -> bool:
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return True      # "file is not a database", "database disk image is malformed"
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "no such table" in text


class Store:
    """A persistent str -> bytes mapping in one SQLite file (see the module docstring)."""

    def __init__(self, path: Path, *, kind: str, version: str, max_bytes: int | None = None):
        self.path = Path(path)
        self.kind = kind
        self.version = f"{version}/schema{_SCHEMA}"
        self.max_bytes = max_bytes
        self.warning: str | None = None
        self.enabled = True
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._touched: set[str] = set()
        try:
            self._open()
        except (OSError, sqlite3.Error):
            self._disable()

    # -- opening, checking, rebuilding ---------------------------------------------------

    def _lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _file_lock(self._lock_path()):
            try:
                self._conn = self._connect_checked()
            except _Corrupt as exc:
                self._close_quietly()
                self._delete_files()
                self._note(f"cache {self.path}: {exc}; rebuilt empty")
                self._conn = self._connect_checked()

    def _connect_checked(self) -> sqlite3.Connection:
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(len(_MAGIC))
        except FileNotFoundError:
            head = None
        if head is not None and head and head != _MAGIC:
            raise _Corrupt("not an SQLite database")
        conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        self._conn = conn
        try:
            # a new file only: 16 kB pages hold seven 2 kB vectors (4 kB pages hold one)
            conn.execute("PRAGMA page_size=16384")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA journal_size_limit={_WAL_MAX_BYTES}")
            # quick_check reads the whole file: done where that is cheap; a larger file
            # is checked as it is read (a query that meets damage rebuilds it, _guard)
            if self.path.exists() and self.path.stat().st_size <= _QUICK_CHECK_MAX_BYTES:
                row = conn.execute("PRAGMA quick_check").fetchone()
                if not row or row[0] != "ok":
                    raise _Corrupt("damaged (quick_check: " + (str(row[0])[:80] if row else "no answer") + ")")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                self._create(conn)
                return conn
            meta = {}
            if "meta" in tables:
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            found = (meta.get("kind"), meta.get("version"))
            if found != (self.kind, self.version) or "kv" not in tables:
                self._reset(conn, tables)
                what = (f"of kind {found[0]!r}" if found[0] != self.kind else f"version {found[1]!r}") \
                    if meta else "not a tm store"
                self._note(f"cache {self.path}: {what}, expected {self.kind!r} version "
                           f"{self.version!r}; rebuilt empty")
            return conn
        except sqlite3.Error as exc:
            if _is_transient(exc) or _is_unusable(exc):
                raise
            raise _Corrupt(f"unreadable ({exc})") from None

    def _create(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS kv (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
                         " value BLOB NOT NULL, size INTEGER NOT NULL, used INTEGER NOT NULL)")
            conn.execute("CREATE INDEX IF NOT EXISTS kv_used ON kv (used)")
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                             [("kind", self.kind), ("version", self.version)])
            conn.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", [("clock", "0"), ("bytes", "0")])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _reset(self, conn: sqlite3.Connection, tables: set[str]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for name in tables:
                if not name.startswith("sqlite_"):
                    conn.execute(f'DROP TABLE IF EXISTS "{name}"')
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("VACUUM")      # give the old rows' space back
        except sqlite3.OperationalError:
            pass
        self._create(conn)

    def _delete_files(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass

    def _note(self, text: str) -> None:
        if self.warning is None:
            text = fold_spaces(text)          # one line, whatever SQLite said
            self.warning = text if len(text) <= 300 else text[:297] + "..."

    def _close_quietly(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
        self._conn = None

    def _disable(self) -> None:
        self._close_quietly()
        self.enabled = False

    def _rebuild(self, exc: Exception) -> None:
        """A query failed on a damaged file: delete it and start empty."""
        self._close_quietly()
        self._touched.clear()
        try:
            with _file_lock(self._lock_path()):
                self._delete_files()
                self._note(f"cache {self.path}: damaged ({exc}); rebuilt empty")
                self._conn = self._connect_checked()
        except (OSError, sqlite3.Error, _Corrupt):
            self._disable()

    def _db(self) -> sqlite3.Connection | None:
        if not self.enabled:
            return None
        if self._pid != os.getpid():
            # a forked child must not use its parent's connection: open its own
            self._conn, self._pid = None, os.getpid()
            self._touched = set()
            try:
                self._open()
            except (OSError, sqlite3.Error):
                self._disable()
        return self._conn

    def _guard(self, exc: sqlite3.Error) -> None:
        """After a failed query: rebuild a damaged file; give up on an unwritable one;
        ignore lock contention (a miss, or a value not stored)."""
        if _is_corruption(exc):
            self._rebuild(exc)
        elif not _is_transient(exc):
            self._disable()

    # -- the mapping ---------------------------------------------------------------------

    def get(self, key: str) -> bytes | None:
        return self.get_many([key]).get(key)

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """The stored values of those keys that are stored (chunked `IN (...)` queries)."""
        found: dict[str, bytes] = {}
        with self._lock:
            conn = self._db()
            if conn is None or not keys:
                return found
            unique = list(dict.fromkeys(keys))
            try:
                for i in range(0, len(unique), _CHUNK):
                    chunk = unique[i:i + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    found.update(conn.execute(f"SELECT key, value FROM kv WHERE key IN ({marks})", chunk))
            except sqlite3.Error as exc:
                self._guard(exc)
                return {}
            if self.max_bytes is not None and found:
                self._touched.update(found)
                if len(self._touched) >= _TOUCH_BATCH:
                    self._flush_touched(conn)
        return {k: bytes(v) for k, v in found.items()}

    def put(self, key: str, value: bytes) -> None:
        self.put_many([(key, value)])

    def put_many(self, items: list[tuple[str, bytes]]) -> None:
        """Store the items in one transaction (a later item with the same key wins)."""
        if not items:
            return
        latest = dict(items)
        with self._lock:
            for attempt in (0, 1):
                conn = self._db()
                if conn is None:
                    return
                try:
                    self._write(conn, latest)
                    return
                except sqlite3.Error as exc:
                    self._guard(exc)
                    if not _is_corruption(exc):
                        return

    def _write(self, conn: sqlite3.Connection, items: dict[str, bytes]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            clock = self._tick(conn)
            keys = list(items)
            old = 0
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i:i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                old += conn.execute(f"SELECT COALESCE(SUM(size), 0) FROM kv WHERE key IN ({marks})",
                                    chunk).fetchone()[0]
            conn.executemany(
                "INSERT INTO kv (key, value, size, used) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE"
                " SET value = excluded.value, size = excluded.size, used = excluded.used",
                [(k, sqlite3.Binary(v), len(v), clock) for k, v in items.items()])
            new = sum(len(v) for v in items.values())
            total = self._add_bytes(conn, new - old)
            if self._touched:
                self._touch(conn, clock)
            if self.max_bytes is not None and total > self.max_bytes:
                self._evict(conn, total)
            conn.execute("COMMIT")
        except BaseException:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise
        self._trim_wal(conn)

    def _trim_wal(self, conn: sqlite3.Connection) -> None:
        """Several processes writing in turn keep SQLite's automatic checkpoint
        from ever restarting the write-ahead log, which then grows without end
        (4 GB over a 10,000-pair run): past _WAL_MAX_BYTES, a checkpoint that
        waits for the readers truncates it. A checkpoint that finds another one
        running gives up at once (busy) without waiting: tried again a few times."""
        for attempt in range(_TRIM_ATTEMPTS):
            try:
                if os.path.getsize(f"{self.path}-wal") <= _WAL_MAX_BYTES:
                    return
                busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except OSError:
                return
            except sqlite3.Error:
                busy = 1
            if not busy:
                return
            time.sleep(0.01 * (attempt + 1))

    def _tick(self, conn: sqlite3.Connection) -> int:
        return int(conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'clock'"
                                " RETURNING value").fetchone()[0])

    def _add_bytes(self, conn: sqlite3.Connection, delta: int) -> int:
        return int(conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'bytes'"
                                " RETURNING value", (delta,)).fetchone()[0])

    def _touch(self, conn: sqlite3.Connection, clock: int) -> None:
        keys = list(self._touched)
        self._touched.clear()
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            conn.execute(f"UPDATE kv SET used = ? WHERE key IN ({marks})", [clock, *chunk])

    def _flush_touched(self, conn: sqlite3.Connection) -> None:
        """Write the last-used counter of the keys read since the last write."""
        if not self._touched:
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._touch(conn, self._tick(conn))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self._touched.clear()
            self._guard(exc)

    def _evict(self, conn: sqlite3.Connection, total: int) -> None:
        """Delete the least recently used rows until the total is under 90 % of the cap."""
        goal = int(self.max_bytes * _EVICT_TO)
        victims: list[int] = []
        freed = 0
        for rowid, size in conn.execute("SELECT id, size FROM kv ORDER BY used, id"):
            if total - freed <= goal:
                break
            victims.append(rowid)
            freed += size
        for i in range(0, len(victims), _CHUNK):
            chunk = victims[i:i + _CHUNK]
            conn.execute(f"DELETE FROM kv WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        self._add_bytes(conn, -freed)

    def __len__(self) -> int:
        with self._lock:
            conn = self._db()
            if conn is None:
                return 0
            try:
                return int(conn.execute("SELECT COUNT(*) FROM kv").fetchone()[0])
            except sqlite3.Error as exc:
                self._guard(exc)
                return 0

    def close(self) -> None:
        """Write pending last-used counters and close the file (the store can be reopened)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._flush_touched(self._conn)
                self._close_quietly()
            self._conn = None
            self.enabled = False

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:   # pragma: no cover - best effort
        try:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
        except Exception:
            pass
