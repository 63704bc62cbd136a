"""Exact and near-duplicate detection over clean texts: MinHash, LSH banding, connected components.

API
---
Per document (pure functions; run them in worker processes)::

    config = DedupConfig()                      # frozen, validated; defaults documented below
    exact_key(text) -> str                      # blake2b-128 hex of the normal form
    signature(text, config) -> np.ndarray       # (num_perm,) uint32 MinHash signature
    band_keys(sig, config) -> np.ndarray        # (bands,) uint64 LSH keys; (n, bands) for a matrix
    fingerprint(key, text, config, path="") -> Fingerprint   # the record a worker emits

Over all records (the local implementation of what a distributed run shuffles by band key)::

    candidate_pairs(band_key_matrix, max_bucket_fanout) -> (lo, hi)   # int64 index pairs, lo < hi
    bucket_pair_codes(band_key_column, max_bucket_fanout) -> codes     # the same, for one band
    bucket_pair_code_blocks(band_key_column, max_bucket_fanout)       # the same, in blocks
    candidate_pair_batches(band_blocks, n, bands) -> (lo, hi) batches # bounded memory, disk beyond
    pair_similarity(signatures, lo, hi) -> float64                    # estimated Jaccard
    connected_components(n, lo, hi) -> labels                         # smallest index per component

The driver::

    dedup = Deduplicator(config)                # or Deduplicator.load_index(path) for --dedup-against
    dedup.add(key, text, path=source_path)      # or dedup.add_fingerprint(fp) from a worker
    result = dedup.result()                     # DedupResult: decisions, clusters, counts
    dedup.save_index(path)                      # the kept documents, for the next incremental run

What counts as a duplicate
--------------------------
*Exact*: equal :func:`~cleaner.minhash.normal_form` (NFKC, case-folded, punctuation and
whitespace runs collapsed), compared by a 128-bit blake2b digest.
*Near*: estimated Jaccard similarity of the word ``ngram``-gram sets >= ``threshold``.  LSH
only proposes candidates (documents sharing a band key); every candidate pair is verified on
the full signature, and duplicates are the connected components of verified pairs (so a chain
A~B~C puts A and C together even if A and C alone fall below the threshold; the similarity
reported is always the one to the kept document).

Keep policy (deterministic; independent of input order and worker count)
-------------------------------------------------------------------------
In every cluster the document that sorts first by ``(-len(clean text), source path, key)`` is
kept: the longest clean text, then the smallest source path, then the smallest key.  Documents
in a loaded index (the already published corpus) always rank before new ones, so a new document
never displaces an old one: it is dropped as ``duplicate_of`` the indexed document.  Internally
all work is done on documents sorted into that order, so ties inside LSH buckets and the
connected-component labels (the smallest index = the kept document) follow it too.

Defaults, and why (``benchmarks/dedup.py`` measures them)
---------------------------------------------------------
See :class:`DedupConfig`.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from itertools import chain
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from cleaner import minhash

INDEX_FORMAT = "cleaner-dedup-index"
INDEX_VERSION = 1
_MERGE_MIN = 1 << 20  # pair codes pending before a merge: below this, one sort at the end
_PAIRS_IN_MEMORY = 1 << 21  # distinct candidate pairs held at once (16 MB of codes, ~8x that while sorting)
_MAX_PAIR_FILES = 512  # ranges of hi the pairs are scattered into (open files at once)
_PAIR_CHUNK = 1 << 13  # pairs compared per block (signatures of up to 2 x 8192 rows read at once)


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
    - ``bands x rows`` from :func:`cleaner.minhash.lsh_params` (the S-curve fit, misses
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


# -- the steps over all records ----------------------------------------------------------------
def candidate_pairs(keys: np.ndarray, max_bucket_fanout: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique index pairs ``(lo, hi)``, ``lo < hi``, that share a key in some band.

    ``keys`` is the ``(n, bands)`` band-key matrix with rows in keep-policy order.  Inside a
    bucket each member is paired with the (at most ``max_bucket_fanout``) members before it,
    i.e. with the best-ranked ones; pairs come back sorted by ``(lo, hi)``.
    """
    n = len(keys)
    codes = (bucket_pair_code_blocks(keys[:, band], max_bucket_fanout) for band in range(keys.shape[1]))
    batches = list(candidate_pair_batches(codes, n, keys.shape[1]))
    if len(batches) == 1:
        return batches[0]
    order = np.lexsort((np.concatenate([hi for _, hi in batches]), np.concatenate([lo for lo, _ in batches])))
    return np.concatenate([lo for lo, _ in batches])[order], np.concatenate([hi for _, hi in batches])[order]


def bucket_pair_codes(column: np.ndarray, max_bucket_fanout: int) -> np.ndarray:
    """Candidate pairs of one band as codes ``lo * n + hi`` (see :func:`candidate_pairs`)."""
    return np.concatenate([np.empty(0, dtype=np.int64), *bucket_pair_code_blocks(column, max_bucket_fanout)])


def bucket_pair_code_blocks(column: np.ndarray, max_bucket_fanout: int,
                            block: int = 1 << 20) -> Iterator[np.ndarray]:
    """:func:`bucket_pair_codes` in blocks of about ``block`` codes: a band of a corpus dense
    with copies has up to fanout codes per document, and building them at once costs four
    arrays of that size."""
    n = len(column)
    order = np.argsort(column, kind="stable")  # stable: ties stay in rank order
    sorted_keys = column[order]
    new_group = np.empty(n, dtype=bool)
    new_group[:1] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new_group[1:])
    del sorted_keys
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    fanout = np.minimum(np.arange(n) - group_start, max_bucket_fanout)
    ends = np.cumsum(fanout)
    start = 0
    while start < n:  # members [start, stop) give about `block` codes
        stop = max(start + 1, int(np.searchsorted(ends, ends[start] - fanout[start] + block, side="right")))
        part = fanout[start:stop]
        total = int(part.sum())
        if total:
            member = np.repeat(np.arange(start, stop), part)
            offset = np.arange(total) - np.repeat(np.cumsum(part) - part, part)
            partner = np.repeat(group_start[start:stop], part) + offset
            yield order[partner].astype(np.int64) * n + order[member]
        start = stop


def candidate_pair_batches(codes: Iterable[Iterable[np.ndarray]], n: int, bands: int,
                           folder: str | os.PathLike | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The unique pairs ``(lo, hi)`` of the bands' pair codes (per band, blocks of codes), in
    batches that together hold every pair once: one batch sorted by ``(lo, hi)`` while the
    pairs fit in memory, else one per range of ``hi``.

    Codes are merged as they come: most pairs recur in many bands, so the union stays near
    the number of distinct pairs, where keeping every band's codes until the end costs
    bands x fanout x n; merging when the pending codes outgrow the union keeps the sorting
    linear overall (amortised doubling).  A corpus dense with edited copies can still have
    up to fanout x bands distinct pairs per document (a kilobyte of codes): once the union
    passes ``_PAIRS_IN_MEMORY`` the codes are scattered by ``hi`` into files (in ``folder``,
    or the system's temporary folder) and each range is made unique on its own -- ``hi``,
    not ``lo``, because every document is the ``hi`` of at most fanout x bands pairs while
    the best-ranked documents are the ``lo`` of most."""
    unique, pending, waiting, seen = np.empty(0, dtype=np.int64), [], 0, 0
    blocks = ((band, block) for band, band_blocks in enumerate(codes) for block in band_blocks)
    for band, block in blocks:
        pending.append(block)
        waiting += len(block)
        seen += len(block)
        if waiting > max(len(unique), _MERGE_MIN):
            unique, pending, waiting = np.unique(np.concatenate([unique, *pending])), [], 0
            if len(unique) > _PAIRS_IN_MEMORY:
                expected = seen * bands / (band + 1)  # codes of every band, duplicates included
                parts = min(_MAX_PAIR_FILES, int(expected // _PAIRS_IN_MEMORY) + 2)
                yield from _pairs_by_hi(unique, (block for _, block in blocks), n, parts, folder)
                return
    if pending:
        unique = np.unique(np.concatenate([unique, *pending]))
    yield unique // n, unique % n


def _pairs_by_hi(first: np.ndarray, rest: Iterator[np.ndarray], n: int, parts: int,
                 folder: str | os.PathLike | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    width = -(-n // parts)
    with tempfile.TemporaryDirectory(prefix="pairs-", dir=folder) as scratch:
        paths = [Path(scratch) / f"{part}.i64" for part in range(parts)]
        files = [open(path, "wb") for path in paths]
        try:
            for codes in chain([first], rest):
                part = (codes % n) // width
                order = np.argsort(part, kind="stable")
                bounds = np.searchsorted(part[order], np.arange(parts + 1))
                codes = codes[order]
                for index, f in enumerate(files):
                    f.write(codes[bounds[index]:bounds[index + 1]].tobytes())
        finally:
            for f in files:
                f.close()
        for path in paths:
            unique = np.unique(np.fromfile(path, dtype=np.int64))
            path.unlink()
            if len(unique):
                yield unique // n, unique % n


def pair_similarity(signatures: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Estimated Jaccard (share of equal signature entries) of each pair ``(lo[k], hi[k])``."""
    return _similarity(signatures.__getitem__, lo, hi)


def _similarity(take: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """:func:`pair_similarity` with the signatures of a block of rows fetched by ``take``."""
    out = np.empty(len(lo), dtype=np.float64)
    for start in range(0, len(lo), _PAIR_CHUNK):
        a = take(lo[start:start + _PAIR_CHUNK])
        b = take(hi[start:start + _PAIR_CHUNK])
        out[start:start + _PAIR_CHUNK] = np.count_nonzero(a == b, axis=1) / a.shape[1]
    return out


def connected_components(n: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` nodes given edges ``lo[k]-hi[k]``: its smallest member.

    Vectorised hook-and-compress (Shiloach-Vishkin style): every round hooks the larger root
    of each edge under the smaller one, then jumps pointers until every node points at a
    root.  The smallest index of a component is never hooked, so it ends as the label --
    with nodes in keep-policy order that is the document to keep.

    >>> connected_components(6, np.array([4, 1, 2]), np.array([5, 2, 3])).tolist()
    [0, 1, 1, 1, 4, 4]
    """
    parent = np.arange(n, dtype=np.int64)
    lo, hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
    while True:
        root_lo, root_hi = parent[lo], parent[hi]
        differ = root_lo != root_hi
        if not differ.any():
            return parent
        small = np.minimum(root_lo[differ], root_hi[differ])
        large = np.maximum(root_lo[differ], root_hi[differ])
        np.minimum.at(parent, large, small)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Duplicate:
    """A dropped document as its kept document lists it."""

    key: str
    similarity: float  # estimated Jaccard to the kept document (1.0 for exact duplicates)
    reason: str  # "exact" (same normal form as the kept one) or "near"

    def to_json(self) -> dict:
        return {"key": self.key, "similarity": self.similarity, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Decision:
    """The dedup outcome for one added document."""

    key: str
    kept: bool
    duplicate_of: str | None = None  # for dropped documents: the kept (or indexed) one
    similarity: float | None = None  # for dropped documents: estimated Jaccard to it
    reason: str | None = None  # for dropped documents: "exact" or "near"
    duplicates: tuple[Duplicate, ...] = ()  # for kept documents: everything dropped for them

    def to_json(self) -> dict:
        if self.kept:
            return {"kept": True, "duplicates": [d.to_json() for d in self.duplicates]}
        return {"kept": False, "duplicate_of": self.duplicate_of, "similarity": self.similarity,
                "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Cluster:
    """One kept document and the documents dropped as its duplicates, in keep-policy order."""

    kept: str
    kept_in_index: bool  # the kept document is from the loaded index, not from this run
    duplicates: tuple[Duplicate, ...]


class DedupResult:
    """Decisions for every added document (keep-policy order), the clusters and the counters.

    ``decisions`` is a mapping key -> :class:`Decision`; a :class:`Deduplicator`'s builds each
    decision when it is looked up, from a few arrays, so a result over millions of documents
    holds no Python object per document.  ``clusters`` (only those with duplicates, in
    keep-policy order of the kept document) is built on first use; ``cluster_sizes()`` counts
    them without building them.  ``counts``: total / forwarded / dropped / dropped_exact /
    dropped_near (added documents only).  ``stats``: candidate_pairs / verified_pairs / indexed.
    """

    def __init__(self, decisions: Mapping[str, Decision],
                 clusters: tuple[Cluster, ...] | Callable[[], Iterable[Cluster]],
                 counts: dict[str, int], stats: dict[str, int],
                 cluster_sizes: Counter[int] | None = None):
        self.decisions, self._clusters, self.counts, self.stats = decisions, clusters, counts, stats
        self._cluster_sizes = cluster_sizes

    @property
    def clusters(self) -> tuple[Cluster, ...]:
        if callable(self._clusters):
            self._clusters = tuple(self._clusters())
        return self._clusters

    def cluster_sizes(self) -> Counter[int]:
        """Documents per cluster (the kept one included) -> how many clusters have that size."""
        if self._cluster_sizes is None:
            self._cluster_sizes = Counter(1 + len(c.duplicates) for c in self.clusters if c.duplicates)
        return self._cluster_sizes

    def decision(self, key: str, added: int) -> Decision:
        """The decision for the document added ``added``-th, with key ``key``: a Deduplicator's
        table finds it by position (no index of every key), a plain mapping by key."""
        at = getattr(self.decisions, "at", None)
        return at(added, key) if at is not None else self.decisions[key]

    @property
    def kept(self) -> list[str]:
        return [k for k, d in self.decisions.items() if d.kept]

    @property
    def dropped(self) -> dict[str, Decision]:
        return {k: d for k, d in self.decisions.items() if not d.kept}


class _DecisionTable(Mapping):
    """The decisions of one :meth:`Deduplicator.result`, as arrays over the rows in keep-policy
    order (the loaded index's rows first): each row's kept row (``root``), its similarity to it
    and whether it is an exact copy; a :class:`Decision` is built per lookup."""

    def __init__(self, index_keys: Sequence[str], new_keys: Sequence[str], new_key_hashes: array,
                 order: np.ndarray, root: np.ndarray, similarity: np.ndarray, exact_copy: np.ndarray):
        self._index_keys, self._new_keys, self._order = index_keys, new_keys, order
        self._new_key_hashes = new_key_hashes
        # on the first lookup by key: insertion indices sorted by key hash, and the sorted hashes
        self._by_hash: np.ndarray | None = None
        self._sorted_hashes: np.ndarray | None = None
        self._n_index = len(index_keys)
        self._position = np.empty(len(order), dtype=np.int64)  # insertion index -> keep-policy row
        self._position[order] = np.arange(self._n_index, self._n_index + len(order))
        self._root, self._similarity, self._exact_copy = root, similarity, exact_copy
        rows = np.arange(self._n_index, len(root))
        dropped = rows[root[rows] != rows]
        grouped = np.lexsort((dropped, root[dropped]))  # by kept row, then keep-policy order
        self._members, self._member_root = dropped[grouped], root[dropped][grouped]

    def __len__(self) -> int:
        return len(self._order)

    def __iter__(self) -> Iterator[str]:
        return (self._new_keys[i] for i in self._order.tolist())

    def __getitem__(self, key: str) -> Decision:
        if self._by_hash is None:  # by hash, then by string among equal hashes: no key held in memory
            hashes = np.array(self._new_key_hashes, dtype=np.int64)
            self._by_hash = np.argsort(hashes, kind="stable")
            self._sorted_hashes = hashes[self._by_hash]
        wanted = hash(key)
        start = int(np.searchsorted(self._sorted_hashes, wanted, side="left"))
        stop = int(np.searchsorted(self._sorted_hashes, wanted, side="right"))
        for added in self._by_hash[start:stop].tolist():
            if self._new_keys[added] == key:
                return self.at(added)
        raise KeyError(key)

    def at(self, added: int, key: str | None = None) -> Decision:
        """The decision for the document added ``added``-th (checked against ``key`` if given)."""
        if key is not None and hash(key) == self._new_key_hashes[added]:
            key_found = key  # checked by hash: the keys of millions of documents may wait on disk
        else:
            key_found = self._new_keys[added]
            if key is not None and key != key_found:
                raise KeyError(f"document {added} was added as {key_found!r}, not {key!r}")
        row = int(self._position[added])
        kept_row = int(self._root[row])
        if kept_row == row:
            return Decision(key_found, True, duplicates=self._duplicates(row))
        return Decision(key_found, False, self._key(kept_row), float(self._similarity[row]), self._reason(row))

    def _key(self, row: int) -> str:
        return self._index_keys[row] if row < self._n_index else self._new_keys[self._order[row - self._n_index]]

    def _reason(self, row: int) -> str:
        return "exact" if self._exact_copy[row] else "near"

    def _duplicates(self, kept_row: int) -> tuple[Duplicate, ...]:
        start, stop = np.searchsorted(self._member_root, [kept_row, kept_row + 1])
        return tuple(Duplicate(self._key(r), float(self._similarity[r]), self._reason(r))
                     for r in self._members[start:stop].tolist())

    def clusters(self) -> Iterator[Cluster]:
        for kept_row in np.unique(self._member_root).tolist():
            yield Cluster(self._key(kept_row), kept_row < self._n_index, self._duplicates(kept_row))

    def cluster_sizes(self) -> Counter[int]:
        _, members = np.unique(self._member_root, return_counts=True)
        return Counter((1 + members).tolist())


# -- the driver ----------------------------------------------------------------------------------
class _StringFile(Sequence):
    """Strings appended in order and read back by position: their UTF-8 bytes in a file, and in
    memory 8 bytes a string (its end offset) instead of a str object (about 90 bytes for a
    document key, plus the allocator's fragmentation around millions of long-lived small objects)."""

    def __init__(self, path: Path):
        self._ends = array("q")
        self._file = open(path, "w+b")  # read back while appending
        self._unflushed = False

    def append(self, value: str) -> None:
        data = value.encode("utf-8", "surrogatepass")
        self._file.write(data)
        self._ends.append((self._ends[-1] if self._ends else 0) + len(data))
        self._unflushed = True

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        index = range(len(self._ends))[index]  # negative positions, IndexError
        if self._unflushed:
            self._file.flush()
            self._unflushed = False
        start = self._ends[index - 1] if index else 0
        return os.pread(self._file.fileno(), self._ends[index] - start, start).decode("utf-8", "surrogatepass")

    def close(self) -> None:
        self._file.close()


class _Rows(Sequence):
    """Chosen rows of string columns, one after another: ``_Rows((column, rows), ...)``."""

    def __init__(self, *parts: tuple[Sequence[str], np.ndarray]):
        self._parts = [(column, np.asarray(rows, dtype=np.int64)) for column, rows in parts]
        self._length = sum(len(rows) for _, rows in self._parts)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> str:
        index = range(len(self))[index]
        for column, rows in self._parts:
            if index < len(rows):
                return column[int(rows[index])]
            index -= len(rows)
        raise IndexError(index)


class _PathColumn(Sequence):
    """The source path of each document of a :class:`_Fingerprints`, by insertion index."""

    def __init__(self, fingerprints: _Fingerprints):
        self._fingerprints = fingerprints

    def __len__(self) -> int:
        return len(self._fingerprints)

    def __getitem__(self, index: int) -> str:
        fingerprints = self._fingerprints
        return fingerprints.path_names[fingerprints.path_of[index]]


class _Fingerprints:
    """Fingerprint columns, compact enough for millions of documents: keys and their hashes,
    paths as ids of the distinct paths, lengths and 16-byte exact digests in flat arrays,
    signatures in blocks of ``BLOCK`` rows.  With a ``folder`` the keys go to a file and the
    full signature blocks to disk, each with its band keys stored band by band, so clustering
    reads one band column at a time and fetches only the signatures of candidate pairs: memory
    holds about 60 bytes of arrays per document, not 700."""

    BLOCK = 8192

    def __init__(self, config: DedupConfig, folder: Path | None = None):
        self.bands, self.rows, self.num_perm = config.bands, config.rows, config.num_perm
        # in a file beside the signatures when spilling (below); their hashes find equal keys
        # and look keys up without reading them all
        self.keys: list[str] | _StringFile = []
        self.key_hashes = array("q")  # hash() of this process: never stored or sent elsewhere
        self.path_names: list[str] = []
        self._path_ids: dict[str, int] = {}
        self.path_of = array("i")  # per document: index into path_names
        self.lengths = array("q")
        self.exact = bytearray()  # 16 bytes per document
        self._buffer = np.empty((self.BLOCK, self.num_perm), dtype=np.uint32)
        self._fill = 0
        self._blocks: list[np.ndarray] = []  # full blocks, when they stay in memory
        self._sealed = 0  # rows in full blocks
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self.keys = _StringFile(folder / "keys.utf8")
            self._signature_file = open(folder / "signatures.u32", "wb")
            self._band_file = open(folder / "bands.u64", "wb")

    def __len__(self) -> int:
        return len(self.keys)

    def append(self, fp: Fingerprint) -> None:
        self.keys.append(fp.key)
        self.key_hashes.append(hash(fp.key))
        self.path_of.append(self._path_ids.setdefault(fp.path, len(self._path_ids)))
        if len(self._path_ids) > len(self.path_names):
            self.path_names.append(fp.path)
        self.lengths.append(fp.length)
        self.exact += bytes.fromhex(fp.exact)
        self._buffer[self._fill] = fp.signature
        self._fill += 1
        if self._fill == self.BLOCK:
            self._seal()

    def _seal(self) -> None:
        if self.folder is None:
            self._blocks.append(self._buffer)
            self._buffer = np.empty_like(self._buffer)
        else:
            self._signature_file.write(self._buffer.tobytes())
            bands = minhash.band_keys(self._buffer, self.bands, self.rows)
            self._band_file.write(np.ascontiguousarray(bands.T).tobytes())
        self._sealed += self.BLOCK
        self._fill = 0

    def close(self) -> None:
        if self.folder is not None:
            self.keys.close()
            self._signature_file.close()
            self._band_file.close()

    # -- columns, in insertion order --
    def length_array(self) -> np.ndarray:
        return np.array(self.lengths, dtype=np.int64)

    def exact_matrix(self) -> np.ndarray:
        return np.frombuffer(bytes(self.exact), dtype=np.uint8).reshape(-1, 16)

    def band_column(self, band: int) -> np.ndarray:
        """The uint64 keys of one band for every document."""
        parts = []
        if self.folder is None:
            parts = [self._band(block, band) for block in self._blocks]
        elif self._sealed:
            self._band_file.flush()
            with open(self.folder / "bands.u64", "rb") as f:
                for block in range(self._sealed // self.BLOCK):
                    f.seek((block * self.bands + band) * self.BLOCK * 8)
                    parts.append(np.fromfile(f, dtype=np.uint64, count=self.BLOCK))
        parts.append(self._band(self._buffer[:self._fill], band))
        return np.concatenate(parts)

    def _band(self, signatures: np.ndarray, band: int) -> np.ndarray:
        return minhash.band_keys(signatures[:, band * self.rows:(band + 1) * self.rows], 1, self.rows)[:, 0]

    def take(self, rows: np.ndarray) -> np.ndarray:
        """The signatures of the given documents (insertion indices), ``(len(rows), num_perm)``."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), self.num_perm), dtype=np.uint32)
        fresh = rows >= self._sealed
        out[fresh] = self._buffer[rows[fresh] - self._sealed]
        stored = ~fresh
        if not stored.any():
            return out
        if self.folder is None:
            block_of = rows // self.BLOCK
            for block in np.unique(block_of[stored]).tolist():
                mine = block_of == block
                out[mine] = self._blocks[block][rows[mine] - block * self.BLOCK]
        else:
            # read, not mapped: a mapping counts as resident the pages the kernel maps around
            # each one touched (64 KB a fault), which over random rows is the whole file
            self._signature_file.flush()
            wanted, where = np.unique(rows[stored], return_inverse=True)
            found = np.empty((len(wanted), self.num_perm), dtype=np.uint32)
            cuts = np.flatnonzero(np.diff(wanted) != 1) + 1  # runs of consecutive rows: one read each
            row_bytes = 4 * self.num_perm
            with open(self.folder / "signatures.u32", "rb") as f:
                for start, end in zip([0, *cuts.tolist()], [*cuts.tolist(), len(wanted)]):
                    data = os.pread(f.fileno(), (end - start) * row_bytes, int(wanted[start]) * row_bytes)
                    found[start:end] = np.frombuffer(data, dtype=np.uint32).reshape(-1, self.num_perm)
            out[stored] = found[where]
        return out

    def blocks(self, rows: np.ndarray) -> Iterator[np.ndarray]:
        for start in range(0, len(rows), self.BLOCK):
            yield self.take(rows[start:start + self.BLOCK])

    def priority_order(self) -> np.ndarray:
        """Insertion indices in keep-policy order: length and path by numpy; the key, the last
        criterion, only inside runs of equal length and path (no sort of every key string)."""
        keys, n = self.keys, len(self.keys)
        self._check_unique_keys()
        path_rank = np.empty(len(self.path_names), dtype=np.int64)
        path_rank[sorted(range(len(self.path_names)), key=self.path_names.__getitem__)] = \
            np.arange(len(self.path_names))
        paths, lengths = path_rank[np.array(self.path_of, dtype=np.int64)], self.length_array()
        order = np.lexsort((paths, -lengths))
        paths, lengths = paths[order], lengths[order]
        same = (paths[1:] == paths[:-1]) & (lengths[1:] == lengths[:-1])
        cuts = np.flatnonzero(~same) + 1
        starts, ends = np.concatenate(([0], cuts)), np.concatenate((cuts, [n]))
        tied = ends - starts > 1
        for start, end in zip(starts[tied].tolist(), ends[tied].tolist()):
            order[start:end] = sorted(order[start:end].tolist(), key=keys.__getitem__)
        return order.astype(np.int64)

    def _check_unique_keys(self) -> None:
        """Keys must be unique: compared as 64-bit hashes, and as strings where hashes meet."""
        hashes = np.array(self.key_hashes, dtype=np.int64)  # a copy: a view would pin the array's size
        ranked = np.argsort(hashes, kind="stable")
        meet = np.flatnonzero(hashes[ranked][1:] == hashes[ranked][:-1])
        seen: set[str] = set()
        for i in np.unique(np.concatenate((ranked[meet], ranked[meet + 1]))).tolist():
            if self.keys[i] in seen:
                raise ValueError(f"duplicate document key {self.keys[i]!r}: already added from this run; "
                                 "keys must be unique (use the document id)")
            seen.add(self.keys[i])

    def __iter__(self) -> Iterator[Fingerprint]:
        everything = np.arange(len(self))
        for start, signatures in zip(range(0, len(self), self.BLOCK), self.blocks(everything)):
            for i, sig in enumerate(signatures, start):
                yield Fingerprint(self.keys[i], self.path_names[self.path_of[i]], self.lengths[i],
                                  self.exact[16 * i:16 * i + 16].hex(), sig)


class Deduplicator:
    """Collects fingerprints, then clusters them all at once (see the module docstring).

    ``spill``: a folder for the signatures of the added documents; without it they stay in
    memory (512 bytes each at the defaults), which is the faster choice up to a few hundred
    thousand documents."""

    def __init__(self, config: DedupConfig | None = None, spill: str | os.PathLike | None = None) -> None:
        self.config = config or DedupConfig()
        self._new = _Fingerprints(self.config, Path(spill) if spill is not None else None)
        self._indexed = _Fingerprints(self.config)
        self._indexed_keys: set[str] = set()
        self._result: DedupResult | None = None
        self._kept_rows: np.ndarray | None = None  # rows (priority order) kept, for save_index
        self._order: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._new)

    def __contains__(self, key: str) -> bool:
        """True if ``key`` is a document of a loaded index (the already published corpus)."""
        return key in self._indexed_keys

    def close(self) -> None:
        """Close the spill files (the folder is the caller's to remove)."""
        self._new.close()

    def absorb_index(self, other: Deduplicator) -> None:
        """Treat another loaded index's documents as already published too (first one wins)."""
        if not self.config.same_signatures(other.config):
            raise ValueError("dedup indexes with different signature settings cannot be combined")
        for fp in other._indexed:
            if fp.key not in self._indexed_keys:
                self._indexed.append(fp)
                self._indexed_keys.add(fp.key)
        self._result = None

    # -- input --
    def add(self, key: str, text: str, path: str = "") -> None:
        """Add one clean document; ``path`` is its source path (second keep criterion)."""
        self.add_fingerprint(fingerprint(key, text, self.config, path))

    def add_fingerprint(self, fp: Fingerprint) -> None:
        """Add a fingerprint computed elsewhere (a worker) with the same signature settings.
        Keys must be unique: a key of the loaded index fails here, a key added twice in this
        run fails in :meth:`result` (checking it here would cost a set of every key)."""
        if fp.key in self._indexed_keys:
            raise ValueError(f"duplicate document key {fp.key!r}: already added from the loaded index; "
                             "keys must be unique (use the document id)")
        if fp.signature.shape != (self.config.num_perm,) or fp.signature.dtype != np.uint32:
            raise ValueError(f"fingerprint {fp.key!r} has a {fp.signature.dtype}"
                             f"{fp.signature.shape} signature; expected uint32"
                             f"({self.config.num_perm},) from the same DedupConfig")
        self._new.append(fp)
        self._result = None

    # -- clustering --
    def result(self) -> DedupResult:
        """Cluster everything added so far (cached until the next add)."""
        if self._result is None:
            self._result = self._compute()
        return self._result

    def _compute(self) -> DedupResult:
        cfg, new, idx = self.config, self._new, self._indexed
        n_idx = len(idx)
        order = new.priority_order()
        # rows in priority order: the index as stored, then the new documents by rank
        total = n_idx + len(new)
        exact = np.concatenate((idx.exact_matrix(), new.exact_matrix()[order]))
        exact_rep = _first_equal_row(exact)
        reps = np.flatnonzero(exact_rep == np.arange(total))

        def take(rows: np.ndarray) -> np.ndarray:  # signatures of rows in priority order
            out = np.empty((len(rows), cfg.num_perm), dtype=np.uint32)
            indexed = rows < n_idx
            out[indexed] = idx.take(rows[indexed])
            out[~indexed] = new.take(order[rows[~indexed] - n_idx])
            return out

        def codes():  # band by band: one column of keys in memory at a time
            for band in range(cfg.bands):
                column = np.concatenate((idx.band_column(band), new.band_column(band)[order]))[reps]
                yield bucket_pair_code_blocks(column, cfg.max_bucket_fanout)

        labels = np.arange(len(reps))  # per representative: the smallest one it is connected to
        candidates = verified = 0
        for lo, hi in candidate_pair_batches(codes(), len(reps), cfg.bands, new.folder):
            edge = _similarity(take, reps[lo], reps[hi]) >= cfg.threshold
            candidates, verified = candidates + len(lo), verified + int(edge.sum())
            if edge.any():  # join the components found so far through this batch's edges
                labels = connected_components(len(reps), labels[lo[edge]], labels[hi[edge]])[labels]
        rep_root = reps[labels]  # row of the kept document, per representative
        local = np.empty(total, dtype=np.int64)
        local[reps] = np.arange(len(reps))
        root = rep_root[local[exact_rep]]

        rows = np.arange(n_idx, total)
        dropped = rows[root[rows] != rows]
        similarity = np.zeros(total, dtype=np.float64)
        similarity[dropped] = _similarity(take, root[dropped], dropped)
        exact_copy = np.zeros(total, dtype=bool)
        exact_copy[dropped] = (exact[dropped] == exact[root[dropped]]).all(axis=1)
        table = _DecisionTable(idx.keys, new.keys, new.key_hashes, order, root, similarity, exact_copy)
        exact_drops = int(exact_copy.sum())
        counts = {"total": len(new), "forwarded": len(new) - len(dropped), "dropped": len(dropped),
                  "dropped_exact": exact_drops, "dropped_near": len(dropped) - exact_drops}
        self._order = order
        self._kept_rows = np.flatnonzero(root[n_idx:] == rows)
        stats = {"indexed": n_idx, "candidate_pairs": candidates, "verified_pairs": verified}
        return DedupResult(table, table.clusters, counts, stats, table.cluster_sizes())

    # -- the index --
    def save_index(self, path: str | os.PathLike) -> None:
        """Write the indexed documents plus the kept new ones (deterministic bytes).

        The file is a zip of ``.npy`` arrays (readable with ``numpy.load``): ``meta`` (UTF-8
        JSON: format, version, config), ``keys``/``paths`` (UTF-8 bytes plus int64 offsets),
        ``lengths`` int64, ``exact`` uint8 (n, 16) and ``signatures`` uint32 (n, num_perm).
        Band keys are not stored: :func:`band_keys` derives them from the signatures.
        """
        self.result()
        new, idx = self._new, self._indexed
        kept = self._order[self._kept_rows]  # insertion indices of kept docs, priority order
        everything = np.arange(len(idx))
        # views, read one by one while writing: no list of every kept document's key or path
        keys = _Rows((idx.keys, everything), (new.keys, kept))
        paths = _Rows((_PathColumn(idx), everything), (_PathColumn(new), kept))
        lengths = np.concatenate((idx.length_array(), new.length_array()[kept]))
        exact = np.concatenate((idx.exact_matrix(), new.exact_matrix()[kept]))
        write_index(path, self.config, keys, paths, lengths, exact,
                    chain(idx.blocks(everything), new.blocks(kept)))

    @classmethod
    def load_index(cls, path: str | os.PathLike, config: DedupConfig | None = None,
                   spill: str | os.PathLike | None = None) -> Deduplicator:
        """A Deduplicator whose new documents are checked against the indexed corpus.

        ``config`` defaults to the one stored in the index; a different one must compute the
        same signatures (ngram, num_perm, seed) -- threshold and banding may change.
        ``spill``: as for the constructor (the new documents' signatures).
        """
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a readable dedup index ({exc}); "
                             "write one with Deduplicator.save_index") from exc
        try:
            meta = json.loads(bytes(arrays["meta"]).decode("utf-8"))
            assert meta["format"] == INDEX_FORMAT
        except (KeyError, ValueError, AssertionError) as exc:
            raise ValueError(f"{path}: not a cleaner dedup index (no valid 'meta')") from exc
        if meta["version"] != INDEX_VERSION:
            raise ValueError(f"{path}: dedup index version {meta['version']}, this cleaner "
                             f"reads version {INDEX_VERSION}; rebuild the index")
        stored = DedupConfig(**meta["config"])
        if config is None:
            config = stored
        elif not config.same_signatures(stored):
            raise ValueError(f"{path}: index signatures use ngram={stored.ngram}, "
                             f"num_perm={stored.num_perm}, seed={stored.seed}; the given config "
                             f"has ngram={config.ngram}, num_perm={config.num_perm}, "
                             f"seed={config.seed}; use the index's settings or rebuild it")
        dedup = cls(config, spill)
        keys = _unpack_strings(arrays, "keys")
        paths = _unpack_strings(arrays, "paths")
        sigs = arrays["signatures"]
        for i, key in enumerate(keys):
            dedup._indexed.append(Fingerprint(key, paths[i], int(arrays["lengths"][i]),
                                              arrays["exact"][i].tobytes().hex(), sigs[i]))
        dedup._indexed_keys.update(keys)
        return dedup


def _first_equal_row(exact: np.ndarray) -> np.ndarray:
    """For each row of the ``(n, 16)`` digest block, the first row with the same digest."""
    words = np.ascontiguousarray(exact).view(np.uint64)  # (n, 2)
    n = len(words)
    ranked = np.lexsort((np.arange(n), words[:, 1], words[:, 0]))  # equal digests together, by row
    ordered = words[ranked]
    starts = np.ones(n, dtype=bool)
    starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    first = np.empty(n, dtype=np.int64)
    first[ranked] = ranked[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    return first


def write_index(path: str | os.PathLike, config: DedupConfig, keys: list[str], paths: list[str],
                lengths: np.ndarray, exact: np.ndarray, sigs: np.ndarray | Iterable[np.ndarray]) -> None:
    """The index file of :meth:`Deduplicator.save_index` from its columns, rows in priority
    order (an engine that clustered elsewhere, :mod:`cleaner.ray_engine`, writes the same bytes).
    ``exact`` is the uint8 ``(n, 16)`` digest block, ``sigs`` uint32 ``(n, num_perm)``, whole or
    as consecutive blocks of rows (written as they come: the signatures need not fit in memory)."""
    meta = json.dumps({"format": INDEX_FORMAT, "version": INDEX_VERSION,
                       "config": config.to_dict(), "documents": len(keys)},
                      sort_keys=True).encode("utf-8")
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        _write_member(archive, "meta", np.frombuffer(meta, dtype=np.uint8))
        _write_strings(archive, "keys", keys)
        _write_strings(archive, "paths", paths)
        _write_member(archive, "lengths", lengths)
        _write_member(archive, "exact", exact)
        _write_blocks(archive, "signatures", np.uint32, (len(keys), config.num_perm),
                      [sigs] if isinstance(sigs, np.ndarray) else sigs)
    os.replace(tmp, path)


def _write_member(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with _member(archive, name) as member:
        np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)


def _write_blocks(archive: zipfile.ZipFile, name: str, dtype, shape: tuple[int, ...],
                  blocks: Iterable[np.ndarray]) -> None:
    """One ``.npy`` member from consecutive blocks of rows: ``write_array``'s bytes, without
    the whole array in memory."""
    with _member(archive, name) as member:
        np.lib.format.write_array_header_1_0(member, {
            "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape})
        written = 0
        for block in blocks:
            member.write(np.ascontiguousarray(block, dtype=dtype).tobytes())
            written += len(block)
        if written != shape[0]:
            raise ValueError(f"{written} rows of {name} for {shape[0]} index documents")


def _write_strings(archive: zipfile.ZipFile, name: str, values: Sequence[str], batch: int = 65536) -> None:
    """``<name>_utf8`` (the UTF-8 bytes of all values) and ``<name>_offsets`` (int64, n + 1),
    encoded batch by batch: a list of every encoded value cost about 200 bytes a document."""
    n = len(values)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.fromiter((len(v.encode("utf-8")) for v in values), dtype=np.int64, count=n), out=offsets[1:])
    batches = (np.frombuffer("".join(values[j] for j in range(i, min(i + batch, n))).encode("utf-8"), dtype=np.uint8)
               for i in range(0, n, batch))
    _write_blocks(archive, name + "_utf8", np.uint8, (int(offsets[-1]),), batches)
    _write_member(archive, name + "_offsets", offsets)


def _member(archive: zipfile.ZipFile, name: str):
    info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    return archive.open(info, "w", force_zip64=True)


def _unpack_strings(arrays: dict[str, np.ndarray], name: str) -> list[str]:
    blob = arrays[name + "_utf8"].tobytes()
    offsets = arrays[name + "_offsets"].tolist()
    return [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(len(offsets) - 1)]
