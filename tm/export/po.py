"""Gettext PO: one file per release, msgid = source, msgstr = target, built with polib's
model (POFile, POEntry: metadata, extracted comments, occurrences, flags, msgctxt).

Lines are not wrapped (polib's wrapwidth=0): a message is one line however long, the
header one line per field. That is what `msgcat --no-wrap` writes, so gettext's tools
leave the files unchanged with that option (tests/test_clients.py), and `msgfmt --check`
accepts them. The text of every entry is the plan's (tm/export/plan.py): cleaned, so it
holds no line break, TAB or control character that could need an escape but \\ and ".
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import polib

from .. import __version__
from ..data import read_lines
from ..fileio import write_public
from ..models import TranslationUnit
from .plan import (SKIP_EMPTY, ExportStats, PlannedUnit, _epoch_date, _index_label, _one_line, _release_date,
                   clean_segment, tuid)

SUFFIX = ".po"
WRAP_WIDTH = 0          # polib: no wrapping (gettext: --no-wrap)


def _po_date(d: datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M+0000")


def plural_forms(lang: str) -> str | None:
    base = lang.replace("_", "-").split("-")[0].lower()
    for line in read_lines("profiles", "plural-forms.tsv"):
        code, _, value = line.partition("\t")
        if code == base:
            return value
    return None


def write_po(units: Iterable[TranslationUnit], path: str | Path, *, src_lang: str, tgt_lang: str,
             fuzzy_below: float, project: str | None = None, creation_date: str | None = None,
             source_date_epoch: str | None = None) -> ExportStats:
    """Write one release's units as a PO file: msgid = source, msgstr = target.

    Entries under `fuzzy_below` are marked fuzzy; a msgid that occurs more than once
    gets msgctxt = the unit's tuid. Dates: `creation_date`, else the latest release
    date of the units, else `source_date_epoch` (seconds since 1970), else 1970-01-01."""
    path = Path(path)
    data, stats = po_bytes(units, src_lang=src_lang, tgt_lang=tgt_lang, fuzzy_below=fuzzy_below,
                           project=project, creation_date=creation_date,
                           default_project=path.stem, source_date_epoch=source_date_epoch)
    stats.path = path
    write_public(path, data)
    return stats


def po_file(units: Iterable[TranslationUnit], *, src_lang: str, tgt_lang: str, fuzzy_below: float,
            project: str | None = None, creation_date: str | None = None,
            default_project: str = "", reviewed: frozenset[str] = frozenset(),
            source_date_epoch: str | None = None) -> tuple[polib.POFile, ExportStats]:
    """The polib.POFile of `po_bytes`, and its stats."""
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
        or _epoch_date(source_date_epoch) or datetime(1970, 1, 1, tzinfo=timezone.utc)
    if project is None:
        project = units[0].release_id if units else default_project
    po = polib.POFile(wrapwidth=WRAP_WIDTH)
    po.header = f"{src_lang} -> {tgt_lang} sentence pairs aligned by tm."
    # polib writes the standard fields in gettext's order, then the others (X-Generator)
    po.metadata = {
        "Project-Id-Version": _one_line(project),
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": _po_date(d),
        "PO-Revision-Date": _po_date(d),
        "Last-Translator": "tm aligner <noreply@localhost>",
        "Language-Team": f"{tgt_lang} <noreply@localhost>",
        "Language": tgt_lang.replace("-", "_"),
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    pf = plural_forms(tgt_lang)
    if pf:
        po.metadata["Plural-Forms"] = pf
    po.metadata["X-Generator"] = f"tm {__version__}"
    msgid_count = Counter(p.source for p in planned)
    for p in planned:
        u = p.unit
        comments = [f"bead {u.bead_kind}, score {u.score:.3f}, "
                    f"sentences {_index_label(u.src_indices)} -> {_index_label(u.tgt_indices)}"]
        comments += [note for note in (clean_segment(n)[0] for n in u.notes) if note]
        if reviewed and tuid(u) in reviewed:
            comments.append("reviewed: accept")
        po.append(polib.POEntry(
            msgid=p.source, msgstr=p.target,
            msgctxt=tuid(u) if msgid_count[p.source] > 1 else None,
            comment="\n".join(comments),
            occurrences=[(u.src_file, str(u.src_line))],
            flags=["fuzzy"] if u.score < fuzzy_below else [],
        ))
    return po, stats


def po_bytes(units: Iterable[TranslationUnit], *, src_lang: str, tgt_lang: str, fuzzy_below: float,
             project: str | None = None, creation_date: str | None = None,
             default_project: str = "", reviewed: frozenset[str] = frozenset(),
             source_date_epoch: str | None = None) -> tuple[bytes, ExportStats]:
    """The PO file write_po writes, as bytes, and its stats (project: `project`, else the
    first unit's release id, else `default_project`). `reviewed`: the tuids of units a
    reviewer accepted (a `#. reviewed: accept` comment). Made where its pair is processed
    (tm/pipeline/pair.py process_pair), so a worker returns a finished file."""
    po, stats = po_file(units, src_lang=src_lang, tgt_lang=tgt_lang, fuzzy_below=fuzzy_below,
                        project=project, creation_date=creation_date, default_project=default_project,
                        reviewed=reviewed, source_date_epoch=source_date_epoch)
    return str(po).encode("utf-8"), stats


write = write_po
