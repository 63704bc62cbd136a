"""Deduplication's decisions: for each document, kept or a duplicate of which kept one, and the clusters."""
from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np


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

    @classmethod
    def from_clusters(cls, clusters: Iterable[Cluster], total: int, stats: dict[str, int]) -> DedupResult:
        """The result of clusters decided elsewhere (the Ray engine's tasks), in keep-policy order
        of their kept documents; ``total`` added documents, those in no cluster kept."""
        clusters = tuple(c for c in clusters if c.duplicates)
        decisions = _KeptUnlessListed()
        counts = {"total": total, "forwarded": total, "dropped": 0, "dropped_exact": 0, "dropped_near": 0}
        for cluster in clusters:
            if not cluster.kept_in_index:
                decisions[cluster.kept] = Decision(cluster.kept, True, duplicates=cluster.duplicates)
            for d in cluster.duplicates:
                decisions[d.key] = Decision(d.key, False, cluster.kept, d.similarity, d.reason)
                counts["dropped"] += 1
                counts["dropped_" + d.reason] += 1
        counts["forwarded"] -= counts["dropped"]
        return cls(decisions, clusters, counts, stats)

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


class _KeptUnlessListed(dict):
    """Decisions by key: a document in no cluster is kept and lists no duplicates."""

    def __missing__(self, key: str) -> Decision:
        return Decision(key, True)


class DecisionTable(Mapping):
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
