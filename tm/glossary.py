"""The controlled glossary: a concept-oriented TSV table and an inflection-aware matcher.

Table (UTF-8, TAB-separated, `#` lines are comments):

    concept	lang	term	status	kind	note

One row per term. `status` is preferred | admitted | deprecated. A term may hold
`{year}` (exercise names), which matches a four-digit year.

Matching works on tokens, not on strings:
- Russian words are compared by lemma (pymorphy3), so «Генерального секретаря ОДКБ»
  matches the term «Генеральный секретарь ОДКБ»; ё = е; case is ignored.
- English words are compared singular-insensitively ("Forces" = "Force"), the
  possessive is dropped, "the" is optional, and a capitalised term word (a proper
  name) only matches a capitalised word, so "search" never matches "Search-{year}".
- Quotes («» "" „“) and hyphens/dashes are ignored between tokens, so
  «Взаимодействие-2022», "Interaction - 2022" and Interaction-2022 are the same.
- A `{year}` term also matches its bare name when it is capitalised and quoted
  ("Interaction" exercise); such a match has no year.
Overlapping matches resolve to the longest (so «заместитель Генерального
секретаря ОДКБ» is the deputy, not the Secretary General). The glossary is indexed
by the first token of each term: the cost grows with the text, not with the
glossary size.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tm.fileio import write_public
from tm.models import InputError
from tm.text import fold_spaces
from tm.wordforms import QUOTES, _morph, _Tok, russian_lemmas, surface_distance, tokenize  # noqa: F401  (re-exported)

HEADER = ("concept", "lang", "term", "status", "kind", "note")
STATUSES = ("preferred", "admitted", "deprecated")
YEAR = "{year}"

CONCEPT_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")   # an XML ID, so TBX can carry it
LANG_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")
KIND = re.compile(r"[a-z][a-z0-9_-]*\Z")

_YEAR_SLOT = "\uE000"   # stands for {year} while a term is tokenised


@dataclass(frozen=True)
class Term:
    """One row of the glossary table."""

    concept: str
    lang: str
    term: str
    status: str
    kind: str
    note: str = ""
    line: int | None = None   # 1-based line in the file it came from

    @property
    def has_year(self) -> bool:
        return YEAR in self.term

    def render(self, year: int | None = None) -> str:
        """The term as it should appear, with the year filled in where known."""
        return self.term.replace(YEAR, str(year)) if year is not None else self.term


@dataclass(frozen=True)
class Match:
    """A glossary term found in a text."""

    concept: str
    term: str          # the glossary term that matched (as written in the table)
    status: str
    kind: str
    form: str          # the text as found (exact slice text[start:end])
    start: int
    end: int
    year: int | None = None
    lang: str = ""

    @property
    def key(self) -> str:
        return f"{self.concept}:{self.year}" if self.year is not None else self.concept


# ---------------------------------------------------------------- tokens

# ---------------------------------------------------------------- compiled terms

@dataclass(frozen=True)
class _Slot:
    kind: str                 # word | num | punct | year
    keys: frozenset[str] = frozenset()
    case: str | None = None   # exact (acronym) | cap (proper name) | None
    raw: str = ""


@dataclass(frozen=True)
class _Pattern:
    term: Term
    slots: tuple[_Slot, ...]
    yearless: bool = False    # the bare name of a {year} term: needs capital + quotes


def _case_rule(raw: str, lang: str) -> str | None:
    """How a term word constrains case: acronyms exactly (English), proper names
    need a capital (a capitalised term word is a proper name in both languages;
    «коллективные силы» in lower case is generic, «Коллективные силы» the body)."""
    if lang != "en":
        return "cap" if raw[0].isupper() else None
    letters = [c for c in raw if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return "exact"
    if raw[0].isupper():
        return "cap"
    return None


# Titles and ranks are often written in lower case ("the secretary general of the
# CSTO", «генеральный секретарь»): their capitals do not make them proper names.
CASELESS_KINDS = frozenset({"title", "rank"})


def _compile(term: Term) -> list[_Pattern]:
    text = term.term.replace(YEAR, f" {_YEAR_SLOT} ")
    slots: list[_Slot] = []
    for piece in re.split(f"({_YEAR_SLOT})", text):
        if piece == _YEAR_SLOT:
            slots.append(_Slot("year"))
            continue
        for tok in tokenize(piece, term.lang):
            if tok.kind == "word":
                case = _case_rule(tok.raw, term.lang)
                if case == "cap" and term.kind in CASELESS_KINDS:
                    case = None
                slots.append(_Slot("word", tok.keys, case, tok.raw))
            else:
                slots.append(_Slot(tok.kind, tok.keys, None, tok.raw))
    patterns = []
    if slots:
        patterns.append(_Pattern(term, tuple(slots)))
    if any(s.kind == "year" for s in slots):
        bare = tuple(s for s in slots if s.kind != "year")
        if bare:
            patterns.append(_Pattern(term, bare, yearless=True))
    return patterns


def _slot_accepts(slot: _Slot, tok: _Tok) -> bool:
    if slot.kind == "year":
        return tok.kind == "num" and len(tok.raw) == 4 and 1900 <= int(tok.raw) <= 2099
    if slot.kind != tok.kind:
        return False
    if slot.kind != "word":
        return tok.raw == slot.raw
    if slot.case == "exact":
        return tok.raw == slot.raw
    if not (slot.keys & tok.keys):
        return False
    if slot.case == "cap" and not tok.raw[0].isupper():
        return False
    return True


def _quoted(text: str, start: int, end: int) -> bool:
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    return bool(before) and before[-1] in QUOTES and bool(after) and after[0] in QUOTES


# ---------------------------------------------------------------- the glossary

class Glossary:
    """The rows of a glossary table and an index for matching them."""

    def __init__(self, terms: list[Term], path: str | Path | None = None):
        self.path = path
        self.terms: list[Term] = list(terms)
        _validate(self.terms, path)
        self.concepts: dict[str, list[Term]] = {}
        for t in self.terms:
            self.concepts.setdefault(t.concept, []).append(t)
        # first-token index per language: key -> (pattern, keys its second token must meet
        # or None) of the patterns starting with that key. A slot accepts a token only if
        # their keys meet (a number or punctuation slot: its text is its one key).
        self._index: dict[str, dict[str, list[tuple[_Pattern, frozenset | None]]]] = {}
        for t in self.terms:
            for pattern in _compile(t):
                first, second = pattern.slots[0], pattern.slots[1:2]
                keys = ("<year>",) if first.kind == "year" else first.keys
                second_keys = second[0].keys if second and second[0].kind != "year" else None
                lang_index = self._index.setdefault(t.lang, {})
                for key in keys:
                    lang_index.setdefault(key, []).append((pattern, second_keys))
        self._find_cache: dict[tuple[str, str], tuple[Match, ...]] = {}
        self._bare: dict[tuple[str, str], list[_Pattern]] = {}

    def __len__(self) -> int:
        return len(self.concepts)

    def languages(self) -> list[str]:
        return sorted({t.lang for t in self.terms})

    def kind(self, concept: str) -> str:
        return self.concepts[concept][0].kind

    def preferred(self, concept: str, lang: str) -> Term | None:
        for t in self.concepts.get(concept, ()):
            if t.lang == lang and t.status == "preferred":
                return t
        return None

    def pairs(self, src_lang: str, tgt_lang: str) -> list[tuple[Term, Term]]:
        """(source term, target term) for a bilingual glossary, concept by concept in
        table order: every source term that is not deprecated, with the concept's
        preferred target term (else its first admitted one); a concept without an
        allowed target term gives none."""
        out = []
        for terms in self.concepts.values():
            targets = [t for t in terms if t.lang == tgt_lang and t.status != "deprecated"]
            if not targets:
                continue
            target = next((t for t in targets if t.status == "preferred"), targets[0])
            out.extend((t, target) for t in terms if t.lang == src_lang and t.status != "deprecated")
        return out

    def find(self, text: str, lang: str) -> list[Match]:
        """Every glossary term in `text`, longest first where they overlap, in text order."""
        cache_key = (text, lang)
        hit = self._find_cache.get(cache_key)
        if hit is None:
            hit = tuple(self._find(text, lang))
            if len(self._find_cache) > 10_000:    # bounded: memory stays flat over an archive
                self._find_cache.clear()
            self._find_cache[cache_key] = hit
        return list(hit)

    def concept_keys(self, text: str, lang: str) -> frozenset[str]:
        """Concept ids found in `text` ("interaction:2022" for an exercise with its year)."""
        return frozenset(m.key for m in self.find(text, lang))

    def find_base_name(self, text: str, lang: str, concept: str) -> list[Match]:
        """The base names of a {year} concept's terms in `text`, capitalised but without
        the quotes `find` asks for ("the Search exercises have been held since 2010"):
        how a text names the exercise in general, without a year. Not on the hot path."""
        patterns = self._bare.get((concept, lang))
        if patterns is None:
            patterns = [p for t in self.concepts.get(concept, ()) if t.lang == lang and t.has_year
                        for p in _compile(t) if p.yearless]
            self._bare[(concept, lang)] = patterns
        if not patterns:
            return []
        tokens = tokenize(text, lang)
        found = []
        for i, tok in enumerate(tokens):
            if tok.kind != "word" or not tok.raw[0].isupper():
                continue
            for pattern in patterns:
                n = len(pattern.slots)
                if i + n <= len(tokens) and all(_slot_accepts(slot, t)
                                                for slot, t in zip(pattern.slots, tokens[i:i + n])):
                    start, end = tok.start, tokens[i + n - 1].end
                    t = pattern.term
                    found.append(Match(t.concept, t.term, t.status, t.kind, text[start:end], start, end,
                                       None, lang))
                    break
        return found

    def _find(self, text: str, lang: str) -> list[Match]:
        index = self._index.get(lang)
        if not index:
            return []
        tokens = tokenize(text, lang)
        candidates: list[tuple[int, int, _Pattern, int | None]] = []   # (first token, n, pattern, year)
        for i, tok in enumerate(tokens):
            keys = tok.keys if tok.kind == "word" else ()
            if tok.kind == "num" and len(tok.raw) == 4:
                keys = ("<year>",)
            next_keys = tokens[i + 1].keys if i + 1 < len(tokens) else frozenset()
            seen: set[int] = set()
            for key in keys:
                for pattern, second_keys in index.get(key, ()):
                    # most patterns fail at their second token: tested first, by keys
                    if second_keys is not None and second_keys.isdisjoint(next_keys):
                        continue
                    if id(pattern) in seen:
                        continue
                    seen.add(id(pattern))
                    n = len(pattern.slots)
                    if i + n > len(tokens):
                        continue
                    year = None
                    for slot, t in zip(pattern.slots, tokens[i:i + n]):
                        if not _slot_accepts(slot, t):
                            break
                        if slot.kind == "year":
                            year = int(t.raw)
                    else:
                        if pattern.yearless and not (
                            tokens[i].raw[0].isupper()
                            and _quoted(text, tokens[i].start, tokens[i + n - 1].end)
                        ):
                            continue
                        candidates.append((i, n, pattern, year))
        # longest first (tokens, then characters), then leftmost; drop overlaps.
        # Terms of one concept found on the same tokens ("CSTO Secretary General" and
        # its deprecated "CSTO Secretary-General"): the one written as in the text wins.
        rank: dict[tuple[int, int, int], int] = {}
        if len(candidates) > 1:
            by_span: dict[tuple[int, int], list] = {}
            for c in candidates:
                by_span.setdefault((c[0], c[1]), []).append(c)
            if len(by_span) < len(candidates):
                for (i, n), group in by_span.items():
                    if len(group) > 1:
                        for c in group:
                            written = c[2].term.term.replace(YEAR, "0000")
                            rank[(i, n, id(c[2]))] = surface_distance(text, tokens, i, n, written, lang)
        candidates.sort(key=lambda c: (-c[1], -(tokens[c[0] + c[1] - 1].end - tokens[c[0]].start),
                                       c[0], rank.get((c[0], c[1], id(c[2])), 0), c[2].yearless))
        taken = bytearray(len(tokens))
        chosen = []
        for i, n, pattern, year in candidates:
            if any(taken[i:i + n]):
                continue
            taken[i:i + n] = b"\x01" * n
            start, end = tokens[i].start, tokens[i + n - 1].end
            t = pattern.term
            chosen.append(Match(t.concept, t.term, t.status, t.kind, text[start:end],
                                start, end, year, lang))
        chosen.sort(key=lambda m: m.start)
        return chosen


def _validate(terms: list[Term], path) -> None:
    seen: dict[tuple[str, str], Term] = {}
    first_of: dict[str, Term] = {}
    for t in terms:
        first = first_of.setdefault(t.concept, t)
        if t.kind != first.kind:
            raise InputError(
                f"concept {t.concept!r} has kind {t.kind!r} here but {first.kind!r} on line {first.line}",
                path, t.line)
        written = t.term.lower() if t.lang == "ru" else t.term   # English case is meaningful
        norm = (t.lang, " ".join(written.replace("ё", "е").split()))
        other = seen.get(norm)
        if other is not None:
            where = f"line {other.line}" if other.line else "another row"
            raise InputError(f"term {t.term!r} ({t.lang}) is already listed on {where}"
                             f" (concept {other.concept!r})", path, t.line)
        seen[norm] = t
    for concept, first in first_of.items():
        langs = {t.lang for t in terms if t.concept == concept}
        for lang in sorted(langs):
            if not any(t.concept == concept and t.lang == lang and t.status == "preferred"
                       for t in terms):
                raise InputError(f"concept {concept!r} has no preferred term in {lang!r}",
                                 path, first.line)


def parse_row(fields: list[str], path, line: int) -> Term:
    """Check one table row and make it a Term (InputError names file and line)."""
    if len(fields) == 5:          # editors drop a trailing TAB: an empty note
        fields = fields + [""]
    if len(fields) != 6:
        raise InputError(f"expected 6 TAB-separated fields ({', '.join(HEADER)}), got {len(fields)}",
                         path, line)
    concept, lang, term, status, kind, note = (f.strip() for f in fields)
    if not CONCEPT_ID.match(concept):
        raise InputError(f"bad concept id {concept!r} (letters, digits, _ . -; not starting with a digit)",
                         path, line)
    if not LANG_CODE.match(lang):
        raise InputError(f"bad language code {lang!r}", path, line)
    if not term:
        raise InputError("empty term", path, line)
    rest = term.replace(YEAR, "")
    if "{" in rest or "}" in rest:
        raise InputError(f"unknown placeholder in term {term!r} (only {YEAR} is allowed)", path, line)
    if term.count(YEAR) > 1:
        raise InputError(f"term {term!r} has more than one {YEAR}", path, line)
    if not any(tok.kind == "word" for tok in tokenize(rest, lang)):
        raise InputError(f"term {term!r} has no words", path, line)
    if status not in STATUSES:
        raise InputError(f"bad status {status!r} (expected one of: {', '.join(STATUSES)})", path, line)
    if not KIND.match(kind):
        raise InputError(f"bad kind {kind!r} (a lower-case word such as title, body, exercise)",
                         path, line)
    return Term(concept, lang, fold_spaces(term), status, kind, note, line)


def load_glossary(path: str | Path) -> Glossary:
    """Read and validate a glossary table. Any problem raises InputError(file, line)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("glossary file not found", path) from None
    except IsADirectoryError:
        raise InputError("glossary path is a folder, not a file", path) from None
    except OSError as e:
        raise InputError(f"cannot read glossary: {e.strerror}", path) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError("not valid UTF-8", path, line) from None
    terms: list[Term] = []
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        fields = raw.rstrip("\r").split("\t")
        if not header_seen:
            if tuple(f.strip() for f in fields) != HEADER and tuple(f.strip() for f in fields) != HEADER[:5]:
                raise InputError("the first line must be the header: " + "\\t".join(HEADER), path, number)
            header_seen = True
            continue
        terms.append(parse_row(fields, path, number))
    if not header_seen:
        raise InputError("empty glossary (no header line)", path)
    return Glossary(terms, path)


def glossary_rows(glossary: Glossary) -> list[Term]:
    """The rows grouped by concept (in order of first appearance), then by language."""
    rows = []
    for concept, terms in glossary.concepts.items():
        langs: list[str] = []
        for t in terms:
            if t.lang not in langs:
                langs.append(t.lang)
        for lang in langs:
            rows.extend(t for t in terms if t.lang == lang)
    return rows


def glossary_tsv(glossary: Glossary) -> str:
    """The table as text: header + rows grouped by concept (comments are not kept)."""
    lines = ["\t".join(HEADER)]
    for t in glossary_rows(glossary):
        lines.append("\t".join((t.concept, t.lang, t.term, t.status, t.kind, t.note)))
    return "\n".join(lines) + "\n"


def write_glossary_tsv(glossary: Glossary, path) -> None:
    """Write the table to a path (atomically) or to an open text stream."""
    if hasattr(path, "write"):
        path.write(glossary_tsv(glossary))
        return
    write_public(path, glossary_tsv(glossary).encode("utf-8"))
