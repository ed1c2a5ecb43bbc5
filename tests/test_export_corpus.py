"""Exports of the shipped corpus (issue 6): the committed exports/ folder is what `tm align`
writes, byte for byte; the TMX and the PO files agree with each other.

The `shipped_exports` fixture (conftest.py) runs `tm align` once per session (in-process,
through the same `tm.cli.main` the console script calls) and is shared with
test_clients_corpus.py."""
from __future__ import annotations

from collections import defaultdict

import polib
import pytest
from lxml import etree

from helpers import EXPORTS, SHARED, files_under, tmx_units


def test_exports_folder_is_up_to_date(shipped_exports):
    """exports/ must hold exactly what `tm align` writes now: regenerate it with `tm align`."""
    fresh = files_under(shipped_exports["generic"])
    committed = files_under(EXPORTS) if EXPORTS.is_dir() else {}
    assert fresh, "tm align wrote nothing"
    missing = sorted(set(fresh) - set(committed))
    extra = sorted(set(committed) - set(fresh) - {"README.md"})
    stale = sorted(name for name in set(fresh) & set(committed) if fresh[name] != committed[name])
    assert not (missing or extra or stale), (
        f"exports/ is stale (run `tm align` from the repository root and commit exports/): "
        f"missing {missing[:5]}, not written any more {extra[:5]}, different {stale[:5]}")


def test_exports_are_byte_identical_on_rerun(shipped_exports):
    first, second = files_under(shipped_exports["generic"]), files_under(shipped_exports["rerun"])
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []


def test_shipped_tmx_is_valid_and_complete(shipped_exports):
    dtd_path = SHARED / "schemas" / "tmx14.dtd"
    if not dtd_path.exists():
        pytest.skip("../shared/schemas/tmx14.dtd not present")
    dtd = etree.DTD(str(dtd_path))
    for run, langs in (("generic", ["ru", "en"]), ("omegat", ["ru-RU", "en-GB"])):
        (tmx,) = shipped_exports[run].glob("*.tmx")
        doc = etree.parse(str(tmx))
        assert dtd.validate(doc), dtd.error_log.filter_from_errors()
        assert doc.find("header").get("srclang") == langs[0]
        units = tmx_units(tmx)
        assert len(units) > 250
        assert len({u["tuid"] for u in units}) == len(units)
        for u in units:
            assert u["langs"] == langs
            assert all(seg and seg == seg.strip() for seg in u["pair"]), u
            assert {"x-release", "x-release-date", "x-bead", "x-score", "x-src-index",
                    "x-tgt-index"} <= set(u["props"])


def test_tmx_and_po_files_agree(shipped_exports):
    """Every TMX unit is an entry of its release's PO; a PO entry missing from the TMX is
    either under the TMX's score threshold (and fuzzy) or a pair written for an earlier release."""
    out = shipped_exports["generic"]
    (tmx,) = out.glob("*.tmx")
    units = tmx_units(tmx)
    by_release = defaultdict(list)
    for u in units:
        by_release[u["props"]["x-release"]].append(u["pair"])
    all_pairs = {u["pair"] for u in units}
    po_files = sorted((out / "po").glob("*.po"))
    assert {p.stem for p in po_files} >= set(by_release)
    for path in po_files:
        po = polib.pofile(str(path))
        entries = [(e.msgid, e.msgstr) for e in po]
        assert set(by_release[path.stem]) <= set(entries), path.name
        for e in po:
            if (e.msgid, e.msgstr) not in by_release[path.stem]:
                assert (e.msgid, e.msgstr) in all_pairs or e.fuzzy, (path.name, e.msgid[:60])
