"""The local engine: chunks of records through worker processes, each finished chunk kept on disk.

Two passes (``recurring``, then ``clean``) over chunks of the record stream; a worker writes
each chunk's state file itself and hands back a :class:`~cleaner.engines.progress.Summary`;
the main process writes the clean chunks in input order while the workers go on, so the
output cannot depend on ``-j``. Per-document time budgets are enforced by an alarm in the
worker and a heartbeat watchdog in the main process. Details: docs/design.md (Engines).
"""
from __future__ import annotations

import os
import signal
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from cleaner.config import Config
from cleaner.engines.budget import crash_message, hard_limit, record_kind, timeout_message, warm_up
from cleaner.engines.phases import RunResult, versions, write_outputs
from cleaner.engines.progress import Progress, Summary
from cleaner.engines.registry import Engine, register_engine
from cleaner.engines.state import CHUNK, CHUNK_BYTES, RunState, chunks, input_listing, load_all, load_first
from cleaner.engines.workers import CLEAN, ChunkWorker, Heartbeat, RECURRING, init_worker, run_in_worker, worker_context
from cleaner.heuristics.recurring import RecurringLines
from cleaner.output.folder import check_texts_folder
from cleaner.output.sinks import check_available
from cleaner.pipeline import Pipeline, load_rules
from cleaner.readers.record import Record
from cleaner.readers.walk import list_inputs, read_files


WATCHDOG_SECONDS = 0.25  # how often the main process looks at the workers' heartbeats
MAX_CHUNK_RETRIES = 5  # a chunk whose worker died this often without a culprit found stops the run


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1
_WORKER: ChunkWorker | None = None


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

    def _start_pool(self, records: Iterable[Record] = ()) -> None:
        """Forked workers inherit what this process has loaded: the rules, and the lazy models
        the first chunks' kinds of record need (:func:`warm_up`), loaded here once for all."""
        context = worker_context()
        forked = context.get_start_method() == "fork"
        if forked:
            if self.inline.rules is None:
                self.inline.rules = load_rules(self.config)
            kinds = sorted({record_kind(r) for r in records if r.error is None})
            warm_up(Pipeline(self.config, self.inline.rules).process_one, kinds)
        self._heartbeat = Heartbeat(self.jobs, context)
        self._pool = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=init_worker,
                                         initargs=(self.config, self._heartbeat, self.inline.rules if forked else None))

    def _parallel(self, phase: str, pending: Iterator[tuple[int, list[Record]]]) -> Iterator[int]:
        """The indices of the chunks as the workers finish them (in any order)."""
        if self._pool is None:
            head = list(islice(pending, 2))
            pending = chain(head, pending)
            self._start_pool(r for _, chunk in head for r in chunk)
        window = 2 * self.jobs
        inflight: dict = {}  # future -> (index, chunk)
        retries: Counter = Counter()

        def submit(index: int, chunk: list[Record]) -> None:
            future = self._pool.submit(run_in_worker, phase, index, chunk, self.state.root, self._poison_of(index))
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
        if failed:
            self.progress.close()  # no progress line from a run that stopped
        if self._pool is None:
            return
        if failed:
            for process in list((self._pool._processes or {}).values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None


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
            recurring = RecurringLines.merged(runner.results(RECURRING, n)).recurring_only()
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
    else:  # interrupted in the end phase: every chunk was clean
        runner.reused += clean["chunks"]
        yield from runner.results(CLEAN, clean["chunks"])
    skipped.update(clean["skipped"])
    progress.close()


def run_local(inputs: list[Path], out_dir: Path, config: Config = Config(), jobs: int | None = None,
              progress: bool | str = False, config_file: str | None = None,
              log: Callable[[str], None] | None = None, stream: BinaryIO | None = None) -> RunResult:
    """:func:`cleaner.engines.run.run` on this machine's worker processes (the arguments are run's)."""
    rules = load_rules(config)  # loaded before any work, so rule errors cost nothing
    check_available(config.output_format, config.compression)  # a missing pyarrow costs nothing either
    check_texts_folder(out_dir)  # nor do a user's files in OUT/texts, which a run replaces
    jobs = jobs if jobs is not None else config.jobs
    jobs = jobs or available_cores()
    identity = {"versions": versions(), "config": config.to_json(), "rules": rules.digest, "chunk": [CHUNK, CHUNK_BYTES],
                "inputs": [str(Path(p).resolve()) for p in inputs]}
    state = RunState(out_dir, identity, input_listing(list_inputs(inputs)), log,
                     note={"config_file": config_file})
    inputs_seen = state.manifest["inputs"]
    runner = ChunkRunner(config, jobs, state, Progress(bool(progress), config.progress_interval if progress == "lines"
                                                       else 0.0, (inputs_seen["files"], inputs_seen["bytes"])), rules)
    skipped: Counter = Counter()  # read but not documents: WARC requests, images, blank lines
    payloads = run_phases(config, lambda sink=None: read_files(inputs, config, sink), state, runner, skipped)
    pipeline = Pipeline(config, rules)  # the step names, in order, and the rules, for the manifest
    try:
        # The main process writes each chunk as soon as it and the ones before it are clean,
        # while the workers go on (the cleaning bar shows both). Routing in chunk order is input
        # order: the output does not depend on -j or on which chunks an earlier, interrupted
        # run finished.
        result = write_outputs(out_dir, config, payloads, pipeline, skipped, config_file, Progress(False),
                               stream=stream)
    except BaseException:
        runner.close(failed=True)
        state.close(success=False)
        raise
    runner.close()
    if state.resumed and log:
        log(f"resumed {runner.reused} finished chunk(s) of {out_dir}'s interrupted run")
    state.close(success=True)
    return result


register_engine(Engine("local", run_local))
