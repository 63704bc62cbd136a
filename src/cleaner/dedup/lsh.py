"""Locality-sensitive hashing over all signatures: candidate pairs by band bucket, their similarity, clusters."""
from __future__ import annotations

import os
import tempfile
from itertools import chain
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np


_MERGE_MIN = 1 << 20  # pair codes pending before a merge: below this, one sort at the end
_PAIRS_IN_MEMORY = 1 << 21  # distinct candidate pairs held at once (16 MB of codes, ~8x that while sorting)
_MAX_PAIR_FILES = 512  # ranges of hi the pairs are scattered into (open files at once)
_PAIR_CHUNK = 1 << 13  # pairs compared per block (signatures of up to 2 x 8192 rows read at once)


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


def bucket_pairs(members: int, max_bucket_fanout: int) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs ``(lo, hi)`` inside one bucket of ``members`` documents in keep-policy
    order, as positions in it: the rule of :func:`candidate_pairs`, run on a single bucket."""
    codes = bucket_pair_codes(np.zeros(members, dtype=np.uint64), max_bucket_fanout)
    return codes // max(members, 1), codes % max(members, 1)


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
    return signature_similarity(signatures.__getitem__, lo, hi)


def signature_similarity(take: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
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
