"""Cost of the cheap stages of `tm align`, in microseconds per sentence.

    python benchmarks/stage_bench.py                  # corpora/csto, best of 7 rounds
    python benchmarks/stage_bench.py --repeat 15 --corpus corpora/csto

Every stage runs over the whole corpus (20 release pairs) once per round; each
round starts cold: the per-text and per-word caches (number/name keys,
transliteration, month names, the glossary's match cache, pymorphy3 lemmas) are
emptied first, while data files and models stay loaded (a start-up cost, not a
per-sentence one). The figure is the best round's CPU time divided by the number
of sentences of both sides (and, in the last column, by the Russian sentences
only). No stage calls the neural encoder: the alignment runs in the
no-embeddings mode, so "align" is the search and scoring themselves.

Stages:
  segment          segment_release, both sides
  features         number_keys + name_keys of every sentence (the aligner's cheap evidence)
  anchors          the glossary's concept keys of every sentence (Glossary.concept_keys)
  align            align(..., use_embeddings=False) with anchors and paragraphs (its own
                   features included; anchors warm, as in the pipeline)
  doc-confidence   document_confidence in the no-embeddings mode
  check            check_release (glossary matches warm, as in the pipeline)
  units            units_for
  TMX write        write_tmx of all units (one file)
  PO render        po_bytes: a release's PO file as bytes (line wrapping included)
  PO write         write_po, one file per release (rendering + atomic write: fsync, rename)
"""
from __future__ import annotations

import argparse
import gc
import inspect
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tm import align as A  # noqa: E402
from tm.align import features as F  # noqa: E402
from tm import glossary as G  # noqa: E402
from tm.check import check_release  # noqa: E402
from tm.corpus import load_corpus  # noqa: E402
from tm import export as X  # noqa: E402
from tm.export import units_for, write_po, write_tmx  # noqa: E402
from tm.models import AlignedRelease  # noqa: E402
from tm.segment import segment_release  # noqa: E402


def clear_caches(glossary) -> None:
    """Empty the caches that hold per-text or per-word results (not data tables)."""
    for fn in (F._month_of, G.russian_lemmas):
        fn.cache_clear()
    clear = getattr(F, "clear_caches", None)      # the feature caches, where the module has them
    if clear is not None:
        clear()
    glossary._find_cache.clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(REPO / "corpora" / "csto"))
    ap.add_argument("--glossary", default=str(REPO / "glossaries" / "csto.tsv"))
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    corpus = load_corpus(args.corpus, "ru", "en")
    glossary = G.load_glossary(args.glossary)
    pairs = corpus.pairs
    doc_conf_kw = ({"use_embeddings": False}
                   if "use_embeddings" in inspect.signature(A.document_confidence).parameters else None)

    best: dict[str, float] = {}
    n_src = n_tgt = 0
    out_dir = Path(tempfile.mkdtemp(prefix="tm-stage-bench-"))
    for rnd in range(args.repeat + 1):          # round 0 warms data files and models up
        clear_caches(glossary)
        gc.collect()
        times: dict[str, float] = {}

        def timed(name, fn):
            t0 = time.process_time()
            result = fn()
            times[name] = times.get(name, 0.0) + time.process_time() - t0
            return result

        sents = timed("segment", lambda: [(segment_release(s), segment_release(t)) for s, t in pairs])
        n_src = sum(len(s) for s, _ in sents)
        n_tgt = sum(len(t) for _, t in sents)

        def features():
            for (s, t), (rs, rt) in zip(sents, pairs):
                for sent in s:
                    F.number_keys(sent.text, rs.lang), F.name_keys(sent.text, rs.lang)
                for sent in t:
                    F.number_keys(sent.text, rt.lang), F.name_keys(sent.text, rt.lang)
        timed("features", features)
        clear_caches(glossary)       # align below must compute its features itself

        def anchors():
            for (s, t), (rs, rt) in zip(sents, pairs):
                for sent in s:
                    glossary.concept_keys(sent.text, rs.lang)
                for sent in t:
                    glossary.concept_keys(sent.text, rt.lang)
        timed("anchors", anchors)

        aligned = []
        for (s, t), (rs, rt) in zip(sents, pairs):
            st, tt = [x.text for x in s], [x.text for x in t]
            beads = timed("align", lambda: A.align(
                st, tt, rs.lang, rt.lang, anchors=glossary.concept_keys,
                src_paragraphs=[x.paragraph for x in s], tgt_paragraphs=[x.paragraph for x in t],
                use_embeddings=False))
            if doc_conf_kw is not None:
                conf = timed("doc-confidence", lambda: A.document_confidence(st, tt, beads, rs.lang, rt.lang,
                                                                             **doc_conf_kw))
            else:
                conf = None
            aligned.append(AlignedRelease(rs.release_id, rs, rt, s, t, beads, conf if conf is not None else 1.0))

        findings = timed("check", lambda: [check_release(a, glossary) for a in aligned])
        units = timed("units", lambda: [units_for(a, f, src_file=a.src.path.name)
                                        for a, f in zip(aligned, findings)])
        timed("TMX write", lambda: write_tmx([u for us in units for u in us], out_dir / "bench.tmx",
                                             src_lang="ru", tgt_lang="en", min_score=A.DEFAULT_MIN_SCORE))

        if hasattr(X, "po_bytes"):
            timed("PO render", lambda: [X.po_bytes(us, src_lang="ru", tgt_lang="en", fuzzy_below=A.FUZZY_SCORE)
                                        for us in units])

        def po():
            for a, us in zip(aligned, units):
                write_po(us, out_dir / f"{a.release_id}.po", src_lang="ru", tgt_lang="en",
                         fuzzy_below=A.FUZZY_SCORE)
        timed("PO write", po)
        if rnd > 0:
            for k, v in times.items():
                best[k] = min(best.get(k, float("inf")), v)

    n = n_src + n_tgt
    print(f"corpus {args.corpus}: {len(pairs)} pairs, {n_src} ru + {n_tgt} en sentences; "
          f"best of {args.repeat} rounds, CPU time")
    print(f"{'stage':16} {'ms':>8} {'us/sentence':>12} {'us/ru sentence':>15}")
    for k, v in best.items():
        print(f"{k:16} {v * 1e3:8.1f} {v / n * 1e6:12.1f} {v / n_src * 1e6:15.1f}")
    if doc_conf_kw is None:
        print("doc-confidence: not measured (document_confidence has no use_embeddings parameter here;"
              " it would encode every sentence)")
    for p in out_dir.iterdir():
        p.unlink()
    out_dir.rmdir()


if __name__ == "__main__":
    main()
