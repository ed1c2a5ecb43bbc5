"""Exports: TMX 1.4b (one per corpus), gettext PO (one per release), the OmegaT
glossary and OmegaT project segmentation rules.

- `plan.py`: units from aligned releases, text hygiene (`clean_segment`), profiles
  (tm/data/profiles/, read once), which units each profile writes and why the others
  are not (SKIP_REASONS, the one list the pipeline counts with);
- `tmx.py`, `po.py`: the writers, and the pieces the pipeline streams (`tmx_frame`,
  `tmx_unit_xml`, `po_bytes`);
- `omegat.py`: the tab-separated glossary and segmentation.conf.

Every writer is atomic and leaves the file readable like open() would (tm/fileio.py
`write_public`, which the pipeline uses for the files it streams) and deterministic
(dates come from the releases or the caller's `source_date_epoch`, the Config's value of
SOURCE_DATE_EPOCH, never from the clock).

The writers of translation units are registered in FORMATS: a format is a module
here with SUFFIX and `write(units, path, *, src_lang, tgt_lang, **options) ->
ExportStats`, plus its name in FORMATS.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from .plan import (PROFILES, SKIP_BELOW_THRESHOLD, SKIP_DUPLICATE, SKIP_EMPTY, SKIP_REASONS, SKIP_REJECTED,
                   SKIP_TOO_LONG, ExportStats, PlannedUnit, Profile, clean_segment, format_profile_report,
                   iter_plan, latest_date, load_profile, original_text, pair_key, profile_report, tuid,
                   units_for)

# The writers' names, imported when first used (so that `tm --help` and the stages that
# only need the plan or the profiles do not load lxml and polib).
_WRITERS = {
    "omegat": ("YEAR_SLOT", "glossary_pairs", "omegat_glossary_text", "omegat_segmentation_conf",
               "omegat_segmentation_rules", "write_omegat_segmentation"),
    "po": ("plural_forms", "po_bytes", "po_file", "write_po"),
    "tmx": ("TMX_OCCURRENCES_BEFORE", "tmx_frame", "tmx_lang_codes", "tmx_occurrences_prop", "tmx_unit_xml",
            "write_tmx"),
}
_LAZY = {name: module for module, names in _WRITERS.items() for name in names}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


FORMATS = ("tmx", "po")


def writer(name: str) -> ModuleType:
    """The module of an export format (its SUFFIX and `write`)."""
    if name not in FORMATS:
        raise ValueError(f"unknown export format {name!r} (choose from {', '.join(FORMATS)})")
    return importlib.import_module(f"{__name__}.{name}")


__all__ = [
    "FORMATS", "PROFILES", "SKIP_BELOW_THRESHOLD", "SKIP_DUPLICATE", "SKIP_EMPTY", "SKIP_REASONS",
    "SKIP_REJECTED", "SKIP_TOO_LONG", "TMX_OCCURRENCES_BEFORE", "YEAR_SLOT", "ExportStats", "PlannedUnit",
    "Profile", "clean_segment", "format_profile_report", "glossary_pairs", "iter_plan", "latest_date",
    "load_profile", "omegat_glossary_text", "omegat_segmentation_conf", "omegat_segmentation_rules",
    "original_text", "pair_key", "plural_forms", "po_bytes", "po_file", "profile_report", "tmx_frame",
    "tmx_lang_codes", "tmx_occurrences_prop", "tmx_unit_xml", "tuid", "units_for",
    "write_omegat_segmentation", "write_po", "write_tmx", "writer",
]
