"""The accounting of a run: every sentence exported or skipped with a reason
(tm/export's SKIP_REASONS), per pair and in total; the summary printed and the
--report JSON."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import export as export_stage
from ..export import SKIP_REASONS
from ..fileio import atomic_write_bytes


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
