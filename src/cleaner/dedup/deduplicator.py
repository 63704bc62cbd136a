"""The deduplication driver: exact and near duplicates of a run's clean documents.

:class:`Deduplicator` takes fingerprints (:mod:`cleaner.dedup.fingerprint`), finds candidate
pairs by LSH banding, verifies them on the full signatures and clusters them
(:mod:`cleaner.dedup.lsh`); the keep policy ``(-length, path, key)`` makes the decisions
independent of input order and worker count. What counts as a duplicate and the keep
policy: docs/design.md (Deduplication).
"""
from __future__ import annotations

import json
import os
import zipfile
from itertools import chain
from pathlib import Path

import numpy as np

from cleaner.dedup.fingerprint import DedupConfig, Fingerprint, fingerprint
from cleaner.dedup.index import INDEX_FORMAT, INDEX_VERSION, unpack_strings, write_index
from cleaner.dedup.lsh import (bucket_pair_code_blocks, candidate_pair_batches, connected_components,
                               signature_similarity)
from cleaner.dedup.result import DecisionTable, DedupResult
from cleaner.dedup.store import Fingerprints, PathColumn, Rows


class Deduplicator:
    """Collects fingerprints, then clusters them all at once (see the module docstring).

    ``spill``: a folder for the signatures of the added documents; without it they stay in
    memory (512 bytes each at the defaults), which is the faster choice up to a few hundred
    thousand documents."""

    def __init__(self, config: DedupConfig | None = None, spill: str | os.PathLike | None = None) -> None:
        self.config = config or DedupConfig()
        self._new = Fingerprints(self.config, Path(spill) if spill is not None else None)
        self._indexed = Fingerprints(self.config)
        self._indexed_keys: set[str] = set()
        self._result: DedupResult | None = None
        self._kept_rows: np.ndarray | None = None  # rows (priority order) kept, for save_index
        self._order: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._new)

    def __contains__(self, key: str) -> bool:
        """True if ``key`` is a document of a loaded index (the already published corpus)."""
        return key in self._indexed_keys

    def indexed(self) -> list[Fingerprint]:
        """The documents of the loaded indexes (the published corpus), in stored order."""
        return list(self._indexed)

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
            edge = signature_similarity(take, reps[lo], reps[hi]) >= cfg.threshold
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
        similarity[dropped] = signature_similarity(take, root[dropped], dropped)
        exact_copy = np.zeros(total, dtype=bool)
        exact_copy[dropped] = (exact[dropped] == exact[root[dropped]]).all(axis=1)
        table = DecisionTable(idx.keys, new.keys, new.key_hashes, order, root, similarity, exact_copy)
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
        keys = Rows((idx.keys, everything), (new.keys, kept))
        paths = Rows((PathColumn(idx), everything), (PathColumn(new), kept))
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
        keys = unpack_strings(arrays, "keys")
        paths = unpack_strings(arrays, "paths")
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
