"""What deduplication needs of one document: its exact key and MinHash signature (pure functions)."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields

import numpy as np

from cleaner.dedup import minhash


# -- configuration -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DedupConfig:
    """Near-duplicate settings.  ``bands``/``rows`` left as None are derived from the threshold.

    Defaults and why (numbers from ``benchmarks/dedup.py`` and the seed articles):

    - ``threshold = 0.4`` and ``ngram = 3``: lower than the 0.7-0.8 on 5-grams of datatrove
      and text-dedup, on purpose.  Editing a share ``e`` of the words at random destroys every
      n-gram touching an edit, so a copy keeps about ``f = (1-e)**n`` of its shingles and its
      Jaccard is ``f / (2-f)``.  At 5-grams that is 0.63 at 5 % edits and 0.42 at 10 %, so a
      0.7 threshold only finds copies with up to ~3 % of words edited.  At 3-grams a copy
      with 10 % edits has J ~0.57 (5th percentile 0.51 in the benchmark), comfortably above
      0.4, while the hard negatives stay far below: the 000/001 seed articles (same event,
      shared quotations) have 3-gram J 0.093 (5-gram 0.067), other same-topic seed pairs
      <= 0.016.  Measured at 10k docs: 3-grams/0.4 recall 0.995 on 10 %-edited copies,
      precision 1.0; 5-grams/0.3 recall 0.95 (0.978 with 256 permutations), 5-grams/0.25
      recall 0.99 but precision 0.998.  For near-verbatim dedup only, use ngram=5,
      threshold=0.75.
    - ``num_perm = 128``: standard error of the estimate sqrt(J(1-J)/128) <= 0.044, 512 bytes
      of signature per document; 256 halves the variance for ~20 % more time.
    - ``bands x rows`` from :func:`cleaner.dedup.minhash.lsh_params` (the S-curve fit, misses
      weighted 4:1 because candidates are verified): 31 x 3 for the defaults, so a pair at
      J = 0.5 becomes a candidate with probability 0.98 and one at J = 0.1 with 0.03.
    - ``max_bucket_fanout = 32``: inside one LSH bucket each document is compared with at most
      the 32 best-ranked members before it, so a huge bucket (a template that survived
      cleaning) costs linear, not quadratic, work; clusters stay connected through them.
    - ``seed = 1``: fixes the permutations; indexes only mix with runs of the same seed.
    """

    threshold: float = 0.4
    ngram: int = 3
    num_perm: int = 128
    bands: int | None = None
    rows: int | None = None
    seed: int = 1
    max_bucket_fanout: int = 32

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 < self.threshold <= 1.0:
            problems.append(f"threshold must be in (0, 1], got {self.threshold!r}")
        for name in ("ngram", "num_perm", "max_bucket_fanout"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                problems.append(f"{name} must be an integer >= 1, got {value!r}")
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            problems.append(f"seed must be an integer in [0, 2**63), got {self.seed!r}")
        if (self.bands is None) != (self.rows is None):
            problems.append("set both bands and rows, or neither (then they are derived)")
        elif self.bands is not None and (self.bands < 1 or self.rows < 1
                                         or self.bands * self.rows > self.num_perm):
            problems.append(f"bands*rows must be in [1, num_perm={self.num_perm}], "
                            f"got {self.bands}*{self.rows}")
        if problems:
            raise ValueError("invalid dedup config: " + "; ".join(problems))
        if self.bands is None:
            bands, rows = minhash.lsh_params(self.threshold, self.num_perm)
            object.__setattr__(self, "bands", bands)
            object.__setattr__(self, "rows", rows)

    @classmethod
    def from_dict(cls, values: dict) -> DedupConfig:
        """Build from a config-file mapping; unknown keys fail, listing the valid ones."""
        valid = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(valid))
        if unknown:
            raise ValueError(f"unknown dedup config key(s) {unknown}; valid keys: {valid}")
        return cls(**values)

    def to_dict(self) -> dict:
        """The resolved settings (derived bands/rows included), for the run manifest."""
        return asdict(self)

    def same_signatures(self, other: DedupConfig) -> bool:
        """True if both compute identical signatures (so an index of one serves the other)."""
        return (self.ngram, self.num_perm, self.seed) == (other.ngram, other.num_perm, other.seed)


# -- per-document pure functions ---------------------------------------------------------------
def exact_key(text: str) -> str:
    """blake2b-128 hex digest of the text's normal form: equal keys = exact duplicates.

    >>> exact_key("Hello,  World!") == exact_key("hello world")
    True
    """
    return _exact_digest(minhash.normal_form(text)).hex()


def _exact_digest(normal: str) -> bytes:
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=16).digest()


def signature(text: str, config: DedupConfig) -> np.ndarray:
    """The ``(num_perm,)`` uint32 MinHash signature of ``text`` (pure; safe in any process)."""
    return minhash.minhash(minhash.normal_form(text), config.ngram, config.num_perm, config.seed)


def band_keys(sig: np.ndarray, config: DedupConfig) -> np.ndarray:
    """LSH keys, uint64 ``(bands,)`` for one signature or ``(n, bands)`` for a matrix.

    Documents are candidates when they share the key of the same band, so a distributed run
    shuffles records by ``(band index, key)``.
    """
    return minhash.band_keys(sig, config.bands, config.rows)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What dedup needs of one document; small, picklable, computed where the text is."""

    key: str
    path: str
    length: int  # characters of the clean text: the first keep criterion
    exact: str  # exact_key()
    signature: np.ndarray  # (num_perm,) uint32

    @property
    def rank(self) -> tuple[int, str, str]:
        """Sort key of the keep policy: smaller is kept."""
        return (-self.length, self.path, self.key)


def fingerprint(key: str, text: str, config: DedupConfig, path: str = "") -> Fingerprint:
    """Exact key and signature of one document, normalising the text once."""
    normal = minhash.normal_form(text)
    sig = minhash.minhash(normal, config.ngram, config.num_perm, config.seed)
    return Fingerprint(key, path, len(text), _exact_digest(normal).hex(), sig)
