"""TBX export (v3 validated against the ISO schema, v2 read by translate-toolkit),
import of both, the round trip, and safe XML parsing."""
from pathlib import Path

import pytest
from lxml import etree

from tm.glossary import glossary_rows, load_glossary
from tm.tbx import glossary_to_tbx, tbx_to_glossary
from tm.models import InputError

from helpers import run_tm

REPO = Path(__file__).resolve().parents[1]
CSTO = REPO / "glossaries" / "csto.tsv"
NS = {"t": "urn:iso:std:iso:30042:ed-2"}


@pytest.fixture(scope="module")
def csto():
    return load_glossary(CSTO)


def rows(g):
    return [(t.concept, t.lang, t.term, t.status, t.kind, t.note) for t in glossary_rows(g)]


def test_tbx3_is_valid_tbx_basic_against_the_core_schema(csto, shared):
    data = glossary_to_tbx(csto, version=3)
    doc = etree.fromstring(data)
    schema = etree.RelaxNG(etree.parse(str(shared / "schemas" / "TBXcoreStructV03.rng")))
    assert schema.validate(doc), schema.error_log
    assert doc.get("type") == "TBX-Basic" and doc.get("style") == "dca"
    # the TBX-Basic picklist for the status (what the dialect's Schematron requires)
    statuses = {n.text for n in doc.iterfind(".//t:termNote[@type='administrativeStatus']", NS)}
    assert statuses == {"preferredTerm-admn-sts", "admittedTerm-admn-sts", "deprecatedTerm-admn-sts"}
    # the other TBX-Basic (DCA) rules the Schematron states, checked with XPath 1
    assert all(etree.QName(e).namespace == NS["t"] for e in doc.iter(etree.Element))
    for d in doc.iterfind(".//t:descrip", NS):
        assert d.get("type") == "subjectField" and etree.QName(d.getparent()).localname == "conceptEntry"
    for n in doc.iterfind(".//t:termNote", NS):
        assert etree.QName(n.getparent()).localname == "termSec"
    entry = doc.find(".//t:conceptEntry[@id='crrf']", NS)
    assert entry.find("t:descrip[@type='subjectField']", NS).text == "unit"
    ru_terms = [t.text for t in entry.iterfind("t:langSec[@{http://www.w3.org/XML/1998/namespace}lang='ru']/t:termSec/t:term", NS)]
    assert "КСОР" in ru_terms


def test_the_schema_check_has_teeth(csto, shared):
    doc = etree.fromstring(glossary_to_tbx(csto, version=3))
    doc.find(".//t:termSec", NS).insert(0, etree.Element("{urn:iso:std:iso:30042:ed-2}bogus"))
    schema = etree.RelaxNG(etree.parse(str(shared / "schemas" / "TBXcoreStructV03.rng")))
    assert not schema.validate(doc)


@pytest.mark.parametrize("version", [3, 2])
def test_round_trip_loses_nothing(tmp_path, csto, version):
    path = tmp_path / f"g{version}.tbx"
    path.write_bytes(glossary_to_tbx(csto, version=version))
    back = tbx_to_glossary(path)
    assert rows(back) == rows(csto)
    assert len(back) == len(csto) >= 60
    assert glossary_to_tbx(back, version=version).split(b"<text>")[-1] == \
        glossary_to_tbx(csto, version=version).split(b"<text>")[-1]


def test_tbx2_is_read_by_translate_toolkit(tmp_path, csto):
    tbx = pytest.importorskip("translate.storage.tbx")
    path = tmp_path / "g.tbx"
    path.write_bytes(glossary_to_tbx(csto, version=2))
    store = tbx.tbxfile.parsefile(str(path))
    sources = {u.source for u in store.units}
    assert len(store.units) == len(csto)
    assert "Коллективные силы оперативного реагирования" in sources


def test_imports_a_hand_written_martif_with_ntig(tmp_path):
    path = tmp_path / "other.tbx"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">
<martif type="TBX" xml:lang="en"><martifHeader><fileDesc><sourceDesc><p>x</p></sourceDesc></fileDesc></martifHeader>
<text><body>
<termEntry id="js"><descrip type="subjectField">Military bodies</descrip>
 <langSet xml:lang="ru"><ntig><termGrp><term>Объединённый штаб</term>
   <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></termGrp></ntig></langSet>
 <langSet xml:lang="en"><tig><term>Joint Staff</term></tig>
   <tig><term>Joint Headquarters</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote>
   <note>wrong</note></tig></langSet>
</termEntry></body></text></martif>
""", encoding="utf-8")
    g = tbx_to_glossary(path)
    assert rows(g) == [("js", "ru", "Объединённый штаб", "preferred", "military-bodies", ""),
                       ("js", "en", "Joint Staff", "preferred", "military-bodies", ""),
                       ("js", "en", "Joint Headquarters", "deprecated", "military-bodies", "wrong")]
    assert [m.concept for m in g.find("Объединённым штабом", "ru")] == ["js"]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE martif [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<martif type="TBX"><text><body><termEntry id="a"><langSet xml:lang="en"><tig><term>&lol4;</term></tig></langSet></termEntry></body></text></martif>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE tbx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic" style="dca" xml:lang="en"><tbxHeader><fileDesc><sourceDesc><p>x</p></sourceDesc></fileDesc></tbxHeader>
<text><body><conceptEntry id="a"><langSec xml:lang="en"><termSec><term>&secret;</term></termSec></langSec></conceptEntry></body></text></tbx>
"""


@pytest.mark.parametrize("doc, line", [(BILLION_LAUGHS, 3), (XXE, 2)])
def test_entity_attacks_are_refused_with_a_clear_error(tmp_path, doc, line):
    path = tmp_path / "evil.tbx"
    path.write_text(doc, encoding="utf-8")
    with pytest.raises(InputError) as err:
        tbx_to_glossary(path)
    assert err.value.path == path and err.value.line == line
    assert "entities" in err.value.message and "refused" in err.value.message


def test_utf16_entity_declaration_is_refused_too(tmp_path):
    path = tmp_path / "evil16.tbx"
    path.write_bytes(XXE.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16"))
    with pytest.raises(InputError) as err:
        tbx_to_glossary(path)
    assert "entities" in err.value.message


@pytest.mark.parametrize("text, words, line", [
    ("<martif><text><body><termEntry id='a'>\n<langSet></martif>", "not well-formed", 2),
    ("<glossary/>", "expected <tbx> or <martif>", 1),
    ("<martif><text><body><termEntry id='a'><langSet xml:lang='en'><tig><term>x</term>"
     "<termNote type='administrativeStatus'>bogus</termNote></tig></langSet></termEntry></body></text></martif>",
     "unknown administrativeStatus", 1),
    ("<martif><text><body><termEntry id='a'><langSet xml:lang='en'><tig><term>x</term></tig></langSet>"
     "<langSet xml:lang='en'><tig><term>x</term></tig></langSet></termEntry></body></text></martif>",
     "already listed", 1),
])
def test_bad_tbx_is_an_input_error_with_file_and_line(tmp_path, text, words, line):
    path = tmp_path / "bad.tbx"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        tbx_to_glossary(path)
    assert words in err.value.message and err.value.line == line


def test_cli_export_and_import(tmp_path, csto, shared):
    tbx3, tsv = tmp_path / "g.tbx", tmp_path / "g.tsv"
    r = run_tm("glossary", "export", "--format", "tbx", "--glossary", CSTO, "--output", tbx3)
    assert r.returncode == 0, r.stderr
    schema = etree.RelaxNG(etree.parse(str(shared / "schemas" / "TBXcoreStructV03.rng")))
    assert schema.validate(etree.parse(str(tbx3)))
    r = run_tm("glossary", "import", tbx3, "--output", tsv)
    assert r.returncode == 0, r.stderr
    assert rows(load_glossary(tsv)) == rows(csto)
    r = run_tm("glossary", "export", "--tbx-version", "2", "--glossary", CSTO)
    assert r.returncode == 0 and r.stdout.count("<termEntry ") == len(csto)
    evil = tmp_path / "evil.tbx"
    evil.write_text(XXE, encoding="utf-8")
    r = run_tm("glossary", "import", evil)
    assert r.returncode == 2 and "evil.tbx:2:" in r.stderr and "Traceback" not in r.stderr
