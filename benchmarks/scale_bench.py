"""Scaling benchmark of `tm align` on a synthetic archive (issue 11 targets).

Builds a corpus of N release pairs from the 20 gold releases of corpora/csto
(pair k = release k mod 20, every content sentence made unique by a made-up
word inserted before its final punctuation, drawn independently on each side,
so the marks give the aligner no signal; boilerplate lines and paragraphs kept
as they are), checks that the segmenter still cuts every synthetic release
into as many sentences as the original (so the gold beads apply), then runs
`tm align` as a subprocess:

  cold    a fresh, empty cache folder (TM_CACHE_DIR = XDG_CACHE_HOME = a new
          temporary folder; also TM_EMBED_CACHE, which tm read before its
          SQLite vector store) and no output folder: every export is written
          (into an output folder from a run before, tm leaves a PO file that
          would not change as it is)
  warm    a second run with the same cache
  rerun   one sentence of one release changed, run again with the warm cache

and prints, per run: wall time, Russian content sentences per second, peak RSS
(the largest single process of the tm process tree, from getrusage of a fresh
wrapper process; and the sum over the tree sampled with psutil), and the
precision / recall of the exported TMX units against the gold beads, compared
by text (whitespace folded; the gold texts are the synthetic releases' own
sentences at the gold bead indices).

    python benchmarks/scale_bench.py --pairs 100 1000 10000
    python benchmarks/scale_bench.py --pairs 100 --mode default no-embeddings --jobs 1 2
    python benchmarks/scale_bench.py --pairs 500 --runs cold rerun --repeat 2 --json out.json
    python benchmarks/scale_bench.py --pairs 100 -- --min-score 0.3     # extra `tm align` args
    # another checkout (the command prefix is run from --cwd):
    python benchmarks/scale_bench.py --pairs 100 --cwd /tmp/tm-before \\
        --tm "env PYTHONPATH=/tmp/tm-before python -m tm.cli"

Options that the `tm align` being measured does not know (checked in its
`--help`) are left out with a note: `--jobs` is passed only when given.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tm.corpus import read_release  # noqa: E402
from tm.metrics import read_beads  # noqa: E402
from tm.segment import segment_release  # noqa: E402

BASE_CORPUS = REPO / "corpora" / "csto"
GOLD = REPO / "tests" / "gold" / "csto" / "align"
RUNS = ("cold", "warm", "rerun")
RUN_LABEL = {"cold": "cold", "warm": "warm", "rerun": "rerun-one-changed"}

# Pronounceable made-up words: lower case, so that they are neither names nor
# numbers for the aligner, in each side's own script.
_SYLLABLES = {
    "ru": [c + v for c in "бвгдзклмнпрстфх" for v in "аеиоу"],
    "en": [c + v for c in "bdfgklmnprstvz" for v in "aeiou"],
}
# the final punctuation of a sentence (stops, and any closing quotes or brackets
# after them): the word goes in before it; after a closing quote or bracket that
# ends a sentence without a stop («… учения «Эшелон-2022»»), so that no name changes
_TRAILING = re.compile(r"(?:[.!?…:;,]+[»\"“”’')\]]*)?\s*\Z")
# a sentence that ends with an abbreviation's period: the word goes after it
_ABBREVIATION = re.compile(r"(?<![\w.])(?:г|гг|в|вв|др|пр|тыс|млн|млрд|руб|долл|etc|Inc|Ltd|Co|[а-яa-z]\.[а-яa-z])\Z")


# --------------------------------------------------------------------------
# the synthetic corpus


class Words:
    """Made-up words, unique on one side, from that side's own random stream."""

    def __init__(self, lang: str, seed: int):
        self.rng = random.Random(f"{seed}:{lang}")
        self.syllables = _SYLLABLES.get(lang, _SYLLABLES["en"])
        self.seen: set[str] = set()

    def __call__(self) -> str:
        while True:
            w = "".join(self.rng.choice(self.syllables) for _ in range(self.rng.choice((3, 4))))
            if w not in self.seen:
                self.seen.add(w)
                return w


@dataclass
class Base:
    """One gold release pair: raw texts and where each content sentence's word goes."""

    release_id: str
    texts: dict                 # lang -> file text (as written back)
    points: dict                # lang -> [insertion offset per content sentence]
    n_sents: dict               # lang -> number of content sentences
    beads: list                 # gold beads


def _file_text(path: Path, lang: str):
    """(text whose offsets are those of the corpus reader's Release.text, release)."""
    release = read_release(path, lang)
    raw = path.read_bytes().decode("utf-8-sig", errors="replace")
    spaces = release.original_spaces
    if len(raw) == len(release.text):
        chars = list(release.text)
        for off, ch in spaces.items():
            chars[off] = ch
        if "".join(chars) == raw:
            return raw, release
    # The normalisation changed offsets (CRLF, invisible characters): write the
    # normalised text, with the document's own spaces put back.
    chars = list(release.text)
    for off, ch in spaces.items():
        chars[off] = ch
    return "".join(chars), release


def load_bases(src_lang: str = "ru", tgt_lang: str = "en") -> list[Base]:
    bases = []
    for g in sorted(GOLD.glob("*.txt")):
        texts, points, n_sents = {}, {}, {}
        for lang in (src_lang, tgt_lang):
            text, release = _file_text(BASE_CORPUS / lang / g.name, lang)
            pts = []
            for s in segment_release(release):
                m = _TRAILING.search(s.text)
                at = m.start() if m.start() > 0 else len(s.text)
                abbr = _ABBREVIATION.search(s.text, 0, at) if s.text.startswith(".", at) else None
                if abbr:
                    # «до 2030 г.» -> «до слово 2030 г.»: the abbreviation and its number stay whole
                    k = s.text.rfind(" ", 0, len(s.text[:abbr.start()].rstrip()))
                    at = k if k > 0 else at
                pts.append(s.start + at)
            texts[lang], points[lang], n_sents[lang] = text, pts, len(pts)
        bases.append(Base(g.stem, texts, points, n_sents, read_beads(g.read_text(encoding="utf-8"))))
    return bases


def insert_words(text: str, points: list[int], words: list[str]) -> str:
    out, last = [], 0
    for p, w in zip(points, words):
        out.append(text[last:p])
        out.append(" " + w)
        last = p
    out.append(text[last:])
    return "".join(out)


def fold(text: str) -> str:
    return " ".join(text.split())


def unit_key(src: str, tgt: str) -> bytes:
    return hashlib.blake2b(fold(src).encode() + b"\x00" + fold(tgt).encode(), digest_size=12).digest()


@dataclass
class Synthetic:
    root: Path
    pairs: list                 # [(pair id, base index)]
    ru_sentences: int = 0
    gold: dict = field(default_factory=dict)       # pair id -> set of unit keys of two-sided gold beads
    bad: list = field(default_factory=list)        # pair ids whose segmentation changed
    src_lang: str = "ru"
    tgt_lang: str = "en"
    bases: list = field(default_factory=list)
    words: dict = field(default_factory=dict)      # lang -> Words
    edits: int = 0


def _pair_gold(syn: Synthetic, pair_id: str, base: Base) -> None:
    """Segment the synthetic pair as tm does; record its gold unit texts, or a mismatch."""
    sents = {}
    for lang in (syn.src_lang, syn.tgt_lang):
        release = read_release(syn.root / lang / f"{pair_id}.txt", lang)
        sents[lang] = [s.text for s in segment_release(release)]
    if any(len(sents[lang]) != base.n_sents[lang] for lang in sents):
        syn.bad.append(pair_id)
        syn.gold.pop(pair_id, None)
        return
    s, t = sents[syn.src_lang], sents[syn.tgt_lang]
    syn.gold[pair_id] = {unit_key(" ".join(s[i] for i in b.src), " ".join(t[j] for j in b.tgt))
                         for b in base.beads if b.src and b.tgt}


def build_corpus(root: Path, n: int, seed: int, src_lang: str = "ru", tgt_lang: str = "en") -> Synthetic:
    bases = load_bases(src_lang, tgt_lang)
    if root.exists():
        shutil.rmtree(root)
    for lang in (src_lang, tgt_lang):
        (root / lang).mkdir(parents=True)
    syn = Synthetic(root, [], src_lang=src_lang, tgt_lang=tgt_lang, bases=bases,
                    words={lang: Words(lang, seed) for lang in (src_lang, tgt_lang)})
    width = len(str(max(n - 1, 1)))
    for k in range(n):
        bi = k % len(bases)
        base = bases[bi]
        pair_id = f"{base.release_id}-x{k:0{width}d}"
        syn.pairs.append((pair_id, bi))
        for lang in (src_lang, tgt_lang):
            words = [syn.words[lang]() for _ in base.points[lang]]
            text = insert_words(base.texts[lang], base.points[lang], words)
            (root / lang / f"{pair_id}.txt").write_text(text, encoding="utf-8")
        syn.ru_sentences += base.n_sents[src_lang]
        _pair_gold(syn, pair_id, base)
    return syn


def change_one(syn: Synthetic) -> str:
    """Edit one sentence of one release (a new made-up word in one source sentence of
    the middle pair); returns the pair id. Each call makes a new edit."""
    pair_id, bi = syn.pairs[len(syn.pairs) // 2]
    base = syn.bases[bi]
    lang = syn.src_lang
    path = syn.root / lang / f"{pair_id}.txt"
    text = path.read_text(encoding="utf-8")
    syn.edits += 1
    # the word inserted for sentence j sits just before offset points[j] shifted by the
    # words before it; rebuild the text from the base with the old words, one replaced
    words, last, shift = [], 0, 0
    for p in base.points[lang]:
        start = p + shift + 1                         # after the inserted space
        m = re.match(r"\w+", text[start:])
        words.append(m.group())
        shift += 1 + len(m.group())
    j = (syn.edits - 1) % len(words)
    words[j] = syn.words[lang]()
    path.write_text(insert_words(base.texts[lang], base.points[lang], words), encoding="utf-8")
    _pair_gold(syn, pair_id, base)
    return pair_id


# --------------------------------------------------------------------------
# running tm


# A fresh process per run: its RUSAGE_CHILDREN maximum is that run's largest
# process (tm or one of its workers, once waited for); psutil samples the sum
# of the RSS over the whole process tree.
_WRAPPER = r"""
import json, resource, subprocess, sys, threading, time
spec = json.loads(sys.argv[1])
try:
    import psutil
except ImportError:
    psutil = None
peak = [0]
with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
    t0 = time.perf_counter()
    p = subprocess.Popen(spec["cmd"], cwd=spec["cwd"], env=spec["env"], stdout=out, stderr=err,
                         stdin=subprocess.DEVNULL)
    def sample():
        try:
            root = psutil.Process(p.pid)
        except Exception:
            return
        while p.poll() is None:
            total = 0
            try:
                procs = [root] + root.children(recursive=True)
            except Exception:
                procs = [root]
            for q in procs:
                try:
                    total += q.memory_info().rss
                except Exception:
                    pass
            peak[0] = max(peak[0], total)
            time.sleep(spec["interval"])
    th = threading.Thread(target=sample, daemon=True) if psutil and spec["interval"] > 0 else None
    if th:
        th.start()
    rc = p.wait()
    wall = time.perf_counter() - t0
    if th:
        th.join(1.0)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "maxrss_kb": ru.ru_maxrss, "sum_rss_bytes": peak[0] or None,
                  "cpu": ru.ru_utime + ru.ru_stime}))
"""


def align_options(tm_cmd: list[str], cwd: Path, env: dict) -> set[str]:
    """The long options that this `tm align` knows (from its --help)."""
    r = subprocess.run(tm_cmd + ["align", "--help"], cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"scale_bench: `{shlex.join(tm_cmd)} align --help` failed:\n{r.stderr.strip()}")
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", r.stdout))


def filter_extra(extra: list[str], known: set[str]) -> list[str]:
    """Drop the options (and their values) that this tm align does not know, with a note."""
    out, skip_value = [], False
    for a in extra:
        if a.startswith("--"):
            name = a.split("=", 1)[0]
            if name not in known:
                print(f"note: this tm align has no {name}; left out", file=sys.stderr)
                skip_value = "=" not in a
                continue
            skip_value = False
            out.append(a)
        elif skip_value:
            skip_value = False
        else:
            out.append(a)
    return out


_PROBE = r"""
import time, numpy as np
a = np.random.default_rng(0).standard_normal((256, 512), dtype=np.float32)
b = np.random.default_rng(1).standard_normal((512, 2048), dtype=np.float32)
t0 = time.perf_counter()
for _ in range(20):
    a @ b
x = 0
for i in range(300_000):
    x += i % 7
print(time.perf_counter() - t0)
"""


def speed_probe() -> float:
    """Seconds for a fixed small numpy + Python workload in a fresh process (about 0.1 s on an
    idle core): tells how busy the machine was around a run."""
    r = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True)
    try:
        return round(float(r.stdout.strip()), 3)
    except ValueError:
        return float("nan")


def folder_size(path: Path) -> tuple[int, int]:
    n = size = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                size += os.lstat(os.path.join(dirpath, f)).st_size
                n += 1
            except OSError:
                pass
    return size, n


def run_tm(tm_cmd, cwd, env, args, log_base: Path, interval: float) -> dict:
    spec = {"cmd": tm_cmd + args, "cwd": str(cwd), "env": env, "interval": interval,
            "stdout": str(log_base.with_suffix(".out")), "stderr": str(log_base.with_suffix(".err"))}
    r = subprocess.run([sys.executable, "-c", _WRAPPER, json.dumps(spec)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"scale_bench: the wrapper failed:\n{r.stderr}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        tail = Path(spec["stderr"]).read_text(errors="replace").strip().splitlines()[-5:]
        print(f"warning: tm exited {res['rc']}: " + " | ".join(tail), file=sys.stderr)
    return res


# --------------------------------------------------------------------------
# accuracy of the exported units


def score_tmx(tmx: Path, syn: Synthetic) -> dict:
    from lxml import etree

    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    units = hits = 0
    found: dict[str, set] = {}
    unknown = 0
    for _, tu in etree.iterparse(str(tmx), tag="tu", huge_tree=True):
        release = None
        segs = {}
        for child in tu:
            if child.tag == "prop" and child.get("type") == "x-release":
                release = child.text
            elif child.tag == "tuv":
                lang = (child.get(xml_lang) or child.get("lang") or "").lower()
                seg = child.find("seg")
                segs[lang.split("-")[0]] = "".join(seg.itertext()) if seg is not None else ""
        tu.clear()
        while tu.getprevious() is not None:
            del tu.getparent()[0]
        if release not in syn.gold:
            unknown += 1                  # a pair whose segmentation changed: not scored
            continue
        units += 1
        key = unit_key(segs.get(syn.src_lang, ""), segs.get(syn.tgt_lang, ""))
        if key in syn.gold[release]:
            hits += 1
            found.setdefault(release, set()).add(key)
    gold_n = sum(len(g) for g in syn.gold.values())
    gold_hit = sum(len(v) for v in found.values())
    return {"units": units, "units_right": hits, "gold_beads": gold_n, "gold_found": gold_hit,
            "precision": hits / units if units else float("nan"),
            "recall": gold_hit / gold_n if gold_n else float("nan"), "unscored_units": unknown}


# --------------------------------------------------------------------------


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:
        k = argv.index("--")
        argv, extra = argv[:k], argv[k + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="Arguments after -- are passed to `tm align` as they are.")
    ap.add_argument("--pairs", nargs="+", type=int, default=[100], metavar="N", help="corpus sizes (default 100)")
    ap.add_argument("--mode", nargs="+", default=[None], metavar="M",
                    help="tm align --mode values (default: none passed, i.e. tm's default)")
    ap.add_argument("--jobs", nargs="+", type=int, default=[None], metavar="J",
                    help="tm align --jobs values (default: not passed)")
    ap.add_argument("--runs", nargs="+", default=list(RUNS), choices=RUNS)
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each timing this many times and keep the fastest (busy machines)")
    ap.add_argument("--tm", default=f"{shlex.quote(sys.executable)} -m tm.cli",
                    help="command prefix that runs tm (default: this Python, -m tm.cli)")
    ap.add_argument("--cwd", type=Path, default=REPO,
                    help="folder tm runs in (python -m puts it first on sys.path; default: this checkout)")
    ap.add_argument("--glossary", type=Path, default=REPO / "glossaries" / "csto.tsv",
                    help="passed as --glossary (default: glossaries/csto.tsv of this checkout); 'none': not passed")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where corpora, caches and exports go (default: a temporary folder, removed at the end)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--interval", type=float, default=0.1, help="psutil RSS sampling interval, s (0: off)")
    ap.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)

    tm_cmd = shlex.split(args.tm)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tm-scale-"))
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    base_env = dict(os.environ)
    for var in ("TM_EMBED_CACHE", "TM_CACHE_DIR"):
        base_env.pop(var, None)
    known = align_options(tm_cmd, args.cwd, base_env)
    jobs_list = args.jobs
    if jobs_list != [None] and "--jobs" not in known:
        print("note: this tm align has no --jobs; runs without it (jobs shown as '-')", file=sys.stderr)
        jobs_list = [None]
    modes = args.mode
    if modes != [None] and "--mode" not in known:
        print("note: this tm align has no --mode; runs without it", file=sys.stderr)
        modes = [None]
    extra = filter_extra(extra, known)
    glossary = [] if str(args.glossary) == "none" else ["--glossary", str(args.glossary.resolve())]

    print(f"# tm: {args.tm}  (cwd {args.cwd}); workdir {workdir}; repeat {args.repeat} (fastest kept)")
    if extra:
        print(f"# extra tm align args: {shlex.join(extra)}")
    head = (f"{'pairs':>6} {'run':17} {'jobs':>4} {'mode':13} {'wall s':>8} {'ru sent/s':>9} "
            f"{'peak RSS MB':>11} {'sum RSS MB':>10} {'P':>6} {'R':>6} {'cache MB':>8} {'files':>7} {'probe s':>7}")
    rows = []
    printed_head = False
    try:
        for n in args.pairs:
            t0 = time.perf_counter()
            syn = build_corpus(workdir / f"synth-{n}", n, args.seed)
            print(f"# {n} pairs: {syn.ru_sentences} Russian content sentences; corpus built and "
                  f"segmentation checked in {time.perf_counter() - t0:.1f} s", flush=True)
            if syn.bad:
                print(f"WARNING: segmentation changed in {len(syn.bad)} synthetic pair(s) (not scored), "
                      f"e.g. {syn.bad[:3]}", flush=True)
            if not printed_head:
                print(head, flush=True)
                printed_head = True
            for mode in modes:
                for jobs in jobs_list:
                    opts = []
                    if mode is not None:
                        opts += ["--mode", mode]
                    if jobs is not None:
                        opts += ["--jobs", str(jobs)]
                    label = f"{n}-{mode or 'dflt'}-j{jobs if jobs is not None else 'x'}"
                    out = workdir / f"out-{label}"
                    cache = None
                    for run in RUNS:
                        if run not in args.runs:
                            continue
                        best, walls = None, []
                        for rep in range(args.repeat):
                            if run == "cold" or cache is None:
                                if cache is not None:
                                    shutil.rmtree(cache, ignore_errors=True)
                                shutil.rmtree(out, ignore_errors=True)
                                cache = Path(tempfile.mkdtemp(prefix=f"cache-{label}-", dir=workdir))
                            if run == "rerun":
                                changed = change_one(syn)
                            env = dict(base_env, TM_CACHE_DIR=str(cache), TM_EMBED_CACHE=str(cache),
                                       XDG_CACHE_HOME=str(cache))
                            res = run_tm(tm_cmd, args.cwd, env,
                                         ["align", "--corpus", str(syn.root), "--out", str(out)]
                                         + glossary + opts + extra,
                                         workdir / f"log-{label}-{run}-{rep}", args.interval)
                            res["cache_bytes"], res["cache_files"] = folder_size(cache)
                            res["probe_s"] = speed_probe()
                            walls.append(round(res["wall"], 3))
                            if best is None or res["wall"] < best["wall"]:
                                best = res
                        tmx = sorted(out.glob("*.tmx"))
                        acc = score_tmx(tmx[0], syn) if tmx and best["rc"] == 0 else {}
                        row = {"pairs": n, "run": RUN_LABEL[run], "jobs": jobs, "mode": mode or "default",
                               "wall_s": round(best["wall"], 3),
                               "ru_sentences": syn.ru_sentences,
                               "ru_sentences_per_s": round(syn.ru_sentences / best["wall"], 1),
                               "peak_rss_mb": round(best["maxrss_kb"] / 1024, 1),
                               "sum_rss_mb": round(best["sum_rss_bytes"] / 2**20, 1)
                               if best["sum_rss_bytes"] else None,
                               "cpu_s": round(best["cpu"], 2), "exit": best["rc"],
                               "speed_probe_s": best["probe_s"],
                               "cache_mb": round(best["cache_bytes"] / 2**20, 1),
                               "cache_files": best["cache_files"],
                               "tm": args.tm, "extra": extra, "repeat": args.repeat, "walls_s": walls,
                               "segmentation_changed": len(syn.bad)}
                        if run == "rerun":
                            row["changed_pair"] = changed
                        row.update(acc)
                        rows.append(row)
                        p, r = acc.get("precision", float("nan")), acc.get("recall", float("nan"))
                        s = row["sum_rss_mb"]
                        print(f"{n:>6} {row['run']:17} {jobs if jobs is not None else '-':>4} "
                              f"{row['mode']:13} {row['wall_s']:>8.2f} {row['ru_sentences_per_s']:>9.0f} "
                              f"{row['peak_rss_mb']:>11.0f} {s if s is not None else float('nan'):>10.0f} "
                              f"{p:>6.3f} {r:>6.3f} {row['cache_mb']:>8.1f} {row['cache_files']:>7} {row['speed_probe_s']:>7.2f}"
                              + ("" if best["rc"] == 0 else f"  (exit {best['rc']})")
                              + (f"  [walls: {', '.join(f'{w:.1f}' for w in walls)}]" if len(walls) > 1 else ""),
                              flush=True)
                    if cache is not None:
                        shutil.rmtree(cache, ignore_errors=True)
    finally:
        if args.json:
            args.json.write_text(json.dumps({"rows": rows}, indent=1, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print("# wall: end to end; ru sent/s: Russian content sentences (as in the gold) / wall; peak RSS: the "
          "largest single process; sum RSS: the process tree, sampled; P/R: TMX units vs gold beads, by text; "
          "probe s: a fixed small workload timed right after the run (higher = busier machine)")


if __name__ == "__main__":
    main()
