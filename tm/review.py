"""The review step: `corrections.tsv` (a reviewer's accept/reject decisions per bead) and
the static review report of `tm align --review` (OUT/review/).

corrections.tsv lives in the corpus folder, beside ru/ and en/: UTF-8, TAB-separated,
the header `release src tgt verdict src_text tgt_text`; `src`/`tgt` are the sentence
indices as the TMX props x-src-index / x-tgt-index write them ("3", "3-4"), `verdict`
is accept or reject, the texts are the bead's two sides with whitespace folded (they
tell a stale line: the release was edited since). `read_corrections` reads and checks
it (a malformed line is an InputError naming file and line); the pipeline applies the
decisions pair by pair (tm/pipeline/pair.py).

The report: one page per release pair, rendered where the pair is processed
(`render_release`, Jinja2 with autoescaping, templates in tm/data/review/), so that
pages are written as results stream; `index_pages` renders the overview at the end
(tm/pipeline/run.py writes it) from a few numbers per release (`ReleaseStats`). Pages
are self-contained (inline CSS and script) apart from `corrections.js`, the decisions
the report was built with, which every page of the folder shares. No external URL,
font or script.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from .models import RELEASE_ID, InputError
from .text import fold_spaces

CORRECTIONS = "corrections.tsv"
HEADER = ("release", "src", "tgt", "verdict", "src_text", "tgt_text")
VERDICTS = ("accept", "reject")
REVIEW_DIR = "review"
CORRECTIONS_JS = "corrections.js"
INDEX_ROWS = 1000           # releases per overview page
_INDICES = re.compile(r"\d+(?:-\d+)*")

# confidence classes of a bead (colour and filter), from the top
CONFIDENCE_CLASSES = ((0.9, "hi"), (0.7, "mid"), (0.5, "low"), (0.0, "bad"))
HISTOGRAM_BINS = 10


def fold(text: str) -> str:
    """Whitespace folded: what corrections.tsv holds of a bead's side."""
    return fold_spaces(text)


def index_label(indices: Sequence[int]) -> str:
    """Sentence indices as the TMX props x-src-index / x-tgt-index write them."""
    return "-".join(str(i) for i in indices)


# --- corrections.tsv ---------------------------------------------------------------------

@dataclass(frozen=True)
class Correction:
    release: str
    src: str              # "3" or "3-4"
    tgt: str
    verdict: str          # accept | reject
    src_text: str         # folded
    tgt_text: str
    line: int             # 1-based line in the file

    @property
    def decision(self) -> tuple[str, str, str, str, str]:
        """What a pair's result depends on (no line number: moving a line changes nothing)."""
        return (self.src, self.tgt, self.verdict, self.src_text, self.tgt_text)


@dataclass
class Corrections:
    path: Path
    lines: list[Correction] = field(default_factory=list)

    def for_release(self, release_id: str) -> tuple[tuple[str, str, str, str, str], ...]:
        return tuple(sorted(c.decision for c in self.by_release.get(release_id, ())))

    @property
    def by_release(self) -> dict[str, list[Correction]]:
        out: dict[str, list[Correction]] = {}
        for c in self.lines:
            out.setdefault(c.release, []).append(c)
        return out

    def line_of(self, release: str, src: str, tgt: str) -> int:
        for c in self.lines:
            if (c.release, c.src, c.tgt) == (release, src, tgt):
                return c.line
        return 0

    def fingerprint(self) -> str:
        h = hashlib.blake2b(digest_size=8)
        for c in self.lines:
            h.update("\t".join((c.release,) + c.decision).encode("utf-8") + b"\n")
        return h.hexdigest()


def _indices_ok(label: str) -> bool:
    if not _INDICES.fullmatch(label):
        return False
    numbers = [int(x) for x in label.split("-")]
    return all(b == a + 1 for a, b in zip(numbers, numbers[1:]))


def read_corrections(corpus_dir: Path) -> Corrections | None:
    """The corpus's corrections.tsv, checked; None when there is none.
    A malformed line: InputError naming the file and the line."""
    path = Path(corpus_dir) / CORRECTIONS
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    corrections = Corrections(path)
    seen: dict[tuple[str, str, str], int] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 (byte {exc.start + 1} of the line)", path, number) from None
        if number == 1:
            if tuple(line.split("\t")) != HEADER:
                raise InputError("the first line must be the header " + "\\t".join(HEADER), path, 1)
            continue
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(HEADER):
            raise InputError(f"{len(fields)} TAB-separated fields, expected {len(HEADER)} "
                             f"({' '.join(HEADER)})", path, number)
        release, src, tgt, verdict, src_text, tgt_text = fields
        if not RELEASE_ID.fullmatch(release):
            raise InputError(f"not a release id: {release!r}", path, number)
        for name, label in (("src", src), ("tgt", tgt)):
            if not _indices_ok(label):
                raise InputError(f"{name} must be sentence indices like 3 or 3-4, not {label!r}", path, number)
        if verdict not in VERDICTS:
            raise InputError(f"verdict must be accept or reject, not {verdict!r}", path, number)
        if not src_text.strip() or not tgt_text.strip():
            raise InputError("src_text and tgt_text must not be empty", path, number)
        key = (release, src, tgt)
        if key in seen:
            raise InputError(f"bead {release} {src}/{tgt} is already decided on line {seen[key]}",
                             path, number)
        seen[key] = number
        corrections.lines.append(Correction(release, src, tgt, verdict, fold(src_text), fold(tgt_text), number))
    return corrections


def stale_warning(corrections: Corrections, stale: list[int]) -> str:
    """One warning line for the stale lines (their numbers)."""
    stale = sorted(set(stale))
    shown = ", ".join(str(n) for n in stale[:20]) + (", ..." if len(stale) > 20 else "")
    return (f"{corrections.path}: {len(stale)} stale line{'s' if len(stale) != 1 else ''} ignored "
            f"(the bead is no longer there or its texts changed): line{'s' if len(stale) != 1 else ''} {shown}")


# --- the report --------------------------------------------------------------------------

@dataclass
class ReleaseStats:
    """What the overview needs of one release (small: kept for every release of the run)."""

    release_id: str
    page: str                                  # file name of its page
    beads: int = 0
    kinds: dict = field(default_factory=dict)  # bead kind -> count
    weakest: float | None = None               # the lowest bead confidence
    fuzzy: int = 0                             # beads under the fuzzy threshold
    histogram: tuple = ()                      # beads per confidence bin
    findings: dict = field(default_factory=dict)   # rule -> count
    accepted: int = 0
    rejected: int = 0
    wrong_pairing: bool = False
    confidence: float | None = None


def page_name(release_id: str) -> str:
    """`<release>.html`; a release called `index` gets `index~.html` (`~` is never in an id)."""
    return f"{release_id}{'~' if release_id == 'index' else ''}.html"


def index_page_name(number: int) -> str:
    return "index.html" if number == 1 else f"index~{number}.html"


def confidence_class(score: float) -> str:
    for floor, name in CONFIDENCE_CLASSES:
        if score >= floor:
            return name
    return CONFIDENCE_CLASSES[-1][1]


def histogram(scores: Iterable[float]) -> tuple[int, ...]:
    bins = [0] * HISTOGRAM_BINS
    for s in scores:
        bins[min(HISTOGRAM_BINS - 1, max(0, int(s * HISTOGRAM_BINS)))] += 1
    return tuple(bins)


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from .data import data_path

    env = Environment(loader=FileSystemLoader(str(data_path("review"))), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
                      keep_trailing_newline=True)
    env.filters["score"] = lambda s: f"{s:.3f}"
    env.globals["confidence_class"] = confidence_class
    return env


def _pieces(text: str, marks: list[tuple[int, int, str, str]]) -> list[tuple[str, str | None, str]]:
    """The text cut at the glossary matches: (text, title or None, css class)."""
    out, pos = [], 0
    for start, end, title, cls in sorted(marks):
        if start < pos or end <= start:
            continue
        if start > pos:
            out.append((text[pos:start], None, ""))
        out.append((text[start:end], title, cls))
        pos = end
    if pos < len(text):
        out.append((text[pos:], None, ""))
    return out


def _marks(glossary, text: str, lang: str, other_lang: str) -> list[tuple[int, int, str, str]]:
    if glossary is None:
        return []
    marks = []
    for m in glossary.find(text, lang):
        expected = glossary.preferred(m.concept, other_lang)
        own = glossary.preferred(m.concept, lang)
        if m.status == "deprecated":
            title = f"deprecated term of {m.concept}; expected: {own.render(m.year) if own else '?'}"
            cls = "term deprecated"
        else:
            title = f"{m.concept}; expected in {other_lang}: {expected.render(m.year) if expected else '-'}"
            cls = "term"
        marks.append((m.start, m.end, title, cls))
    return marks


def _boilerplate(release) -> list[tuple[int, str]]:
    out = []
    for p in release.boilerplate:
        offset = p.start
        for ln in p.text.split("\n"):
            if ln.strip():
                out.append((offset, ln.strip()))
            offset += len(ln) + 1
    return out


def render_release(aligned, findings, units, *, decisions: dict, glossary, fuzzy_below: float,
                   wrong_pairing: bool, report) -> tuple[bytes, ReleaseStats]:
    """A release's page (bytes) and its numbers for the overview.

    `units`: the two-sided beads' TranslationUnits (TMX texts), `decisions`:
    (src label, tgt label) -> verdict for the decisions that apply."""
    src_lang, tgt_lang = aligned.src.lang, aligned.tgt.lang
    by_bead: dict[int, list] = {}
    for f in findings:
        if f.src_index is not None:
            by_bead.setdefault(f.src_index, []).append(f)
    texts = {}
    from .export import clean_segment
    for u in units:
        texts[(index_label(u.src_indices), index_label(u.tgt_indices))] = (
            fold(clean_segment(u.source)[0]), fold(clean_segment(u.target)[0]))

    src_boiler, tgt_boiler = _boilerplate(aligned.src), _boilerplate(aligned.tgt)
    rows = []

    def boiler_until(src_offset: float, tgt_offset: float) -> None:
        while src_boiler and src_boiler[0][0] < src_offset:
            rows.append({"type": "boilerplate", "side": "src", "text": src_boiler.pop(0)[1]})
        while tgt_boiler and tgt_boiler[0][0] < tgt_offset:
            rows.append({"type": "boilerplate", "side": "tgt", "text": tgt_boiler.pop(0)[1]})

    src_at = tgt_at = -1
    for number, bead in enumerate(aligned.beads, start=1):
        src = [aligned.src_sentences[i] for i in bead.src]
        tgt = [aligned.tgt_sentences[i] for i in bead.tgt]
        src_at = src[0].start if src else src_at
        tgt_at = tgt[0].start if tgt else tgt_at
        boiler_until(src_at, tgt_at)
        key = (index_label(bead.src), index_label(bead.tgt))
        verdict = decisions.get(key)
        two_sided = bool(bead.src and bead.tgt)
        score = 1.0 if verdict == "accept" else bead.score
        rows.append({
            "type": "bead", "number": number, "kind": bead.kind, "src": key[0], "tgt": key[1],
            "score": score, "aligner_score": bead.score, "cls": confidence_class(score),
            "fuzzy": score < fuzzy_below, "verdict": verdict, "two_sided": two_sided,
            "texts": texts.get(key) if two_sided else None,
            "src_sentences": [_pieces(s.text, _marks(glossary, s.text, src_lang, tgt_lang)) for s in src],
            "tgt_sentences": [_pieces(s.text, _marks(glossary, s.text, tgt_lang, src_lang)) for s in tgt],
            "findings": by_bead.get(bead.src[0], []) if bead.src else [],
        })
    boiler_until(float("inf"), float("inf"))

    scores = [r["score"] for r in rows if r["type"] == "bead"]
    stats = ReleaseStats(
        aligned.release_id, page_name(aligned.release_id), beads=len(scores),
        kinds=dict(sorted(Counter(b.kind for b in aligned.beads).items())),
        weakest=min(scores) if scores else None,
        fuzzy=sum(1 for s in scores if s < fuzzy_below), histogram=histogram(scores),
        findings=dict(sorted(Counter(f.rule for f in findings).items())),
        accepted=sum(1 for v in decisions.values() if v == "accept"),
        rejected=sum(1 for v in decisions.values() if v == "reject"),
        wrong_pairing=wrong_pairing, confidence=aligned.confidence)
    html = _environment().get_template("release.html.j2").render(
        release=aligned.release_id, src_lang=src_lang, tgt_lang=tgt_lang, rows=rows, stats=stats,
        report=report, fuzzy_below=fuzzy_below, src_file=aligned.src.path.name,
        tgt_file=aligned.tgt.path.name, corrections_js=CORRECTIONS_JS)
    return html.encode("utf-8"), stats


def corrections_js(corrections: Corrections | None, corpus_name: str) -> bytes:
    """The decisions the report was built with, for the pages' download button."""
    lines = [[c.release, *c.decision] for c in corrections.lines] if corrections else []
    data = {"build": (corrections.fingerprint() if corrections else "none"), "corpus": corpus_name,
            "header": list(HEADER), "lines": lines}
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"window.TM_REVIEW = {text};\n".encode("ascii")


def index_pages(stats: list[ReleaseStats], *, summary, unpaired: list[str], skip_reasons: Sequence[str],
                fuzzy_below: float) -> Iterable[tuple[str, bytes]]:
    """The overview pages: (file name, bytes); releases sorted by their weakest bead
    (a wrong pairing first), INDEX_ROWS per page."""
    ordered = sorted(stats, key=lambda s: (not s.wrong_pairing,
                                           s.weakest if s.weakest is not None else 2.0, s.release_id))
    bins = [0] * HISTOGRAM_BINS
    kinds: Counter = Counter()
    rules: Counter = Counter()
    for s in stats:
        for i, n in enumerate(s.histogram):
            bins[i] += n
        kinds.update(s.kinds)
        rules.update(s.findings)
    src, tgt = summary.side_total("src"), summary.side_total("tgt")
    skipped = [(r, src.skipped[r], tgt.skipped[r]) for r in skip_reasons if src.skipped[r] or tgt.skipped[r]]
    top = max(bins) if any(bins) else 1
    chart = [{"label": f"{i / HISTOGRAM_BINS:.1f}–{(i + 1) / HISTOGRAM_BINS:.1f}", "count": n,
              "height": round(100 * n / top, 1), "cls": confidence_class(i / HISTOGRAM_BINS)}
             for i, n in enumerate(bins)]
    pages = max(1, -(-len(ordered) // INDEX_ROWS))
    env = _environment()
    for number in range(1, pages + 1):
        rows = ordered[(number - 1) * INDEX_ROWS: number * INDEX_ROWS]
        html = env.get_template("index.html.j2").render(
            corpus=summary.corpus.name, src_lang=summary.src_lang, tgt_lang=summary.tgt_lang,
            pairs=len(stats), unpaired=unpaired, src=src, tgt=tgt, kinds=sorted(kinds.items(),
            key=lambda kv: (-kv[1], kv[0])), units_written=summary.units_written, skipped=skipped,
            rules=sorted(rules.items()), chart=chart, rows=rows, first=(number - 1) * INDEX_ROWS,
            page=number, pages=[(i, index_page_name(i)) for i in range(1, pages + 1)],
            accepted=sum(s.accepted for s in stats), rejected=sum(s.rejected for s in stats),
            fuzzy_below=fuzzy_below, beads=sum(bins), corrections_js=CORRECTIONS_JS)
        yield index_page_name(number), html.encode("utf-8")
