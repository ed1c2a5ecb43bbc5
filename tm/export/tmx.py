"""TMX 1.4b: one file per corpus, written incrementally (lxml's incremental writer for
the frame, one serialised <tu> per unit): memory does not grow with the units written.

The same TMX in pieces for a streaming writer (the pipeline builds it while the pairs
arrive): `tmx_frame` (head and tail), `tmx_unit_xml` (one <tu>), `tmx_occurrences_prop`.
Deterministic: dates come from the releases or the caller's `source_date_epoch` (the
Config's, read from SOURCE_DATE_EPOCH by tm/config.py), never from the clock.
"""
from __future__ import annotations

import copy
import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from lxml import etree

from .. import __version__
from ..fileio import write_public
from ..models import TranslationUnit
from .plan import (ExportStats, Profile, _epoch_date, _index_label, _reiterable, _release_date, clean_segment,
                   iter_plan, latest_date, load_profile, tuid)

SUFFIX = ".tmx"


def _tmx_date(d: datetime) -> str:
    return d.strftime("%Y%m%dT%H%M%SZ")


def tmx_lang_codes(profile: str | Profile, src_lang: str, tgt_lang: str,
                   regions: dict[str, str] | None = None) -> tuple[str, str]:
    """The source and target language codes a profile writes (ru -> ru or ru-RU)."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    return prof.lang_code(src_lang, regions), prof.lang_code(tgt_lang, regions)


def tmx_frame(*, src_code: str, latest: str | None, creation_date: str | None = None,
              source_date_epoch: str | None = None) -> tuple[bytes, bytes]:
    """(head, tail) of a TMX file: everything before the first unit and after the last.
    A TMX file is head + (b"\n    " + tmx_unit_xml(...)) for each unit written + tail.

    Header creationdate: `creation_date` (YYYY-MM-DD) if given, else `latest` (the latest
    release date of the units, see `latest_date`), else `source_date_epoch` (the
    SOURCE_DATE_EPOCH convention: seconds since 1970), else none."""
    header_date = _release_date(creation_date) if creation_date else None
    if header_date is None:
        header_date = _release_date(latest) or _epoch_date(source_date_epoch)
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
    notes = [n for n in (clean_segment(note)[0] for note in u.notes) if n]
    # one element tree per unit, serialised whole (the xml: prefix of xml:lang needs a
    # real element): a copy of a kept empty <tu> of the same shape, filled in (a third
    # of the time of building it element by element)
    tu = copy.deepcopy(_tu_template(tuple(attrs), len(notes), tuple(kind for kind, _ in props),
                                    src_code, tgt_code))
    for name, value in attrs.items():
        tu.set(name, value)
    children = iter(tu)
    for note, element in zip(notes, children):
        element.text = note
    for (_, value), element in zip(props, children):
        element.text = clean_segment(value)[0]
    for text, element in zip((source, target), children):
        element[0].text = text
    return etree.tostring(tu, encoding="UTF-8")


@lru_cache(maxsize=64)
def _tu_template(attr_names: tuple[str, ...], notes: int, prop_kinds: tuple[str, ...], src_code: str,
                 tgt_code: str) -> etree._Element:
    """An empty <tu> with these attributes, notes, props and language codes, laid out
    as tmx_unit_xml writes it."""
    lang_attr = "{http://www.w3.org/XML/1998/namespace}lang"
    tu = etree.Element("tu", {name: "" for name in attr_names})
    tu.text = "\n      "
    last = None
    for _ in range(notes):
        last = etree.SubElement(tu, "note")
        last.tail = "\n      "
    for kind in prop_kinds:
        last = etree.SubElement(tu, "prop", type=kind)
        last.tail = "\n      "
    for code in (src_code, tgt_code):
        last = etree.SubElement(tu, "tuv", {lang_attr: code})
        etree.SubElement(last, "seg")
        last.tail = "\n      "
    last.tail = "\n    "
    return tu


def write_tmx(units: Iterable[TranslationUnit], path: str | Path, *, src_lang: str, tgt_lang: str,
              profile: str = "generic", keep_duplicates: bool = False, min_score: float = 0.0,
              creation_date: str | None = None, regions: dict[str, str] | None = None,
              keep_decisions: bool = True, source_date_epoch: str | None = None) -> ExportStats:
    """Write a TMX 1.4b file incrementally; see the module docstring for what is skipped.

    Dates: `creation_date` (YYYY-MM-DD) if given, else the latest release date of the
    units, else `source_date_epoch`, else no header creationdate; each <tu> carries its
    release's date."""
    prof = load_profile(profile)
    path = Path(path)
    units = _reiterable(units)
    src_code, tgt_code = tmx_lang_codes(prof, src_lang, tgt_lang, regions)
    head, tail = tmx_frame(src_code=src_code, creation_date=creation_date, source_date_epoch=source_date_epoch,
                           latest=None if creation_date else latest_date(u.date for u in units))
    stats = ExportStats(path=path)

    def pieces() -> Iterator[bytes]:
        yield head
        for planned in iter_plan(units, prof, min_score=min_score, keep_duplicates=keep_duplicates):
            stats.add(planned, keep_decisions)
            if planned.skip is None:
                yield b"\n    "
                yield tmx_unit_xml(planned.unit, planned.source, planned.target, src_code=src_code,
                                   tgt_code=tgt_code, occurrences=planned.occurrences)
        yield tail

    write_public(path, pieces())
    return stats


write = write_tmx
