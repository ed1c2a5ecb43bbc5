"""The plan of an export: translation units from aligned releases, text hygiene,
profiles, and which units are written and why the others are not. The writers
(tm/export/tmx.py, po.py, omegat.py) only render what the plan decided.

Segment text hygiene (`clean_segment`), the same for TMX and PO:
- characters illegal in XML 1.0 (C0 controls other than TAB/LF/CR, lone
  surrogates, U+FFFE, U+FFFF) and the C1/DEL controls are removed and counted;
  they are never written as character references, which XML 1.0 forbids too;
- a run of whitespace that holds a line break or a TAB becomes one space (a CAT
  tool's text filter breaks paragraphs at line breaks, so such text can never be
  one of its segments anyway);
- leading/trailing whitespace is trimmed;
- every other character is kept exactly: NBSP (U+00A0) and the narrow NBSP
  (U+202F) in «6 500», double spaces inside a sentence, typographic quotes.
  OmegaT segments the Russian source file into exactly these characters, and an
  exact match needs the same code points (tested with OmegaT itself). The corpus
  reader turns Unicode spaces into " " for matching; `units_for` puts the
  original ones back (Release.original_spaces) so a unit equals the document's text.

Skip reasons: SKIP_REASONS below, the one list the pipeline's accounting uses too.
The export decides five of them (`iter_plan`): empty, below-threshold, too-long,
duplicate, rejected. A bead a reviewer accepted is exported with score 1.0 and the
TMX prop x-reviewed, and a `#. reviewed: ...` comment in PO.

Profiles: one `tm/data/profiles/<name>.txt` each (lang_style, max_chars,
description, order), read once; PROFILES is their names in `order`.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ..data import DATA_DIR, read_lines
from ..models import AlignedRelease, Finding, InputError, Release, Sentence, TranslationUnit
from ..text import fold_spaces

SKIP_EMPTY = "empty"
SKIP_BELOW_THRESHOLD = "below-threshold"
SKIP_TOO_LONG = "too-long"
SKIP_DUPLICATE = "duplicate"
SKIP_REJECTED = "rejected"

# Every reason a sentence is not exported, in the order the summary prints them.
SKIP_REASONS = (
    "boilerplate",          # website navigation lines
    "no-counterpart",       # the release has no file on the other side
    "wrong-pairing",        # the pair's document-level confidence is too low
    "unaligned",            # in a 1-0 or 0-1 bead
    SKIP_REJECTED,          # a reviewer rejected the bead (corrections.tsv, tm/review.py)
    SKIP_BELOW_THRESHOLD,   # bead score under --min-score
    SKIP_DUPLICATE,         # the same cleaned source/target pair was written already
    SKIP_TOO_LONG,          # a side longer than the profile's max_chars
    SKIP_EMPTY,             # a side is empty after removing illegal characters
)

# ---------------------------------------------------------------------------
# Units


def units_for(aligned: AlignedRelease, findings: Sequence[Finding], *, src_file: str) -> list[TranslationUnit]:
    """One unit per bead with both sides non-empty, in bead order."""
    by_bead: dict[int, list[str]] = {}
    for f in findings:
        if f.src_index is not None:
            by_bead.setdefault(f.src_index, []).append(_one_line(f"{f.rule}: {f.message}"))
    units = []
    for bead in aligned.beads:
        if not bead.src or not bead.tgt:
            continue
        src = [aligned.src_sentences[i] for i in bead.src]
        tgt = [aligned.tgt_sentences[i] for i in bead.tgt]
        units.append(TranslationUnit(
            release_id=aligned.release_id,
            date=aligned.src.date or aligned.tgt.date,
            src_lang=aligned.src.lang,
            tgt_lang=aligned.tgt.lang,
            source=" ".join(original_text(aligned.src, s) for s in src),
            target=" ".join(original_text(aligned.tgt, s) for s in tgt),
            bead_kind=bead.kind,
            score=bead.score,
            src_indices=tuple(bead.src),
            tgt_indices=tuple(bead.tgt),
            src_file=src_file,
            src_line=src[0].line,
            notes=tuple(by_bead.get(bead.src[0], ())),
        ))
    return units


def original_text(release: Release, sentence: Sentence) -> str:
    """The sentence with the Unicode spaces of the original document (Release.original_spaces)
    put back where the corpus reader normalised them to " "."""
    spaces = getattr(release, "original_spaces", None)
    if not spaces:
        return sentence.text
    chars = list(sentence.text)
    for offset in range(sentence.start, sentence.end):
        original = spaces.get(offset)
        if original is not None and chars[offset - sentence.start] == " ":
            chars[offset - sentence.start] = original
    return "".join(chars)


def _one_line(text: str) -> str:
    return fold_spaces(text)


# ---------------------------------------------------------------------------
# Text hygiene

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Whitespace runs holding a line/paragraph break or a TAB.
_BREAKING_SPACE = re.compile(r"\s*[\t\n\r\v\f\x85\u2028\u2029]\s*")


_NEEDS_CLEANING = re.compile(_ILLEGAL.pattern[:-1] + "\t\n\r\v\f\x85\u2028\u2029]")


def clean_segment(text: str) -> tuple[str, int]:
    """(cleaned text, number of illegal characters removed); see the module docstring."""
    if _NEEDS_CLEANING.search(text) is None:          # the usual case, one scan
        return text.strip(), 0
    cleaned, removed = _ILLEGAL.subn("", text)
    cleaned = _BREAKING_SPACE.sub(" ", cleaned)
    return cleaned.strip(), removed


# ---------------------------------------------------------------------------
# Profiles


@dataclass(frozen=True)
class Profile:
    name: str
    lang_style: str          # plain | region
    max_chars: int           # 0 = no limit
    description: str = ""

    def lang_code(self, lang: str, regions: dict[str, str] | None = None) -> str:
        """`ru` -> `ru` (plain) or `ru-RU` (region). `ru_RU` is always written `ru-RU`."""
        code = lang.replace("_", "-")
        base, _, region = code.partition("-")
        if self.lang_style == "plain":
            return code
        table = dict(_region_table())
        table.update(regions or {})
        region = region or table.get(base.lower(), "")
        return f"{base.lower()}-{region.upper()}" if region else base.lower()


def _region_table() -> tuple[tuple[str, str], ...]:
    return tuple(tuple(line.split("\t", 1)) for line in read_lines("profiles", "regions.tsv"))  # type: ignore[misc]


PROFILE_DIR = DATA_DIR / "profiles"


def _read_profiles() -> dict[str, Profile]:
    """Every tm/data/profiles/<name>.txt, in the order its `order` setting gives."""
    found = []
    for path in PROFILE_DIR.glob("*.txt"):
        settings = {}
        for line in read_lines("profiles", path.name):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
        profile = Profile(path.stem, settings.get("lang_style", "plain"), int(settings.get("max_chars", "0")),
                          settings.get("description", ""))
        found.append((int(settings.get("order", "1000")), path.stem, profile))
    return {name: profile for _, name, profile in sorted(found)}


_PROFILES = _read_profiles()
PROFILES = tuple(_PROFILES)


def load_profile(name: str) -> Profile:
    profile = _PROFILES.get(name)
    if profile is None:
        raise InputError(f"unknown export profile {name!r} (choose from {', '.join(PROFILES)})")
    return profile


# ---------------------------------------------------------------------------
# Planning: which units are written, and why the others are not


@dataclass(frozen=True)
class PlannedUnit:
    unit: TranslationUnit
    source: str                 # cleaned
    target: str                 # cleaned
    skip: str | None            # None = written; else one of SKIP_REASONS
    illegal_chars: int          # characters removed from both sides
    occurrences: int = 1        # written units: how many units of the input carry this pair


@dataclass
class ExportStats:
    """What a writer did. `decisions[i]` is None (written) or the skip reason of units[i]."""

    path: Path | None = None
    written: int = 0
    skipped: Counter = field(default_factory=Counter)
    illegal_chars_removed: int = 0
    units_with_illegal_chars: int = 0
    decisions: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.written + sum(self.skipped.values())

    def add(self, planned: PlannedUnit, keep_decisions: bool = True) -> None:
        if planned.skip is None:
            self.written += 1
        else:
            self.skipped[planned.skip] += 1
        if planned.illegal_chars:
            self.illegal_chars_removed += planned.illegal_chars
            self.units_with_illegal_chars += 1
        if keep_decisions:
            self.decisions.append(planned.skip)


def _pair_key(source: str, target: str) -> int:
    digest = hashlib.blake2b(f"{source}\x00{target}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def pair_key(source: str, target: str) -> int:
    """The 64-bit key duplicate detection compares (of the cleaned source and target)."""
    return _pair_key(source, target)


def _first_filter(unit: TranslationUnit, profile: Profile, min_score: float) -> tuple[str, str, int, str | None]:
    source, r1 = clean_segment(unit.source)
    target, r2 = clean_segment(unit.target)
    if not source or not target:
        skip = SKIP_EMPTY
    elif unit.score < min_score:
        skip = SKIP_BELOW_THRESHOLD
    elif profile.max_chars and max(len(source), len(target)) > profile.max_chars:
        skip = SKIP_TOO_LONG
    else:
        skip = None
    return source, target, r1 + r2, skip


def _reiterable(units: Iterable[TranslationUnit]) -> Iterable[TranslationUnit]:
    """A one-shot iterator is materialised; lists and regenerating iterables are used as they are."""
    return list(units) if iter(units) is units else units


def _repeated_keys(keys) -> dict[int, int]:
    """{key: count} for the keys that occur more than once in an array('Q')."""
    try:
        import numpy as np
    except ImportError:                      # pure Python: a transient list of ints
        ordered = sorted(keys)
        repeated: dict[int, int] = {}
        for i in range(1, len(ordered)):
            if ordered[i] == ordered[i - 1]:
                repeated[ordered[i]] = repeated.get(ordered[i], 1) + 1
        return repeated
    values, counts = np.unique(np.frombuffer(keys, dtype=np.uint64), return_counts=True)
    many = counts > 1
    return dict(zip(values[many].tolist(), counts[many].tolist()))


def iter_plan(units: Iterable[TranslationUnit], profile: str | Profile = "generic", *,
              min_score: float = 0.0, keep_duplicates: bool = False) -> Iterator[PlannedUnit]:
    """The skip decision of every unit, in input order (two passes over `units`).

    Duplicates: the first occurrence of a cleaned source/target pair is written,
    with `occurrences` = how many kept units carry it; later ones are skipped.
    Memory: 8 bytes per unit for the first pass, plus the repeated pairs only."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    units = _reiterable(units)
    repeated: dict[int, int] = {}
    if not keep_duplicates:
        from array import array
        keys = array("Q")
        for unit in units:
            source, target, _, skip = _first_filter(unit, prof, min_score)
            if skip is None:
                keys.append(_pair_key(source, target))
        repeated = _repeated_keys(keys)
        del keys
    written_pairs: dict[int, tuple[str, str]] = {}
    for unit in units:
        source, target, removed, skip = _first_filter(unit, prof, min_score)
        occurrences = 1
        if skip is None and not keep_duplicates:
            key = _pair_key(source, target)
            if key in repeated:
                first = written_pairs.get(key)
                if first is None:
                    written_pairs[key] = (source, target)
                    occurrences = repeated[key]
                elif first == (source, target):
                    skip = SKIP_DUPLICATE
                # else: a 64-bit hash collision of two different pairs: both are written
        yield PlannedUnit(unit, source, target, skip, removed, occurrences)


def profile_report(units: Sequence[TranslationUnit], *, min_score: float = 0.0,
                   keep_duplicates: bool = False, profiles: Sequence[str] = PROFILES) -> dict[str, ExportStats]:
    """For each profile: how many units it would write and how many it would drop, by reason."""
    report = {}
    for name in profiles:
        stats = ExportStats()
        for planned in iter_plan(units, name, min_score=min_score, keep_duplicates=keep_duplicates):
            stats.add(planned, keep_decisions=False)
        report[name] = stats
    return report


def format_profile_report(report: dict[str, ExportStats], src_lang: str = "ru", tgt_lang: str = "en") -> str:
    lines = []
    for name, stats in report.items():
        prof = load_profile(name)
        drops = ", ".join(f"{stats.skipped[r]} {r}" for r in SKIP_REASONS if stats.skipped[r]) or "none"
        lines.append(f"{name:8} {prof.lang_code(src_lang)}->{prof.lang_code(tgt_lang)}: "
                     f"{stats.written} of {stats.total} units written; dropped: {drops}"
                     + (f"; {stats.illegal_chars_removed} illegal characters removed"
                        if stats.illegal_chars_removed else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Dates and unit ids


def _epoch_date(value: str | None) -> datetime | None:
    """SOURCE_DATE_EPOCH's value (seconds since 1970, given by the caller: tm/config.py
    reads the environment) as a date, or None."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except ValueError:
        raise InputError(f"SOURCE_DATE_EPOCH is not a number of seconds: {value!r}") from None


@lru_cache(maxsize=4096)
def _release_date(date: str | None) -> datetime | None:
    if not date:
        return None
    try:
        return datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _index_label(indices: Sequence[int]) -> str:
    return "-".join(str(i) for i in indices)


def tuid(unit: TranslationUnit) -> str:
    """Stable unit id: release id and the source sentence indices (0-based)."""
    return f"{unit.release_id}:{_index_label(unit.src_indices)}"


def latest_date(dates: Iterable[str | None]) -> str | None:
    """The latest valid YYYY-MM-DD date (the TMX header's creation date)."""
    return max((d for d in dates if _release_date(d)), default=None)
