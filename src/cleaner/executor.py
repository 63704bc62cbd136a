"""The local executor: chunks of records through worker processes, each finished chunk kept on disk.

A run makes up to two passes over the record stream, each cut into chunks of
:data:`~cleaner.state.CHUNK` records in input order:

* ``recurring`` -- parse every record and count the short lines of each site (cc_net's
  recurring lines); the per-chunk counts are summed once the pass is complete;
* ``clean`` -- the whole per-document pipeline; a chunk's documents (clean ones still waiting
  for deduplication, rejects, errors) and its step counters.

Whoever processes a chunk (a worker process, or the main process with ``-j 1`` or when there
is only one chunk to do) writes its state file itself (:mod:`cleaner.state`) and hands back
only a :class:`Summary`, so the main process never unpickles documents while the pool works.
At most ``2 x jobs`` chunks are in flight, so memory stays bounded however large the input.
Step code never knows which process runs it; the output cannot depend on ``-j``, because the
global phases afterwards read the chunk files in chunk order.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Callable, Iterable, Iterator

from cleaner.config import Config
from cleaner.parse import parse_record
from cleaner.readers import Record
from cleaner.recurring import RecurringLines
from cleaner.state import CHUNK, RunState, chunk_path, load_all, load_first, save_atomic

RECURRING, CLEAN = "recurring", "clean"
PARENT_CHECK_SECONDS = 0.5


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Summary:
    """What the progress bar needs of a finished chunk."""

    records: int
    bytes: int
    kept: int = 0  # clean, before deduplication
    rejected: int = 0
    errored: int = 0


def chunks(records: Iterable[Record], size: int = CHUNK) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class ChunkWorker:
    """Does one chunk of one phase and persists it; one per process."""

    def __init__(self, config: Config, rules=None):
        self.config = config
        self.rules = rules  # the main process passes the rules it loaded; workers load their own
        self._pipeline = None

    def pipeline(self, state_root: Path):
        """Built on first use in the clean phase, when the recurring-line counts exist."""
        if self._pipeline is None:
            from cleaner.pipeline import Pipeline

            recurring = None
            if self.config.heuristics and self.config.recurring:
                recurring = load_first(Path(state_root) / "recurring.pkl")["recurring"]
            self._pipeline = Pipeline(self.config, rules=self.rules, recurring=recurring)
        return self._pipeline

    def run(self, phase: str, index: int, records: list[Record], state_root: Path) -> Summary:
        size = sum(len(r.data or b"") for r in records)
        if phase == RECURRING:
            part = RecurringLines()
            for record in records:
                doc = parse_record(record)
                if doc.outcome is None:
                    part.count(doc)
            summary = Summary(len(records), size)
            payload = (dict(part.docs), {site: dict(lines) for site, lines in part.lines.items()})
        else:
            pipeline = self.pipeline(state_root)
            for step in pipeline.steps:
                step.stats.clear()
            docs = list(pipeline.process(records))
            outcomes = Counter("kept" if d.outcome is None else
                               "rejected" if d.outcome.kind == "rejected" else "errored" for d in docs)
            summary = Summary(len(records), size, outcomes["kept"], outcomes["rejected"], outcomes["errored"])
            payload = (docs, {s.name: Counter(s.stats) for s in pipeline.steps})
        save_atomic(chunk_path(state_root, phase, index), summary, payload)
        return summary


_WORKER: ChunkWorker | None = None


def _init_worker(config: Config) -> None:
    global _WORKER
    # Ctrl-C is the main process's business: it stops handing out chunks, and a worker
    # finishes (and saves) the chunk it has, so the interrupted run resumes from there.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = ChunkWorker(config)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose main process was killed (SIGKILL, OOM killer) would otherwise live on,
    blocked on a task queue that each worker also holds open, and keep its core busy."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _run_in_worker(phase: str, index: int, records: list[Record], state_root: Path) -> Summary:
    return _WORKER.run(phase, index, records, state_root)


class Progress:
    """tqdm bars on stderr (documents/s, MB/s, running kept/rejected/errored), or nothing."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None

    def start(self, desc: str, total: int | None = None) -> None:
        self.close()
        self.counts: Counter[str] = Counter()
        self.fresh_bytes = 0
        self.t0 = time.monotonic()
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(desc=desc, total=total, unit="doc", file=sys.stderr, dynamic_ncols=True,
                            smoothing=0.1, mininterval=0.5)

    def update(self, summary: Summary, resumed: bool = False) -> None:
        for kind in ("kept", "rejected", "errored"):
            self.counts[kind] += getattr(summary, kind)
        if not resumed:  # MB/s of work done now, not of chunks loaded from an earlier run
            self.fresh_bytes += summary.bytes
        if self.bar is not None:
            elapsed = max(time.monotonic() - self.t0, 1e-6)
            counts = f", kept={self.counts['kept']} rejected={self.counts['rejected']} " \
                     f"errored={self.counts['errored']}" if sum(self.counts.values()) else ""
            rate = f"{self.fresh_bytes / 1e6 / elapsed:.2f} MB/s" if self.fresh_bytes else ""
            self.bar.set_postfix_str(f"{rate}{counts}", refresh=False)
            self.bar.update(summary.records)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class ChunkRunner:
    """Runs the phases over chunks: finished chunks are skipped, the rest go to the workers."""

    def __init__(self, config: Config, jobs: int, state: RunState, progress: Progress, rules=None):
        self.config, self.jobs, self.state, self.progress = config, jobs, state, progress
        self.inline = ChunkWorker(config, rules)
        self._pool: ProcessPoolExecutor | None = None
        self.reused = 0  # chunks loaded from an interrupted run instead of recomputed
        self.records = 0

    def run_phase(self, phase: str, records: Iterable[Record]) -> int:
        """Process every chunk of ``records`` not yet done; returns the number of chunks."""
        count = [0]
        self.records = 0

        def todo() -> Iterator[tuple[int, list[Record]]]:
            for index, chunk in enumerate(chunks(records)):
                count[0] = index + 1
                self.records += len(chunk)
                if self.state.done(phase, index):
                    self.reused += 1
                    self.progress.update(load_first(self.state.path(phase, index)), resumed=True)
                else:
                    yield index, chunk

        pending = todo()
        head = list(islice(pending, 2))
        if self.jobs <= 1 or len(head) < 2:  # one chunk to do: starting workers costs more than it saves
            for index, chunk in chain(head, pending):
                self.progress.update(self.inline.run(phase, index, chunk, self.state.root))
        else:
            self._parallel(phase, chain(head, pending))
        return count[0]

    def _parallel(self, phase: str, pending: Iterator[tuple[int, list[Record]]]) -> None:
        if self._pool is None:
            import multiprocessing

            self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker, initargs=(self.config,))
        window = 2 * self.jobs
        inflight = set()

        def fill() -> None:
            while len(inflight) < window:
                item = next(pending, None)
                if item is None:
                    return
                inflight.add(self._pool.submit(_run_in_worker, phase, item[0], item[1], self.state.root))

        fill()
        while inflight:
            done, inflight = wait(inflight, return_when=FIRST_COMPLETED)
            for future in done:
                self.progress.update(future.result())
            fill()

    def results(self, phase: str, count: int) -> Iterator[tuple]:
        """The payloads of a finished phase, in chunk (= input) order."""
        for index in range(count):
            yield load_all(self.state.path(phase, index), 2)[1]

    def close(self, failed: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not failed, cancel_futures=failed)
            self._pool = None


def merge_recurring(parts: Iterable[tuple[dict, dict]]) -> RecurringLines:
    """Sum the per-chunk line counts (addition: the order of the chunks does not matter)."""
    recurring = RecurringLines()
    for docs, lines in parts:
        recurring.docs.update(docs)
        for site, counts in lines.items():
            recurring.lines[site].update(counts)
    return recurring


def run_phases(config: Config, read: Callable[..., Iterable[Record]], state: RunState,
               runner: ChunkRunner, skipped: Counter) -> tuple[RecurringLines | None, int, int]:
    """Both passes, resuming whatever an interrupted run finished: (recurring lines, clean
    chunks, records). ``read(counter)`` opens the record stream, counting into ``counter``
    what the readers skip; ``skipped`` receives the clean pass's count."""
    progress = runner.progress
    recurring, records = None, None
    if config.heuristics and config.recurring:
        done = state.marked("recurring")
        if done is None:
            progress.start("counting lines")
            n = runner.run_phase(RECURRING, read())
            recurring = merge_recurring(runner.results(RECURRING, n))
            state.mark("recurring", {"recurring": recurring, "records": runner.records})
            state.drop_phase(RECURRING)  # the sum is saved; the parts are not needed any more
            records = runner.records
        else:
            recurring, records = done["recurring"], done["records"]
    clean = state.marked("clean-done")
    if clean is None:
        progress.start("cleaning", total=records)
        counted: Counter = Counter()
        n = runner.run_phase(CLEAN, read(counted))
        clean = {"chunks": n, "records": runner.records, "skipped": counted}
        state.mark("clean-done", clean)
    skipped.update(clean["skipped"])
    progress.close()
    return recurring, clean["chunks"], clean["records"]
