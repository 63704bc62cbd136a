"""Deduplication on Ray Data: exact groups, LSH buckets, verified pairs and clusters (see engines.ray_engine)."""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Callable

import numpy as np

from cleaner.config import Config
from cleaner.dedup.fingerprint import DedupConfig
from cleaner.dedup.index import write_index
from cleaner.dedup.lsh import bucket_pairs, connected_components, pair_similarity
from cleaner.dedup.result import Cluster, DedupResult, Duplicate
from cleaner.dedup.stage import dedup_config, load_deduplicator


_MAX_LENGTH = (1 << 63) - 1


# -- keys that sort like the keep policy --------------------------------------------------------
def priority(length: int, path: str, key: str) -> bytes:
    """Bytes that sort like the keep policy's ``(-length, path, key)``: the smallest is kept.

    UTF-8 preserves code-point order and NUL (never in a path or key) ends the path, so a
    path sorts before any longer path it is a prefix of, as in Python.

    >>> sorted([priority(5, "b", "k"), priority(9, "z", "k"), priority(5, "a", "k"), priority(5, "a/b", "a")]) == \\
    ...     [priority(9, "z", "k"), priority(5, "a", "k"), priority(5, "a/b", "a"), priority(5, "b", "k")]
    True
    """
    return (b"\x01" + (_MAX_LENGTH - length).to_bytes(8, "big") + path.encode("utf-8", "surrogatepass")
            + b"\x00" + key.encode("utf-8", "surrogatepass"))


def indexed_priority(position: int) -> bytes:
    """Documents of a ``--dedup-against`` index rank before every new one, in stored order."""
    return b"\x00" + position.to_bytes(8, "big")


# -- phase 4: deduplication -----------------------------------------------------------------------
FP_COLUMNS = ("seq", "key", "path", "length", "exact", "sig", "prio")


def _sigs(column, num_perm: int) -> np.ndarray:
    return np.frombuffer(b"".join(column), dtype=np.uint32).reshape(-1, num_perm)


def _similarity_to_first(sigs: list[bytes], num_perm: int) -> np.ndarray:
    """Each signature's estimated Jaccard with the first one (:func:`cleaner.dedup.lsh.pair_similarity`)."""
    rows = np.arange(len(sigs))
    return pair_similarity(_sigs(sigs, num_perm), np.zeros_like(rows), rows)


def _sorted_group(group):
    import pyarrow.compute as pc

    return group.take(pc.sort_indices(group, sort_keys=[("prio", "ascending")]))


def _exact_group(group):
    """Rows of one exact key in keep-policy order: the first is the representative."""
    import pyarrow as pa

    group = _sorted_group(group)
    rep = group["seq"][0].as_py()
    group = group.append_column("rep", pa.array([rep] * len(group), pa.int64()))
    return group.append_column("group", pa.array([len(group)] * len(group), pa.int64()))


def _band_rows(batch, bands: int, rows: int, num_perm: int):
    """One row per (band, key) of each representative: what LSH shuffles."""
    import pyarrow as pa
    from cleaner.dedup import minhash

    keys = minhash.band_keys(_sigs(batch["sig"].to_pylist(), num_perm), bands, rows)  # (n, bands)
    n = len(batch)
    return pa.table({"band": pa.array(np.tile(np.arange(bands, dtype=np.int32), n)),
                     "bkey": pa.array(keys.reshape(-1)),
                     "seq": pa.array(np.repeat(batch["seq"].to_numpy(), bands)),
                     "prio": pa.array(np.repeat(np.array(batch["prio"].to_pylist(), dtype=object), bands),
                                      pa.binary())})


def _bucket_pairs(group, fanout: int):
    """One LSH bucket's candidate pairs, by the local rule (:func:`cleaner.dedup.lsh.bucket_pairs`)."""
    import pyarrow as pa

    seqs = _sorted_group(group)["seq"].to_numpy()
    lo, hi = bucket_pairs(len(seqs), fanout)
    return pa.table({"lo": pa.array(seqs[lo], pa.int64()), "hi": pa.array(seqs[hi], pa.int64())})


def _cogroup_rows(node, peer, sig, prio, is_pair):
    import pyarrow as pa

    return pa.table({"node": pa.array(node, pa.int64()), "peer": pa.array(peer, pa.int64()),
                     "sig": pa.array(sig, pa.binary()), "prio": pa.array(prio, pa.binary()),
                     "is_pair": pa.array(is_pair, pa.bool_())})


def _node_rows(batch):
    n = len(batch)
    return _cogroup_rows(batch["seq"].to_pylist(), [-1] * n, batch["sig"].to_pylist(), batch["prio"].to_pylist(),
                         [False] * n)


def _pair_rows(batch):
    n = len(batch)
    return _cogroup_rows(batch["lo"].to_pylist(), batch["hi"].to_pylist(), [b""] * n, [b""] * n, [True] * n)


def _attach_low_end(group):
    """Pairs grouped by their better-ranked end ``lo`` take its signature, regrouped by ``hi``."""
    import pyarrow as pa
    import pyarrow.compute  # noqa: F401 - pa.compute
    pairs = group.filter(group["is_pair"])
    nodes = group.filter(pa.compute.invert(group["is_pair"]))
    if not len(pairs) or not len(nodes):
        return _cogroup_rows([], [], [], [], [])
    lo, sig, prio = nodes["node"][0].as_py(), nodes["sig"][0].as_py(), nodes["prio"][0].as_py()
    peers = sorted(set(pairs["peer"].to_pylist()))  # one pair found in several bands counts once
    n = len(peers)
    return _cogroup_rows(peers, [lo] * n, [sig] * n, [prio] * n, [True] * n)


def _verify(group, threshold: float, num_perm: int):
    """Pairs grouped by ``hi`` meet its signature: the estimated Jaccard decides the edge."""
    import pyarrow as pa
    import pyarrow.compute  # noqa: F401 - pa.compute

    pairs = group.filter(group["is_pair"])
    nodes = group.filter(pa.compute.invert(group["is_pair"]))
    empty = {"lo": [], "hi": [], "lo_prio": [], "hi_prio": []}
    if len(pairs) and len(nodes):
        keep = _similarity_to_first(nodes["sig"].to_pylist() + pairs["sig"].to_pylist(), num_perm)[1:] >= threshold
        hi, hi_prio = nodes["node"][0].as_py(), nodes["prio"][0].as_py()
        empty = {"lo": pairs["peer"].to_numpy()[keep].tolist(), "hi": [hi] * int(keep.sum()),
                 "lo_prio": [p for p, k in zip(pairs["prio"].to_pylist(), keep) if k],
                 "hi_prio": [hi_prio] * int(keep.sum())}
    return pa.table({"lo": pa.array(empty["lo"], pa.int64()), "hi": pa.array(empty["hi"], pa.int64()),
                     "lo_prio": pa.array(empty["lo_prio"], pa.binary()),
                     "hi_prio": pa.array(empty["hi_prio"], pa.binary())})


def _with_root(batch, roots: dict[int, int]):
    """Each row's kept document: its exact representative's component root."""
    import pyarrow as pa

    root = [roots.get(rep, rep) for rep in batch["rep"].to_pylist()]
    return batch.append_column("root", pa.array(root, pa.int64()))


def _cluster_rows(batch, needed: frozenset[int]):
    """Co-group rows: every dropped document under its root, and each needed root itself."""
    import pyarrow as pa

    seq, root = batch["seq"].to_pylist(), batch["root"].to_pylist()
    take = [r != s or s in needed for s, r in zip(seq, root)]
    out = batch.filter(pa.array(take, pa.bool_()))
    return out.append_column("grp", pa.array([r for r, t in zip(root, take) if t], pa.int64()))


def _cluster(group, num_perm: int):
    """One kept document and its duplicates in keep-policy order, each with its similarity to
    the kept one and ``exact``/``near`` (the local ``Deduplicator._compute`` decisions)."""
    import pyarrow as pa

    group = _sorted_group(group)
    head = group.slice(0, 1)
    sims = _similarity_to_first(group["sig"].to_pylist(), num_perm)
    exact = group["exact"].to_pylist()
    members = [(key, float(sim), "exact" if e == exact[0] else "near")
               for key, sim, e in zip(group["key"].to_pylist()[1:], sims[1:], exact[1:])]
    return pa.table({"seq": pa.array([head["seq"][0].as_py()], pa.int64()),
                     "key": pa.array([head["key"][0].as_py()], pa.string()),
                     "prio": pa.array([head["prio"][0].as_py()], pa.binary()),
                     "members": pa.array([pickle.dumps(members)], pa.binary())})


class DecidedDuplicates:
    """What :class:`~cleaner.dedup.stage.DedupStage` asks of a Deduplicator, with the
    decisions already made on the cluster: ``add`` has nothing left to do."""

    def __init__(self, config: DedupConfig, result: DedupResult, indexed_keys: frozenset[str],
                 index: Callable[[Path], None]):
        self.config, self._result, self._indexed, self._index = config, result, indexed_keys, index

    def __contains__(self, key: str) -> bool:
        return key in self._indexed

    def result(self) -> DedupResult:
        return self._result

    def save_index(self, path: Path) -> None:
        self._index(path)

    def close(self) -> None:
        """Nothing spilled here: the cluster holds the fingerprints."""


def deduplicate(ray, cleaned, config: Config, partitions: int) -> DecidedDuplicates:
    """Phase 4 over the fingerprints of the clean documents (see the module docstring)."""
    import pyarrow as pa

    cfg = dedup_config(config)
    loaded = load_deduplicator(config)  # the --dedup-against indexes, as the local engine loads them
    indexed = loaded.indexed()
    indexed_keys = frozenset(fp.key for fp in indexed)
    fps = cleaned.filter(lambda row: row["kind"] == "live").select_columns(list(FP_COLUMNS))
    if indexed_keys:
        fps = fps.filter(lambda row: row["key"] not in indexed_keys)  # republished: routed as such
        fps = fps.union(ray.data.from_arrow(pa.table({
            "seq": pa.array([-(i + 1) for i in range(len(indexed))], pa.int64()),
            "key": [fp.key for fp in indexed], "path": [fp.path for fp in indexed],
            "length": pa.array([fp.length for fp in indexed], pa.int64()),
            "exact": pa.array([bytes.fromhex(fp.exact) for fp in indexed], pa.binary()),
            "sig": pa.array([fp.signature.tobytes() for fp in indexed], pa.binary()),
            "prio": pa.array([indexed_priority(i) for i in range(len(indexed))], pa.binary())})))
    # one block per input file is right for reading; a sort shuffle costs blocks x partitions
    # tasks, so the fingerprints are coalesced to one block per partition first
    grouped = fps.repartition(partitions, shuffle=False).groupby("exact", num_partitions=partitions)
    rows = grouped.map_groups(_exact_group, batch_format="pyarrow").materialize()
    reps = rows.filter(lambda row: row["seq"] == row["rep"])
    pairs = reps.map_batches(_band_rows, batch_format="pyarrow",
                             fn_kwargs={"bands": cfg.bands, "rows": cfg.rows, "num_perm": cfg.num_perm}) \
        .groupby(["band", "bkey"], num_partitions=partitions) \
        .map_groups(_bucket_pairs, batch_format="pyarrow", fn_kwargs={"fanout": cfg.max_bucket_fanout})
    nodes = reps.map_batches(_node_rows, batch_format="pyarrow")
    low = pairs.map_batches(_pair_rows, batch_format="pyarrow").union(nodes) \
        .groupby("node", num_partitions=partitions).map_groups(_attach_low_end, batch_format="pyarrow").materialize()
    candidates = low.count()  # unique pairs: _attach_low_end drops the copies other bands found
    edges = low.union(nodes).groupby("node", num_partitions=partitions) \
        .map_groups(_verify, batch_format="pyarrow", fn_kwargs={"threshold": cfg.threshold, "num_perm": cfg.num_perm})
    edge_table = _collect(edges, EDGE_SCHEMA)  # the edge list is all the driver sees of the pairs
    # connected components of the verified edges, on the driver: nodes in keep-policy order,
    # so the smallest label of a component is the document to keep
    prio_of = dict(zip(edge_table["lo"].to_pylist(), edge_table["lo_prio"].to_pylist()))
    prio_of.update(zip(edge_table["hi"].to_pylist(), edge_table["hi_prio"].to_pylist()))
    order = sorted(prio_of, key=prio_of.__getitem__)
    index_of = {seq: i for i, seq in enumerate(order)}
    labels = connected_components(len(order), np.array([index_of[s] for s in edge_table["lo"].to_pylist()], np.int64),
                                  np.array([index_of[s] for s in edge_table["hi"].to_pylist()], np.int64))
    roots = {seq: order[label] for seq, label in zip(order, labels.tolist()) if order[label] != seq}
    needed = frozenset(roots.values())
    rooted = rows.map_batches(_with_root, batch_format="pyarrow", fn_kwargs={"roots": roots}).materialize()
    needed = needed | frozenset(_collect(rooted.filter(lambda row: row["group"] > 1 and row["seq"] == row["rep"])
                                         .select_columns(["seq"]), {"seq": "int64"})["seq"].to_pylist())
    clusters = _collect(rooted.map_batches(_cluster_rows, batch_format="pyarrow", fn_kwargs={"needed": needed})
                        .groupby("grp", num_partitions=partitions)
                        .map_groups(_cluster, batch_format="pyarrow", fn_kwargs={"num_perm": cfg.num_perm}),
                        CLUSTER_SCHEMA)

    found = sorted(zip(clusters["prio"].to_pylist(), clusters["seq"].to_pylist(), clusters["key"].to_pylist(),
                       clusters["members"].to_pylist()))  # keep-policy order of the kept documents
    result = DedupResult.from_clusters(
        (Cluster(key, seq < 0, tuple(Duplicate(*member) for member in pickle.loads(blob)))
         for _, seq, key, blob in found),
        rooted.filter(lambda row: row["seq"] >= 0).count(),
        {"indexed": len(indexed), "candidate_pairs": candidates, "verified_pairs": len(edge_table)})

    def save_index(path: Path) -> None:
        # the kept documents (indexed first, then new by rank): the index file is one file the
        # driver writes, so its columns (~0.6 KB per kept document) come here
        kept = _collect(rooted.filter(lambda row: row["root"] == row["seq"] or row["seq"] < 0)
                        .select_columns(list(KEPT_SCHEMA)), KEPT_SCHEMA)
        kept = _sorted_group(kept)
        write_index(path, cfg, kept["key"].to_pylist(), kept["path"].to_pylist(),
                    kept["length"].to_numpy().astype(np.int64),
                    np.frombuffer(b"".join(kept["exact"].to_pylist()), np.uint8).reshape(-1, 16),
                    _sigs(kept["sig"].to_pylist(), cfg.num_perm))

    return DecidedDuplicates(loaded.config, result, indexed_keys, save_index)


EDGE_SCHEMA = {"lo": "int64", "hi": "int64", "lo_prio": "binary", "hi_prio": "binary"}
CLUSTER_SCHEMA = {"seq": "int64", "key": "string", "prio": "binary", "members": "binary"}
KEPT_SCHEMA = {"key": "string", "path": "string", "length": "int64", "exact": "binary", "sig": "binary",
               "prio": "binary"}


def _collect(ds, schema: dict[str, str]):
    """A (small) dataset's rows on the driver as one Arrow table with these columns."""
    import pyarrow as pa

    tables = [t.select(list(schema)) for t in ds.iter_batches(batch_format="pyarrow", batch_size=None) if len(t)]
    if not tables:
        return pa.table({name: pa.array([], getattr(pa, kind)()) for name, kind in schema.items()})
    return pa.concat_tables(tables)
