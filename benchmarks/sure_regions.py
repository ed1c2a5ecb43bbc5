"""How much encoding the sure regions spare (tm/align/sure.py), per threshold.

    python benchmarks/sure_regions.py [--corpus DIR ...] [--threshold 0.95 0.97]

A 1-1 bead of the cheap pass (`--mode no-embeddings`: length, numbers, names,
glossary anchors) is sure when its calibrated lexical probability and both
neighbours' reach the threshold and its score shows shared content
(Options.sure_content), and so are the short runs between two such beads
(Options.sure_between), as the default mode decides. Printed per threshold:

- on the press gold (tests/gold/csto, gold segmentation, no glossary): the sure
  beads, how many are wrong, and how many of those the full mode (every
  sentence encoded) gets wrong as well;
- on each corpus given (segmented as tm does, with the glossary's anchors):
  the share of sentences in sure beads, which the default mode does not encode.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from align_bench import load_set  # noqa: E402
from tm import align as A  # noqa: E402
from tm.align import sure  # noqa: E402
from tm.corpus import load_corpus  # noqa: E402
from tm.glossary import load_glossary  # noqa: E402
from tm.segment import segment_release  # noqa: E402


def sure_beads(raw, threshold: float) -> list[tuple[tuple, tuple]]:
    """The (source, target) index tuples of the sure 1-1 beads of a cheap-pass path."""
    opt = A.Options()
    return [(tuple(range(raw[r][0], raw[r][1])), tuple(range(raw[r][2], raw[r][3])))
            for r in sure.sure_beads(raw, threshold, opt.sure_content, opt.sure_between)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", nargs="*", type=Path, default=[REPO / "corpora" / "csto"])
    ap.add_argument("--glossary", type=Path, default=REPO / "glossaries" / "csto.tsv")
    ap.add_argument("--threshold", nargs="+", type=float, default=[A.Options().sure, 0.97])
    args = ap.parse_args()
    glossary = load_glossary(args.glossary)
    gold_docs = load_set("press")
    default_beads = [{(b.src, b.tgt) for b in A.align(s, t, sl, tl, src_paragraphs=sp, tgt_paragraphs=tp,
                                                      **A.MODES["full"])}
                     for _, s, t, _, sl, tl, sp, tp in gold_docs]
    cheap = [A.align_raw(s, t, sl, tl, src_paragraphs=sp, tgt_paragraphs=tp, use_embeddings=False)[0]
             for _, s, t, _, sl, tl, sp, tp in gold_docs]
    corpora = []
    for folder in args.corpus:
        sides = [([x.text for x in segment_release(src)], [x.text for x in segment_release(tgt)])
                 for src, tgt in load_corpus(folder, "ru", "en").pairs]
        corpora.append((folder, sides, [A.align_raw(s, t, "ru", "en", anchors=glossary.concept_keys,
                                                    use_embeddings=False)[0] for s, t in sides]))
    for threshold in args.threshold:
        n = wrong = both_wrong = covered = total = 0
        for (_, s, t, gold, *_), raw, default in zip(gold_docs, cheap, default_beads):
            right = {(b.src, b.tgt) for b in gold}
            for bead in sure_beads(raw, threshold):
                n += 1
                if bead not in right:
                    wrong += 1
                    both_wrong += any(d[0] == bead[0] and d not in right for d in default)
                covered += 2
            total += len(s) + len(t)
        print(f"threshold {threshold}: press gold: {n} sure beads, {wrong} wrong ({both_wrong} of them wrong "
              f"in the full mode too), {covered / total:.1%} of the sentences")
        for folder, sides, raws in corpora:
            cov = sum(2 * len(sure_beads(raw, threshold)) for raw in raws)
            tot = sum(len(s) + len(t) for s, t in sides)
            print(f"threshold {threshold}: {folder}: {cov / tot:.1%} of {tot} sentences in sure beads")


if __name__ == "__main__":
    main()
