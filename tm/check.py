"""`tm check`: terminology and number checks on aligned release pairs, and their reports.

Rules, applied to every bead with both sides non-empty:
- deprecated-term: the English uses a deprecated term of a concept;
- missing-term: the Russian names a concept and the English has none of its
  preferred or admitted terms (nor a deprecated one, which is reported as such);
- year-mismatch: an exercise or operation appears on both sides with different years;
- number-mismatch: a number on one side is not on the other (6 500 = 6,500,
  1,5 тыс. = 1,500, «25 июля 2024 года» = 25 July 2024 = 25.07.2024). Number
  words ("three", «трое») never raise a finding; they only let a figure on the
  other side count as present. Years inside glossary names are left to
  year-mismatch.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from tm import __version__
from tm.glossary import YEAR, Glossary, Match
from tm.models import AlignedRelease, Finding, InputError, Sentence
from tm.numbers import extract_numbers

RULES = {
    "deprecated-term": "The English uses a deprecated term of a glossary concept.",
    "missing-term": "The Russian names a glossary concept; the English has none of its preferred or admitted terms.",
    "year-mismatch": "An exercise or operation has a different year in the English than in the Russian.",
    "number-mismatch": "A number in one language is missing from the other.",
    "boundary-slip": "A number missing from one side of a sentence pair is on the other side of the next "
                     "or previous pair: a sentence boundary moved, the number is not mistranslated.",
}
SEVERITY = {rule: "error" for rule in RULES}
SEVERITY["boundary-slip"] = "warning"
FORMATS = ("text", "json", "junit", "sarif")


# ---------------------------------------------------------------- the rules

def _bead_side(sentences: list[Sentence], indices: tuple[int, ...]) -> list[Sentence]:
    return [sentences[i] for i in indices]


def _join(sentences: list[Sentence]) -> str:
    return " ".join(s.text for s in sentences)


def _expected(glossary: Glossary, concept: str, lang: str, year: int | None) -> str | None:
    term = glossary.preferred(concept, lang)
    return term.render(year) if term else None


def check_release(aligned: AlignedRelease, glossary: Glossary) -> list[Finding]:
    """All findings for one aligned release pair, in bead order, in the languages of
    its releases."""
    src_lang, tgt_lang = aligned.src.lang, aligned.tgt.lang
    findings: list[Finding] = []
    numbers: list = []      # per bead: (position in findings, base, English sentences, only_src, only_tgt, figures)
    tgt_file = str(aligned.tgt.path)
    for bead in aligned.beads:
        if not bead.src or not bead.tgt:
            continue
        src_sents = _bead_side(aligned.src_sentences, bead.src)
        tgt_sents = _bead_side(aligned.tgt_sentences, bead.tgt)
        src_text, tgt_text = _join(src_sents), _join(tgt_sents)
        base = dict(release=aligned.release_id, src_index=bead.src[0], tgt_index=bead.tgt[0],
                    src_text=src_text, tgt_text=tgt_text, file=tgt_file)

        src_matches = [m for s in src_sents for m in glossary.find(s.text, src_lang)]
        tgt_matches: list[tuple[Sentence, Match]] = [
            (s, m) for s in tgt_sents for m in glossary.find(s.text, tgt_lang)]

        def finding(rule: str, message: str, line: int, **kw) -> Finding:
            return Finding(rule=rule, severity=SEVERITY[rule], message=message, line=line, **base, **kw)

        # deprecated-term: one finding per concept per bead
        reported: set[str] = set()
        for sent, m in tgt_matches:
            if m.status == "deprecated" and m.concept not in reported:
                reported.add(m.concept)
                expected = _expected(glossary, m.concept, tgt_lang, m.year)
                findings.append(finding(
                    "deprecated-term",
                    f"deprecated term \"{m.form}\" for {m.concept}; use \"{expected}\"",
                    sent.line, concept=m.concept, found=m.form, expected=expected))

        # missing-term and year-mismatch
        src_by_concept: dict[str, list[Match]] = {}
        for m in src_matches:
            if m.status != "deprecated":
                src_by_concept.setdefault(m.concept, []).append(m)
        tgt_by_concept: dict[str, list[tuple[Sentence, Match]]] = {}
        for sent, m in tgt_matches:
            tgt_by_concept.setdefault(m.concept, []).append((sent, m))
        for concept, ms in src_by_concept.items():
            there = tgt_by_concept.get(concept, [])
            if not there and all(m.year is None and YEAR in m.term for m in ms):
                # «учения «Поиск» проводятся ежегодно»: the exercise without a year; its
                # base name without quotes ("the Search exercises") is a correct mention
                there = [(s, m) for s in tgt_sents for m in glossary.find_base_name(s.text, tgt_lang, concept)]
                if any(m.status == "deprecated" for _s, m in there) and concept not in reported:
                    sent, m = next((s, m) for s, m in there if m.status == "deprecated")
                    reported.add(concept)
                    expected = _expected(glossary, concept, tgt_lang, None)
                    findings.append(finding(
                        "deprecated-term", f"deprecated term \"{m.form}\" for {concept}; use \"{expected}\"",
                        sent.line, concept=concept, found=m.form, expected=expected))
            if not there:
                year = next((m.year for m in ms if m.year is not None), None)
                expected = _expected(glossary, concept, tgt_lang, year)
                findings.append(finding(
                    "missing-term",
                    f"\"{ms[0].form}\" ({concept}) is not translated as \"{expected}\"",
                    tgt_sents[0].line, concept=concept, expected=expected))
                continue
            if concept in reported:
                continue
            src_years = sorted({m.year for m in ms if m.year is not None})
            tgt_years = sorted({m.year for _s, m in there if m.year is not None})
            # the English may add a year the Russian leaves out; it may not drop or change one
            if src_years and src_years != tgt_years:
                odd = [(s, m) for s, m in there if m.year not in src_years] or there
                found = ", ".join(dict.fromkeys(m.form for _s, m in odd))
                expected = ", ".join(_expected(glossary, concept, tgt_lang, y) or "" for y in src_years) or None
                findings.append(finding(
                    "year-mismatch",
                    f"\"{found}\" where the Russian says \"{', '.join(dict.fromkeys(m.form for m in ms))}\"",
                    odd[0][0].line, concept=concept, found=found, expected=expected))

        # number-mismatch: one finding per bead, made once every bead is known (below)
        # years inside exercise names are left out (year-mismatch covers them) but
        # still satisfy: «Взаимодействие-2022» vs "the 2022 exercise" is no number error
        src_fig, src_words = _bead_numbers(src_sents, src_lang, glossary)
        tgt_fig, tgt_words = _bead_numbers(tgt_sents, tgt_lang, glossary)
        only_src = [v for v in src_fig if v not in tgt_fig and v not in tgt_words
                    and not _same_time(v, tgt_fig, tgt_words)]
        only_tgt = [v for v in tgt_fig if v not in src_fig and v not in src_words
                    and not _same_time(v, src_fig, src_words)]
        numbers.append((len(findings), base, tgt_sents, only_src, only_tgt, tgt_fig))
    return _number_findings(findings, numbers)


def _number_findings(findings: list[Finding], numbers: list) -> list[Finding]:
    """Insert the number findings of each bead (after its other findings). A number
    missing from one side of a bead that the other side of the next (or previous)
    bead holds, equally unmatched there, is a boundary slip («… поставлено 650» |
    "… 650 units were delivered" cut one sentence later): one boundary-slip warning
    for the two beads instead of two number-mismatch errors."""
    slips: dict[int, list[tuple[str, int]]] = {}        # bead position -> (value, English line)
    for k in range(len(numbers) - 1):
        _, _, tgt_a, src_a, en_a, fig_a = numbers[k]
        _, _, tgt_b, src_b, en_b, fig_b = numbers[k + 1]
        for v in [v for v in src_a if v in en_b]:        # Russian of bead k, English of bead k+1
            src_a.remove(v)
            en_b.remove(v)
            slips.setdefault(k, []).append((v, fig_b[v].line))
        for v in [v for v in en_a if v in src_b]:        # English of bead k, Russian of bead k+1
            en_a.remove(v)
            src_b.remove(v)
            slips.setdefault(k, []).append((v, fig_a[v].line))
    out: list[Finding] = []
    done = 0
    for k, (at, base, tgt_sents, only_src, only_tgt, tgt_fig) in enumerate(numbers):
        out.extend(findings[done:at])
        done = at
        if only_src or only_tgt:
            line = tgt_fig[only_tgt[0]].line if only_tgt else tgt_sents[0].line
            parts = []
            if only_src:
                parts.append("Russian " + ", ".join(_show(v) for v in only_src) + " not in the English")
            if only_tgt:
                parts.append("English " + ", ".join(_show(v) for v in only_tgt) + " not in the Russian")
            out.append(Finding(
                rule="number-mismatch", severity=SEVERITY["number-mismatch"], message="; ".join(parts),
                line=line, found=", ".join(_show(v) for v in only_tgt) or None,
                expected=", ".join(_show(v) for v in only_src) or None, **base))
        if k in slips:
            values = ", ".join(dict.fromkeys(_show(v) for v, _line in slips[k]))
            nxt = numbers[k + 1][1]
            out.append(Finding(
                rule="boundary-slip", severity=SEVERITY["boundary-slip"],
                message=(f"{values} is on the other side of the next sentence pair "
                         f"(Russian {base['src_index']}-{nxt['src_index']}, English "
                         f"{base['tgt_index']}-{nxt['tgt_index']}): a sentence boundary moved, "
                         "the number is not mistranslated"),
                line=slips[k][0][1], found=values, expected=values, **base))
    out.extend(findings[done:])
    return out


def _same_time(value: str, figures, satisfy) -> bool:
    """A time of day and its other readings: 3:30 = 15:30 (a 12-hour clock without
    a.m./p.m.), 11:00 = a bare 11 («в 11 по московскому» / "at 11 Moscow time")."""
    if value.startswith("time:"):
        h, m = value[5:].split(":")
        h = int(h)
        others = [f"time:{(h + 12) % 24}:{m}"]
        if m == "00":
            others += [str(h), str(h % 12 or 12)]
        return any(o in figures or o in satisfy for o in others)
    if value.isdigit() and int(value) <= 24:
        h = int(value)
        return any(f"time:{x}:00" in figures for x in {h % 24, (h + 12) % 24})
    return False


def _bead_numbers(sents: list[Sentence], lang: str, glossary: Glossary) -> tuple[dict[str, Sentence], set[str]]:
    """The figures of one side of a bead (-> the first sentence holding each) and the
    values that only satisfy (number words, years inside exercise names: those are
    left to year-mismatch but «Взаимодействие-2022» vs "the 2022 exercise" is no error)."""
    figures: dict[str, Sentence] = {}
    satisfy: set[str] = set()
    for s in sents:
        named = [m for m in glossary.find(s.text, lang) if m.year is not None]
        fig, words = extract_numbers(s.text, lang, [(m.start, m.end) for m in named])
        for k in fig:
            figures.setdefault(k, s)
        satisfy |= words | {str(m.year) for m in named}
    return figures, satisfy


def _show(value: str) -> str:
    if value.startswith("date:"):
        return value[5:]
    if value.startswith("time:"):
        return value[5:]
    return value


# ---------------------------------------------------------------- reports

def summarize(findings, releases: list[str] | None = None) -> dict:
    """Counts for the report.

    `findings` is a list of findings, or a dict {release id: its findings} (then
    every release checked, clean ones too, is counted); `releases` = ids of every
    release checked."""
    if isinstance(findings, dict):
        releases = list(findings) if releases is None else releases
        findings = [f for fs in findings.values() for f in fs]
    ids = list(releases) if releases is not None else list(dict.fromkeys(f.release for f in findings))
    by_rule = Counter(f.rule for f in findings)
    by_sev = Counter(f.severity for f in findings)
    return {
        "releases": len(ids),
        "release_ids": ids,
        "findings": len(findings),
        "errors": by_sev.get("error", 0),
        "warnings": by_sev.get("warning", 0),
        "by_rule": {rule: by_rule.get(rule, 0) for rule in RULES},
    }


def _full_summary(findings: list[Finding], summary: dict | None) -> dict:
    """The caller's summary completed with the counts it lacks."""
    summary = dict(summary or {})
    ids = summary.get("release_ids")
    if ids is None and isinstance(summary.get("releases"), (list, tuple)):
        ids = list(summary["releases"])
    merged = summarize(findings, ids)
    merged.update({k: v for k, v in summary.items() if k != "releases" or isinstance(v, int)})
    if ids is not None:
        merged["release_ids"] = ids
        merged["releases"] = len(ids)
    return merged


def finding_dict(f: Finding) -> dict:
    return asdict(f)


def _uri(path: str | None) -> str:
    if not path:
        return ""
    p = Path(path)
    try:
        p = p.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        pass
    return p.as_posix()


def _sarif_uri(path: str | None) -> str:
    """A relative reference where the file is under the working folder, else a file: URI."""
    rel = _uri(path)
    return Path(rel).as_uri() if rel and Path(rel).is_absolute() else rel


def format_findings(findings: list[Finding], fmt: str = "text", summary: dict | None = None) -> str:
    """The report in one of FORMATS (text, json, junit, sarif)."""
    summary = _full_summary(findings, summary)
    if fmt == "text":
        return _text(findings, summary)
    if fmt == "json":
        return json.dumps({"findings": [finding_dict(f) for f in findings], "summary": summary},
                          ensure_ascii=False, indent=2) + "\n"
    if fmt == "junit":
        return _junit(findings, summary)
    if fmt == "sarif":
        return _sarif(findings, summary)
    raise ValueError(f"unknown report format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def _text(findings: list[Finding], summary: dict) -> str:
    lines = [f"{_uri(f.file) or f.release}:{f.line or 0}: {f.rule}: {f.message}" for f in findings]
    rules = ", ".join(f"{n} {r}" for r, n in summary["by_rule"].items() if n)
    lines.append(
        f"tm check: {summary['findings']} finding(s) ({summary['errors']} error(s), "
        f"{summary['warnings']} warning(s)) in {summary['releases']} release(s)"
        + (f": {rules}" if rules else ""))
    return "\n".join(lines) + "\n"


def _junit(findings: list[Finding], summary: dict) -> str:
    from lxml import etree

    by_release: dict[str, list[Finding]] = {}
    for rid in summary.get("release_ids", []):
        by_release.setdefault(rid, [])
    for f in findings:
        by_release.setdefault(f.release, []).append(f)
    suites = etree.Element("testsuites", name="tm check", tests=str(len(by_release)),
                           failures=str(sum(1 for fs in by_release.values() if fs)), errors="0")
    suite = etree.SubElement(suites, "testsuite", name="tm check", tests=str(len(by_release)),
                             failures=str(sum(1 for fs in by_release.values() if fs)),
                             errors="0", skipped="0")
    for rid, fs in by_release.items():
        case = etree.SubElement(suite, "testcase", classname="tm.check", name=rid)
        if fs and fs[0].file:
            case.set("file", _uri(fs[0].file))
        for f in fs:
            fail = etree.SubElement(case, "failure", type=f.rule, message=f.message)
            fail.text = (f"{_uri(f.file)}:{f.line}: {f.severity}: {f.message}\n"
                         f"ru: {f.src_text}\nen: {f.tgt_text}\n")
    return etree.tostring(suites, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


def _sarif(findings: list[Finding], summary: dict) -> str:
    rule_ids = list(RULES)
    results = []
    for f in findings:
        result = {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule) if f.rule in rule_ids else -1,
            "level": "error" if f.severity == "error" else "warning",
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _sarif_uri(f.file) or f.release},
                    "region": {"startLine": f.line or 1},
                }
            }],
            "properties": {k: v for k, v in finding_dict(f).items()
                           if k in ("release", "concept", "found", "expected", "src_index",
                                    "tgt_index", "src_text", "tgt_text")},
        }
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tm check",
                "version": __version__,
                "rules": [{
                    "id": rule,
                    "name": rule.replace("-", " ").title().replace(" ", ""),
                    "shortDescription": {"text": text},
                    "defaultConfiguration": {"level": SEVERITY[rule]},
                } for rule, text in RULES.items()],
            }},
            "results": results,
            "properties": {"summary": summary},
        }],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- scoring against a gold list

def read_gold(path: str | Path) -> list[tuple[str, str, str | None, int]]:
    """A gold list of findings: TSV `release rule concept line` (concept `-` = none)."""
    rows = []
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#") or raw.startswith("release\t"):
            continue
        parts = raw.split("\t")
        if len(parts) != 4:
            raise InputError("expected 4 TAB-separated fields: release rule concept line", path, number)
        release, rule, concept, line = parts
        rows.append((release, rule, None if concept == "-" else concept, int(line)))
    return rows


def score_findings(findings: list[Finding], gold: list[tuple[str, str, str | None, int]]) -> dict:
    """Per-rule precision/recall: a finding is right when release, rule, concept and
    English line equal a gold row (each gold row matches at most once)."""
    out = {}
    for rule in RULES:
        want = Counter(g for g in gold if g[1] == rule)
        got = Counter((f.release, f.rule, f.concept, f.line) for f in findings if f.rule == rule)
        tp = sum((want & got).values())
        n_got, n_want = sum(got.values()), sum(want.values())
        out[rule] = {
            "tp": tp, "found": n_got, "gold": n_want,
            "precision": tp / n_got if n_got else 1.0,
            "recall": tp / n_want if n_want else 1.0,
            "false_positives": sorted((got - want).elements()),
            "missed": sorted((want - got).elements(), key=str),
        }
    return out
