"""One release pair: segment, align, check and prepare its exports, a pure
function of the pair, the glossary and the run's Config (`process_pair`), so any
executor can map it."""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import align as align_stage
from .. import check as check_stage
from .. import export as export_stage
from .. import review as review_stage
from ..config import Config
from ..corpus import Corpus, no_counterpart_warning, parse_release_bytes
from ..glossary import Glossary
from ..models import AlignedRelease, Finding, InputError, Release
from ..segment import segment_release
from .summary import PairReport, SideCount


def align_release(src: Release, tgt: Release, glossary: Glossary | None = None,
                  mode: str = "default", *, encode: align_stage.Encoder | None = None,
                  config: Config | None = None) -> AlignedRelease:
    """Segment both sides of a pair and align them (mode: a key of tm.align.MODES; a
    `config` gives the mode and its resolved options instead). encode: the sentence
    encoder (None: tm.align's default)."""
    options = config.align_options if config is not None else align_stage.MODES[mode]
    src_sents, tgt_sents = segment_release(src), segment_release(tgt)
    src_texts = [s.text for s in src_sents]
    tgt_texts = [s.text for s in tgt_sents]
    anchors = glossary.concept_keys if glossary is not None else None
    beads, evidence = align_stage.align_with_evidence(
        src_texts, tgt_texts, src.lang, tgt.lang, anchors=anchors, encode=encode,
        src_paragraphs=[s.paragraph for s in src_sents], tgt_paragraphs=[s.paragraph for s in tgt_sents], **options)
    # the aligner's own vectors when it has them (not for its sure beads), else a
    # sample of its most confident beads
    aligner_encoded = options.get("use_embeddings", True)
    confidence = align_stage.document_confidence(
        src_texts, tgt_texts, beads, src.lang, tgt.lang,
        sample=None if aligner_encoded else align_stage.DOCUMENT_SAMPLE,
        unencoded=[k for k, e in enumerate(evidence) if e == "sure"] if aligner_encoded else None, encode=encode)
    return AlignedRelease(src.release_id, src, tgt, src_sents, tgt_sents, beads, confidence)


def align_corpus(corpus: Corpus, glossary: Glossary | None = None, mode: str = "default", *,
                 encode: align_stage.Encoder | None = None, config: Config | None = None) -> list[AlignedRelease]:
    return [align_release(src, tgt, glossary, mode, encode=encode, config=config) for src, tgt in corpus.pairs]


def is_wrong_pairing(aligned: AlignedRelease) -> bool:
    return aligned.confidence < align_stage.WRONG_PAIRING_THRESHOLD


def wrong_pairing_warning(aligned: AlignedRelease) -> str:
    return (f"{aligned.tgt.path}: does not look like a translation of {aligned.src.path} "
            f"(document confidence {aligned.confidence:.2f}); pair left out")


def check_corpus(aligned: list[AlignedRelease], glossary: Glossary) -> dict[str, list[Finding]]:
    """Findings per release; a wrong pairing is not checked (its beads mean nothing)."""
    return {a.release_id: check_stage.check_release(a, glossary)
            for a in aligned if not is_wrong_pairing(a)}


def _boilerplate_lines(release: Release) -> int:
    return sum(1 for p in release.boilerplate for ln in p.text.split("\n") if ln.strip())



@dataclass
class PairJob:
    """One release id of the corpus: a pair, or a release with no counterpart (one path None).
    The bytes travel with the job, so a worker needs no access to the corpus folder."""

    release_id: str
    root: Path                 # the corpus folder (source file names are relative to it)
    src_path: Path | None
    tgt_path: Path | None
    src_data: bytes | None = None
    tgt_data: bytes | None = None
    # the reviewer's decisions on this pair (corrections.tsv): (src, tgt, verdict, src_text,
    # tgt_text) tuples, sorted; part of the result key
    corrections: tuple = ()
    review: bool = False       # render the pair's review page (not part of the result key)


@dataclass
class TmxUnit:
    """A translation unit as the TMX writer and the accounting need it."""

    key: int                   # hash of the cleaned source/target pair (duplicates)
    skip: str | None           # empty | below-threshold | None (before length limits and duplicates)
    length: int                # the longer cleaned side, in characters (profile length limits)
    illegal: int               # characters XML cannot hold, removed
    n_src: int                 # source sentences in the unit
    n_tgt: int
    date: str | None           # the release's date
    xml: bytes = b""           # the <tu> as the TMX holds it (tm.export.tmx_unit_xml); b"" if not written


@dataclass
class PairResult:
    """What process_pair hands back for one release id: plain data, picklable."""

    release_id: str
    report: PairReport                     # accounting before the TMX writer's decisions
    paired: bool = True                    # False: a release with no counterpart
    warnings: list[str] = field(default_factory=list)        # reading warnings, in corpus order
    late_warnings: list[str] = field(default_factory=list)   # wrong pairing (printed after the others)
    units: list[TmxUnit] = field(default_factory=list)
    po: bytes | None = None                # the PO file; None: no PO file for this pair
    findings: int = 0
    error: str | None = None               # an input error: the run stops with it
    cache_warnings: list[str] = field(default_factory=list)  # a vector store rebuilt (never stored)
    stale: list[tuple[str, str]] = field(default_factory=list)  # corrections (src, tgt) that no longer apply
    page: bytes | None = None              # the review page (tm align --review), if rendered
    review: review_stage.ReleaseStats | None = None   # the review overview's numbers of the pair


def _unpaired_report(release: Release, side: str) -> PairReport:
    report = PairReport(release.release_id, SideCount(), SideCount())
    count = getattr(report, side)
    n = len(segment_release(release))
    count.sentences = n + _boilerplate_lines(release)
    count.skipped["boilerplate"] = _boilerplate_lines(release)
    count.skipped["no-counterpart"] = n
    return report


def process_pair(job: PairJob, glossary: Glossary | None, config: Config) -> PairResult:
    """Segment, align, check and prepare the exports of one release pair (or account for a
    release without counterpart). Pure: the same job, glossary and config give the same
    result, wherever it runs. Input errors come back in `error`, not raised."""
    try:
        result = _process_pair(job, glossary, config)
    except InputError as exc:
        result = PairResult(job.release_id, PairReport(job.release_id, SideCount(), SideCount()),
                            error=str(exc))
    encoder = _encoders.get(_encoder_key(config))
    warning = encoder.embedder.store_warning if encoder is not None else None
    if warning:
        result.cache_warnings.append(warning)
    return result


# This process's encoder, made from the config of its jobs: owned here, so that a
# worker process builds its own once and a forked one inherits what preload() loaded.
# One at a time: a job with another cache setting replaces it (its vector store
# closed, its in-process vectors dropped), the model kept.
_encoders: dict[tuple, align_stage.Usem3] = {}
_encoders_lock = threading.Lock()


def _encoder_key(config: Config) -> tuple:
    return (config.cache_dir, config.vector_store_max_bytes, config.workers)


def encoder_for(config: Config) -> align_stage.Usem3:
    """The usem3 encoder of this process for `config` (made once)."""
    key = _encoder_key(config)
    encoder = _encoders.get(key)
    if encoder is None:
        with _encoders_lock:         # a Dask worker runs jobs in threads
            encoder = _encoders.get(key)
            if encoder is None:
                model = None
                for old in _encoders.values():
                    if old.embedder.loaded:
                        model = old.embedder.model
                    old.embedder.close()
                _encoders.clear()
                encoder = _encoders[key] = align_stage.Usem3(config.embedder(model=model), config.workers)
    return encoder


def flush_vectors() -> None:
    """Write this process's new vectors to the vector store now (they are written in
    batches; a worker process writes its last batch when it ends)."""
    for encoder in _encoders.values():
        encoder.embedder.cache.flush()


def _process_pair(job: PairJob, glossary: Glossary | None, options: Config) -> PairResult:
    src = parse_release_bytes(job.src_data, job.src_path, options.src_lang) if job.src_path else None
    tgt = parse_release_bytes(job.tgt_data, job.tgt_path, options.tgt_lang) if job.tgt_path else None
    warnings = (src.warnings if src else []) + (tgt.warnings if tgt else [])
    if src is None or tgt is None:
        release, side, other = (src, "src", options.tgt_lang) if src else (tgt, "tgt", options.src_lang)
        warnings.append(no_counterpart_warning(release.path, other))
        return PairResult(job.release_id, _unpaired_report(release, side), paired=False, warnings=warnings)

    # the encoder serves --mode no-embeddings too (document confidence samples a few beads)
    aligned = align_release(src, tgt, glossary, encode=encoder_for(options), config=options)
    report = PairReport(aligned.release_id, SideCount(), SideCount(),
                        beads=Counter(b.kind for b in aligned.beads), confidence=aligned.confidence)
    result = PairResult(job.release_id, report, warnings=warnings)
    for side, release, sents in (("src", src, aligned.src_sentences), ("tgt", tgt, aligned.tgt_sentences)):
        count = getattr(report, side)
        count.sentences = len(sents) + _boilerplate_lines(release)
        count.skipped["boilerplate"] = _boilerplate_lines(release)
    if not aligned.src_sentences or not aligned.tgt_sentences:
        # An empty release (already warned about): the other side has no counterpart text.
        report.src.skipped["no-counterpart"] += len(aligned.src_sentences)
        report.tgt.skipped["no-counterpart"] += len(aligned.tgt_sentences)
        result.stale = sorted((c[0], c[1]) for c in job.corrections)
        if job.review:
            result.page, result.review = review_stage.render_release(
                aligned, [], [], decisions={}, glossary=glossary, fuzzy_below=options.fuzzy_below,
                wrong_pairing=False, report=report)
        return result
    src_file = src.path.relative_to(job.root).as_posix() if src.path.is_relative_to(job.root) else src.path.name
    if is_wrong_pairing(aligned):
        result.late_warnings.append(wrong_pairing_warning(aligned) + " of the exports")
        report.src.skipped["wrong-pairing"] += len(aligned.src_sentences)
        report.tgt.skipped["wrong-pairing"] += len(aligned.tgt_sentences)
        if job.review:      # shown, with its beads, so that the reviewer sees why
            result.page, result.review = review_stage.render_release(
                aligned, [], [], decisions={}, glossary=glossary, fuzzy_below=options.fuzzy_below,
                wrong_pairing=True, report=report)
        return result
    findings = check_stage.check_release(aligned, glossary) if glossary is not None else []
    report.findings = result.findings = len(findings)
    units = export_stage.units_for(aligned, findings, src_file=src_file)
    verdicts = _apply_corrections(units, job.corrections, result)
    for bead in aligned.beads:
        if not bead.src or not bead.tgt:
            report.src.skipped["unaligned"] += len(bead.src)
            report.tgt.skipped["unaligned"] += len(bead.tgt)
    profile = options.export_profile()
    src_code, tgt_code = export_stage.tmx_lang_codes(profile, options.src_lang, options.tgt_lang)
    if job.review:
        result.page, result.review = review_stage.render_release(
            aligned, findings, units, decisions=verdicts, glossary=glossary,
            fuzzy_below=options.fuzzy_below, wrong_pairing=False, report=report)
    po_units, accepted = [], set()
    for unit in units:
        verdict = verdicts.get(_bead_key(unit))
        if verdict == "accept":        # exported whatever its score, never fuzzy
            unit = replace(unit, score=1.0)
            accepted.add(export_stage.tuid(unit))
            report.accepted += 1
        elif verdict == "reject":
            report.rejected += 1
        source, r1 = export_stage.clean_segment(unit.source)
        target, r2 = export_stage.clean_segment(unit.target)
        skip = (export_stage.SKIP_EMPTY if not source or not target
                else export_stage.SKIP_REJECTED if verdict == "reject"
                else export_stage.SKIP_BELOW_THRESHOLD if unit.score < options.min_score else None)
        length = max(len(source), len(target))
        xml = b""
        if skip is None and not (profile.max_chars and length > profile.max_chars):
            xml = export_stage.tmx_unit_xml(unit, source, target, src_code=src_code, tgt_code=tgt_code,
                                            reviewed=verdict)
        result.units.append(TmxUnit(export_stage.pair_key(source, target), skip, length, r1 + r2,
                                    len(unit.src_indices), len(unit.tgt_indices), unit.date, xml))
        if verdict != "reject":
            po_units.append(unit)
    result.po, _ = export_stage.po_bytes(po_units, src_lang=options.src_lang, tgt_lang=options.tgt_lang,
                                         fuzzy_below=options.fuzzy_below, default_project=job.release_id,
                                         reviewed=frozenset(accepted),
                                         source_date_epoch=options.source_date_epoch)
    return result


def _bead_key(unit) -> tuple[str, str]:
    return review_stage.index_label(unit.src_indices), review_stage.index_label(unit.tgt_indices)


def _apply_corrections(units, corrections: tuple, result: PairResult) -> dict[tuple[str, str], str]:
    """The verdicts of the pair's corrections that still apply: (src, tgt) -> accept | reject.
    A correction whose bead is gone or whose texts no longer match goes to result.stale."""
    if not corrections:
        return {}
    by_key = {(c[0], c[1]): c for c in corrections}
    verdicts = {}
    for unit in units:
        key = _bead_key(unit)
        c = by_key.get(key)
        if c is None:
            continue
        texts = (review_stage.fold(export_stage.clean_segment(unit.source)[0]),
                 review_stage.fold(export_stage.clean_segment(unit.target)[0]))
        if texts == (c[3], c[4]):
            verdicts[key] = c[2]
    result.stale = sorted(key for key in by_key if key not in verdicts)
    return verdicts


def preload(config: Config, glossary: Glossary | None) -> None:
    """Load what every pair needs (the encoder's weights, the segmentation rules,
    the morphological dictionary) once, before worker processes are forked, so
    that each worker does not load its own copy."""
    from ..segment import rules_for

    rules_for(config.src_lang)
    rules_for(config.tgt_lang)
    if glossary is not None:
        from ..glossary import _morph
        _morph()
    if config.uses_embeddings and align_stage.embeddings_for(config.src_lang, config.tgt_lang):
        encoder_for(config).embedder.load()
