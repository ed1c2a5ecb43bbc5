"""Runs the stages over a corpus and keeps the accounting.

corpus -> segment -> align -> check -> export. Every content sentence of every
release ends up either in an exported translation unit or counted as skipped
with a reason; boilerplate lines are counted as skipped too.

- `pair.py`: one release pair, `process_pair(job, glossary, config)`, a pure
  top-level function any executor can map; `align_release` and friends;
- `run.py`: `run_align`, the main job (executors, result store, streaming);
- `results.py`: the result store's key and stored form;
- `stream.py`: the TMX written as the results arrive, the output folder;
- `summary.py`: the accounting, `format_summary`, `write_report`.
"""
from __future__ import annotations

from ..config import Config
from ..export import SKIP_REASONS
from .pair import (PairJob, PairResult, TmxUnit, align_corpus, align_release, check_corpus, encoder_for,
                   is_wrong_pairing, preload, process_pair, wrong_pairing_warning)
from .results import RESULT_FORMAT, RESULT_STORE, code_fingerprint, glossary_fingerprint, result_key
from .run import OMEGAT_SEGMENTATION, RunOptions, run_align
from .stream import TmxStream, prepare_out_dir
from .summary import PairReport, SideCount, Summary, format_summary, write_report

__all__ = ["Config", "SKIP_REASONS", "PairJob", "PairResult", "TmxUnit", "align_corpus", "align_release",
           "check_corpus", "encoder_for", "is_wrong_pairing", "preload", "process_pair",
           "wrong_pairing_warning", "RESULT_FORMAT", "RESULT_STORE", "code_fingerprint",
           "glossary_fingerprint", "result_key", "OMEGAT_SEGMENTATION", "RunOptions", "run_align",
           "TmxStream", "prepare_out_dir", "PairReport", "SideCount", "Summary", "format_summary",
           "write_report"]
