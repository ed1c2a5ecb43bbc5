"""Runs the stages over a corpus and keeps the accounting.

corpus -> segment -> align -> check -> export. Every content sentence of every
release ends up either in an exported translation unit or counted as skipped
with a reason; boilerplate lines are counted as skipped too.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import align as align_stage
from . import check as check_stage
from . import export as export_stage
from .corpus import Corpus, load_corpus
from .glossary import Glossary
from .fileio import all_or_nothing, atomic_write_bytes
from .models import AlignedRelease, Finding, InputError, Release
from .segment import segment_release

# A temporary file of tm/fileio.atomic_open for NAME: `.NAME.<mkstemp random>.tmp`.
_TEMP_NAME = re.compile(r"\.(.+)\.[A-Za-z0-9_]{6,}\.tmp")
_NAME_MAX = 255   # bytes in one file name on Linux, macOS and Windows file systems

# OmegaT project segmentation rules, written beside the TMX (tm/export.py).
OMEGAT_SEGMENTATION = "omegat/segmentation.conf"

# Skip reasons, in the order the summary prints them.
SKIP_REASONS = (
    "boilerplate",       # website navigation lines
    "no-counterpart",    # the release has no file on the other side
    "wrong-pairing",     # the pair's document-level confidence is too low
    "unaligned",         # in a 1-0 or 0-1 bead
    "below-threshold",   # bead score under --min-score
    "duplicate",         # same source/target pair already written
    "too-long",          # over the profile's length limit
    "empty",             # nothing left after removing illegal characters
)


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
                       "src": p.src.as_dict(), "tgt": p.tgt.as_dict()} for p in self.pairs],
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
    confidence = align_stage.document_confidence(src_texts, tgt_texts, beads, src.lang, tgt.lang)
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


def run_align(corpus_dir: Path, out_dir: Path, *, glossary: Glossary | None,
              src_lang: str = "ru", tgt_lang: str = "en", min_score: float | None = None,
              profile: str = "generic", keep_duplicates: bool = False,
              strict: bool = False, mode: str = "default") -> Summary:
    """The main job: read, segment, align, check and export a corpus into out_dir.

    `strict`: any warning is an InputError (the first one), raised before anything
    is written."""
    corpus = load_corpus(corpus_dir, src_lang, tgt_lang)
    if min_score is None:
        min_score = align_stage.DEFAULT_MIN_SCORE
    summary = Summary(corpus.root, src_lang, tgt_lang, warnings=list(corpus.warnings))

    for release in corpus.unpaired:
        side = "src" if release.lang == src_lang else "tgt"
        report = PairReport(release.release_id, SideCount(), SideCount())
        count = getattr(report, side)
        n = len(segment_release(release))
        count.sentences = n + _boilerplate_lines(release)
        count.skipped["boilerplate"] = _boilerplate_lines(release)
        count.skipped["no-counterpart"] = n
        summary.pairs.append(report)

    all_units = []
    po_jobs = []
    for aligned in align_corpus(corpus, glossary, mode):
        report = PairReport(aligned.release_id, SideCount(), SideCount(),
                            beads=Counter(b.kind for b in aligned.beads), confidence=aligned.confidence)
        for side, release, sents in (("src", aligned.src, aligned.src_sentences),
                                     ("tgt", aligned.tgt, aligned.tgt_sentences)):
            count = getattr(report, side)
            count.sentences = len(sents) + _boilerplate_lines(release)
            count.skipped["boilerplate"] = _boilerplate_lines(release)
        summary.pairs.append(report)
        if not aligned.src_sentences or not aligned.tgt_sentences:
            # An empty release (already warned about): the other side has no counterpart text.
            report.src.skipped["no-counterpart"] += len(aligned.src_sentences)
            report.tgt.skipped["no-counterpart"] += len(aligned.tgt_sentences)
            continue
        if is_wrong_pairing(aligned):
            summary.warnings.append(wrong_pairing_warning(aligned) + " of the exports")
            report.src.skipped["wrong-pairing"] += len(aligned.src_sentences)
            report.tgt.skipped["wrong-pairing"] += len(aligned.tgt_sentences)
            continue
        findings = check_stage.check_release(aligned, glossary) if glossary is not None else []
        report.findings = len(findings)
        src_file = aligned.src.path.relative_to(corpus.root).as_posix() \
            if aligned.src.path.is_relative_to(corpus.root) else aligned.src.path.name
        units = export_stage.units_for(aligned, findings, src_file=src_file)
        for bead in aligned.beads:
            if not bead.src or not bead.tgt:
                report.src.skipped["unaligned"] += len(bead.src)
                report.tgt.skipped["unaligned"] += len(bead.tgt)
        all_units.append((report, units))
        po_jobs.append((aligned, units))

    if strict and summary.warnings:
        raise InputError(f"{summary.warnings[0]} (--strict: nothing exported)")

    # The TMX writer decides per unit; the accounting follows its decisions.
    tmx_path = out_dir / f"{corpus.root.resolve().name or 'corpus'}.tmx"
    prepare_out_dir(out_dir, [tmx_path.name, OMEGAT_SEGMENTATION]
                    + [f"po/{a.release_id}.po" for a, _ in po_jobs])
    flat = [u for _, units in all_units for u in units]
    # all exports or none: a failure half-way leaves the previous ones untouched
    with all_or_nothing():
        stats = export_stage.write_tmx(flat, tmx_path, src_lang=src_lang, tgt_lang=tgt_lang,
                                       profile=profile, keep_duplicates=keep_duplicates,
                                       min_score=min_score)
        decisions = dict(zip(map(id, flat), stats.decisions))
        for report, units in all_units:
            for unit in units:
                reason = decisions[id(unit)]
                if reason is None:
                    report.units += 1
                    report.src.exported += len(unit.src_indices)
                    report.tgt.exported += len(unit.tgt_indices)
                else:
                    report.src.skipped[reason] += len(unit.src_indices)
                    report.tgt.skipped[reason] += len(unit.tgt_indices)
        summary.tmx_path = tmx_path
        summary.units_written = stats.written
        summary.illegal_chars_removed = stats.illegal_chars_removed
        summary.profiles = export_stage.profile_report(flat, min_score=min_score, keep_duplicates=keep_duplicates)

        for aligned, units in po_jobs:
            po_path = out_dir / "po" / f"{aligned.release_id}.po"
            export_stage.write_po(units, po_path, src_lang=src_lang, tgt_lang=tgt_lang,
                                  fuzzy_below=align_stage.FUZZY_SCORE)
            summary.po_paths.append(po_path)
        # OmegaT segmentation rules that cut the source as tm does (copy into PROJECT/omegat/)
        export_stage.write_omegat_segmentation(out_dir / OMEGAT_SEGMENTATION, src_lang)
    return summary


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
