"""Sentence segmentation: rules over the text plus per-language data files.

Every sentence is an exact slice of the input, trimmed of surrounding
whitespace; the slices are in order, do not overlap, and cover every
non-whitespace character (lossless). Lines are separated by "\\n" (the CLI and
the corpus reader turn CRLF/CR into LF); a blank line (only whitespace) always
ends a paragraph and so a sentence.

Inside a paragraph a boundary is made (docs/segmentation.md and
tm/data/abbreviations/README.md give examples):

1. List items: a line that starts with a dash, bullet or "1." / "2)" / "a)"
   marker starts a sentence (so a lead-in line ending in ":" is its own
   sentence); so does an inline bullet (•), and an inline enumerator that is
   part of a run 1., 2., ... / a), b), ... or follows ";".
2. After "?", "!" (and "?!", "!!!", "?.."), with closing quotes/brackets kept,
   when the next word (after opening quotes, brackets or a dialogue dash) does
   not start with a lower-case letter (nor is a bracketed number "(1992)").
3. After an ellipsis attached to a word ("that... She"), under the same
   condition; not after a spaced ellipsis with a space before it ("is . . . I"),
   an omission mark ("[...]"), or an ellipsis inside an open quotation.
4. After a period, under the same condition, unless the word before it is an
   abbreviation whose class (tm/data/abbreviations/<lang>.txt, merged with the
   Moses non-breaking prefixes of sacremoses) says otherwise: [prefix] never
   ends a sentence, [numeric] not before a number, [final] only before a
   capitalised word, [acronym] (and initials, dotted acronyms) only before a
   usual sentence opener (tm/data/sentence_starters/<lang>.txt),
   [after-number] like [final] after a number and like [prefix] otherwise.
   A [final]/[acronym] abbreviation that closes a bare date phrase ("At 5 a.m.",
   «В 2010–2012 гг.») does not end a sentence: a date alone is not a sentence.
   [date] («т.г.», «с.г.», «тек. г.») is [final], except at the head of a
   sentence, after at most three words and no verb («В октябре т.г. Генеральный …»).
   After a year («в 2023 г.») or a [date] abbreviation, a capitalised noun or
   adjective that cannot be nominative (pymorphy3) continues a clause that has
   no verb yet («… в рамках которой в 2023 г. Кыргызской Республике поставлено …»).
   A period after a sentence-initial enumerator ("4.", "8.1.", "IV.", "§2.")
   is part of the marker.
5. Inside an open quotation, a stop followed by a dash does not split: the dash
   brings back the quoted speech after the author's words
   («К чему ты готовишься? – спросила мама. – Завтра ведь выходной»); except,
   by the press convention, the full stop of author's words that interrupt the
   quotation after a comma: «Учения прошли успешно, – отметил Генеральный
   секретарь. – Военнослужащие …» is two sentences, as in the translation.
6. After a smiley (";)", ":))", "))") before a capitalised word.
7. A last piece of a paragraph with no word in it (emoji, hashtags) stays with
   the sentence before it.
8. Single line breaks: a known navigation line (tm/data/boilerplate/<lang>.txt)
   is a sentence of its own, and so is a line with no final punctuation before a
   line starting with a capital when the next line's first word would have
   fitted on it (broken on purpose: datelines, navigation); a hard-wrapped line
   is not.

Unknown languages get the same rules, the Moses prefixes that sacremoses has
for them, and no extra data; adding a language means adding data files.
"""
from __future__ import annotations

import re
from bisect import bisect_right

from .models import Release, Sentence
from .segment_rules import (ACRONYM, AFTER_NUMBER, CLASSES, DATE, FINAL, NUMERIC, PREFIX,  # noqa: F401
                            _NEXT_WORD, _YEAR_END, Rules, _abbreviation_key, _continues_clause,
                            _has_predicate, _lookup, rules_for)
from .text import BLANK_LINES



# Terminal punctuation (a spaced ". . . ." taken whole, but given back if no
# whitespace follows it; at most 4 spaced dots, so the scan stays linear), then
# closing quotes/brackets, then whitespace. Straight quotes right after a stop
# can only be closing ones.
# The lookahead reads what follows: whitespace, opening quotes/brackets, an
# optional dialogue dash, more openers, then the first significant character w.
_NEXT = (r"\s+(?P<o>[(\[{«\"'`“„‘‚¿¡]*)(?P<dash>(?:--|[—–-])\s*)?[(\[{«\"'`“„‘‚]*(?P<w>\S)")
_TERMINAL = re.compile(
    r"(?P<p>[.!?…‼⁉⁈⁇](?<![.!?…‼⁉⁈⁇][.!?…‼⁉⁈⁇])[.!?…‼⁉⁈⁇]*+(?:[ \u00a0]\.++){0,4})"
    r"(?P<c>[)\]}\"'»”’“‘›]*+)(?=" + _NEXT + ")")
_NEXT = re.compile(_NEXT)

_NOT_SENTENCE_START = frozenset(",;:)]}»”’%.")
_OPENERS = "([{«\"'“„‘‚<"
_BULLET_CHARS = "•▪◦‣⁃·*-–—"

# Enumerators that start a list item: "4.", "8.1.", "IV.", "a.", "§2." (after
# optional bullets); a period right after them is part of the marker.
_ENUM_HEAD = re.compile(
    r"[\s•▪◦‣⁃·*\-–—]*(?:\d{1,3}(?:\.\d{1,3})*|[IVXLCDM]{1,6}|[ivx]{1,4}|[^\W\d_]|§\s*\d+(?:\.\d+)*)")
# Unlisted dotted acronyms: U.S.A, к.п.н, N.A.T.O (pieces of 1-4 letters).
_DOTTED = re.compile(r"[^\W\d_]{1,4}(?:\.-?[^\W\d_]{1,4})+")
# A unit glued to a number: "1996-1999гг", "5км".
_NUM_UNIT = re.compile(r"[\d.,\-–]*\d(?P<u>[^\W\d_]+)")
_NUMBER = re.compile(r"[$€£¥₽]?[\d.,:/\-–—]*\d[\d.,:/\-–—]*(?:-[^\W\d_]{1,3})?|[IVXLCDM]+")
# A piece of a spaced abbreviation: "т." in «т. д.», "н." in «до н. э.».
_SHORT_PIECE = re.compile(r"[^\W\d_]{1,3}\.")
# A bare date phrase before an abbreviation: "At 5 ", «В 2010-2012 », «25 июля 2024 »,
# «В XX » (a preposition, then numbers, each followed by at most two words).
_DATE_PHRASE = re.compile(
    r"\W*(?:[^\W\d_]{1,6}\s+)?(?:(?:\d[\d.,:/\-–—]*|[IVXLCDM]+\b)\s*(?:[^\W\d_]+\s+){0,2})+")

# List items at the start of a line inside a paragraph.
_LIST_LINE = re.compile(
    r"\n[^\S\n]*(?=(?:[-–—•▪◦‣⁃*]|\d{1,3}\.\)|\d{1,3}[.)]|[^\W\d_]\))[^\S\n])")
# Inline bullets ("• 9. The first item • 10. The second item") and inline
# enumerators ("1.)", "2)", "3.", "b." before a space), each after whitespace or
# at the start; the pattern starts with \s so that the scan stays fast.
# Each pattern starts with a character class so that the scan stays fast; the
# code checks that a marker stands after whitespace or at the start.
_BULLET = re.compile(r"[•▪◦‣⁃]")
# "1.)", "2)", "3.", "a)", "б)" before a space (matched at the final "." or ")").
_ENUM_ITEM = re.compile(
    r"[.)](?:(?<=[0-9][.)])|(?<=[0-9]\.\))|(?<=[a-zа-яё]\)))(?=[^\S\n]+(?P<w>\S))")
# "a. The first item b. The second item": only when the paragraph opens with "a.".
_LETTER_DOT_ITEM = re.compile(r"[a-zа-яё](?P<s>\.)(?=[^\S\n]+(?P<w>\S))")
_SMILEY = re.compile(r"(?:[:;=][-^]?[()DPp]++|\)(?<!\)\))\)++|\((?<!\(\()\(++)(?=\s)")
_SMILEY_HINTS = ("))", "((", ":)", ";)", ":(", "=)", ":-", ";-", ":D", ":P", ":p", "=(")

_NEWLINE_RUN = re.compile(r"\s*\n\s*")
# Emoji, symbols, hashtags and @handles only (no word): "😍😍😍", "#политика #налоги".
_DECORATION = re.compile(r"(?:[#@][^\s#@]+|[^\w\s]|[\s_])+")


class _QuoteDepth:
    """How many quotations are open at a position of paragraph t: «…», „…“ (or
    “…” where „ is not used), ``…'', and an odd number of straight double quotes.
    Positions must be asked in increasing order (linear time over a paragraph)."""

    __slots__ = ("t", "pos", "counts", "low_open", "tex")

    def __init__(self, t: str):
        self.t, self.pos, self.counts = t, 0, [0, 0, 0, 0, 0, 0, 0]
        self.low_open = "„" in t
        self.tex = "``" in t                          # ``TeX-style'' quotes (UD GSD)

    def at(self, pos: int) -> int:
        t, c, a = self.t, self.counts, self.pos
        if pos > a:
            c[0] += t.count("«", a, pos)
            c[1] += t.count("»", a, pos)
            c[2] += t.count("„" if self.low_open else "“", a, pos)
            c[3] += t.count("“" if self.low_open else "”", a, pos)
            c[4] += t.count('"', a, pos)
            if self.tex:
                c[5] += t.count("``", a, pos)
                c[6] += t.count("''", a, pos)
            self.pos = pos
        return c[0] - c[1] + c[2] - c[3] + c[4] % 2 + c[5] - c[6]


def _list_cuts(t: str) -> list[int]:
    """Sentence starts made by list items (rule 1), sorted."""
    cuts: list[int] = []
    if "\n" in t:
        cuts.extend(m.end() for m in _LIST_LINE.finditer(t))
    for m in _BULLET.finditer(t):
        if m.start() and t[m.start() - 1].isspace():
            cuts.append(m.start())
    markers = []                                      # (start, number or letter, style, next char)
    for m in _ENUM_ITEM.finditer(t):
        end = m.start()
        style = t[end]
        if style == ")" and t[end - 1] == ".":
            style, end = ".)", end - 1
        start = end - 1
        if t[start].isdigit():
            if start and t[start - 1].isdigit():
                start -= 1
        if start == 0 or t[start - 1].isspace():
            markers.append((start, t[start:end], style, m.group("w")))
    if _LETTER_DOT_ITEM.match(t):
        for m in _LETTER_DOT_ITEM.finditer(t):
            start = m.start()
            if start == 0 or t[start - 1].isspace():
                markers.append((start, t[start], ".", m.group("w")))
    if markers:
        seen = {(style, n) for _, n, style, _ in markers}
        for start, n, style, w in markers:
            if start == 0:
                continue
            value = int(n) if n.isdigit() else ord(n)
            prev = str(value - 1) if n.isdigit() else chr(value - 1)
            nxt = str(value + 1) if n.isdigit() else chr(value + 1)
            in_run = (style, prev) in seen or (style, nxt) in seen
            before = t[max(0, start - 8):start].rstrip()
            if before[-1:] in _BULLET_CHARS:
                continue                              # "• 9. The first item": the bullet cuts
            after_semicolon = before[-1:] == ";" and style != "."
            if (in_run and not w.islower()) or after_semicolon:
                cuts.append(start)
    cuts.sort()
    return cuts


def _paragraph_cuts(t: str, rules: Rules) -> list[int]:
    """Offsets in paragraph t where a new sentence starts (unsorted, may repeat)."""
    abbreviations, starters = rules.abbreviations, rules.starters
    list_cuts = _list_cuts(t)
    if "\n" in t:
        line_cuts = _line_cuts(t, rules.lang)
        if line_cuts:
            list_cuts = sorted(set(list_cuts + line_cuts))
    cuts = list(list_cuts)
    sent_start = 0
    quotes = None
    for m in _TERMINAL.finditer(t):
        w = m.group("w")
        if w.islower() or w in _NOT_SENTENCE_START:
            continue
        ps, end = m.span()
        if w.isdigit() and m.group("o").endswith("("):
            continue                                  # "… (1992)": a bracketed number
        if list_cuts:
            i = bisect_right(list_cuts, ps)
            if i and list_cuts[i - 1] > sent_start:
                sent_start = list_cuts[i - 1]
        p = m.group("p")
        if m.group("dash"):
            if quotes is None:
                quotes = _QuoteDepth(t)
            if quotes.at(end) > 0 and not (p == "." and _attribution_ends(t, ps, sent_start)):
                continue                              # rule 5
        cut = end
        if p == ".":
            if not _period_ends_sentence(t, ps, sent_start, m, abbreviations, starters, rules.lang):
                continue
        elif "?" in p or "!" in p or "‼" in p or "⁉" in p or "⁈" in p or "⁇" in p:
            pass                                      # rule 2
        else:                                         # rule 3: ellipses
            before = t[ps - 1] if ps else " "
            if quotes is None:
                quotes = _QuoteDepth(t)
            if quotes.at(end) > 0:
                continue                              # «…берут кредиты… Хотя…»: a pause in a quotation
            if before.isspace():
                if " " in p and p.count(".") < 4:
                    continue                          # "is . . . I": a pause
            elif before in "[(":
                continue                              # "[...]": an omission mark
            elif p.count(".") >= 4 and p[1:2] == " ":
                cut = ps + 1                          # "compounds. . . . The": period, then ellipsis
            if ps - sent_start < 8 and _ENUM_HEAD.fullmatch(t, sent_start, ps):
                continue
        cuts.append(cut)
        sent_start = cut
    if any(hint in t for hint in _SMILEY_HINTS):
        for m in _SMILEY.finditer(t):                 # rule 6
            nm = _NEXT.match(t, m.end())
            if nm is not None and nm.group("w").isupper():
                cuts.append(m.end())
    return cuts


def _period_ends_sentence(t: str, ps: int, sent_start: int, nm: re.Match,
                          abbreviations: dict[str, str], starters: frozenset[str],
                          lang: str = "") -> bool:
    """Rule 4: does the single period at t[ps] end a sentence? (The next
    significant character, nm['w'], is already known not to be lower-case.)"""
    lo = ps - 48 if ps - 48 > sent_start else sent_start
    k = t.rfind(" ", lo, ps)
    token = t[k + 1 if k >= 0 else lo:ps]
    if not token.isprintable():                       # other whitespace: NBSP, newline, tab
        token = token.split()[-1] if token.strip() else ""
    if not token:
        return True                                   # a detached period
    ts = ps - len(token)
    stem = token.lstrip(_OPENERS + _BULLET_CHARS)
    if not stem:
        return True
    # A period right after a sentence-initial enumerator belongs to the marker.
    if ps - sent_start <= 8 and _ENUM_HEAD.fullmatch(t, sent_start, ps):
        return False
    w = nm.group("w")
    abbr_start = ps - len(stem)
    cls = abbreviations.get(stem)
    if cls is None and stem[0].isupper() and len(stem) > 1 and ("." in stem or ts <= sent_start + 1):
        cls = abbreviations.get(stem[0].lower() + stem[1:])     # «Т.е.», «Ст. 5» opening a sentence
    last = stem[-1]
    if cls is None and not (last.isalpha() or last.isdigit()):
        return True                                   # "(1979).", "маму?»."
    after_number = after_year = False
    # Spaced abbreviations: «т. д.», «до н. э.», "e. g." -> "т.д", "н.э".
    parts = t[lo:ts].split()[-2:] + [token] if len(stem) <= 3 else ()
    if len(parts) >= 2 and _SHORT_PIECE.fullmatch(parts[-2]):
        key = parts[-2][:-1] + "." + stem
        start = ts - 1 - len(parts[-2])
        if len(parts) >= 3 and _SHORT_PIECE.fullmatch(parts[-3]):
            key3 = parts[-3][:-1] + "." + key
            cls3 = _lookup(abbreviations, key3)
            if cls3 is not None:
                cls, abbr_start = cls3, start - 1 - len(parts[-3])
                key = ""
        if key:
            cls2 = _lookup(abbreviations, key)
            if cls2 is not None:
                cls, abbr_start = cls2, start
    if len(parts) >= 2 and parts[-2].isalpha():      # a word before it: «и пр.», «и др.»
        cls2 = abbreviations.get(parts[-2].lower() + " " + stem)
        if cls2 is not None:
            cls, abbr_start = cls2, ts - 1 - len(parts[-2])
    if cls is None and stem[0].isdigit():
        nu = _NUM_UNIT.fullmatch(stem)
        if nu is not None:
            unit = nu.group("u")
            cls = _lookup(abbreviations, unit)
            if cls is not None:
                after_number = True
                abbr_start = ps - len(unit)
    if cls is None and "." in stem:                  # a missing space: "Tuesday.Mr. Smith"
        piece = stem.rsplit(".", 1)[1]
        if len(piece) > 1 and abbreviations.get(piece) == PREFIX:
            return False
    if cls is None:
        if (len(stem) == 1 and stem.isupper()) or (
                "." in stem and _DOTTED.fullmatch(stem) and not stem.isdigit()):
            cls = ACRONYM                             # initials, U.S.A, к.п.н
        else:
            return True                               # an ordinary word or number
    if cls == PREFIX:
        return False
    if cls == NUMERIC:
        return not w.isdigit()                        # "No. 5" / "School of Art. The"
    if cls == AFTER_NUMBER:
        if not after_number:
            prev = t[max(sent_start, abbr_start - 32):abbr_start].split()
            if prev:
                # a number, or a number and a unit: «2022 г.», «1 млн экз.», «5 тыс. руб.»
                after_number = _NUMBER.fullmatch(prev[-1]) is not None or (
                    len(prev) >= 2 and _NUMBER.fullmatch(prev[-2]) is not None
                    and abbreviations.get(_abbreviation_key(prev[-1])) == AFTER_NUMBER)
                # «в 2023 г.», «в 2010–2012 гг.»: the abbreviation closes a year
                after_year = after_number and _YEAR_END.search(prev[-1]) is not None
        if not after_number:
            return False
        cls = FINAL
    date_abbr = cls == DATE
    if cls == FINAL or cls == DATE:
        if not w.isupper():
            return False
    else:                                             # ACRONYM
        wm = _NEXT_WORD.match(t, nm.start("w"))
        if wm is None:
            return False
        word = wm.group(0)
        if wm.group("dot"):
            word = word[:-1]
            if len(word) == 1:
                return False                          # an initial follows: "к.п.н. И. П. Карташов"
        if word not in starters:
            return False
    # A bare date phrase is not a sentence: "At 5 a.m. Mr. Smith", «В 2010 гг. Виктор».
    if 0 < abbr_start - sent_start < 40 and _DATE_PHRASE.fullmatch(t, sent_start, abbr_start):
        return False
    if cls == DATE and len(t[sent_start:abbr_start].split()) <= 3 and \
            not _has_predicate(t, sent_start, abbr_start, lang):
        return False                                  # «В октябре т.г. Генеральный секретарь …»
    if (date_abbr or after_year) and not nm.group("o") and not nm.group("dash") and \
            _continues_clause(t, sent_start, abbr_start, nm.start("w"), lang):
        return False
    return True


def _attribution_ends(t: str, ps: int, sent_start: int) -> bool:
    """Rule 5, press convention: a full stop at t[ps] ends the author's words that
    interrupt a quotation after a comma («Учения прошли успешно, – отметил
    Генеральный секретарь. – Военнослужащие …»): the quotation goes on with a new
    sentence. After «?» / «!» («К чему ты готовишься? – спросила мама. – Завтра …»)
    the dialogue convention keeps the quotation whole."""
    lo = max(sent_start, ps - 200)
    last = None
    for m in _ATTRIBUTION_DASH.finditer(t, lo, ps):
        last = m
    return last is not None and last.group(1) == ","


# The dash that opens the author's words inside a quotation: «…, – отметил»,
# «…? – спросила»; the author's words start with a lower-case letter.
_ATTRIBUTION_DASH = re.compile(r"([,?!…])[»”\"]?\s*(?:--|[—–-])\s+(?=[a-zа-яё])")


def _line_cuts(t: str, lang: str) -> list[int]:
    """Rule 8: single line breaks inside a paragraph. A line that is a known website
    navigation line (tm/data/boilerplate/<lang>.txt) is a sentence of its own; so is
    a line with no final punctuation («Москва, 15 марта», "Back") followed by a line
    that starts with a capital, when the next line's first word would have fitted on
    it: the line was broken on purpose, not hard-wrapped at the paragraph's width
    (its longest line, at least _WRAP_MIN characters)."""
    from .corpus import is_boilerplate

    lines = []
    pos = 0
    for line in t.split("\n"):
        stripped = line.strip()
        if stripped:
            s = pos + (len(line) - len(line.lstrip()))
            lines.append((s, stripped))
        pos += len(line) + 1
    if len(lines) < 2:
        return []
    width = max(_WRAP_MIN, max(len(x) for _, x in lines))
    cuts = []
    for (_, cur), (start, nxt) in zip(lines, lines[1:]):
        if is_boilerplate(cur, lang) or is_boilerplate(nxt, lang):
            cuts.append(start)
            continue
        end = cur.rstrip(_CLOSERS)
        if not end or not end[-1].isalnum():
            continue                                  # final punctuation, a comma, a dash: other rules
        first = nxt.lstrip(_OPENERS)
        if not first or not first[0].isupper():
            continue
        if len(cur) + 1 + len(nxt.split(None, 1)[0]) <= width:
            cuts.append(start)
    return cuts


_WRAP_MIN = 60
_CLOSERS = ")]}\"'»”’›"


def _paragraph_spans(text: str):
    """(start, end) of the paragraphs of text (blocks between blank lines), untrimmed."""
    pos = 0
    for m in BLANK_LINES.finditer(text):
        yield pos, m.start()
        pos = m.end()
    yield pos, len(text)


def _trimmed_spans(t: str, offset: int, cuts: list[int], out: list[tuple[int, int]]) -> None:
    """Append to out the trimmed, non-empty pieces of paragraph t between cuts
    (offsets shifted by offset). Rule 7: a last piece with no word in it, only
    emoji, symbols, hashtags or handles ("Безумно красиво! 😍😍😍"), stays with
    the sentence before it."""
    first = len(out)
    a = 0
    cuts.append(len(t))
    if len(cuts) > 2:
        cuts = sorted(set(cuts))
    for b in cuts:
        if b <= a:
            continue
        seg = t[a:b]
        stripped = seg.strip()
        if stripped:
            s = a + (len(seg) - len(seg.lstrip()))
            out.append((offset + s, offset + s + len(stripped)))
        a = b
    if len(out) - first >= 2:
        s, e = out[-1]
        if _DECORATION.fullmatch(t, s - offset, e - offset):
            out.pop()
            out[-1] = (out[-1][0], e)


def sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of text, trimmed of whitespace, in order."""
    rules = rules_for(lang)
    spans: list[tuple[int, int]] = []
    if "\n" not in text:                              # one paragraph (the common case)
        if text and not text.isspace():
            _trimmed_spans(text, 0, _paragraph_cuts(text, rules), spans)
        return spans
    for a, b in _paragraph_spans(text):
        t = text[a:b]
        if not t or t.isspace():
            continue
        _trimmed_spans(t, a, _paragraph_cuts(t, rules), spans)
    return spans


def split_sentences(text: str, lang: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text, lang)]


def segment_release(release: Release) -> list[Sentence]:
    """The sentences of a release's content paragraphs, with offsets into release.text."""
    sentences: list[Sentence] = []
    for k, para in enumerate(release.paragraphs):
        for a, b in sentence_spans(para.text, release.lang):
            sentences.append(Sentence(
                index=len(sentences), text=para.text[a:b], start=para.start + a,
                end=para.start + b, paragraph=k, line=para.line + para.text.count("\n", 0, a)))
    return sentences


def format_segments(text: str, lang: str) -> str:
    """The output of `tm segment`: one sentence per line (a newline inside a
    sentence, with the whitespace around it, printed as one space), and an empty
    line after the sentences of each paragraph."""
    out: list[str] = []
    for a, b in _paragraph_spans(text):
        spans = sentence_spans(text[a:b], lang)
        if not spans:
            continue
        for s, e in spans:
            out.append(_NEWLINE_RUN.sub(" ", text[a + s:a + e]) + "\n")
        out.append("\n")
    return "".join(out)
