"""The local executor: chunks of records through worker processes, each finished chunk kept on disk.

A run makes up to two passes over the record stream, each cut into chunks of
:data:`~cleaner.state.CHUNK` records (or :data:`~cleaner.state.CHUNK_BYTES`) in input order:

* ``recurring`` -- parse every record and count the short lines of each site (cc_net's
  recurring lines); the per-chunk counts are summed once the pass is complete;
* ``clean`` -- the whole per-document pipeline; a chunk's documents (clean ones still waiting
  for deduplication, rejects, errors) already encoded for the writer (:mod:`cleaner.finished`),
  their dedup fingerprints, their part of the run report and the step counters.

Whoever processes a chunk (a worker process, or the main process with ``-j 1`` or when there
is only one chunk to do) writes its state file itself (:mod:`cleaner.state`) and hands back
only a :class:`Summary`, so the main process never unpickles documents while the pool works.
At most ``2 x jobs`` chunks are in flight, so memory stays bounded however large the input.
The main process writes the clean pass's chunks as soon as each one and all before it are done,
while the workers go on with the later ones. Step code never knows which process runs it; the
output cannot depend on ``-j``, because the writer takes the chunk files in chunk order.

Every document has a time budget (``doc_timeout``), enforced twice:

* in the process that works on it, ``SIGALRM`` raises :class:`DocumentTimeout` when the budget
  is spent -- enough for anything that returns to the Python interpreter now and then;
* code stuck inside a C library never sees that signal, so each worker also announces the
  document it is on (a shared-memory *heartbeat*), and the main process kills a worker that is
  still on one document a grace period after its budget. The pool is replaced, the chunks in
  flight are handed out again, and the document is *poisoned*: from then on (this phase, the
  next one, a resumed run) it is an error entry without being tried again. A worker that dies
  for another reason (out of memory, a crash in C) poisons the document it held the same way.

Runs with a single chunk of work are done in the main process, where only the alarm applies;
more than one chunk always go through worker processes (one for ``-j 1``), so the watchdog
guards every batch of real size.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Callable, Iterable, Iterator

from cleaner.config import Config
from cleaner.deduplicate import dedup_config, document_fingerprint
from cleaner.document import Document
from cleaner.finished import finish_chunk
from cleaner.parse import failed_document, where
from cleaner.readers import Record
from cleaner.recurring import RecurringLines, parse_for_counts
from cleaner.state import RunState, chunk_path, chunks, load_all, load_first, save_atomic

RECURRING, CLEAN = "recurring", "clean"
PARENT_CHECK_SECONDS = 0.5
WATCHDOG_SECONDS = 0.25  # how often the main process looks at the workers' heartbeats
MAX_CHUNK_RETRIES = 5  # a chunk whose worker died this often without a culprit found stops the run


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
    timeouts: tuple[int, ...] = ()  # positions in the chunk of documents that ran out of time


# -- the time budget of one document ------------------------------------------------------------

class DocumentTimeout(BaseException):
    """Raised by the alarm in a document that overran its budget. A BaseException, like
    KeyboardInterrupt, so that the broad ``except Exception`` of extractors and steps cannot
    swallow it and carry on."""


def hard_limit(budget: float) -> float:
    """Seconds after which the watchdog kills a worker: the budget plus a grace period for the
    alarm to take effect, so only code that ignores the alarm (stuck in C) is killed."""
    return budget + max(1.0, budget / 2)


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Arm SIGALRM for the documents processed inside (the caller re-arms it per document with
    :func:`arm`). A no-op where signals cannot be used: no budget, no SIGALRM (Windows), or not
    the main thread (an API call from a thread) -- the watchdog still guards worker processes."""
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise DocumentTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def arm(seconds: float) -> None:
    if seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        signal.setitimer(signal.ITIMER_REAL, seconds)


def timeout_message(record: Record, budget: float, killed: bool = False) -> str:
    if killed:
        what = (f"did not stop within {hard_limit(budget):g} s although its budget is {budget:g} s (stuck inside a "
                "C library, where the alarm cannot interrupt it), so its worker process was killed and replaced")
    else:
        what = f"took longer than its {budget:g} s budget and was stopped"
    return (f"{where(record)}: processing the document {what}; the run went on without it. Raise the budget "
            "with --doc-timeout SECONDS (0: no limit) if the input is merely large; otherwise the input is "
            "pathological (a page nested thousands of levels deep, a giant table): fix or remove it")


def crash_message(record: Record, exitcode: int | None) -> str:
    how = f"signal {signal.Signals(-exitcode).name}" if exitcode and exitcode < 0 and \
        -exitcode in signal.Signals._value2member_map_ else f"exit code {exitcode}"
    return (f"{where(record)}: the worker process died ({how}) while processing this document: out of memory, "
            "or a crash in a C library on this input; the run went on without it. Remove or fix the input "
            "(and report it if it is a crash)")


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
        self._warm: set[str] = set()  # phases whose lazy set-up is done in this process
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
            part = RecurringLines()
            self._warm_up(phase, parse_for_counts)
            for doc in self._documents(index, records, parse_for_counts, poisoned or {}, timeouts):
                if doc is not None and doc.outcome is None:
                    part.count(doc)
            summary = Summary(len(records), size, timeouts=tuple(timeouts))
            payload = (dict(part.docs), {site: dict(lines) for site, lines in part.lines.items()})
        else:
            pipeline = self.pipeline(state_root)
            self._warm_up(phase, pipeline.process_one)
            for step in pipeline.steps:
                step.stats.clear()
            docs = list(self._documents(index, records, pipeline.process_one, poisoned or {},
                                        timeouts))
            outcomes = Counter("kept" if d.outcome is None else
                               "rejected" if d.outcome.kind == "rejected" else "errored" for d in docs)
            summary = Summary(len(records), size, outcomes["kept"], outcomes["rejected"], outcomes["errored"],
                              tuple(timeouts))
            # Fingerprinted, observed for the report and encoded here, in parallel, rather than
            # by the main process at the end (see cleaner.finished).
            fingerprints = [document_fingerprint(d, self._dedup_config) if d.outcome is None else None
                            for d in docs] if self.config.dedup else None
            finished, report = finish_chunk(docs, self.config.write_txt)
            payload = (finished, {s.name: Counter(s.stats) for s in pipeline.steps}, report, fingerprints)
        save_atomic(chunk_path(state_root, phase, index), summary, payload)
        return summary

    def _warm_up(self, phase: str, process: Callable[[Record], Document]) -> None:
        if phase not in self._warm:
            self._warm.add(phase)
            warm_up(process)

    def _documents(self, index: int, records: list[Record], process: Callable[[Record], Document],
                   poisoned: dict[int, tuple[str, str]], timeouts: list[int]) -> Iterator[Document]:
        beat = self.heartbeat  # the watchdog's view of which document this worker is on
        return within_budget(records, process, self.config.doc_timeout, poisoned, timeouts,
                             on_start=None if beat is None else lambda position: beat.start(self.slot, index, position),
                             on_stop=None if beat is None else lambda: beat.stop(self.slot))


def warm_up(process: Callable[[Record], Document]) -> None:
    """One small page and text through ``process`` before the first real document, outside the
    budget: the first document of a process pays for imports and lazily loaded models (seconds
    on a busy machine), which must not count as its own time."""
    for record in _WARM_UP:
        process(record)


def within_budget(records: list[Record], process: Callable[[Record], Document | None], budget: float,
                  poisoned: dict[int, tuple[str, str]], timeouts: list[int],
                  on_start: Callable[[int], None] | None = None,
                  on_stop: Callable[[], None] | None = None) -> Iterator[Document | None]:
    """Each record through ``process``, one at a time, each within ``budget`` seconds: one that
    overruns becomes a ``timeout`` error (its position appended to ``timeouts``), one that
    crashes a ``parse-crashed`` error. ``poisoned`` (position -> (reason, message)) are errors
    without being tried. Shared by the local workers and the Ray engine's tasks."""
    with alarm(budget):
        for position, record in enumerate(records):
            if position in poisoned:
                reason, message = poisoned[position]
                yield failed_document(record, reason, message)
                continue
            if on_start is not None:
                on_start(position)
            try:
                try:
                    arm(budget)
                    doc = process(record)
                finally:
                    arm(0)
            except DocumentTimeout:
                timeouts.append(position)
                doc = failed_document(record, "timeout", timeout_message(record, budget))
            except Exception as exc:  # noqa: BLE001 - parsing is not a step; its crash is one input's error
                doc = failed_document(record, "parse-crashed", f"{where(record)}: reading the document failed "
                                      f"({type(exc).__name__}: {exc}); the run went on without it. This is a "
                                      "bug in cleaner or a library it uses: please report it with the input")
            if on_stop is not None:
                on_stop()
            yield doc


_WARM_SENTENCE = ("The council met on Monday and approved the budget for the new school after a long debate "
                  "about its costs. ")
_WARM_UP = (Record("<warm-up>", (_WARM_SENTENCE * 3).encode(), "text"),
            Record("<warm-up>", (f"<html><head><title>Budget</title></head><body><article><h1>Budget</h1>"
                                 f"<p>{_WARM_SENTENCE * 3}</p><p>{_WARM_SENTENCE}</p></article></body></html>").encode(),
                   "html"))
_WORKER: ChunkWorker | None = None


def _init_worker(config: Config, heartbeat: Heartbeat | None = None) -> None:
    global _WORKER
    # Ctrl-C is the main process's business: it stops handing out chunks, and a worker
    # finishes (and saves) the chunk it has, so the interrupted run resumes from there.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = ChunkWorker(config, heartbeat=heartbeat)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose main process was killed (SIGKILL, OOM killer) would otherwise live on,
    blocked on a task queue that each worker also holds open, and keep its core busy."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _run_in_worker(phase: str, index: int, records: list[Record], state_root: Path,
                   poisoned: dict[int, tuple[str, str]]) -> Summary:
    return _WORKER.run(phase, index, records, state_root, poisoned)


class Progress:
    """tqdm bars on stderr (documents/s, MB/s, running kept/rejected/errored), or nothing."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self._reset()

    def _reset(self) -> None:
        self.counts: Counter[str] = Counter()
        self.fresh_bytes = 0
        self.t0 = time.monotonic()

    def start(self, desc: str, total: int | None = None) -> None:
        self.close()
        self._reset()
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
        self._heartbeat: Heartbeat | None = None
        self._killed: set[int] = set()  # pids the watchdog killed, for telling a hang from a crash
        self.reused = 0  # chunks loaded from an interrupted run instead of recomputed
        self.records = 0
        # (chunk index, position) -> (reason, message): documents never to be tried again
        self.poisoned: dict[tuple[int, int], tuple[str, str]] = state.marked("poisoned") or {}

    def _poison_of(self, index: int) -> dict[int, tuple[str, str]]:
        return {position: value for (i, position), value in self.poisoned.items() if i == index}

    def _poison(self, index: int, position: int, reason: str, message: str) -> None:
        self.poisoned[(index, position)] = (reason, message)
        self.state.mark("poisoned", self.poisoned)  # a resumed run must not try it again either

    def _finished(self, index: int, chunk: list[Record], summary: Summary) -> None:
        for position in summary.timeouts:  # the next phase need not spend the budget on it again
            if (index, position) not in self.poisoned:
                self._poison(index, position, "timeout", timeout_message(chunk[position], self.config.doc_timeout))
        self.progress.update(summary)

    def run_phase(self, phase: str, records: Iterable[Record]) -> int:
        """Process every chunk of ``records`` not yet done; returns the number of chunks."""
        count = 0
        for count, _ in enumerate(self.finished_in_order(phase, records), 1):
            pass
        return count

    def finished_in_order(self, phase: str, records: Iterable[Record]) -> Iterator[int]:
        """Process every chunk of ``records`` not yet done, yielding chunk indices in input
        order, each as soon as it and every chunk before it are finished (by a worker now or
        by an interrupted run before). The caller works on chunk ``i`` (the main process writes
        its documents) while the workers go on with the chunks after it."""
        self.records = 0
        ready: set[int] = set()  # finished, not yet yielded

        def todo() -> Iterator[tuple[int, list[Record]]]:
            for index, chunk in enumerate(chunks(records)):
                self.records += len(chunk)
                if self.state.done(phase, index):
                    self.reused += 1
                    self.progress.update(load_first(self.state.path(phase, index)), resumed=True)
                    ready.add(index)
                else:
                    yield index, chunk

        pending = todo()
        head = list(islice(pending, 2))
        if len(head) < 2:  # one chunk to do: starting a worker costs more than it saves
            finished = self._inline(phase, head)
        else:
            finished = self._parallel(phase, chain(head, pending))
        next_index = 0
        for index in chain(finished, [None]):  # None: every chunk is read and finished
            if index is not None:
                ready.add(index)
            while next_index in ready:
                ready.remove(next_index)
                yield next_index
                next_index += 1

    def _inline(self, phase: str, todo: list[tuple[int, list[Record]]]) -> Iterator[int]:
        for index, chunk in todo:
            self._finished(index, chunk, self.inline.run(phase, index, chunk, self.state.root,
                                                         self._poison_of(index)))
            yield index

    def _start_pool(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._heartbeat = Heartbeat(self.jobs, context)
        self._pool = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_init_worker,
                                         initargs=(self.config, self._heartbeat))

    def _parallel(self, phase: str, pending: Iterator[tuple[int, list[Record]]]) -> Iterator[int]:
        """The indices of the chunks as the workers finish them (in any order)."""
        if self._pool is None:
            self._start_pool()
        window = 2 * self.jobs
        inflight: dict = {}  # future -> (index, chunk)
        retries: Counter = Counter()

        def submit(index: int, chunk: list[Record]) -> None:
            future = self._pool.submit(_run_in_worker, phase, index, chunk, self.state.root, self._poison_of(index))
            inflight[future] = (index, chunk)

        def fill() -> None:
            while len(inflight) < window:
                item = next(pending, None)
                if item is None:
                    return
                submit(*item)

        fill()
        while inflight:
            done, _ = wait(inflight, timeout=WATCHDOG_SECONDS, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                index, chunk = inflight.pop(future)
                try:
                    summary = future.result()
                except BrokenProcessPool:
                    inflight[future] = (index, chunk)  # handed out again below
                    broken = True
                    continue
                self._finished(index, chunk, summary)
                yield index
            if broken:
                for index, _ in inflight.values():
                    retries[index] += 1
                    if retries[index] > MAX_CHUNK_RETRIES:
                        raise RuntimeError(f"worker processes died {MAX_CHUNK_RETRIES} times on chunk {index} of the "
                                           f"{phase} pass without a document to blame; run again with -j 1 to "
                                           "find the input that causes it")
                self._replace_pool(phase, {index: chunk for index, chunk in inflight.values()})
                again = sorted(inflight.values(), key=lambda item: item[0])
                inflight.clear()
                for index, chunk in again:
                    if self.state.done(phase, index):  # saved just before the pool broke
                        self._finished(index, chunk, load_first(self.state.path(phase, index)))
                        yield index
                    else:
                        submit(index, chunk)
            else:
                self._watch()
            fill()

    def _watch(self) -> None:
        """Kill a worker that is on one document longer than the hard limit (stuck in C)."""
        limit = hard_limit(self.config.doc_timeout)
        if self.config.doc_timeout <= 0 or self._heartbeat is None:
            return
        for pid, _, _, seconds in self._heartbeat.busy():
            if seconds > limit and pid not in self._killed:
                self._killed.add(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def _replace_pool(self, phase: str, chunks_by_index: dict[int, list[Record]]) -> None:
        """After a worker died: poison the document(s) it died on and start a fresh pool.

        The pool terminates the other workers itself (SIGTERM); the worker that died first has
        another exit status (SIGKILL from the watchdog or the OOM killer, SIGSEGV, ...), and its
        heartbeat names the document it was on."""
        processes = dict(self._pool._processes or {})  # pid -> Process; the pool forgets them on shutdown
        busy = self._heartbeat.busy()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
        for pid, index, position, _ in busy:
            process = processes.get(pid)
            exitcode = process.exitcode if process is not None else None
            if exitcode == -signal.SIGTERM or index not in chunks_by_index:
                continue  # a bystander the pool terminated, or a chunk that was already finished
            record = chunks_by_index[index][position]
            if pid in self._killed:
                self._poison(index, position, "timeout", timeout_message(record, self.config.doc_timeout, True))
            else:
                self._poison(index, position, "worker-crashed", crash_message(record, exitcode))
        self._start_pool()

    def results(self, phase: str, count: int) -> Iterator[tuple]:
        """The payloads of a finished phase, in chunk (= input) order."""
        for index in range(count):
            yield self.payload(phase, index)

    def payload(self, phase: str, index: int) -> tuple:
        """What a finished chunk saved: for the clean phase ``(finished documents, step counters,
        their report, fingerprints of the kept ones or None)``."""
        return load_all(self.state.path(phase, index), 2)[1]

    def close(self, failed: bool = False) -> None:
        """Stop the workers; after a failure (a full disk, Ctrl-C) without waiting for the
        chunks they are on: a chunk's state is saved atomically, so a killed one is simply
        redone by the next run. The pool is still shut down with ``wait=True``: leaving its
        manager thread running into interpreter exit races with the exit hook on CPython 3.11
        (``OSError: Bad file descriptor`` printed after our error message)."""
        if self._pool is None:
            return
        if failed:
            for process in list((self._pool._processes or {}).values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
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
               runner: ChunkRunner, skipped: Counter) -> Iterator[tuple]:
    """Both passes, resuming whatever an interrupted run finished, yielding the clean pass's
    chunk payloads (see :meth:`ChunkRunner.results`) in input order as soon as each is ready,
    so the main process writes while the workers clean. ``read(counter)`` opens the record
    stream, counting into ``counter`` what the readers skip; ``skipped`` receives the clean
    pass's count once the last payload is taken."""
    progress = runner.progress
    records = None
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
            records = done["records"]
    clean = state.marked("clean-done")
    if clean is None:
        progress.start("cleaning", total=records)
        counted: Counter = Counter()
        n = 0
        for n, index in enumerate(runner.finished_in_order(CLEAN, read(counted)), 1):
            yield runner.payload(CLEAN, index)
        clean = {"chunks": n, "records": runner.records, "skipped": counted}
        state.mark("clean-done", clean)
        runner.close()  # every chunk is clean: the idle workers' memory goes before the end phase
    else:
        yield from runner.results(CLEAN, clean["chunks"])
    skipped.update(clean["skipped"])
    progress.close()
