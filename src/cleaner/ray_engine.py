"""The Ray engine: the same run as :func:`cleaner.pipeline.run`, on a Ray cluster (Ray Data).

``cleaner clean IN -o OUT --engine ray [--address auto|ray://host:10001]`` gives the same
output files, byte for byte, as the local engine; only where the work runs changes. Step code
is not duplicated: workers run :func:`~cleaner.readers.read_input`, :class:`~cleaner.pipeline.
Pipeline` and :mod:`cleaner.dedup`'s pure functions, and the driver ends the run with the
local engine's own :func:`~cleaner.pipeline.write_outputs`.

Phases (each a Ray Data plan; ``seq`` numbers records by input file and position in it):

1. *read* -- one task per input file (local, on a shared file system, or any fsspec URL such
   as ``s3://``, fetched to the worker's disk) yields its records in chunks of 64.
2. *recurring lines* -- workers parse the records and count each site's short lines per
   chunk; ``groupby(site, line)`` sums them, a filter keeps the recurring ones (a few
   thousand keys), which go to the clean tasks.
3. *clean* -- tasks (one :class:`Pipeline` per worker process) run the steps over chunks of records,
   fingerprint every clean document (:func:`cleaner.deduplicate.document_fingerprint`), observe
   the chunk for the run report and encode each document for the writer
   (:func:`cleaner.finished.finish`), as the local workers do. The result is materialised in
   the object store (spilled to disk when large), in input order.
4. *dedup* -- exact duplicates: ``groupby(exact key)``; LSH: one row per (band, key) of every
   exact representative, ``groupby(band, key)`` pairs each bucket member with the best-ranked
   ``max_bucket_fanout`` members before it (the local rule, so results match exactly), unique
   pairs by ``groupby(lo, hi)``, verified on the full signatures through two co-groups (the
   signature of each end joins the pair). Only the verified edge list comes to the driver,
   which labels connected components (:func:`cleaner.dedup.connected_components`); a last
   co-group by kept document computes each duplicate's similarity to it. The keep policy is
   the local one: every row carries a byte string that sorts like ``(-length, path, key)``.
5. *write* -- the driver streams the cleaned documents in input order into the same writer,
   report and dedup routing the local engine uses; with ``--shard-size`` each full shard of
   documents goes to a Ray task that writes it with the local sink (:class:`ShardTasks`).

Why the driver routes: the output must be byte-identical to the local engine's, including the
order of ``rejects.jsonl`` (duplicates after the rest), shard boundaries, the ``texts/`` names
and the manifest's counts, which all depend on the global input order and the dedup
decisions. Routing is cheap next to cleaning: the documents arrive JSON-encoded, so the
driver moves strings; the rest of writing is the compression and disk I/O of the document
shards, so that runs on the workers. An
unsharded documents file is one sequential stream, and a URL output folder is not a place
the workers can rename into: there the driver writes the documents too (docs/ray.md).
"""
from __future__ import annotations

import logging
import os
import pickle
import shutil
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from cleaner.config import Config
from cleaner.dedup import (Cluster, Decision, DedupConfig, DedupResult, Duplicate, connected_components,
                           write_index)
from cleaner.deduplicate import DedupStage, dedup_config, document_fingerprint
from cleaner.finished import finish_chunk
from cleaner.outputs import MissingDependency, check_available
from cleaner.pipeline import Pipeline, RunResult, load_rules, write_outputs
from cleaner.readers import InputFile, display_name, read_input, walk_inputs
from cleaner.recurring import RecurringLines, parse_for_counts
from cleaner.report import RunReport
from cleaner.executor import Progress, timeout_message, warm_up, within_budget
from cleaner.state import RunState, chunks, input_listing

INSTALL_HINT = "--engine ray needs Ray Data: pip install 'cleaner[ray]'"
_MAX_LENGTH = (1 << 63) - 1


def import_ray():
    """Ray, imported only when the engine is asked for (a ~80 MB wheel local runs never need)."""
    try:
        import pyarrow  # noqa: F401 - Ray Data's blocks
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise MissingDependency(INSTALL_HINT) from None
    return ray


def is_url(path: Any) -> bool:
    return "://" in str(path)


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


# -- phase 1: reading -----------------------------------------------------------------------------
def list_input_files(inputs: Iterable[Any]) -> list[dict]:
    """Every input file, in the local engine's order: local roots through
    :func:`~cleaner.readers.walk_inputs`, URLs through fsspec (sorted by relative name)."""
    files = []
    for root in inputs:
        if not is_url(root):
            files += [{"url": "", "path": str(f.path), "rel": f.rel, "problem": f.problem or "",
                       "message": f.message or ""} for f in walk_inputs([Path(root)])]
            continue
        import fsspec

        fs, base = fsspec.core.url_to_fs(str(root))
        protocol = str(root).split("://", 1)[0]
        if not fs.isdir(base):
            files.append({"url": str(root), "path": "", "rel": display_name(base.rstrip("/").rsplit("/", 1)[-1]),
                          "problem": "", "message": ""})
            continue
        found = []
        for name in fs.find(base):
            rel = name[len(base.rstrip("/")) + 1:]
            if any(part.startswith(".") for part in rel.split("/")):
                continue  # hidden, as in walk_inputs
            found.append(("/".join(display_name(p) for p in rel.split("/")), f"{protocol}://{name}"))
        files += [{"url": url, "path": "", "rel": rel, "problem": "", "message": ""} for rel, url in sorted(found)]
    for index, entry in enumerate(files):
        entry["file"] = index
    return files


def read_chunks(entry: dict, config: Config) -> Iterator[tuple[list, Counter]]:
    """(records, skipped so far) per chunk of one input file; remote files are fetched first."""
    skipped: Counter = Counter()
    tmp = None
    try:
        if entry["url"]:
            import fsspec

            tmp = tempfile.mkdtemp(prefix="cleaner-ray-")
            local = Path(tmp) / (entry["rel"].rsplit("/", 1)[-1] or "input")
            try:
                fsspec.core.url_to_fs(entry["url"])[0].get_file(fsspec.core.url_to_fs(entry["url"])[1], str(local))
                found = InputFile(local, entry["rel"])
            except Exception as exc:  # noqa: BLE001 - a file that cannot be fetched is an error record
                found = InputFile(Path(entry["url"]), entry["rel"], "unreadable",
                                  f"{entry['url']}: cannot fetch the file ({type(exc).__name__}: {exc}); check "
                                  "the URL and the credentials of the Ray workers")
        else:
            found = InputFile(Path(entry["path"]), entry["rel"], entry["problem"] or None, entry["message"] or None)
        for chunk in chunks(read_input(found, config, skipped)):
            yield chunk, skipped
        yield [], skipped  # the file's final skipped count, after its last record
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def _read_batch(batch, config: Config):
    """map_batches over the file list (one file per batch): chunks of records as rows, then one
    row with the file's skipped counts (``n = -1``)."""
    import pyarrow as pa

    for entry in batch.to_pylist():
        n = 0
        skipped: Counter = Counter()
        for chunk, skipped in read_chunks(entry, config):
            if chunk:
                yield pa.table({"file": pa.array([entry["file"]] * len(chunk), pa.int64()),
                                "n": pa.array(range(n, n + len(chunk)), pa.int64()),
                                "record": pa.array([pickle.dumps(r, pickle.HIGHEST_PROTOCOL) for r in chunk],
                                                   pa.binary())})
                n += len(chunk)
        yield pa.table({"file": pa.array([entry["file"]], pa.int64()), "n": pa.array([-1], pa.int64()),
                        "record": pa.array([pickle.dumps(Counter(skipped))], pa.binary())})


def _records(batch) -> list[tuple[int, Any]]:
    """(seq, record) of the record rows of a batch; seq = file << 32 | position in the file."""
    out = []
    for file, n, blob in zip(batch["file"].to_pylist(), batch["n"].to_pylist(), batch["record"].to_pylist()):
        if n >= 0:
            out.append(((file << 32) | n, pickle.loads(blob)))
    return out


# -- phase 2: recurring lines ---------------------------------------------------------------------
# Rows of the count table that are not counts: the seq (in ``count``) of a record that ran out of
# its time budget while being parsed; the clean phase does not try it again (as locally).
TIMED_OUT = "\x00timeout"


def _count_lines(batch, budget: float):
    """One chunk's recurring-line counts (RecurringLines.count, the local code), as rows."""
    import pyarrow as pa

    part = RecurringLines()
    records = _records(batch)
    timeouts: list[int] = []
    _warm_up_once(parse_for_counts)
    for doc in within_budget([r for _, r in records], parse_for_counts, budget, {}, timeouts):
        if doc is not None and doc.outcome is None:
            part.count(doc)
    sites, keys, totals, counts = [], [], [], []
    for position in timeouts:
        sites.append(TIMED_OUT), keys.append(""), totals.append(False), counts.append(records[position][0])
    for site, n in part.docs.items():
        sites.append(site), keys.append(""), totals.append(True), counts.append(n)
    for site, lines in part.lines.items():
        for key, n in lines.items():
            sites.append(site), keys.append(key), totals.append(False), counts.append(n)
    return pa.table({"site": pa.array(sites, pa.string()), "key": pa.array(keys, pa.string()),
                     "total": pa.array(totals, pa.bool_()), "count": pa.array(counts, pa.int64())})


def count_recurring(records, partitions: int, budget: float) -> tuple[RecurringLines, frozenset[int]]:
    """The local engine's RecurringLines, from a distributed groupby(site, line) sum; only the
    lines that reach the threshold (and the per-site document counts) come to the driver.
    Also the seqs of the records that ran out of time in this phase."""
    import pyarrow as pa

    template = RecurringLines()
    counted = records.map_batches(_count_lines, batch_format="pyarrow", batch_size=None,
                                  fn_kwargs={"budget": budget}).materialize()
    timed_out = frozenset(row["count"] for row in counted.filter(lambda row: row["site"] == TIMED_OUT).take_all())
    summed = counted.filter(lambda row: row["site"] != TIMED_OUT).repartition(partitions, shuffle=False) \
        .groupby(["site", "total", "key"], num_partitions=partitions).sum("count").materialize()
    docs = Counter({row["site"]: row["sum(count)"] for row in
                    summed.filter(lambda row: row["total"]).take_all()})

    def recurring(batch):
        need = [max(template.min_docs, template.min_share * docs[site]) for site in batch["site"].to_pylist()]
        keep = [not total and n >= k for total, n, k in
                zip(batch["total"].to_pylist(), batch["sum(count)"].to_pylist(), need)]
        return batch.filter(pa.array(keep, pa.bool_()))

    result = RecurringLines(docs=docs)
    for row in summed.map_batches(recurring, batch_format="pyarrow").take_all():
        result.lines[row["site"]][row["key"]] = row["sum(count)"]
    return result, timed_out


_WARMED: set[Callable] = set()


def _warm_up_once(process: Callable) -> None:
    """The local engine's warm-up, once per worker process and kind of work."""
    if process not in _WARMED:
        _WARMED.add(process)
        warm_up(process)


# -- phase 3: cleaning ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CleanRun:
    """What the clean tasks of one run share: settings, the recurring-line counts and the
    seqs that overran their time budget in the count phase (not tried again)."""
    token: str  # unique per run: a worker process reused by the next run builds anew
    config: Config
    recurring: RecurringLines | None
    timed_out: frozenset[int]


_CLEANER: tuple[str, Pipeline] | None = None  # (run token, its Pipeline) in this worker process


def _pipeline_for(run: CleanRun) -> Pipeline:
    """One Pipeline per worker process and run (rules compiled once, warmed up once).

    Cleaning runs in Ray *tasks*, not actors: a task runs on its worker's main thread, where
    the time budget's SIGALRM works; Ray Data runs actor calls on other threads."""
    global _CLEANER
    if _CLEANER is None or _CLEANER[0] != run.token:
        pipeline = Pipeline(run.config, recurring=run.recurring)
        warm_up(pipeline.process_one)
        _CLEANER = (run.token, pipeline)
    return _CLEANER[1]


def _clean_batch(batch, run: CleanRun):
    """A chunk of records in, one row per record (its pickled :class:`~cleaner.finished.Finished`,
    plus the fingerprint of a clean one) and one row of step counters and report out."""
    import pyarrow as pa

    pipeline = _pipeline_for(run)
    dedup = dedup_config(run.config) if run.config.dedup else None
    budget = run.config.doc_timeout
    cols: dict[str, list] = {name: [] for name in ("seq", "kind", "payload", "key", "path", "length",
                                                   "exact", "sig", "prio")}

    def row(seq, kind, payload, key="", path="", length=0, exact=b"", sig=b"", prio=b""):
        for name, value in zip(cols, (seq, kind, payload, key, path, length, exact, sig, prio)):
            cols[name].append(value)

    records = _records(batch)
    for step in pipeline.steps:
        step.stats.clear()
    poisoned = {position: ("timeout", timeout_message(record, budget))
                for position, (seq, record) in enumerate(records) if seq in run.timed_out}
    docs = list(within_budget([r for _, r in records], pipeline.process_one, budget, poisoned, []))
    finished, report = finish_chunk(docs, run.config.write_txt)
    for (seq, _), doc, item in zip(records, docs, finished):
        blob = pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
        if doc.outcome is None and dedup is not None:
            fp = document_fingerprint(doc, dedup)  # the local workers' fingerprint
            row(seq, "live", blob, fp.key, fp.path, fp.length, bytes.fromhex(fp.exact), fp.signature.tobytes(),
                priority(fp.length, fp.path, fp.key))
        else:
            row(seq, "doc", blob)
    for file, n, blob in zip(batch["file"].to_pylist(), batch["n"].to_pylist(), batch["record"].to_pylist()):
        if n < 0:
            row(file << 32, "skipped", blob)
    row(-1, "stats", pickle.dumps(({s.name: Counter(s.stats) for s in pipeline.steps}, report)))
    types = (pa.int64(), pa.string(), pa.binary(), pa.string(), pa.string(), pa.int64(), pa.binary(),
             pa.binary(), pa.binary())
    return pa.table({name: pa.array(values, t) for (name, values), t in zip(cols.items(), types)})


# -- phase 4: deduplication -----------------------------------------------------------------------
FP_COLUMNS = ("seq", "key", "path", "length", "exact", "sig", "prio")


def _sigs(column, num_perm: int) -> np.ndarray:
    return np.frombuffer(b"".join(column), dtype=np.uint32).reshape(-1, num_perm)


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
    from cleaner import minhash

    keys = minhash.band_keys(_sigs(batch["sig"].to_pylist(), num_perm), bands, rows)  # (n, bands)
    n = len(batch)
    return pa.table({"band": pa.array(np.tile(np.arange(bands, dtype=np.int32), n)),
                     "bkey": pa.array(keys.reshape(-1)),
                     "seq": pa.array(np.repeat(batch["seq"].to_numpy(), bands)),
                     "prio": pa.array(np.repeat(np.array(batch["prio"].to_pylist(), dtype=object), bands),
                                      pa.binary())})


def _bucket_pairs(group, fanout: int):
    """The local rule (:func:`cleaner.dedup.bucket_pair_codes`): in keep-policy order, each
    member is paired with the first ``min(position, fanout)`` members of its bucket."""
    import pyarrow as pa

    seqs = _sorted_group(group)["seq"].to_pylist()
    lo, hi = [], []
    for i in range(1, len(seqs)):
        for j in range(min(i, fanout)):
            lo.append(seqs[j])
            hi.append(seqs[i])
    return pa.table({"lo": pa.array(lo, pa.int64()), "hi": pa.array(hi, pa.int64())})


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
        mine = _sigs(nodes["sig"].to_pylist(), num_perm)[0]
        sims = np.count_nonzero(_sigs(pairs["sig"].to_pylist(), num_perm) == mine, axis=1) / num_perm
        keep = sims >= threshold
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
    kept_sig = _sigs(head["sig"].to_pylist(), num_perm)[0]
    sims = np.count_nonzero(_sigs(group["sig"].to_pylist(), num_perm) == kept_sig, axis=1) / num_perm
    exact = group["exact"].to_pylist()
    members = [(key, float(sim), "exact" if e == exact[0] else "near")
               for key, sim, e in zip(group["key"].to_pylist()[1:], sims[1:], exact[1:])]
    return pa.table({"seq": pa.array([head["seq"][0].as_py()], pa.int64()),
                     "key": pa.array([head["key"][0].as_py()], pa.string()),
                     "prio": pa.array([head["prio"][0].as_py()], pa.binary()),
                     "members": pa.array([pickle.dumps(members)], pa.binary())})


class DecidedDuplicates:
    """What :class:`~cleaner.deduplicate.DedupStage` asks of a Deduplicator, with the
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


class _Kept(dict):
    """Decisions: a document in no cluster is kept and lists no duplicates."""

    def __missing__(self, key: str) -> Decision:
        return Decision(key, True)


def deduplicate(ray, cleaned, config: Config, partitions: int) -> DecidedDuplicates:
    """Phase 4 over the fingerprints of the clean documents (see the module docstring)."""
    import pyarrow as pa

    cfg = dedup_config(config)
    loaded = DedupStage._load(config)  # the --dedup-against indexes, as the local engine loads them
    indexed = list(loaded._indexed)
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

    decisions = _Kept()
    counts = {"total": 0, "forwarded": 0, "dropped": 0, "dropped_exact": 0, "dropped_near": 0}
    found = []
    for seq, key, prio, blob in zip(clusters["seq"].to_pylist(), clusters["key"].to_pylist(),
                                    clusters["prio"].to_pylist(), clusters["members"].to_pylist()):
        members = pickle.loads(blob)
        if not members:
            continue
        duplicates = tuple(Duplicate(k, sim, reason) for k, sim, reason in members)
        if seq >= 0:
            decisions[key] = Decision(key, True, duplicates=duplicates)
        for k, sim, reason in members:
            decisions[k] = Decision(k, False, key, sim, reason)
            counts["dropped"] += 1
            counts["dropped_" + reason] += 1
        found.append((prio, Cluster(key, seq < 0, duplicates)))
    counts["total"] = rooted.filter(lambda row: row["seq"] >= 0).count()
    counts["forwarded"] = counts["total"] - counts["dropped"]
    result = DedupResult(decisions, tuple(c for _, c in sorted(found, key=lambda item: item[0])), counts,
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


# -- phase 5: writing -------------------------------------------------------------------------------
def _write_shard(folder: str, output_format: str, shard_size: int, compression: str, index: int,
                 lines: list[str]) -> list[tuple[str, int]]:
    """One shard of the documents, written by a Ray task with the local engine's sink: into a
    private folder first, then renamed into ``folder``, so only whole shards appear there."""
    from cleaner.outputs import make_document_sink

    scratch = Path(tempfile.mkdtemp(prefix=".shard-", dir=folder))
    try:
        sink = make_document_sink(scratch, output_format, shard_size, compression, first_shard=index)
        for line in lines:
            sink.write(line)
        files = sink.close()
        for name, _ in files:
            os.replace(scratch / name, Path(folder) / name)
        return files
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class ShardTasks:
    """The document sink of a sharded run on Ray: the driver routes documents in input order
    (so shard boundaries are the local engine's) and hands each full shard to a Ray task,
    which compresses and writes it. At most ``window`` shards are in flight, so the driver
    holds at most that many shards of documents."""

    def __init__(self, ray, folder: Path, config: Config, window: int):
        self.ray, self.folder, self.config, self.window = ray, folder, config, window
        self.lines: list[str] = []
        self.shards: list = []  # one task per shard, in order
        self._write = ray.remote(num_cpus=1)(_write_shard)

    def write(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) == self.config.shard_size:
            self._submit()

    def _submit(self) -> None:
        while True:
            _, running = self.ray.wait(self.shards, num_returns=len(self.shards), timeout=0)
            if len(running) < self.window:
                break
            self.ray.wait(running, num_returns=1)
        self.shards.append(self._write.remote(str(self.folder), self.config.output_format, self.config.shard_size,
                                              self.config.compression, len(self.shards), self.lines))
        self.lines = []

    def close(self) -> list[tuple[str, int]]:
        if self.lines or not self.shards:  # a last, partly filled shard; or the empty first one
            self._submit()
        return [tuple(entry) for files in self.ray.get(self.shards) for entry in files]


# -- the run ----------------------------------------------------------------------------------------
def _documents(cleaned, skipped: Counter) -> Iterator[tuple[list, dict, RunReport, None]]:
    """The cleaned rows in input order, as the local engine's (finished documents, step
    counters, their report, fingerprints): none, as the cluster deduplicated them already."""
    for batch in cleaned.iter_batches(batch_format="pyarrow", batch_size=None):
        docs, stats, report = [], {}, RunReport()
        for kind, blob in zip(batch["kind"].to_pylist(), batch["payload"].to_pylist()):
            if kind == "stats":  # after its clean batch's documents: the report parts merge in order
                counters, part = pickle.loads(blob)
                for name, counter in counters.items():
                    stats.setdefault(name, Counter()).update(counter)
                report.merge(part)
            elif kind == "skipped":
                skipped.update(pickle.loads(blob))
            else:
                docs.append(pickle.loads(blob))
        yield docs, stats, report, None


def connect(config: Config):
    """Join the cluster at ``ray_address`` (or start Ray here; ``jobs`` CPUs when given);
    returns (ray, whether this run started it)."""
    ray = import_ray()
    if ray.is_initialized():
        return ray, False
    options: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING,
                               "log_to_driver": False}
    if config.ray_address:
        options["address"] = config.ray_address
    elif config.jobs:
        options["num_cpus"] = config.jobs
    ray.init(**options)
    return ray, True


def run_on_ray(inputs: list, out_dir, config: Config = Config(), progress: bool = False,
               config_file: str | None = None, log: Callable[[str], None] | None = None) -> RunResult:
    """:func:`cleaner.pipeline.run` on Ray: the same output files, byte for byte.

    Not resumable (Ray retries failed tasks; a run whose driver dies starts again).
    ``out_dir`` may be an fsspec URL: the files are staged on the driver and uploaded.
    """
    rules = load_rules(config)  # rule and output errors before any cluster work
    check_available(config.output_format, config.compression)
    ray, started = connect(config)
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # output order is input order
        context.enable_progress_bars = progress
        # Ray's hash shuffle starts aggregator actors per groupby: ~5 s each on a small cluster,
        # 4x this engine's whole run on the sample corpus. The sort shuffle has no fixed cost;
        # CLEANER_RAY_SHUFFLE=hash_shuffle picks the other for very large clusters (docs/ray.md).
        from ray.data.context import ShuffleStrategy

        context.shuffle_strategy = ShuffleStrategy(os.environ.get("CLEANER_RAY_SHUFFLE", "sort_shuffle_pull_based"))
        partitions = max(1, 2 * int(ray.cluster_resources().get("CPU", 1)))
        files = list_input_files(inputs)
        if not files and not any(is_url(p) for p in [*inputs, out_dir]):
            # nothing to distribute: the local engine writes the (empty) output
            from cleaner.pipeline import run

            return run(inputs, out_dir, config.replace(engine="local", ray_address=""), progress=progress,
                       config_file=config_file, log=log)
        def read():
            # a few tasks per CPU: enough to balance large and small files, few enough that
            # per-task overhead stays small for folders of many small pages
            return ray.data.from_items(files, override_num_blocks=min(len(files), 2 * partitions)) \
                .map_batches(_read_batch, batch_format="pyarrow", batch_size=1, fn_kwargs={"config": config})

        recurring, timed_out = None, frozenset()
        if config.heuristics and config.recurring:
            recurring, timed_out = count_recurring(read(), partitions, config.doc_timeout)
        pipeline = Pipeline(config, rules=rules)  # the step names and rule digest, for the manifest
        run = CleanRun(uuid.uuid4().hex, config, recurring, timed_out)
        cleaned = read().map_batches(_clean_batch, batch_format="pyarrow", batch_size=None,
                                     fn_kwargs={"run": run}).materialize()
        dedup = deduplicate(ray, cleaned, config, partitions) if config.dedup else None
        skipped: Counter = Counter()
        local_out = Path(tempfile.mkdtemp(prefix="cleaner-ray-out-")) if is_url(out_dir) else Path(out_dir)
        state = RunState(local_out, {"engine": "ray", "config": config.to_json()}, input_listing([]), log)
        try:
            # sharded output into a folder every node reaches: the shards are written by tasks
            shard_tasks = (lambda stage: ShardTasks(ray, stage, config, window=partitions)) \
                if config.shard_size and not is_url(out_dir) else None
            result = write_outputs(local_out, config, _documents(cleaned, skipped), pipeline, skipped, config_file,
                                   Progress(progress), make_dedup=lambda cfg, writer: DedupStage(cfg, writer, dedup),
                                   make_sink=shard_tasks)
        finally:
            state.close(success=True)
        if is_url(out_dir):
            _upload(local_out, str(out_dir))
            shutil.rmtree(local_out, ignore_errors=True)
        return result
    finally:
        if started:
            ray.shutdown()


def _upload(local: Path, url: str) -> None:
    import fsspec

    fs, base = fsspec.core.url_to_fs(url)
    for folder, _, names in os.walk(local):
        for name in names:
            path = Path(folder, name)
            target = f"{base.rstrip('/')}/{path.relative_to(local).as_posix()}"
            fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            fs.put_file(str(path), target)
