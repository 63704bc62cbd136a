"""The Ray engine: the same run as the local engine, on a Ray cluster (Ray Data).

``cleaner clean IN -o OUT --engine ray`` gives the same output files, byte for byte; only
where the work runs changes. Ray tasks run the same phase code as local workers (reading,
the recurring-line count, the pipeline, fingerprints, the dedup package's banding,
verification and clustering), and the driver ends the run with
:func:`~cleaner.engines.phases.write_outputs`. The phases as Ray Data plans, and why the
driver routes: docs/design.md (Engines) and docs/ray.md.
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
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from cleaner.config import Config
from cleaner.dedup.stage import DedupStage, dedup_config
from cleaner.engines.budget import timeout_message, warm_up, within_budget
from cleaner.engines.phases import RunResult, clean_chunk, count_chunk, write_outputs
from cleaner.engines.progress import Progress
from cleaner.engines.ray_dedup import deduplicate, priority
from cleaner.engines.ray_write import ShardTasks, upload
from cleaner.engines.registry import Engine, register_engine
from cleaner.engines.state import RunState, chunks, input_listing
from cleaner.heuristics.recurring import RecurringLines, parse_for_counts
from cleaner.output.folder import check_texts_folder
from cleaner.output.report import RunReport
from cleaner.output.sinks import MissingDependency, check_available
from cleaner.pipeline import Pipeline, load_rules
from cleaner.readers.walk import InputFile, read_input, walk_inputs, walk_url


INSTALL_HINT = "--engine ray needs Ray Data: pip install 'cleaner[ray]'"


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


# -- phase 1: reading -----------------------------------------------------------------------------
def list_input_files(inputs: Iterable[Any]) -> list[dict]:
    """Every input file, in the local engine's order: local roots through
    :func:`~cleaner.readers.walk.walk_inputs`, URLs through :func:`~cleaner.readers.walk.walk_url`."""
    files = []
    for root in inputs:
        if not is_url(root):
            files += [{"url": "", "path": str(f.path), "rel": f.rel, "problem": f.problem or "",
                       "message": f.message or "", "skip": f.skip or ""} for f in walk_inputs([Path(root)])]
            continue
        files += [{"url": url, "path": "", "rel": rel, "problem": "", "message": ""} for rel, url in walk_url(str(root))]
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
            found = InputFile(Path(entry["path"]), entry["rel"], entry["problem"] or None, entry["message"] or None,
                              entry.get("skip") or None)
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

    records = _records(batch)
    timeouts: list[int] = []
    _warm_up_once(parse_for_counts)
    docs, lines_of = count_chunk(lambda process: within_budget([r for _, r in records], process, budget, {}, timeouts))
    sites, keys, totals, counts = [], [], [], []
    for position in timeouts:
        sites.append(TIMED_OUT), keys.append(""), totals.append(False), counts.append(records[position][0])
    for site, n in docs.items():
        sites.append(site), keys.append(""), totals.append(True), counts.append(n)
    for site, lines in lines_of.items():
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
        need = [template.needed(docs[site]) for site in batch["site"].to_pylist()]
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
    """A chunk of records in, one row per record (its pickled :class:`~cleaner.output.finished.Finished`,
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
    poisoned = {position: ("timeout", timeout_message(record, budget))
                for position, (seq, record) in enumerate(records) if seq in run.timed_out}
    done = clean_chunk(pipeline, lambda process: within_budget([r for _, r in records], process, budget, poisoned, []),
                       dedup, run.config)
    for (seq, _), item, fp in zip(records, done.finished, done.fingerprints or [None] * len(records)):
        blob = pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
        if fp is not None:
            row(seq, "live", blob, fp.key, fp.path, fp.length, bytes.fromhex(fp.exact), fp.signature.tobytes(),
                priority(fp.length, fp.path, fp.key))
        else:
            row(seq, "doc", blob)
    for file, n, blob in zip(batch["file"].to_pylist(), batch["n"].to_pylist(), batch["record"].to_pylist()):
        if n < 0:
            row(file << 32, "skipped", blob)
    row(-1, "stats", pickle.dumps((done.stats, done.report)))
    types = (pa.int64(), pa.string(), pa.binary(), pa.string(), pa.string(), pa.int64(), pa.binary(),
             pa.binary(), pa.binary())
    return pa.table({name: pa.array(values, t) for (name, values), t in zip(cols.items(), types)})


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


def run_on_ray(inputs: list, out_dir, config: Config = Config(), progress: bool | str = False,
               config_file: str | None = None, log: Callable[[str], None] | None = None,
               stream: BinaryIO | None = None, jobs: int | None = None) -> RunResult:
    """:func:`cleaner.engines.run.run` on Ray: the same output files, byte for byte (``stream``:
    the documents go there, written by the driver). ``jobs`` is not used: a Ray started here
    gets ``config.jobs`` CPUs, a joined cluster has its own.

    Not resumable (Ray retries failed tasks; a run whose driver dies starts again).
    ``out_dir`` may be an fsspec URL: the files are staged on the driver and uploaded.
    """
    rules = load_rules(config)  # rule and output errors before any cluster work
    check_available(config.output_format, config.compression)
    if not is_url(out_dir):
        check_texts_folder(Path(out_dir))
    ray, started = connect(config)
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # output order is input order
        context.enable_progress_bars = progress is True
        # Ray's hash shuffle starts aggregator actors per groupby: ~5 s each on a small cluster,
        # 4x this engine's whole run on the sample corpus. The sort shuffle has no fixed cost;
        # CLEANER_RAY_SHUFFLE=hash_shuffle picks the other for very large clusters (docs/ray.md).
        from ray.data.context import ShuffleStrategy

        context.shuffle_strategy = ShuffleStrategy(os.environ.get("CLEANER_RAY_SHUFFLE", "sort_shuffle_pull_based"))
        partitions = max(1, 2 * int(ray.cluster_resources().get("CPU", 1)))
        files = list_input_files(inputs)
        if not files and not any(is_url(p) for p in [*inputs, out_dir]):
            # nothing to distribute: the local engine writes the (empty) output
            from cleaner.engines.local import run_local

            return run_local(inputs, out_dir, config.replace(engine="local", ray_address=""), progress=progress,
                             config_file=config_file, log=log, stream=stream)
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
                if config.shard_size and not is_url(out_dir) and stream is None else None
            result = write_outputs(local_out, config, _documents(cleaned, skipped), pipeline, skipped, config_file,
                                   Progress(bool(progress), config.progress_interval if progress == "lines" else 0.0),
                                   make_dedup=lambda cfg, writer: DedupStage(cfg, writer, dedup),
                                   make_sink=shard_tasks, stream=stream)
        finally:
            state.close(success=True)
        if is_url(out_dir):
            upload(local_out, str(out_dir))
            shutil.rmtree(local_out, ignore_errors=True)
        return result
    finally:
        if started:
            ray.shutdown()


register_engine(Engine("ray", run_on_ray, reads_urls=True))  # Ray itself is imported when a run starts
