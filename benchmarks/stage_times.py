"""Wall-clock time of `tm align` split by stage (issue 11: "how the time splits").

    python benchmarks/stage_times.py -- --corpus corpora/csto --out /tmp/x
    TM_CACHE_DIR=$(mktemp -d) python benchmarks/stage_times.py -- --corpus DIR --out /tmp/x --glossary G

Runs `tm align` in this process (`--jobs 1` is added: the time of worker
processes is not seen here) with a timer around each stage's function, and
prints each stage's own time (a stage called from inside another is taken out
of the outer one), its share and its cost per release pair.

Unlike benchmarks/profile_stages.py (cProfile), this adds no cost per Python
call, so stages written in Python (features, glossary anchors, the DP's
bookkeeping) are not inflated against the encoder's numpy work: under
cProfile they look about twice as costly as they are.
"""
from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tm import align as align_stage  # noqa: E402
from tm import check as check_stage  # noqa: E402
from tm import cli  # noqa: E402
from tm import embed as embed_stage  # noqa: E402
from tm import export as export_stage  # noqa: E402
from tm.embed import cache as vector_cache  # noqa: E402
from tm.glossary import Glossary  # noqa: E402
from tm.pipeline import pair as pair_stage  # noqa: E402
from tm.pipeline import run as run_module  # noqa: E402
from tm import pipeline  # noqa: E402
from tm.store import Store  # noqa: E402

RESULT_KIND = "tm-pair-results"     # tm/pipeline/run.py's Store(kind=...)

# (stage, owner, attribute): the attribute is looked up on the owner at call time by
# its callers, so replacing it there times every call. A stage may be a function of
# the call's arguments (one Store class serves the result store and the vector store).
STAGES = [
    ("segmentation", pair_stage, "segment_release"),
    ("features (numbers, names, lengths)", align_stage, "_side"),
    ("glossary anchors", Glossary, "concept_keys"),
    ("encoder: model load", embed_stage.Model, "__init__"),
    ("encoder: sentences (forward pass)", embed_stage, "forward"),
    ("encoder: windows (composed)", embed_stage, "compose_sums"),
    ("encoder: output layers (head)", embed_stage.Model, "head"),
    ("encoder: rest (keys, bookkeeping)", align_stage, "_encode_sides"),
    ("vector store", vector_cache.VectorCache, "lookup"),
    ("vector store", vector_cache.VectorCache, "save"),
    ("alignment: first pass", align_stage, "_first_pass"),
    ("alignment: DP and scoring", align_stage, "_dp"),
    ("alignment: rest (calibration)", align_stage, "align"),
    ("document confidence", align_stage, "document_confidence"),
    ("check", check_stage, "check_release"),
    ("units", export_stage, "units_for"),
    ("pair: rest (PO, accounting)", pair_stage, "_process_pair"),
    (lambda store, *_: "result store" if store.kind == RESULT_KIND else "vector store", Store, "get_many"),
    (lambda store, *_: "result store" if store.kind == RESULT_KIND else "vector store", Store, "put_many"),
    ("result store", run_module, "_pack"),
    ("result store", run_module, "_unpack"),
    ("run: rest (reading, TMX, PO files)", pipeline, "run_align"),
]


def instrument(stages=STAGES):
    own: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)
    stack: list[str] = []

    def wrap(label, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            stage = label(*args) if callable(label) else label
            stack.append(stage)
            try:
                return fn(*args, **kwargs)
            finally:
                stack.pop()
                spent = time.perf_counter() - t0
                own[stage] += spent
                calls[stage] += 1
                if stack:                       # not the outer stage's own time
                    own[stack[-1]] -= spent
        return timed

    for label, owner, name in stages:
        setattr(owner, name, wrap(label, getattr(owner, name)))
    return own, calls


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    tm_args = argv[argv.index("--") + 1:] if "--" in argv else []
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="Arguments after -- are `tm align`'s (--jobs 1 is added).")
    ap.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if "--jobs" not in tm_args:
        tm_args += ["--jobs", "1"]
    own, calls = instrument()
    pairs = 0
    original = pair_stage._process_pair

    def count(*args, **kwargs):
        nonlocal pairs
        pairs += 1
        return original(*args, **kwargs)
    pair_stage._process_pair = count
    t0 = time.perf_counter()
    try:
        cli.main(["align", "--quiet"] + tm_args)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    total = time.perf_counter() - t0
    own["start-up, corpus listing, rest"] = total - sum(own.values())
    print(f"| stage | s | % | ms per pair ({pairs} pairs processed) | calls |")
    print("|---|---:|---:|---:|---:|")
    for label, seconds in sorted(own.items(), key=lambda kv: -kv[1]):
        per_pair = f"{1000 * seconds / pairs:.1f}" if pairs else "-"
        print(f"| {label} | {seconds:.2f} | {100 * seconds / total:.1f} | {per_pair} | {calls.get(label, '')} |")
    print(f"| total (wall) | {total:.2f} | 100.0 | {1000 * total / pairs:.1f} | |" if pairs
          else f"| total (wall) | {total:.2f} | 100.0 | - | |")


if __name__ == "__main__":
    main()
