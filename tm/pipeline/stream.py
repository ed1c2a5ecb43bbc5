"""The exports written while the results arrive: the TMX body streamed to a
temporary file (`TmxStream`), the output folder prepared, unchanged files left
as they are."""
from __future__ import annotations

import re
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from .. import export as export_stage
from ..fileio import write_public
from ..models import InputError
from .pair import TmxUnit

# A temporary file of tm/fileio.atomic_open for NAME: `.NAME.<mkstemp random>.tmp`.
_TEMP_NAME = re.compile(r"\.(.+)\.[A-Za-z0-9_]{6,}\.tmp")
_NAME_MAX = 255   # bytes in one file name on Linux, macOS and Windows file systems


class _KeySet:
    """A set of 64-bit keys at about 8 bytes a key: recent keys in a Python set, merged
    now and then into a sorted array."""

    _MERGE = 1 << 16

    def __init__(self):
        import numpy as np

        self._np = np
        self._sorted = np.empty(0, dtype=np.uint64)
        self._recent: set[int] = set()

    def add(self, key: int) -> bool:
        """Add `key`; False if it was there already."""
        if key in self._recent:
            return False
        if self._sorted.size:
            k = self._np.uint64(key)
            i = int(self._np.searchsorted(self._sorted, k))
            if i < self._sorted.size and self._sorted[i] == k:
                return False
        self._recent.add(key)
        if len(self._recent) >= self._MERGE:
            np = self._np
            self._sorted = np.union1d(self._sorted, np.fromiter(self._recent, dtype=np.uint64))
            self._recent = set()
        return True


class TmxStream:
    """Builds the TMX while the pairs arrive, exactly as tm.export.write_tmx would write it.

    The units go to an anonymous temporary file as they come. What is known only at the
    end (the header's date: the latest release; the x-occurrences of a pair written
    once but repeated later) is put in when the body is copied into the export's
    temporary file. Memory: the duplicate keys (8 bytes a unit) and the offsets of the
    units written (16 bytes a unit)."""

    def __init__(self, folder: Path, *, profile, src_lang: str, tgt_lang: str, min_score: float,
                 keep_duplicates: bool, source_date_epoch: str | None = None):
        from array import array

        self.profile = profile                 # tm.export's Profile of the export
        self.src_code, _ = export_stage.tmx_lang_codes(self.profile, src_lang, tgt_lang)
        self.keep_duplicates = keep_duplicates
        self.source_date_epoch = source_date_epoch   # the header's date when no release has one
        self.body = tempfile.TemporaryFile(dir=folder, prefix=".tm-body.")
        self.seen = _KeySet()
        self.written_keys, self.written_at = array("Q"), array("Q")
        self.repeats: dict[int, int] = {}        # key of a written pair -> later occurrences
        self.latest: str | None = None
        self.profiles = {name: (export_stage.load_profile(name).max_chars, export_stage.ExportStats())
                         for name in export_stage.PROFILES}
        self.stats = export_stage.ExportStats()
        # every profile's statistics, then the export's own (whose decision counts)
        self._accounts = [*self.profiles.values(), (self.profile.max_chars, self.stats)]

    def add(self, unit: TmxUnit) -> str | None:
        """Account for one unit (in corpus order) and write it if it is written; returns
        None (written) or the skip reason."""
        if unit.date and (self.latest is None or unit.date > self.latest) and export_stage.latest_date([unit.date]):
            self.latest = unit.date
        repeated = unit.skip is None and not self.seen.add(unit.key)
        decision = None
        for max_chars, stats in self._accounts:
            skip = unit.skip
            if skip is None and max_chars and unit.length > max_chars:
                skip = export_stage.SKIP_TOO_LONG
            elif skip is None and repeated and not self.keep_duplicates:
                skip = export_stage.SKIP_DUPLICATE
            if skip is None:
                stats.written += 1
            else:
                stats.skipped[skip] += 1
            if unit.illegal:
                stats.illegal_chars_removed += unit.illegal
                stats.units_with_illegal_chars += 1
            decision = skip                       # the last one: the export's own profile
        if decision is None:
            self.body.write(b"\n    ")
            self.written_keys.append(unit.key)
            self.written_at.append(self.body.tell() + unit.xml.index(export_stage.TMX_OCCURRENCES_BEFORE))
            self.body.write(unit.xml)
        elif decision == export_stage.SKIP_DUPLICATE:
            self.repeats[unit.key] = self.repeats.get(unit.key, 0) + 1
        return decision

    def write(self, path: Path) -> None:
        """The TMX file: header, the body with the x-occurrences put in, the end."""
        import numpy as np

        head, tail = export_stage.tmx_frame(src_code=self.src_code, latest=self.latest,
                                            source_date_epoch=self.source_date_epoch)
        inserts: list[tuple[int, int]] = []
        if self.repeats:
            keys = np.frombuffer(self.written_keys, dtype=np.uint64)
            wanted = np.fromiter(self.repeats, dtype=np.uint64, count=len(self.repeats))
            for i in np.nonzero(np.isin(keys, wanted))[0].tolist():
                inserts.append((self.written_at[i], 1 + self.repeats[self.written_keys[i]]))
            inserts.sort()
        self.body.flush()
        self.body.seek(0)
        write_public(path, self._pieces(head, tail, inserts))
        self.body.close()

    def _pieces(self, head: bytes, tail: bytes, inserts: list[tuple[int, int]]) -> Iterator[bytes]:
        yield head
        pos = 0
        for offset, occurrences in inserts + [(None, 0)]:
            while offset is None or pos < offset:
                chunk = self.body.read(1 << 20 if offset is None else min(1 << 20, offset - pos))
                if not chunk:
                    break
                pos += len(chunk)
                yield chunk
            if offset is not None:
                yield export_stage.tmx_occurrences_prop(occurrences)
        yield tail

    def close(self) -> None:
        self.body.close()


def holds(path: Path, data: bytes) -> bool:
    """True if `path` is a regular file (not a symbolic link) with exactly these bytes:
    rewriting it would change nothing (and costs an fsync and a rename)."""
    try:
        st = path.lstat()         # one call: a link, anything but a regular file, or another size
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def prepare_out_dir(out_dir: Path, names: list[str]) -> None:
    """Create the output folder and check that every export path (relative to it)
    stays inside it; remove temporary files a killed run left for these names.

    A sub-folder (po/) that is a symbolic link pointing outside is refused. An
    export file that is itself a symbolic link is harmless: the atomic rename
    replaces the link, never the file it points to. Temporary files are named
    `.NAME.<random>.tmp` (tm/fileio.py); two runs writing the same folder at once
    are not supported."""
    for name in names:
        # the temporary file `.NAME.xxxxxxxx.tmp` must fit the file-name limit too,
        # or the run would fail half-way, after some exports were replaced
        if len(f".{Path(name).name}.xxxxxxxx.tmp".encode("utf-8")) > _NAME_MAX:
            raise InputError(f"export file name too long ({Path(name).name[:40]}...); "
                             "shorten the release id", out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted_in: dict[Path, set[str]] = {}      # folder -> the export names in it
    for name in names:
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise InputError(f"export name {name!r} would leave the output folder", out_dir)
        target = out_dir / rel
        wanted_in.setdefault(target.parent, set()).add(target.name)
    for folder in wanted_in:                   # a few folders (po/, review/) for thousands of names
        if not _inside(folder, out_dir):
            raise InputError(f"{folder} is a symbolic link pointing outside the output "
                             "folder; remove it", out_dir)
    for folder in wanted_in:
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder} is in the way: a file where the exports need a folder", out_dir)
    for folder, wanted in wanted_in.items():
        if not folder.is_dir():
            continue
        for leftover in folder.glob(".*.tmp"):
            m = _TEMP_NAME.fullmatch(leftover.name)
            if m and m[1] in wanted and leftover.is_file() and not leftover.is_symlink():
                leftover.unlink()
