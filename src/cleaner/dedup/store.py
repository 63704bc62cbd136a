"""The fingerprints of a run, in memory or spilled to disk in blocks, with the columns LSH reads."""
from __future__ import annotations

import os
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Iterator

import numpy as np

from cleaner.dedup import minhash
from cleaner.dedup.fingerprint import DedupConfig, Fingerprint


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


class Rows(Sequence):
    """Chosen rows of string columns, one after another: ``Rows((column, rows), ...)``."""

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


class PathColumn(Sequence):
    """The source path of each document of a :class:`Fingerprints`, by insertion index."""

    def __init__(self, fingerprints: Fingerprints):
        self._fingerprints = fingerprints

    def __len__(self) -> int:
        return len(self._fingerprints)

    def __getitem__(self, index: int) -> str:
        fingerprints = self._fingerprints
        return fingerprints.path_names[fingerprints.path_of[index]]


class Fingerprints:
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
