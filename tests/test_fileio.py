"""tm/fileio.py: atomic writes, and the fsyncs of an all_or_nothing() batch run in
the background but always before its renames."""
from __future__ import annotations

import errno
import os
import threading

import pytest

from tm.fileio import all_or_nothing, atomic_write_bytes, write_public
from tm.models import InputError


def test_outside_a_batch_a_file_is_synced_then_renamed(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    atomic_write_bytes(tmp_path / "a.txt", b"a")
    assert events == ["fsync", "replace"]
    assert (tmp_path / "a.txt").read_bytes() == b"a"


def test_a_batch_renames_only_files_already_synced(tmp_path, monkeypatch):
    synced: set[int] = set()          # inodes whose fsync returned
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        real_fsync(fd)
        synced.add(os.fstat(fd).st_ino)

    def replace(src, dst):
        assert os.stat(src).st_ino in synced, f"{dst} renamed before its fsync"
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    with all_or_nothing():
        for i in range(300):
            write_public(tmp_path / f"{i}.po", [b"msgid ", str(i).encode()])
    assert len(synced) == 300
    assert (tmp_path / "70.po").read_bytes() == b"msgid 70"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_writes_go_on_while_an_fsync_is_blocked(tmp_path, monkeypatch):
    """The caller is not held by a slow fsync: 53 files are written while the
    first fsync waits (for the writes); inline fsyncs would wait out the timeout."""
    written = threading.Event()
    waited_out = []
    real_fsync = os.fsync

    def fsync(fd):
        waited_out.append(not written.wait(timeout=10))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    open_before = len(os.listdir("/proc/self/fd"))
    with all_or_nothing():
        for name in ("a", "b", "c") + tuple(f"n{i}" for i in range(50)):
            atomic_write_bytes(tmp_path / name, name.encode())
        assert not (tmp_path / "a").exists()
        # files waiting for their fsync hold no descriptor (the one being synced does)
        assert len(os.listdir("/proc/self/fd")) <= open_before + 2
        written.set()
    assert waited_out == [False] * 53
    assert [(tmp_path / n).read_bytes() for n in "abc"] == [b"a", b"b", b"c"]


def test_a_failed_fsync_names_the_file_and_renames_nothing(tmp_path, monkeypatch):
    (tmp_path / "a.po").write_bytes(b"old a")
    real_fsync = os.fsync
    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(InputError) as caught:
        with all_or_nothing():
            for name in ("a.po", "b.po", "c.po"):
                write_public(tmp_path / name, b"new")
    assert str(caught.value) == f"{tmp_path / 'b.po'}: cannot write: No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.po"]
    assert (tmp_path / "a.po").read_bytes() == b"old a"


def test_an_error_in_the_batch_waits_for_its_fsyncs_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    closed_before_discard = []
    real_unlink = os.unlink

    def unlink(path):
        # every descriptor handed to the fsync thread is closed by then
        closed_before_discard.append(not any(os.path.realpath(f"/proc/self/fd/{fd}") == os.path.realpath(path)
                                             for fd in map(int, os.listdir("/proc/self/fd"))
                                             if _is_file(fd)))
        real_unlink(path)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(RuntimeError):
        with all_or_nothing():
            atomic_write_bytes(tmp_path / "a", b"a")
            atomic_write_bytes(tmp_path / "b", b"b")
            raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
    assert closed_before_discard == [True, True]


def _is_file(fd: int) -> bool:
    try:
        return os.path.isfile(f"/proc/self/fd/{fd}")
    except OSError:
        return False
