"""The main job: run_align maps process_pair over a corpus (executors.py), reuses
stored results (results.py) and streams the results in corpus order into the
exports (stream.py), all or nothing."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .. import export as export_stage
from .. import review as review_stage
from ..config import Config
from ..corpus import list_corpus, read_release_bytes
from ..executors import OrderedMap, fewer_collections, make_executor, usable_cores
from ..export import SKIP_REASONS
from ..fileio import all_or_nothing, write_public
from ..glossary import Glossary
from ..models import InputError
from ..store import Store
from .pair import PairJob, PairResult, flush_vectors, preload, process_pair
from .results import RESULT_FORMAT, RESULT_STORE, _pack, _unpack, glossary_fingerprint, result_key
from .stream import TmxStream, holds, prepare_out_dir
from .summary import PairReport, SideCount, Summary

# OmegaT project segmentation rules, written beside the TMX (tm/export/omegat.py).
OMEGAT_SEGMENTATION = "omegat/segmentation.conf"


@dataclass
class RunOptions:
    """How run_align runs (not what it computes): where the per-pair work goes, the result
    store, progress."""

    executor: str = "local"            # local | dask
    jobs: int | None = 1               # local: worker processes (1: this process; None: usable cores)
    scheduler: str | None = None       # dask: tcp://HOST:PORT
    cache: bool = True                 # the result store in tm.store.cache_dir()
    progress: Callable[[PairReport], None] | None = None   # called once per release id, in order
    total: Callable[[int], None] | None = None             # called once with the number of release ids


# Pairs read ahead to look their results up in one store query (their bytes are held meanwhile).
LOOKUP_CHUNK = 64


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _jobs(listing, corrections: review_stage.Corrections | None = None,
          review: bool = False) -> Iterator[PairJob | PairResult]:
    """A job per release id, with its bytes; a read error becomes an error result (in order)."""
    for release_id, src_path, tgt_path in listing.entries:
        job = PairJob(release_id, listing.root, src_path, tgt_path, review=review,
                      corrections=corrections.for_release(release_id) if corrections else ())
        try:
            job.src_data = read_release_bytes(src_path) if src_path is not None else None
            job.tgt_data = read_release_bytes(tgt_path) if tgt_path is not None else None
        except InputError as exc:
            yield PairResult(release_id, PairReport(release_id, SideCount(), SideCount()), error=str(exc))
            continue
        yield job


def run_align(corpus_dir: Path, out_dir: Path, *, glossary: Glossary | None, config: Config | None = None,
              keep_duplicates: bool = False, strict: bool = False, run: RunOptions | None = None,
              review: bool = False, **fields) -> Summary:
    """The main job: read, segment, align, check and export a corpus into out_dir.

    The pairs are processed by `process_pair` (in this process, in worker processes or on
    a Dask cluster: `run`), their results streamed in corpus order into the exports: the
    TMX body and each PO file are written as their pair arrives, everything is renamed
    into place at the end, all or nothing. A pair whose files, glossary, config and code
    are unchanged since a run with the result store gets its stored result back.

    `config`: what to compute and the cache folder (tm/config.py; the CLI makes it);
    without one, `Config(**fields)` (src_lang, tgt_lang, mode, min_score, profile, ...;
    no cache folder). `strict`: any warning is an InputError (the first one); nothing is
    exported. `review`: also write out_dir/review/ (tm/review.py), a page per pair as it
    arrives. The corpus's corrections.tsv, when there is one, decides the beads it names.
    `run.cache` False: no store is read or written, the vector store neither."""
    if config is None:
        if fields.get("min_score", 0) is None:
            del fields["min_score"]
        config = Config(**fields)
    elif fields:
        raise TypeError(f"run_align(): give either config or {', '.join(fields)}")
    run = run or RunOptions()
    if not run.cache:
        config = config.replace(cache_dir=None)
    src_lang, tgt_lang = config.src_lang, config.tgt_lang
    listing = list_corpus(corpus_dir, src_lang, tgt_lang)
    corrections = review_stage.read_corrections(listing.root)
    if strict and listing.warnings:
        raise InputError(f"{listing.warnings[0]} (--strict: nothing exported)")
    config.export_profile()           # an unknown profile: before any work
    summary = Summary(listing.root, src_lang, tgt_lang, warnings=list(listing.warnings))
    if run.total is not None:
        run.total(len(listing.entries))

    folder = config.cache_dir
    workers = usable_cores() if run.jobs is None else run.jobs
    workers = min(workers, max(1, len(listing.entries)))     # no idle worker processes
    # a worker process or a Dask worker encodes in one process (it is one of several)
    pooled = run.executor == "dask" or workers > 1
    worker_config = config.replace(workers=1) if pooled else config

    def factory():
        if run.executor == "local" and workers > 1:
            preload(worker_config, glossary)     # forked workers inherit the loaded model and tables
        return make_executor(run.executor, process_pair, glossary, worker_config, jobs=workers,
                             scheduler=run.scheduler, connect_timeout=config.dask_timeout)
    executor = factory() if run.executor == "dask" else None      # an unreachable scheduler: before any work
    if getattr(executor, "warning", None):
        summary.warnings.append(executor.warning)
    results = OrderedMap(lambda: executor if executor is not None else factory())
    glossary_hash = glossary_fingerprint(glossary)

    tmx_path = out_dir / f"{listing.root.resolve().name or 'corpus'}.tmx"
    paired_ids = [rid for rid, s, t in listing.entries if s is not None and t is not None]
    review_dir = out_dir / review_stage.REVIEW_DIR
    review_names = ([f"{review_stage.REVIEW_DIR}/{name}" for name in
                     [review_stage.index_page_name(1), review_stage.CORRECTIONS_JS]
                     + [review_stage.page_name(rid) for rid in paired_ids]] if review else [])
    created = [d for d in (out_dir, out_dir / "po", out_dir / "omegat") + ((review_dir,) if review else ())
               if not d.exists()]
    tmx = store = None
    try:
        if folder is not None:
            store = Store(folder / RESULT_STORE, kind="tm-pair-results", version=RESULT_FORMAT,
                          max_bytes=config.result_store_max_bytes)
        cache_warnings: list[str] = [store.warning] if store is not None and store.warning else []
        prepare_out_dir(out_dir, [tmx_path.name, OMEGAT_SEGMENTATION] + [f"po/{rid}.po" for rid in paired_ids]
                        + review_names)
        late_warnings: list[str] = []
        stale: list[int] = []                  # lines of corrections.tsv that no longer apply
        review_stats: list[review_stage.ReleaseStats] = []
        if corrections is not None:
            known = set(paired_ids)
            stale += [c.line for c in corrections.lines if c.release not in known]
        unpaired_reports: list[PairReport] = []
        to_store: list[tuple[str, bytes]] = []
        keys: dict[str, str] = {}
        # all exports or none: a failure half-way leaves the previous ones untouched
        with all_or_nothing(), fewer_collections():
            tmx = TmxStream(out_dir, profile=config.export_profile(), src_lang=src_lang, tgt_lang=tgt_lang,
                             min_score=config.min_score, keep_duplicates=keep_duplicates,
                             source_date_epoch=config.source_date_epoch)

            def entries():
                for chunk in _chunks(_jobs(listing, corrections, review), LOOKUP_CHUNK):
                    # one store query for a chunk of pairs, not one per pair
                    jobs = [item for item in chunk if not isinstance(item, PairResult)]
                    chunk_keys = ({job.release_id: result_key(job, glossary_hash, config) for job in jobs}
                                  if store is not None else {})
                    blobs = store.get_many(list(chunk_keys.values())) if chunk_keys else {}
                    for item in chunk:
                        if isinstance(item, PairResult):
                            yield "ready", item
                            continue
                        if store is not None:
                            key = chunk_keys[item.release_id]
                            blob = blobs.get(key)
                            cached = _unpack(blob) if blob is not None else None
                            if cached is not None and review and cached.paired and cached.page is None:
                                cached = None      # stored by a run without --review: rendered now
                            if cached is not None:
                                yield "ready", cached
                                continue
                            keys[item.release_id] = key
                        yield "job", item

            for result, computed in results.map(entries()):
                if result.error:
                    raise InputError(result.error)
                for w in result.cache_warnings:
                    if w not in cache_warnings:
                        cache_warnings.append(w)
                result.cache_warnings = []
                key = keys.pop(result.release_id, None)
                if computed and key is not None:
                    to_store.append((key, _pack(result)))
                    if len(to_store) >= 32:
                        store.put_many(to_store)
                        to_store = []
                if strict and result.warnings:
                    raise InputError(f"{result.warnings[0]} (--strict: nothing exported)")
                summary.warnings.extend(result.warnings)
                late_warnings.extend(result.late_warnings)
                report = result.report
                (summary.pairs if result.paired else unpaired_reports).append(report)
                for unit in result.units:
                    reason = tmx.add(unit)
                    if reason is None:
                        report.units += 1
                        report.src.exported += unit.n_src
                        report.tgt.exported += unit.n_tgt
                    else:
                        report.src.skipped[reason] += unit.n_src
                        report.tgt.skipped[reason] += unit.n_tgt
                if result.po is not None:
                    po_path = out_dir / "po" / f"{result.release_id}.po"
                    if not holds(po_path, result.po):     # an unchanged file stays as it is
                        write_public(po_path, [result.po])
                    summary.po_paths.append(po_path)
                if result.stale:
                    stale += [corrections.line_of(result.release_id, src, tgt) for src, tgt in result.stale]
                if review and result.page is not None:
                    page_path = review_dir / review_stage.page_name(result.release_id)
                    if not holds(page_path, result.page):
                        write_public(page_path, [result.page])
                    review_stats.append(result.review)
                if run.progress is not None:
                    run.progress(report)
            if to_store:
                store.put_many(to_store)
            if stale:
                late_warnings.append(review_stage.stale_warning(corrections, stale))
            if strict and late_warnings:
                raise InputError(f"{late_warnings[0]} (--strict: nothing exported)")
            summary.warnings.extend(late_warnings)
            summary.pairs[:0] = unpaired_reports     # releases without counterpart first
            tmx.write(tmx_path)
            summary.tmx_path = tmx_path
            summary.units_written = tmx.stats.written
            summary.illegal_chars_removed = tmx.stats.illegal_chars_removed
            summary.profiles = {name: stats for name, (_, stats) in tmx.profiles.items()}
            # OmegaT segmentation rules that cut the source as tm does (copy into PROJECT/omegat/)
            export_stage.write_omegat_segmentation(out_dir / OMEGAT_SEGMENTATION, src_lang)
            if review:
                _write_review_index(review_dir, summary, review_stats, corrections, config)
    except BaseException:
        for folder_made in reversed(created):     # leave no empty folder behind
            try:
                folder_made.rmdir()
            except OSError:
                pass
        raise
    finally:
        results.close()          # worker processes write their new vectors as they end
        flush_vectors()          # and so does this one, for the pairs it processed
        if tmx is not None:
            tmx.close()
        if store is not None:
            store.close()
    summary.warnings.extend(cache_warnings)
    return summary


def _write_review_index(review_dir: Path, summary: Summary, stats: list, corrections, config: Config) -> None:
    """The review report's overview pages and corrections.js (tm/review.py)."""
    pieces = [(review_stage.CORRECTIONS_JS,
               review_stage.corrections_js(corrections, summary.corpus.resolve().name))]
    unpaired = [p.release_id for p in summary.pairs if p.confidence is None]
    pieces += review_stage.index_pages(stats, summary=summary, unpaired=unpaired, skip_reasons=SKIP_REASONS,
                                       fuzzy_below=config.fuzzy_below)
    for name, data in pieces:
        path = review_dir / name
        if not holds(path, data):
            write_public(path, [data])
