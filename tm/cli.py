"""The `tm` command: parses arguments and wires the stages. No logic of its own.

Exit status: 0 success; 1 `tm check` found errors; 2 bad usage or bad input
(one line on standard error naming the file, and the line where one applies).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .models import InputError

DEFAULT_CORPUS = Path("corpora/csto")
DEFAULT_GLOSSARY = Path("glossaries/csto.tsv")
DEFAULT_OUT = Path("exports")


def _read_input(name: str) -> str:
    """Text of a file, or standard input for '-' (UTF-8, strict)."""
    from .corpus import decode, normalise_text

    if name == "-":
        data = sys.stdin.buffer.read()
        path = Path("<stdin>")
    else:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    text, _ = decode(data, path)
    return normalise_text(text)


def _read_lines(name: str) -> list[str]:
    text = _read_input(name)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _load_glossary(path: Path | None, required: bool):
    from .glossary import load_glossary

    if path is None:
        path = DEFAULT_GLOSSARY
        if not path.exists() and not required:
            return None
    return load_glossary(path)


def cmd_segment(args: argparse.Namespace) -> int:
    from .segment import format_segments

    sys.stdout.write(format_segments(_read_input(args.file), args.lang))
    return 0


def cmd_align_lines(args: argparse.Namespace) -> int:
    from .align import align

    src, tgt = _read_lines(args.src), _read_lines(args.tgt)
    config = _config(args)
    out = []
    for bead in align(src, tgt, args.src_lang, args.tgt_lang, encode=config.encoder(), **config.align_options):
        out.append(bead.format() + (f"\t{bead.score:.3f}" if args.scores else ""))
    sys.stdout.write("".join(line + "\n" for line in out))
    return 0


class _ProgressBar:
    """A tqdm bar on standard error: release pairs done, source sentences per second, time left."""

    def __init__(self, src_lang: str):
        self._bar = None
        self._src_lang = src_lang
        self._sentences = 0

    def total(self, n: int) -> None:
        import os
        import shutil

        from tqdm import tqdm

        try:
            size = os.get_terminal_size(sys.stderr.fileno())
        except OSError:
            size = os.terminal_size((0, 0))
        # a terminal that reports no size (a fresh pseudo-terminal; tqdm would hide the
        # bar): $COLUMNS x $LINES, else 80 x 24
        fallback = shutil.get_terminal_size((80, 24))
        shape = {} if min(size) > 0 else {"ncols": fallback.columns, "nrows": fallback.lines}
        self._bar = tqdm(total=n, unit="pair", file=sys.stderr, dynamic_ncols=not shape, leave=False,
                         desc="tm align", mininterval=0.2, **shape)

    def update(self, report) -> None:
        self._sentences += report.src.sentences
        elapsed = self._bar.format_dict["elapsed"] or 1e-9
        self._bar.set_postfix_str(f"{self._sentences / elapsed:,.0f} {self._src_lang} sentences/s", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _config(args: argparse.Namespace, **fields):
    """The run's Config: the command's options, and the environment (tm/config.py, the
    one place it is read)."""
    from .config import Config

    if getattr(args, "min_score", None) is not None:
        fields["min_score"] = args.min_score
    if getattr(args, "profile", None) is not None:
        fields["profile"] = args.profile
    if getattr(args, "no_cache", False):
        fields["cache_dir"] = None
    return Config.from_environ(src_lang=args.src_lang, tgt_lang=args.tgt_lang, mode=args.mode, **fields)


def cmd_align(args: argparse.Namespace) -> int:
    from .pipeline import RunOptions, format_summary, run_align, write_report

    config = _config(args)
    glossary = _load_glossary(args.glossary, required=args.glossary is not None)
    bar = _ProgressBar(args.src_lang) if sys.stderr.isatty() else None
    run = RunOptions(executor=args.executor, jobs=args.jobs, scheduler=args.scheduler, cache=not args.no_cache,
                     progress=bar.update if bar else None, total=bar.total if bar else None)
    try:
        summary = run_align(args.corpus, args.out, glossary=glossary, config=config,
                            keep_duplicates=args.keep_duplicates, strict=args.strict, run=run,
                            review=args.review)
    finally:
        if bar is not None:
            bar.close()
    if args.quiet:
        for warning in summary.warnings:
            print(f"warning: {warning}")
    else:
        print(format_summary(summary))
    if args.report:
        write_report(summary, args.report)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .check import format_findings, summarize
    from .corpus import load_corpus
    from .pipeline import align_corpus, check_corpus, is_wrong_pairing, wrong_pairing_warning

    glossary = _load_glossary(args.glossary, required=True)
    config = _config(args)
    corpus = load_corpus(args.corpus, args.src_lang, args.tgt_lang)
    aligned = align_corpus(corpus, glossary, encode=config.encoder(), config=config)
    warnings = corpus.warnings + [wrong_pairing_warning(a) for a in aligned if is_wrong_pairing(a)]
    if args.strict and warnings:
        raise InputError(f"{warnings[0]} (--strict)")
    for warning in warnings:   # on stderr, so that a json/junit/sarif report on stdout stays clean
        print(f"tm: warning: {warning}", file=sys.stderr)
    findings_by_release = check_corpus(aligned, glossary)
    findings = [f for fs in findings_by_release.values() for f in fs]
    report = format_findings(findings, args.format, summarize(findings_by_release))
    if args.output:
        _write_text(args.output, report)
    else:
        sys.stdout.write(report)
    return 1 if any(f.severity == "error" for f in findings) else 0


def cmd_import(args: argparse.Namespace) -> int:
    from .web.importer import format_summary, run_import

    glossary = _load_glossary(args.glossary, required=args.glossary is not None)
    summary = run_import(args.sources, args.corpus, src_lang=args.src_lang, tgt_lang=args.tgt_lang,
                         update=args.update, glossary=glossary, mode=args.mode)
    print(format_summary(summary, args.corpus, args.src_lang, args.tgt_lang))
    return 0


def cmd_glossary_export(args: argparse.Namespace) -> int:
    from .tbx import glossary_to_tbx

    glossary = _load_glossary(args.glossary, required=True)
    if args.format == "omegat":
        from .export import omegat_glossary_text

        data = omegat_glossary_text(glossary).encode("utf-8")
    else:
        data = glossary_to_tbx(glossary, version=args.tbx_version)
    if args.output:
        _write_bytes(args.output, data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_glossary_import(args: argparse.Namespace) -> int:
    from .glossary import write_glossary_tsv
    from .tbx import tbx_to_glossary

    glossary = tbx_to_glossary(Path(args.file))
    write_glossary_tsv(glossary, args.output if args.output else sys.stdout)
    return 0


def _write_text(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    from .fileio import atomic_write_bytes

    atomic_write_bytes(path, data)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _profiles() -> tuple[str, ...]:
    from .export import PROFILES       # tm/data/profiles/

    return PROFILES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tm",
        description="Translation memory from Russian press releases and their English translations: "
                    "segment, align, check terminology, export TMX and PO.",
        epilog="Exit status: 0 success, 1 findings of `tm check`, 2 bad usage or bad input.")
    parser.add_argument("--version", action="version", version=f"tm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def langs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--src-lang", default="ru", metavar="LANG", help="source language (default: ru)")
        p.add_argument("--tgt-lang", default="en", metavar="LANG", help="target language (default: en)")

    def align_mode(p: argparse.ArgumentParser) -> None:
        from .align import MODES

        p.add_argument("--mode", default="default", choices=list(MODES),
                       help="aligner mode: default (most accurate; sentences the cheap evidence is sure of "
                            "are not encoded), full (every sentence encoded: slower), cascade, fast, "
                            "no-embeddings (default: default)")

    p = sub.add_parser("segment", help="split a text into sentences, one per line",
                       description="Print one sentence per line and an empty line after each paragraph "
                                   "(paragraphs are separated by blank lines).")
    p.add_argument("--lang", required=True, metavar="LANG", help="language of the text (ru, en, ...)")
    p.add_argument("file", nargs="?", default="-", metavar="FILE", help="a UTF-8 text file, or - for stdin")
    p.set_defaults(func=cmd_segment)

    p = sub.add_parser("align-lines", help="align two files of one sentence per line",
                       description="Print the alignment as beads `[i, j]:[k]` (0-based line indices), "
                                   "one per line in document order, covering every line exactly once.")
    p.add_argument("src", metavar="SRC", help="source sentences, one per line")
    p.add_argument("tgt", metavar="TGT", help="target sentences, one per line")
    langs(p)
    p.add_argument("--scores", action="store_true", help="append a TAB and the bead's confidence in [0,1]")
    align_mode(p)
    p.set_defaults(func=cmd_align_lines)

    p = sub.add_parser("align", help="build the translation memory of a corpus (the main job)",
                       description="Read every ru/en pair of a corpus, segment, align, check against the "
                                   "glossary, and write DIR/<corpus>.tmx and DIR/po/<id>.po.")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, metavar="DIR",
                   help=f"corpus folder with ru/ and en/ (default: {DEFAULT_CORPUS})")
    p.add_argument("--glossary", type=Path, default=None, metavar="FILE",
                   help=f"glossary table (default: {DEFAULT_GLOSSARY} if present)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help=f"output folder (default: {DEFAULT_OUT})")
    langs(p)
    p.add_argument("--min-score", type=float, default=None, metavar="X",
                   help="leave beads scored under X out of the TMX (default: the aligner's DEFAULT_MIN_SCORE)")
    p.add_argument("--profile", default="generic", choices=_profiles(),
                   help="target CAT tool: language codes and length limits (default: generic)")
    p.add_argument("--keep-duplicates", action="store_true",
                   help="write identical source/target pairs once per occurrence")
    p.add_argument("--report", type=Path, default=None, metavar="FILE.json",
                   help="write the per-pair accounting as JSON")
    p.add_argument("--strict", action="store_true",
                   help="treat any warning (encoding guessed, release without counterpart, wrong "
                        "pairing, empty file, ...) as an error: exit 2, nothing exported")
    align_mode(p)
    p.add_argument("--jobs", type=_positive_int, default=None, metavar="N",
                   help="release pairs processed by N worker processes; 1 = in this process "
                        "(default: the usable cores); exports are byte-identical whatever N")
    p.add_argument("--executor", default="local", choices=("local", "dask"),
                   help="local: this machine (--jobs); dask: a Dask distributed cluster (--scheduler; "
                        "needs pip install 'tm[cluster]' here and tm on the workers) (default: local)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="the Dask scheduler's address, for --executor dask")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the cache folder (the result store of unchanged pairs "
                        "and the sentence-vector store; folder: $TM_CACHE_DIR, else "
                        "$XDG_CACHE_HOME/tm, else ~/.cache/tm)")
    p.add_argument("--review", action="store_true",
                   help="also write DIR/review/: a static report to review the alignment in a browser "
                        "(index.html, a page per release); decisions download as corrections.tsv, which "
                        "tm align reads from the corpus folder")
    p.add_argument("--quiet", action="store_true",
                   help="print no summary (warnings are still printed); a progress bar is shown on "
                        "standard error only when it is a terminal")
    p.set_defaults(func=cmd_align)

    p = sub.add_parser("check", help="check the English against the glossary and the numbers",
                       description="Segment and align the corpus, then report deprecated terms, missing "
                                   "terms, exercise year mismatches and number mismatches. "
                                   "Exit 1 when there is at least one error.")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, metavar="DIR")
    p.add_argument("--glossary", type=Path, default=None, metavar="FILE",
                   help=f"glossary table (default: {DEFAULT_GLOSSARY})")
    p.add_argument("--format", default="text", choices=("text", "json", "junit", "sarif"))
    p.add_argument("--output", type=Path, default=None, metavar="FILE", help="write the report to FILE")
    p.add_argument("--strict", action="store_true",
                   help="treat any corpus warning as an error (exit 2)")
    langs(p)
    align_mode(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("import", help="saved web pages and WARC files -> a corpus folder",
                       description="Extract the article of every saved page (folders of .html/.htm at any "
                                   "depth, wget mirrors) and every HTML response of WARC files (.warc, "
                                   ".warc.gz), pair each source-language page with its translation (same "
                                   "URL path, else date and content), and write DIR/<lang>/<id>.txt and "
                                   "DIR/manifest.tsv. Existing release files are never overwritten "
                                   "without --update. Exit 2 only when a source cannot be read at all.")
    p.add_argument("sources", nargs="+", type=Path, metavar="SOURCE",
                   help="a folder of saved pages, a WARC file or a saved .html page")
    p.add_argument("--corpus", type=Path, required=True, metavar="DIR", help="the corpus folder to write")
    p.add_argument("--glossary", type=Path, default=None, metavar="FILE",
                   help=f"glossary for the content evidence of pairing (default: {DEFAULT_GLOSSARY} if present)")
    p.add_argument("--update", action="store_true",
                   help="rewrite release files whose page changed since they were imported")
    langs(p)
    align_mode(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("glossary", help="export the glossary as TBX, or import TBX",
                       description="Convert between the glossary table and TBX.")
    gsub = p.add_subparsers(dest="glossary_command", metavar="ACTION", required=True)
    g = gsub.add_parser("export", help="write the glossary as TBX")
    g.add_argument("--format", default="tbx", choices=("tbx", "omegat"),
                   help="tbx, or omegat: OmegaT's tab-separated glossary (save it as NAME.utf8)")
    g.add_argument("--tbx-version", type=int, default=3, choices=(2, 3),
                   help="3: TBX 2019 (TBX-Basic); 2: the older martif form OmegaT reads (default: 3)")
    g.add_argument("--glossary", type=Path, default=None, metavar="FILE")
    g.add_argument("--output", type=Path, default=None, metavar="FILE")
    g.set_defaults(func=cmd_glossary_export)
    g = gsub.add_parser("import", help="read TBX into a glossary table")
    g.add_argument("file", metavar="FILE.tbx")
    g.add_argument("--output", type=Path, default=None, metavar="FILE.tsv")
    g.set_defaults(func=cmd_glossary_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"tm: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"tm: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
