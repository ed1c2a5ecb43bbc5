"""Exports: TMX 1.4b (one per corpus), gettext PO (one per release), OmegaT glossary
and OmegaT project segmentation rules.

Every writer is atomic (a temporary file beside the target, flushed, fsync'ed and
renamed; nothing is left behind on error) and deterministic (dates come from the
releases or SOURCE_DATE_EPOCH, never from the clock). The TMX writer streams (lxml's
incremental writer): memory does not grow with the number of units written.

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

What gets skipped (`plan_units`; reasons as the pipeline counts them):
  empty            a side is empty after cleaning
  below-threshold  alignment score under min_score
  too-long         a side longer than the profile's max_chars
  duplicate        the same cleaned source/target pair was written already
  rejected         a reviewer rejected the bead (corrections.tsv, tm/review.py)

A bead a reviewer accepted is exported with score 1.0 and the TMX prop x-reviewed
(`tmx_unit_xml(reviewed=...)`), and a `#. reviewed: ...` comment in PO.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from lxml import etree

from . import __version__
from .data import read_lines
from .fileio import atomic_open
from .models import AlignedRelease, Finding, InputError, Release, Sentence, TranslationUnit

SKIP_EMPTY = "empty"
SKIP_BELOW_THRESHOLD = "below-threshold"
SKIP_TOO_LONG = "too-long"
SKIP_DUPLICATE = "duplicate"
SKIP_REJECTED = "rejected"
SKIP_REASONS = (SKIP_EMPTY, SKIP_BELOW_THRESHOLD, SKIP_TOO_LONG, SKIP_DUPLICATE, SKIP_REJECTED)

PROFILES = ("generic", "omegat", "trados", "memoq")

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
    return " ".join(text.split())


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


def load_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise InputError(f"unknown export profile {name!r} (choose from {', '.join(PROFILES)})")
    settings = {}
    for line in read_lines("profiles", f"{name}.txt"):
        key, _, value = line.partition("=")
        settings[key.strip()] = value.strip()
    return Profile(name, settings.get("lang_style", "plain"), int(settings.get("max_chars", "0")),
                   settings.get("description", ""))


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


def plan_units(units: Iterable[TranslationUnit], profile: str | Profile = "generic", *,
               min_score: float = 0.0, keep_duplicates: bool = False) -> list[PlannedUnit]:
    """`iter_plan` as a list: what the pipeline uses for its accounting."""
    return list(iter_plan(units, profile, min_score=min_score, keep_duplicates=keep_duplicates))


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
# Dates


def _epoch_date() -> datetime | None:
    value = os.environ.get("SOURCE_DATE_EPOCH")
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


def _tmx_date(d: datetime) -> str:
    return d.strftime("%Y%m%dT%H%M%SZ")


def _po_date(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M+0000")


# ---------------------------------------------------------------------------
# TMX


def _index_label(indices: Sequence[int]) -> str:
    return "-".join(str(i) for i in indices)


def tuid(unit: TranslationUnit) -> str:
    """Stable unit id: release id and the source sentence indices (0-based)."""
    return f"{unit.release_id}:{_index_label(unit.src_indices)}"


def tmx_lang_codes(profile: str | Profile, src_lang: str, tgt_lang: str,
                   regions: dict[str, str] | None = None) -> tuple[str, str]:
    """The source and target language codes a profile writes (ru -> ru or ru-RU)."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    return prof.lang_code(src_lang, regions), prof.lang_code(tgt_lang, regions)


def latest_date(dates: Iterable[str | None]) -> str | None:
    """The latest valid YYYY-MM-DD date (the TMX header's creation date)."""
    return max((d for d in dates if _release_date(d)), default=None)


def tmx_frame(*, src_code: str, latest: str | None, creation_date: str | None = None) -> tuple[bytes, bytes]:
    """(head, tail) of a TMX file: everything before the first unit and after the last.
    A TMX file is head + (b"\n    " + tmx_unit_xml(...)) for each unit written + tail.

    Header creationdate: `creation_date` (YYYY-MM-DD) if given, else `latest` (the latest
    release date of the units, see `latest_date`), else SOURCE_DATE_EPOCH, else none."""
    header_date = _release_date(creation_date) if creation_date else None
    if header_date is None:
        header_date = _release_date(latest) or _epoch_date()
    header = {"creationtool": "tm", "creationtoolversion": __version__, "segtype": "sentence",
              "o-tmf": "tm", "adminlang": "en", "srclang": src_code, "datatype": "plaintext"}
    if header_date is not None:
        header["creationdate"] = _tmx_date(header_date)
    buf = io.BytesIO()
    buf.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    with etree.xmlfile(buf, encoding="UTF-8") as xf:
        xf.write_doctype('<!DOCTYPE tmx SYSTEM "tmx14.dtd">')
        with xf.element("tmx", version="1.4"):
            xf.write("\n  ")
            xf.write(etree.Element("header", header))
            xf.write("\n  ")
            with xf.element("body"):
                xf.write("\n  ")
            xf.write("\n")
    buf.write(b"\n")
    data = buf.getvalue()
    cut = data.index(b"<body>") + len(b"<body>")
    return data[:cut], data[cut:]


# Where a unit's x-occurrences prop goes in tmx_unit_xml(): before its first <tuv>.
TMX_OCCURRENCES_BEFORE = b"<tuv "


def tmx_occurrences_prop(occurrences: int) -> bytes:
    """The x-occurrences prop as tmx_unit_xml writes it, for inserting it at TMX_OCCURRENCES_BEFORE."""
    return f'<prop type="x-occurrences">{occurrences}</prop>\n      '.encode("ascii")


def tmx_unit_xml(unit: TranslationUnit, source: str, target: str, *, src_code: str, tgt_code: str,
                 occurrences: int = 1, reviewed: str | None = None) -> bytes:
    """One written unit's <tu> element (`source`, `target`: the cleaned sides), UTF-8.
    `reviewed`: the reviewer's verdict (corrections.tsv), written as the prop x-reviewed."""
    lang_attr = "{http://www.w3.org/XML/1998/namespace}lang"
    u = unit
    attrs = {"tuid": tuid(u)}
    d = _release_date(u.date)
    if d is not None:
        attrs["creationdate"] = _tmx_date(d)
    props = [("x-release", u.release_id)]
    if u.date:
        props.append(("x-release-date", u.date))
    props += [("x-bead", u.bead_kind), ("x-score", f"{u.score:.3f}"),
              ("x-src-index", _index_label(u.src_indices)),
              ("x-tgt-index", _index_label(u.tgt_indices)),
              ("x-src-file", f"{u.src_file}:{u.src_line}")]
    if reviewed:
        props.append(("x-reviewed", reviewed))
    if occurrences > 1:
        props.append(("x-occurrences", str(occurrences)))
    # one element tree per unit, serialised whole (the xml: prefix of xml:lang needs a
    # real element; it is also the fastest way)
    tu = etree.Element("tu", attrs)
    tu.text = "\n      "
    last = None
    for note in u.notes:
        note, _ = clean_segment(note)
        if note:
            last = etree.SubElement(tu, "note")
            last.text = note
            last.tail = "\n      "
    for kind, value in props:
        last = etree.SubElement(tu, "prop", type=kind)
        last.text = clean_segment(value)[0]
        last.tail = "\n      "
    for code, text in ((src_code, source), (tgt_code, target)):
        last = etree.SubElement(tu, "tuv", {lang_attr: code})
        etree.SubElement(last, "seg").text = text
        last.tail = "\n      "
    last.tail = "\n    "
    return etree.tostring(tu, encoding="UTF-8")


def write_tmx(units: Iterable[TranslationUnit], path: str | Path, *, src_lang: str, tgt_lang: str,
              profile: str = "generic", keep_duplicates: bool = False, min_score: float = 0.0,
              creation_date: str | None = None, regions: dict[str, str] | None = None,
              keep_decisions: bool = True) -> ExportStats:
    """Write a TMX 1.4b file incrementally; see the module docstring for what is skipped.

    Dates: `creation_date` (YYYY-MM-DD) if given, else the latest release date of the
    units, else SOURCE_DATE_EPOCH, else no header creationdate; each <tu> carries its
    release's date."""
    prof = load_profile(profile)
    path = Path(path)
    units = _reiterable(units)
    src_code, tgt_code = tmx_lang_codes(prof, src_lang, tgt_lang, regions)
    head, tail = tmx_frame(src_code=src_code, creation_date=creation_date,
                           latest=None if creation_date else latest_date(u.date for u in units))
    stats = ExportStats(path=path)
    try:
        with atomic_open(path) as fh:
            _public_mode(fh)
            fh.write(head)
            for planned in iter_plan(units, prof, min_score=min_score, keep_duplicates=keep_duplicates):
                stats.add(planned, keep_decisions)
                if planned.skip is None:
                    fh.write(b"\n    ")
                    fh.write(tmx_unit_xml(planned.unit, planned.source, planned.target, src_code=src_code,
                                          tgt_code=tgt_code, occurrences=planned.occurrences))
            fh.write(tail)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", path) from None
    return stats


def write_export(path: str | Path, pieces: Iterable[bytes]) -> None:
    """Write an export file from its pieces, atomically (inside all_or_nothing(): renamed
    with the others at the end), readable like a file open() creates."""
    path = Path(path)
    try:
        with atomic_open(path) as fh:
            _public_mode(fh)
            for piece in pieces:
                fh.write(piece)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", path) from None


def _public_mode(fh) -> None:
    """mkstemp creates 0600 files; exports are for sharing: use the umask like open() would."""
    mask = os.umask(0)
    os.umask(mask)
    os.fchmod(fh.fileno(), 0o666 & ~mask)


# ---------------------------------------------------------------------------
# PO, written the way gettext's own tools write it (so `msgcat` leaves it unchanged)


def plural_forms(lang: str) -> str | None:
    base = lang.replace("_", "-").split("-")[0].lower()
    for line in read_lines("profiles", "plural-forms.tsv"):
        code, _, value = line.partition("\t")
        if code == base:
            return value
    return None


def write_po(units: Iterable[TranslationUnit], path: str | Path, *, src_lang: str, tgt_lang: str,
             fuzzy_below: float, project: str | None = None, creation_date: str | None = None) -> ExportStats:
    """Write one release's units as a PO file: msgid = source, msgstr = target.

    Entries under `fuzzy_below` are marked fuzzy; a msgid that occurs more than once
    gets msgctxt = the unit's tuid. Dates: `creation_date`, else the latest release
    date of the units, else SOURCE_DATE_EPOCH, else 1970-01-01."""
    path = Path(path)
    data, stats = po_bytes(units, src_lang=src_lang, tgt_lang=tgt_lang, fuzzy_below=fuzzy_below,
                           project=project, creation_date=creation_date,
                           default_project=path.stem)
    stats.path = path
    try:
        with atomic_open(path) as fh:
            _public_mode(fh)
            fh.write(data)
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", path) from None
    return stats


def po_bytes(units: Iterable[TranslationUnit], *, src_lang: str, tgt_lang: str, fuzzy_below: float,
             project: str | None = None, creation_date: str | None = None,
             default_project: str = "", reviewed: frozenset[str] = frozenset()) -> tuple[bytes, ExportStats]:
    """The PO file write_po writes, as bytes, and its stats (project: `project`, else the
    first unit's release id, else `default_project`). `reviewed`: the tuids of units a
    reviewer accepted (a `#. reviewed: accept` comment)."""
    units = list(units)
    stats = ExportStats()
    planned = []
    for unit in units:
        source, r1 = clean_segment(unit.source)
        target, r2 = clean_segment(unit.target)
        p = PlannedUnit(unit, source, target, None if source and target else SKIP_EMPTY, r1 + r2)
        stats.add(p)
        if p.skip is None:
            planned.append(p)
    d = (_release_date(creation_date) if creation_date else None) \
        or _release_date(max((u.date for u in units if _release_date(u.date)), default=None)) \
        or _epoch_date() or datetime(1970, 1, 1, tzinfo=timezone.utc)
    if project is None:
        project = units[0].release_id if units else default_project
    header = [
        f"Project-Id-Version: {_one_line(project)}",
        "Report-Msgid-Bugs-To: ",
        f"POT-Creation-Date: {_po_date(d)}",
        f"PO-Revision-Date: {_po_date(d)}",
        "Last-Translator: tm aligner <noreply@localhost>",
        f"Language-Team: {tgt_lang} <noreply@localhost>",
        f"Language: {tgt_lang.replace('-', '_')}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    pf = plural_forms(tgt_lang)
    if pf:
        header.append(f"Plural-Forms: {pf}")
    header.append(f"X-Generator: tm {__version__}")
    msgid_count = Counter(p.source for p in planned)
    out: list[str] = []
    out.append(f"# {src_lang} -> {tgt_lang} sentence pairs aligned by tm.\n")
    out.append(_po_string("msgid", ""))
    out.append(_po_string("msgstr", "".join(h + "\n" for h in header)))
    for p in planned:
        u = p.unit
        out.append("\n")
        out.append(f"#. bead {u.bead_kind}, score {u.score:.3f}, "
                   f"sentences {_index_label(u.src_indices)} -> {_index_label(u.tgt_indices)}\n")
        for note in u.notes:
            note, _ = clean_segment(note)
            if note:
                out.append(f"#. {note}\n")
        if reviewed and tuid(u) in reviewed:
            out.append("#. reviewed: accept\n")
        out.append(f"#: {u.src_file}:{u.src_line}\n")
        if u.score < fuzzy_below:
            out.append("#, fuzzy\n")
        if msgid_count[p.source] > 1:
            out.append(_po_string("msgctxt", tuid(u)))
        out.append(_po_string("msgid", p.source))
        out.append(_po_string("msgstr", p.target))
    return "".join(out).encode("utf-8"), stats


# Line breaking as GNU gettext does it (write-po.c `wrap` over libunistring's
# UAX #14 line breaking), for the characters of running text.
PAGE_WIDTH = 79
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a",
            "\b": "\\b", "\f": "\\f", "\v": "\\v"}

_LB_EXPLICIT = {
    " ": "SP", "\u00a0": "GL", "\u202f": "GL", "\u2007": "GL", "\u2011": "GL", "\u0f0c": "GL",
    "\u200b": "ZW", "\u2060": "WJ", "\ufeff": "WJ",
    "(": "OP", "[": "OP", "{": "OP", "\u201a": "OP", "\u201e": "OP", "\u00a1": "OP", "\u00bf": "OP",
    ")": "CP", "]": "CP", "}": "CL",
    '"': "QU", "'": "QU", "\u00ab": "QU", "\u00bb": "QU", "\u2018": "QU", "\u2019": "QU",
    "\u201b": "QU", "\u201c": "QU", "\u201d": "QU", "\u201f": "QU", "\u2039": "QU", "\u203a": "QU",
    "!": "EX", "?": "EX",
    ",": "IS", ".": "IS", ":": "IS", ";": "IS",
    "/": "SY",
    "-": "HY",
    "\u2010": "BA", "\u2012": "BA", "\u2013": "BA", "\u00ad": "BA", "|": "BA", "\t": "BA",
    "\u2014": "B2",
    "\u00b4": "BB",
    "\u2024": "IN", "\u2025": "IN", "\u2026": "IN",
    "$": "PR", "+": "PR", "\\": "PR", "\u2116": "PR", "\u00b1": "PR", "\u00a3": "PR", "\u00a5": "PR",
    "\u20ac": "PR", "\u20bd": "PR",
    "%": "PO", "\u2030": "PO", "\u00b0": "PO", "\u00a2": "PO", "\u2032": "PO", "\u2033": "PO",
}
for _c in "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u1680":
    _LB_EXPLICIT[_c] = "BA"


def _lb_class(ch: str) -> str:
    cls = _LB_EXPLICIT.get(ch)
    if cls:
        return cls
    cat = unicodedata.category(ch)
    if cat == "Nd":
        return "NU"
    if cat in ("Mn", "Me"):
        return "CM"
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return "ID"
    return "AL"


def _pair_rule(before: str, after: str) -> str:
    """UAX #14 pair table entry: 'P' prohibited, 'I' indirect (break only after spaces), 'D' direct.

    As gettext's libunistring has it (measured with msgcat): e.g. "IS x AL" is still a
    direct break there ("г.Москве" may break after the dot)."""
    if after in ("CL", "CP", "EX", "IS", "SY", "WJ", "ZW"):
        return "P"
    if before == "OP":
        return "P"
    if before == "QU" and after == "OP":
        return "P"
    if before in ("CL", "CP") and after == "NS":
        return "P"
    if before == "B2" and after == "B2":
        return "P"
    indirect = (
        before in ("GL", "WJ", "QU", "BB")
        or (after == "GL" and before not in ("BA", "HY"))
        or after in ("QU", "BA", "HY", "NS", "IN")
        or (before in ("AL", "NU") and after in ("AL", "NU"))
        or (before in ("PR", "PO") and after in ("AL", "OP", "NU"))
        or (before == "AL" and after in ("PR", "PO"))
        or (before in ("CL", "CP", "NU") and after in ("PO", "PR"))
        or (before in ("HY", "IS", "SY") and after == "NU")
        or (before in ("AL", "NU") and after == "OP")
        or (before == "CP" and after in ("AL", "NU"))
        or (before == "PR" and after == "ID")
        or (before == "ID" and after == "PO")
    )
    return "I" if indirect else "D"


def _char_width(ch: str) -> int:
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


# character -> (line-breaking class, display width); (class before, class after) ->
# (break allowed with no space between, break allowed after spaces): filled as met
_CHAR_INFO: dict[str, tuple[str, int]] = {}
_BREAK_RULE: dict[tuple[str, str], tuple[bool, bool]] = {}


def _char_info(ch: str) -> tuple[str, int]:
    info = _CHAR_INFO.get(ch)
    if info is None:
        info = _CHAR_INFO[ch] = (_lb_class(ch), _char_width(ch))
    return info


def _break_rule(before: str, after: str) -> tuple[bool, bool]:
    rule = _pair_rule(before, after)
    out = _BREAK_RULE[(before, after)] = (rule == "D", rule != "P")
    return out


def _scan(chars: str, lo: int, hi: int, last: str, seen_space: bool, out: list[int]) -> tuple[str, bool]:
    """libunistring's u8_possible_linebreaks over chars[lo:hi] from the state (class of
    the last character that counts, a space since?): appends the indices a line may
    break before to `out` and returns the state after."""
    info, rules = _CHAR_INFO, _BREAK_RULE
    for i in range(lo, hi):
        ch = chars[i]
        cls = (info.get(ch) or _char_info(ch))[0]
        if cls == "SP":
            seen_space = True
            continue
        if cls == "CM":
            if seen_space and last != "BK":
                # gettext's libunistring breaks after a space before a combining mark, whatever
                # came before the space (measured with msgcat); the mark then counts as a letter
                out.append(i)
                last, seen_space = "AL", False
                continue
            if last in ("BK", "ZW"):
                cls = "AL"
            else:
                continue
        if last == "ZW":
            out.append(i)
        elif last != "BK":
            rule = rules.get((last, cls)) or _break_rule(last, cls)
            if rule[seen_space]:
                out.append(i)
        last = cls
        seen_space = False
    return last, seen_space


# word (no space in it) -> (class of its first character, the offsets after it where a
# line may break, the class that counts after it), or None when it starts with a
# combining mark (whose handling depends on what came before)
_WORD_BREAKS: dict[str, tuple[str, tuple[int, ...], str] | None] = {}


def _word_breaks(word: str):
    first = (_CHAR_INFO.get(word[0]) or _char_info(word[0]))[0]
    if first == "CM":
        out = None
    else:
        inside: list[int] = []
        last, _ = _scan(word, 1, len(word), first, False, inside)
        out = (first, tuple(inside), last)
    if len(_WORD_BREAKS) > 1 << 16:
        _WORD_BREAKS.clear()
    _WORD_BREAKS[word] = out
    return out


def _break_positions(chars: str, prohibited) -> list[int]:
    """The indices i where a line may break before chars[i] (libunistring's
    u8_possible_linebreaks), less those in `prohibited`. Word by word: only a
    word's first character depends on what precedes it (" " is the only space)."""
    out: list[int] = []
    last, seen_space = "BK", False
    pos = 0
    rules = _BREAK_RULE
    for k, word in enumerate(chars.split(" ")):
        if k:
            seen_space = True
        if word:
            got = _WORD_BREAKS.get(word, False)
            if got is False:
                got = _word_breaks(word)
            if got is None:
                last, seen_space = _scan(chars, pos, pos + len(word), last, seen_space, out)
            else:
                first, inside, after = got
                if last == "ZW" or (last != "BK" and (rules.get((last, first)) or _break_rule(last, first))[seen_space]):
                    out.append(pos)
                if inside:
                    out += [pos + i for i in inside]
                last, seen_space = after, False
        pos += len(word) + 1
    if prohibited:
        out = [i for i in out if i not in prohibited]
    return out


def _width_breaks(positions: list[int], column, end: int, width: int, start: int) -> list[int]:
    """Where to break so that lines fit `width` (libunistring's ulc_width_linebreaks):
    the break positions chosen among `positions`; column(i) is the display width of
    the characters before i, end that of all of them."""
    breaks = []
    last_p = None
    last_column = start
    for i in positions:
        if last_p is None:
            last_column = start + column(i)
        else:
            piece = column(i) - column(last_p)
            if last_column + piece > width:
                breaks.append(last_p)
                last_column = 0
            last_column += piece
        last_p = i
    if last_p is not None and last_column + end - column(last_p) > width:
        breaks.append(last_p)
    return breaks


_ESCAPE_TABLE = {ord(ch): esc for ch, esc in _ESCAPES.items()}
_ESCAPABLE = re.compile("[" + re.escape("".join(_ESCAPES)) + "]")
_PORTION = re.compile(r"[^\n]*\n|[^\n]+")


def _identity(i: int) -> int:
    return i


_NARROW: set[str] = set()    # characters met that are one column wide


def _all_narrow(chars: str) -> bool:
    for ch in set(chars) - _NARROW:
        if (_CHAR_INFO.get(ch) or _char_info(ch))[1] != 1:
            return False
        _NARROW.add(ch)
    return True


def _po_string(name: str, value: str) -> str:
    """`name "value"` wrapped exactly as msgcat writes it (page width 79)."""
    width = PAGE_WIDTH - 1 - 1          # room for the closing and the opening quote
    start_col = len(name) + 1
    portions = _PORTION.findall(value) or [""]
    lines: list[str] = []
    first = True
    for n, portion in enumerate(portions):
        if _ESCAPABLE.search(portion) is None:
            chars, prohibited = portion, ()
        else:
            chars = portion.translate(_ESCAPE_TABLE)
            # the second character of an escape, and the \ of a final \n, never start a line
            prohibited = {m.start() + k + 1 for k, m in enumerate(_ESCAPABLE.finditer(portion))}
            if portion.endswith("\n") and len(chars) >= 2:
                prohibited.add(len(chars) - 2)
        # display columns: one per character unless some are wide or zero-width
        if _all_narrow(chars):
            column, end = _identity, len(chars)
        else:
            cols = [0]
            for ch in chars:
                cols.append(cols[-1] + (_CHAR_INFO.get(ch) or _char_info(ch))[1])
            column, end = cols.__getitem__, cols[-1]
        more = n < len(portions) - 1
        if first:
            first = False
            if not more and start_col + end <= width:
                # it fits: no break could be chosen
                lines.append(f'{name} "{chars}"')
                continue
            possible = _break_positions(chars, prohibited)
            if chars and (more or start_col > width or _width_breaks(possible, column, end, width, start_col)):
                lines.append(f'{name} ""')
            else:
                lines.append(f'{name} "{chars}"')
                continue
        else:
            possible = _break_positions(chars, prohibited)
        cuts = [0] + [i for i in _width_breaks(possible, column, end, width, 0) if i > 0] + [len(chars)]
        lines += ['"' + chars[a:b] + '"' for a, b in zip(cuts, cuts[1:])]
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------------------
# OmegaT tab-separated glossary


def glossary_pairs(rows: Iterable, src_lang: str = "ru", tgt_lang: str = "en") -> list[tuple[str, str, str]]:
    """(source term, target term, comment) from concept-table rows or from plain tuples.

    A row is either a (src_term, tgt_term, note) tuple, or a record (mapping or object)
    with concept, lang, term, status, kind, note: every non-deprecated source term of a
    concept is paired with the concept's preferred target term (else its first allowed one)."""
    rows = list(rows)
    if rows and isinstance(rows[0], (tuple, list)):
        return [(str(r[0]), str(r[1]), str(r[2]) if len(r) > 2 and r[2] else "") for r in rows]

    def get(row, key):
        return row.get(key) if isinstance(row, dict) else getattr(row, key, None)

    concepts: dict[str, dict[str, list]] = {}
    for row in rows:
        concepts.setdefault(str(get(row, "concept")), {}).setdefault(str(get(row, "lang")), []).append(row)
    pairs = []
    for concept, by_lang in concepts.items():
        targets = [r for r in by_lang.get(tgt_lang, []) if (get(r, "status") or "") != "deprecated"]
        if not targets:
            continue
        preferred = next((r for r in targets if get(r, "status") == "preferred"), targets[0])
        target = str(get(preferred, "term"))
        for src in by_lang.get(src_lang, []):
            if (get(src, "status") or "") == "deprecated":
                continue
            source = str(get(src, "term"))
            note = get(preferred, "note") or get(src, "note") or ""
            if YEAR_SLOT in source or YEAR_SLOT in target:
                # exercise names carry a year: the glossary gives the name, the comment the pattern
                note = "; ".join(x for x in (f"with the year: {target.replace(YEAR_SLOT, '2024')}", note) if x)
                source, target_term = _without_year(source), _without_year(target)
            else:
                target_term = target
            comment = "; ".join(x for x in (concept, get(src, "kind") or "", note) if x)
            pairs.append((source, target_term, comment))
    return pairs


YEAR_SLOT = "{year}"


def _without_year(term: str) -> str:
    return re.sub(r"[\s-]*\{year\}", "", term).strip()


def omegat_glossary_text(glossary_rows: Iterable, *, src_lang: str = "ru", tgt_lang: str = "en") -> str:
    """OmegaT tab-separated glossary: a comment line, then source TAB target TAB comment."""
    lines = [f"# OmegaT glossary {src_lang} -> {tgt_lang} written by tm {__version__}\n"]
    seen = set()
    for src, tgt, comment in glossary_pairs(glossary_rows, src_lang, tgt_lang):
        fields = [clean_segment(_one_line(x))[0] for x in (src, tgt, comment)]
        if not fields[0] or not fields[1] or tuple(fields) in seen:
            continue
        seen.add(tuple(fields))
        lines.append("\t".join(fields).rstrip("\t") + "\n")
    return "".join(lines)


def write_omegat_glossary(glossary_rows: Iterable, path: str | Path, *, src_lang: str = "ru",
                          tgt_lang: str = "en") -> int:
    """Write `omegat_glossary_text` as UTF-8 (name it `.utf8` for OmegaT). Returns the rows written."""
    path = Path(path)
    text = omegat_glossary_text(glossary_rows, src_lang=src_lang, tgt_lang=tgt_lang)
    try:
        with atomic_open(path) as fh:
            _public_mode(fh)
            fh.write(text.encode("utf-8"))
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", path) from None
    return text.count("\n") - 1


# ---------------------------------------------------------------------------
# OmegaT project segmentation rules that cut the source as tm/segment.py does


def omegat_segmentation_rules(lang: str = "ru") -> list[tuple[bool, str, str]]:
    """(break?, beforebreak, afterbreak) SRX rules, in priority order, built from the
    segmenter's own data (abbreviation classes, sentence starters): without them OmegaT
    cuts Russian after «г.», «тыс.», «млн.» and initials, and keeps «.»» unsplit, so
    its segments and our TMX units would differ. An approximation of tm/segment.py:
    the date-phrase exception and quotation tracking are not expressed."""
    from .segment import ACRONYM, AFTER_NUMBER, NUMERIC, PREFIX, rules_for

    rules = rules_for(lang)

    def alternation(cls: str) -> str:
        words = set()
        for abbr, c in rules.abbreviations.items():
            if c == cls:
                words.add(abbr)
                words.add(abbr[:1].upper() + abbr[1:])
        parts = sorted((r"\.\s?".join(re.escape(p) for p in w.split(".")) for w in words), key=lambda s: (-len(s), s))
        return "(?:" + "|".join(parts) + ")" if parts else ""

    word_start = r"(?<![\p{L}\p{Nd}.\-])"
    stop = r"[.!?…]+[)\]}\"'»”’“‘›]*"
    openers = r"[(\[{«\"'`“„‘‚¿¡]*"
    out: list[tuple[bool, str, str]] = [
        # a line that starts with a dash, bullet or enumerator starts a sentence
        (True, r"\n", r"[ \t]*(?:[•▪◦‣⁃·*\-–—]|\p{Nd}{1,3}[.)]|\p{Ll}\))[ \t\u00a0]"),
        # the period of a list enumerator at the start of a line ("1. О ходе ...") is part of it
        (False, r"(?:^|(?<=\n))[ \t]*(?:\p{Nd}{1,3}(?:\.\p{Nd}{1,3})*|[IVXLCDM]{1,6}|§\s*\p{Nd}+)\.", r"\s"),
        # no sentence starts with a lower-case word or with , ; : ) % …
        (False, stop, r"\s+" + openers + r"(?:(?:--|[—–-])\s*)?" + openers + r"[\p{Ll},;:)\]}»”’%.…]"),
    ]
    prefix, numeric, after_number = alternation(PREFIX), alternation(NUMERIC), alternation(AFTER_NUMBER)
    if prefix:
        out.append((False, word_start + prefix + r"\.", r"\s"))
    if numeric:
        out.append((False, word_start + numeric + r"\.", r"\s+\p{Nd}"))
    if after_number:
        out.append((False, r"(?<!\p{Nd}[\s\u00a0])" + word_start + after_number + r"\.", r"\s"))
    acronyms = alternation(ACRONYM)
    initials = r"(?:\p{L}{1,4}\.)*\p{Lu}" + (("|" + acronyms) if acronyms else "")
    starters = "|".join(sorted((re.escape(s) for s in rules.starters), key=lambda s: (-len(s), s)))
    if starters:
        out.append((True, word_start + "(?:" + initials + r")\.", r"\s+(?:" + starters + r")(?![\p{L}\p{Nd}])"))
    out.append((False, word_start + "(?:" + initials + r")\.", r"\s"))
    out.append((True, stop, r"\s"))
    return out


def omegat_segmentation_conf(lang: str = "ru") -> str:
    """The rules as an OmegaT project file `omegat/segmentation.conf` (java.beans XML, the
    format OmegaT 3.x reads and later versions convert)."""
    from xml.sax.saxutils import escape

    rules = []
    for is_break, before, after in omegat_segmentation_rules(lang):
        rules.append(
            "       <void method=\"add\">\n"
            "        <object class=\"org.omegat.core.segmentation.Rule\">\n"
            f"         <void property=\"afterbreak\">\n          <string>{escape(after)}</string>\n         </void>\n"
            f"         <void property=\"beforebreak\">\n          <string>{escape(before)}</string>\n         </void>\n"
            + ("         <void property=\"breakRule\">\n          <boolean>true</boolean>\n         </void>\n"
               if is_break else "")
            + "        </object>\n"
            "       </void>\n")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<java version="1.8.0" class="java.beans.XMLDecoder">\n'
        ' <object class="org.omegat.core.segmentation.SRX">\n'
        '  <void property="mappingRules">\n'
        '   <void method="add">\n'
        '    <object class="org.omegat.core.segmentation.MapRule">\n'
        f'     <void property="language">\n      <string>tm {escape(lang)}</string>\n     </void>\n'
        f'     <void property="pattern">\n      <string>{escape(lang.upper())}.*</string>\n     </void>\n'
        '     <void property="rules">\n'
        '      <object class="java.util.ArrayList">\n'
        + "".join(rules) +
        '      </object>\n'
        '     </void>\n'
        '    </object>\n'
        '   </void>\n'
        '  </void>\n'
        '  <void property="version">\n   <string>0.2.2</string>\n  </void>\n'
        ' </object>\n'
        '</java>\n')


def write_omegat_segmentation(path: str | Path, lang: str = "ru") -> None:
    """Write `omegat_segmentation_conf(lang)` atomically (ship it as PROJECT/omegat/segmentation.conf)."""
    path = Path(path)
    try:
        with atomic_open(path) as fh:
            _public_mode(fh)
            fh.write(omegat_segmentation_conf(lang).encode("utf-8"))
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror or e}", path) from None
