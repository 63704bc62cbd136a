"""The dedup index file: the kept documents' keys, paths and signatures, for deduplicating later runs against."""
from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Iterable

import numpy as np

from cleaner.dedup.fingerprint import DedupConfig


INDEX_FORMAT = "cleaner-dedup-index"
INDEX_VERSION = 1


def write_index(path: str | os.PathLike, config: DedupConfig, keys: list[str], paths: list[str],
                lengths: np.ndarray, exact: np.ndarray, sigs: np.ndarray | Iterable[np.ndarray]) -> None:
    """The index file of :meth:`Deduplicator.save_index` from its columns, rows in priority
    order (an engine that clustered elsewhere, :mod:`cleaner.engines.ray_engine`, writes the same bytes).
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


def unpack_strings(arrays: dict[str, np.ndarray], name: str) -> list[str]:
    blob = arrays[name + "_utf8"].tobytes()
    offsets = arrays[name + "_offsets"].tolist()
    return [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(len(offsets) - 1)]
