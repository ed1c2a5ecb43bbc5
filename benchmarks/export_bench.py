"""Export benchmark: write N synthetic translation units as TMX; print time and peak memory.

    python benchmarks/export_bench.py                      # 1,000,000 units, duplicates merged
    python benchmarks/export_bench.py --units 200000 --keep-duplicates

The units are generated on the fly by a re-iterable object (the writer makes two passes:
one to find repeated pairs, one to write), so the figures measure the writer, not a list
of units held by the caller. Peak memory is the process's maximum resident set size
(resource.getrusage), which includes the interpreter and lxml (baseline printed too).
Target (issue 6): under 150 MB for 1,000,000 units.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tm.export import write_tmx  # noqa: E402
from tm.models import TranslationUnit  # noqa: E402

RU = ("Генеральный секретарь ОДКБ провёл встречу с делегацией", "Совместные учения «Взаимодействие-{n}» начались",
      "В учениях приняли участие {n} военнослужащих", "Заседание Совета министров иностранных дел прошло в г. Минске")
EN = ("The CSTO Secretary General met the delegation", "The joint exercise Interaction-{n} began",
      "{n} servicemen took part in the exercise", "The Council of Foreign Ministers met in Minsk")


class SyntheticUnits:
    """N units in 1,000-unit releases; every 50th unit repeats an earlier pair (a duplicate)."""

    def __init__(self, n: int):
        self.n = n

    def __iter__(self):
        for i in range(self.n):
            k = i - 1 if i % 50 == 49 else i
            release = f"2024-01-01-r{i // 1000:05d}"
            yield TranslationUnit(
                release_id=release, date="2024-01-01", src_lang="ru", tgt_lang="en",
                source=RU[k % 4].format(n=k) + f" (№ {k}).", target=EN[k % 4].format(n=k) + f" (No. {k}).",
                bead_kind="1-1", score=(k % 100) / 100, src_indices=(i % 1000,), tgt_indices=(i % 1000,),
                src_file=f"ru/{release}.txt", src_line=1 + i % 1000)


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux: kilobytes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--keep-duplicates", action="store_true")
    ap.add_argument("--profile", default="generic")
    args = ap.parse_args()
    baseline = maxrss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.tmx"
        t0 = time.perf_counter()
        stats = write_tmx(SyntheticUnits(args.units), out, src_lang="ru", tgt_lang="en", profile=args.profile,
                          keep_duplicates=args.keep_duplicates, min_score=0.0, keep_decisions=False)
        elapsed = time.perf_counter() - t0
        size = os.path.getsize(out)
    peak = maxrss_mb()
    print(f"units in: {args.units:,}; written: {stats.written:,}; skipped: {dict(stats.skipped)}")
    print(f"TMX size: {size / 1e6:.1f} MB")
    print(f"time: {elapsed:.1f} s ({args.units / elapsed:,.0f} units/s)")
    print(f"peak RSS: {peak:.1f} MB (baseline after imports {baseline:.1f} MB); target < 150 MB: "
          f"{'OK' if peak < 150 else 'OVER'}")


if __name__ == "__main__":
    main()
