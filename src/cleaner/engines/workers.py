"""The local engine's worker side: a chunk of records through one phase, its state file written in the worker."""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

from cleaner.config import Config
from cleaner.dedup.stage import dedup_config
from cleaner.document import Document
from cleaner.engines.budget import record_kind, warm_up, within_budget
from cleaner.engines.phases import clean_chunk, count_chunk
from cleaner.engines.progress import TICKER_NAME, Summary
from cleaner.engines.state import chunk_path, load_first, save_atomic
from cleaner.heuristics.recurring import parse_for_counts
from cleaner.readers.record import Record


RECURRING, CLEAN = "recurring", "clean"
PARENT_CHECK_SECONDS = 0.5


class Heartbeat:
    """Which document each worker is on, in shared memory the main process reads: per slot the
    worker's pid, the chunk index, the position in the chunk and when it started (monotonic
    clock, which is system-wide, so comparable across processes)."""

    FIELDS = 4

    def __init__(self, jobs: int, context):
        self.slots = context.RawArray("d", self.FIELDS * jobs)
        self.next_slot = context.Value("i", 0)

    def claim(self) -> int:
        with self.next_slot.get_lock():
            slot = self.next_slot.value
            self.next_slot.value += 1
        return slot

    def start(self, slot: int, index: int, position: int) -> None:
        base = slot * self.FIELDS
        self.slots[base + 3] = 0.0  # started last, cleared first: a reader never sees a mix
        self.slots[base:base + 3] = [os.getpid(), index, position]
        self.slots[base + 3] = time.monotonic()

    def stop(self, slot: int) -> None:
        self.slots[slot * self.FIELDS + 3] = 0.0

    def busy(self) -> list[tuple[int, int, int, float]]:
        """(pid, chunk index, position, seconds on it) of every worker on a document now."""
        out, now = [], time.monotonic()
        for base in range(0, len(self.slots), self.FIELDS):
            started = self.slots[base + 3]
            pid, index, position = (int(v) for v in self.slots[base:base + 3])
            if started and self.slots[base + 3] == started:
                out.append((pid, index, position, now - started))
        return out


class ChunkWorker:
    """Does one chunk of one phase and persists it; one per process."""

    def __init__(self, config: Config, rules=None, heartbeat: Heartbeat | None = None):
        self.config = config
        self.rules = rules  # the main process passes the rules it loaded; workers load their own
        self._pipeline = None
        self.heartbeat = heartbeat  # set in worker processes: the watchdog reads it
        self._warm: set[tuple[str, str]] = set()  # (phase, record kind) whose lazy set-up is done in this process
        self.slot = heartbeat.claim() if heartbeat is not None else 0
        self._dedup_config = dedup_config(config)

    def pipeline(self, state_root: Path):
        """Built on first use in the clean phase, when the recurring-line counts exist."""
        if self._pipeline is None:
            from cleaner.pipeline import Pipeline

            recurring = None
            if self.config.heuristics and self.config.recurring:
                recurring = load_first(Path(state_root) / "recurring.pkl")["recurring"]
            self._pipeline = Pipeline(self.config, rules=self.rules, recurring=recurring)
        return self._pipeline

    def run(self, phase: str, index: int, records: list[Record], state_root: Path,
            poisoned: dict[int, tuple[str, str]] | None = None) -> Summary:
        """``poisoned``: position in the chunk -> (reason, message) of documents that are errors
        without being tried (they hung or crashed a worker before)."""
        size = sum(len(r.data or b"") for r in records)
        timeouts: list[int] = []
        if phase == RECURRING:
            self._warm_up(phase, parse_for_counts, records)
            payload = count_chunk(lambda process: self._documents(index, records, process, poisoned or {}, timeouts))
            summary = Summary(len(records), size, timeouts=tuple(timeouts))
        else:
            pipeline = self.pipeline(state_root)
            self._warm_up(phase, pipeline.process_one, records)
            done = clean_chunk(pipeline, lambda process: self._documents(index, records, process, poisoned or {},
                                                                         timeouts),
                               self._dedup_config if self.config.dedup else None, self.config)
            outcomes = Counter("kept" if d.outcome is None else
                               "rejected" if d.outcome.kind == "rejected" else "errored" for d in done.docs)
            summary = Summary(len(records), size, outcomes["kept"], outcomes["rejected"], outcomes["errored"],
                              tuple(timeouts))
            payload = (done.finished, done.stats, done.report, done.fingerprints)
        save_atomic(chunk_path(state_root, phase, index), summary, payload)
        return summary

    def _warm_up(self, phase: str, process: Callable[[Record], Document], records: list[Record]) -> None:
        if {(phase, "text"), (phase, "html")} <= self._warm:
            return
        kinds = sorted({record_kind(r) for r in records if r.error is None} - {k for p, k in self._warm if p == phase})
        self._warm.update((phase, kind) for kind in kinds)
        warm_up(process, kinds)

    def _documents(self, index: int, records: list[Record], process: Callable[[Record], Document],
                   poisoned: dict[int, tuple[str, str]], timeouts: list[int]) -> Iterator[Document]:
        beat = self.heartbeat  # the watchdog's view of which document this worker is on
        return within_budget(records, process, self.config.doc_timeout, poisoned, timeouts,
                             on_start=None if beat is None else lambda position: beat.start(self.slot, index, position),
                             on_stop=None if beat is None else lambda: beat.stop(self.slot))


def worker_context():
    """How worker processes start: forked where that is safe (Linux, and no thread in this
    process but the caller and cleaner's progress line, which forking waits for), so that
    they inherit the imported modules, the compiled rules and the loaded models instead of
    loading them again (about a second a worker); spawned otherwise (macOS, Windows, or a
    host program with threads of its own, whose locks a forked child could inherit held)."""
    others = [t for t in threading.enumerate() if t is not threading.current_thread() and t.name != TICKER_NAME]
    fork = sys.platform.startswith("linux") and not others
    return multiprocessing.get_context("fork" if fork else "spawn")


def init_worker(config: Config, heartbeat: Heartbeat | None = None, rules=None) -> None:
    """``rules``: the main process's compiled rules, handed over by a fork (not pickled)."""
    global _WORKER
    for number in signal.valid_signals():  # a forked worker has the host's handlers (the CLI's SIGTERM message)
        if callable(signal.getsignal(number)):
            signal.signal(number, signal.SIG_DFL)
    # Ctrl-C is the main process's business: it stops handing out chunks, and a worker
    # finishes (and saves) the chunk it has, so the interrupted run resumes from there.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = ChunkWorker(config, rules, heartbeat=heartbeat)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose main process was killed (SIGKILL, OOM killer) would otherwise live on,
    blocked on a task queue that each worker also holds open, and keep its core busy."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def run_in_worker(phase: str, index: int, records: list[Record], state_root: Path,
                   poisoned: dict[int, tuple[str, str]]) -> Summary:
    return _WORKER.run(phase, index, records, state_root, poisoned)
