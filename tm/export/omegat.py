"""OmegaT: the tab-separated glossary (`tm glossary export --format omegat`) and the
project segmentation rules (`omegat/segmentation.conf`) that cut the source as
tm/segment.py does, so OmegaT's segments are the TMX's units.
"""
from __future__ import annotations

import re
from pathlib import Path
from .. import __version__
from ..fileio import write_public
from ..glossary import Glossary
from .plan import _one_line, clean_segment


def glossary_pairs(glossary: Glossary, src_lang: str = "ru", tgt_lang: str = "en") -> list[tuple[str, str, str]]:
    """(source term, target term, comment) of a glossary (Glossary.pairs: every
    non-deprecated source term of a concept with the concept's preferred target term,
    else its first allowed one). Exercise names lose their {year} slot, which the
    comment gives instead."""
    pairs = []
    for src, preferred in glossary.pairs(src_lang, tgt_lang):
        source, target = src.term, preferred.term
        note = preferred.note or src.note or ""
        if YEAR_SLOT in source or YEAR_SLOT in target:
            # exercise names carry a year: the glossary gives the name, the comment the pattern
            note = "; ".join(x for x in (f"with the year: {target.replace(YEAR_SLOT, '2024')}", note) if x)
            source, target = _without_year(source), _without_year(target)
        comment = "; ".join(x for x in (src.concept, src.kind or "", note) if x)
        pairs.append((source, target, comment))
    return pairs


YEAR_SLOT = "{year}"


def _without_year(term: str) -> str:
    return re.sub(r"[\s-]*\{year\}", "", term).strip()


def omegat_glossary_text(glossary: Glossary, *, src_lang: str = "ru", tgt_lang: str = "en") -> str:
    """OmegaT tab-separated glossary: a comment line, then source TAB target TAB comment."""
    lines = [f"# OmegaT glossary {src_lang} -> {tgt_lang} written by tm {__version__}\n"]
    seen = set()
    for src, tgt, comment in glossary_pairs(glossary, src_lang, tgt_lang):
        fields = [clean_segment(_one_line(x))[0] for x in (src, tgt, comment)]
        if not fields[0] or not fields[1] or tuple(fields) in seen:
            continue
        seen.add(tuple(fields))
        lines.append("\t".join(fields).rstrip("\t") + "\n")
    return "".join(lines)


# ---------------------------------------------------------------------------
# OmegaT project segmentation rules that cut the source as tm/segment.py does


def omegat_segmentation_rules(lang: str = "ru") -> list[tuple[bool, str, str]]:
    """(break?, beforebreak, afterbreak) SRX rules, in priority order, built from the
    segmenter's own data (abbreviation classes, sentence starters): without them OmegaT
    cuts Russian after «г.», «тыс.», «млн.» and initials, and keeps «.»» unsplit, so
    its segments and our TMX units would differ. An approximation of tm/segment.py:
    the date-phrase exception and quotation tracking are not expressed."""
    from ..segment import ACRONYM, AFTER_NUMBER, NUMERIC, PREFIX, rules_for

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
    write_public(path, omegat_segmentation_conf(lang).encode("utf-8"))
