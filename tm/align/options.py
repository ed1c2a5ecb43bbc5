"""The aligner's thresholds, named modes and tunables."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

# Beads under this confidence are left out of the TMX by the pipeline (counted
# in the summary): the confidence is a probability of being right (isotonic fit
# on dev), so under 0.5 a bead is more likely wrong than right (test sets: about
# 9 in 10 of them are wrong; calibration table, docs/alignment.md).
DEFAULT_MIN_SCORE = 0.5
# Beads under this confidence are written to PO as fuzzy: translators must look.
# The calibration lifts to >= 0.9 only the region where dev beads are right
# >= 98.5% of the time (benchmarks/align_calibrate.py).
FUZZY_SCORE = 0.9
# document_confidence() below this: the target is not a translation of the
# source (a wrong pairing); the pipeline reports the pair and does not export it.
WRONG_PAIRING_THRESHOLD = 0.5
# Without embeddings in the aligner (--mode no-embeddings), the wrong-pairing
# test encodes this many of the pair's most confident beads (corpora/csto: the
# 20 true pairs reach at least 0.98, the 380 cross pairings at most 0.02).
DOCUMENT_SAMPLE = 6
# In the default mode, the wrong-pairing test counts a pair's sure beads (not
# encoded, tm/align/sure.py) with a fitted typical cosine when it has at least
# this many; fewer are encoded. On the shipped corpus the 380 cross pairings
# have at most 2 sure beads, the true pairs of more than one sentence 7 to 16.
SURE_STANDS_IN = 3

# Named option sets for the command line (`--mode`) and the benchmark; figures
# for each in docs/alignment.md.
MODES = {
    "default": {},                                # sure regions of the cheap pass kept, the rest encoded
    "full": {"sure": 0.0},                        # every sentence and multi-sentence window encoded
    "cascade": {"cascade": 0.2},                  # windows encoded only where a cheap first search doubts
    "fast": {"exact_windows": False},             # windows = mean of their sentence vectors
    "no-embeddings": {"use_embeddings": False},   # length, numbers, names/cognates, glossary only
}

BEAD_TYPES = ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 4), (4, 1))

Anchors = Callable[[str, str], frozenset]


@dataclass
class Options:
    """Tunables of the aligner (tuned on the dev sets only; few on purpose)."""

    bead_types: tuple = BEAD_TYPES
    band: int = 4                 # second pass: sentences either side of the first-pass path
    coarse_band: int = 6          # first pass: band at each finer level
    coarse_cells: int = 40_000    # full matrix at the coarsest level up to this many cells
    margin: float = 0.5           # weight of the mean similarity to the neighbours
    skip: float = -0.2            # score of a 1-0 / 0-1 bead
    w_gain: float = 2.0           # a merged bead whose edge sentence adds nothing to the similarity
    w_length_dev: float = 0.005   # Gale-Church length deviation, per sentence of the bead
    w_length_dev_lexical: float = 0.02  # the same without embeddings, where length weighs more
    length_variance: float = 0.0  # Gale-Church s^2; 0: estimated from the first-pass 1-1 pairs
    w_numbers: float = 0.15       # numbers/dates agreeing (rarity-weighted)
    w_names: float = 0.05         # names/cognates agreeing
    w_anchors: float = 0.1        # glossary concepts agreeing
    w_paragraph: float = 0.1      # a bead crossing a paragraph boundary
    # (?/! agreeing was tried as evidence and left out: it cost 0.5 point on OPUS dev)
    exact_windows: bool = True    # encode multi-sentence windows (False: mean of the sentence vectors)
    cascade: float = 0.0          # > 0: encode windows only near merges and 1-1 beads scoring under this
    use_embeddings: bool = True
    # > 0: 1-1 beads of the cheap pass whose lexical confidence and both
    # neighbours' reach this are kept, their sentences not encoded (tm/align/sure.py)
    sure: float = 0.9
    # ... if their score is above this: shared content, not a plausible length
    # alone (which gives at most lexical_length); set on the dev sets (docs/alignment.md)
    sure_content: float = 0.4
    # ... and the runs of at most this many 1-1 beads between two of them (tm/align/sure.py)
    sure_between: int = 4
    lexical_length: float = 0.3   # without embeddings: score of a perfect length match

    @classmethod
    def from_kwargs(cls, kw: dict) -> "Options":
        unknown = sorted(set(kw) - {f.name for f in fields(cls)})
        if unknown:
            raise TypeError(f"align(): unknown option {unknown[0]!r}")
        return cls(**kw)
