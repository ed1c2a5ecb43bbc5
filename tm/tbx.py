"""TBX export and import of the glossary (TBX-Basic, DCA style).

- version 3: ISO 30042:2019 (`<tbx type="TBX-Basic" style="dca">`, namespace
  urn:iso:std:iso:30042:ed-2), valid against TBXcoreStructV03.rng;
- version 2: the older `<martif type="TBX-Basic">` form that OmegaT and
  translate-toolkit read (termEntry / langSet / tig / term).

Mapping of the table's columns (the same in both versions):
  concept -> conceptEntry/@id (termEntry/@id)
  kind    -> <descrip type="subjectField"> on the concept
  lang    -> langSec/@xml:lang (langSet)
  term    -> termSec/term (tig/term)
  status  -> <termNote type="administrativeStatus">preferredTerm-admn-sts | admittedTerm-admn-sts | deprecatedTerm-admn-sts
  note    -> <note> in the termSec (tig)
A round trip keeps every row and column; `#` comment lines of the table and the
order of rows across concepts (rows come back grouped by concept, then language)
are not kept.

Reading is safe: no entity expansion, no DTD loading, no network, no huge
trees; a document that declares entities (billion laughs, XXE) is refused.
"""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from tm import __version__
from tm.glossary import Glossary, Term, glossary_rows, parse_row
from tm.models import InputError
from tm.text import fold_spaces

TBX3_NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS_TO_TBX = {
    "preferred": "preferredTerm-admn-sts",
    "admitted": "admittedTerm-admn-sts",
    "deprecated": "deprecatedTerm-admn-sts",
}
TBX_TO_STATUS = {v: k for k, v in STATUS_TO_TBX.items()}
TBX_TO_STATUS["supersededTerm-admn-sts"] = "deprecated"
DEFAULT_KIND = "term"


def _concepts(glossary: Glossary):
    """(concept, kind, [(lang, [terms])]) in table order."""
    grouped: dict[str, list[Term]] = {}
    for t in glossary_rows(glossary):
        grouped.setdefault(t.concept, []).append(t)
    for concept, terms in grouped.items():
        langs: dict[str, list[Term]] = {}
        for t in terms:
            langs.setdefault(t.lang, []).append(t)
        yield concept, terms[0].kind, list(langs.items())


def glossary_to_tbx(glossary: Glossary, version: int = 3) -> bytes:
    """The glossary as a TBX-Basic document (UTF-8 bytes, deterministic)."""
    if version not in (2, 3):
        raise ValueError(f"unknown TBX version {version!r} (expected 2 or 3)")
    v3 = version == 3

    def el(parent, name, text=None, **attrs):
        tag = f"{{{TBX3_NS}}}{name}" if v3 else name
        node = etree.SubElement(parent, tag) if parent is not None else etree.Element(
            tag, nsmap={None: TBX3_NS} if v3 else None)
        for key, value in attrs.items():
            node.set(XML_LANG if key == "lang" else key, value)
        if text is not None:
            node.text = text
        return node

    source = f"Exported by tm {__version__} from the glossary table"
    if glossary.path is not None:
        source += f" {Path(glossary.path).name}"
    if v3:
        root = el(None, "tbx", type="TBX-Basic", style="dca", lang="en")
        header = el(root, "tbxHeader")
    else:
        root = el(None, "martif", type="TBX-Basic", lang="en")
        header = el(root, "martifHeader")
    file_desc = el(header, "fileDesc")
    title_stmt = el(file_desc, "titleStmt")
    el(title_stmt, "title", "tm glossary")
    el(el(file_desc, "sourceDesc"), "p", source)
    if not v3:
        el(el(header, "encodingDesc"), "p", "TBXBasicXCSV02.xcs", type="XCSURI")
    text = el(root, "text")
    concepts = list(_concepts(glossary))
    if concepts or not v3:   # v3: <body> needs a conceptEntry; an empty glossary has no body
        body = el(text, "body")
        for concept, kind, langs in concepts:
            entry = el(body, "conceptEntry" if v3 else "termEntry", id=concept)
            el(entry, "descrip", kind, type="subjectField")
            for lang, terms in langs:
                lang_sec = el(entry, "langSec" if v3 else "langSet", lang=lang)
                for t in terms:
                    term_sec = el(lang_sec, "termSec" if v3 else "tig")
                    el(term_sec, "term", t.term)
                    el(term_sec, "termNote", STATUS_TO_TBX[t.status], type="administrativeStatus")
                    if t.note:
                        el(term_sec, "note", t.note)
    doc = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    prolog = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    if v3:
        prolog += (b'<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/'
                   b'master/DCA/TBXcoreStructV03_TBX-Basic_integrated.rng" type="application/xml" '
                   b'schematypens="http://relaxng.org/ns/structure/1.0"?>\n')
    return prolog + doc


# ---------------------------------------------------------------- import

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, remove_comments=True,
                           remove_pis=True)


def parse_tbx_bytes(data: bytes, path: str | Path) -> etree._ElementTree:
    """Parse TBX safely: refuse entity declarations, never load a DTD or the network."""
    decl = _ENTITY_DECL.search(data)
    if decl is None and data[:2] in (b"\xff\xfe", b"\xfe\xff"):   # UTF-16: search the decoded text
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = ""
        if re.search("<!ENTITY", text, re.IGNORECASE):
            raise InputError("TBX declares XML entities (<!ENTITY>): refused, entities are never expanded",
                             path)
    if decl is not None:
        line = data[: decl.start()].count(b"\n") + 1
        raise InputError("TBX declares XML entities (<!ENTITY>): refused, entities are never expanded",
                         path, line)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _safe_parser()))
    except etree.XMLSyntaxError as e:
        raise InputError(f"not well-formed XML: {e.msg}", path, e.lineno or None) from None
    dtd = tree.docinfo.internalDTD
    if dtd is not None and list(dtd.iterentities()):
        raise InputError("TBX declares XML entities: refused, entities are never expanded", path)
    return tree


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(node, *names):
    return [c for c in node if _local(c.tag) in names]


def _text(node) -> str:
    return fold_spaces("".join(node.itertext()))


def tbx_to_glossary(path: str | Path) -> Glossary:
    """Read TBX (v3 `<tbx>` or v2 `<martif>`) into a Glossary. Bad input: InputError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("TBX file not found", path) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", path) from None
    root = parse_tbx_bytes(data, path).getroot()
    kind_of_root = _local(root.tag)
    if kind_of_root not in ("tbx", "martif"):
        raise InputError(f"not TBX: the root element is <{kind_of_root}>, expected <tbx> or <martif>",
                         path, root.sourceline)
    default_lang = root.get(XML_LANG) or "en"
    terms: list[Term] = []
    for text in _children(root, "text"):
        for body in _children(text, "body"):
            for entry in _children(body, "conceptEntry", "termEntry"):
                concept = entry.get("id")
                if not concept:
                    raise InputError("concept entry without an id", path, entry.sourceline)
                kinds = [_text(d) for d in _children(entry, "descrip") if d.get("type") == "subjectField"]
                # a foreign subject field ("Military affairs") becomes a kind word
                kind = re.sub(r"[^a-z0-9_]+", "-", kinds[0].lower()).strip("-") if kinds else ""
                kind = kind if kind and kind[0].isalpha() else DEFAULT_KIND
                for lang_sec in _children(entry, "langSec", "langSet"):
                    lang = lang_sec.get(XML_LANG) or lang_sec.get("lang") or default_lang
                    for term_sec in _children(lang_sec, "termSec", "tig", "ntig"):
                        holder = term_sec
                        if _local(term_sec.tag) == "ntig":       # ntig/termGrp/term
                            groups = _children(term_sec, "termGrp")
                            holder = groups[0] if groups else term_sec
                        term_nodes = _children(holder, "term")
                        if not term_nodes:
                            raise InputError("term section without a <term>", path, term_sec.sourceline)
                        status = "preferred"
                        notes = []
                        for node in list(holder) + (list(term_sec) if holder is not term_sec else []):
                            name = _local(node.tag)
                            if name == "termNote" and node.get("type") == "administrativeStatus":
                                value = _text(node)
                                if value not in TBX_TO_STATUS:
                                    raise InputError(f"unknown administrativeStatus {value!r}",
                                                     path, node.sourceline)
                                status = TBX_TO_STATUS[value]
                            elif name == "note":
                                notes.append(_text(node))
                        term = _text(term_nodes[0])
                        fields = [concept, lang, term, status, kind, " ".join(notes)]
                        if any("\t" in f or "\n" in f for f in fields):
                            raise InputError("a field holds a TAB or a line break", path, term_nodes[0].sourceline)
                        terms.append(parse_row(fields, path, term_nodes[0].sourceline))
    return Glossary(terms, path)
