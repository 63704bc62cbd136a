"""The progress of a run (bars on a terminal, lines in a log) and the per-chunk counts that drive it."""
from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass


# Held while the progress thread writes a line. A worker process forked meanwhile would
# inherit stderr's buffer locked by a thread it does not have; forking waits for the line
# instead (cleaner.engines.workers.worker_context forks only beside this thread).
_WRITING = threading.Lock()
TICKER_NAME = "cleaner-progress"
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_WRITING.acquire, after_in_parent=_WRITING.release,
                        after_in_child=_WRITING.release)


@dataclass(frozen=True, slots=True)
class Summary:
    """What the progress bar needs of a finished chunk."""

    records: int
    bytes: int
    kept: int = 0  # clean, before deduplication
    rejected: int = 0
    errored: int = 0
    timeouts: tuple[int, ...] = ()  # positions in the chunk of documents that ran out of time


class Progress:
    """Progress of a pass on stderr: tqdm bars (documents/s, MB/s, running kept/rejected/errored)
    on a terminal; with ``interval`` > 0 instead, a plain line every ``interval`` seconds and at
    the end of the pass, for logs (CI, nohup, Slurm, ``2>log``) where bars are noise; or nothing.
    ``inputs`` (files, bytes of the input listing) give a pass a total before its documents are
    counted."""

    def __init__(self, enabled: bool, interval: float = 0.0, inputs: tuple[int, int] = (0, 0)):
        self.enabled, self.interval = enabled, interval
        self.files, self.total_bytes = inputs
        self.bar = None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._reset()

    def _reset(self, desc: str = "", total: int | None = None) -> None:
        self.desc, self.total = desc, total
        self.counts: Counter[str] = Counter()
        self.fresh_bytes = self.all_bytes = self.records = 0
        self.t0 = time.monotonic()

    def start(self, desc: str, total: int | None = None) -> None:
        self.close()
        self._reset(desc, total)
        if not self.enabled:
            return
        if self.interval > 0:
            self._stop = threading.Event()
            self._ticker = threading.Thread(target=self._tick, daemon=True, name=TICKER_NAME)
            self._ticker.start()
            return
        self.bar = _bar_class()(desc=desc, total=total, unit="doc", file=sys.stderr, dynamic_ncols=True,
                        smoothing=0.1, mininterval=0.5)

    def update(self, summary: Summary, resumed: bool = False) -> None:
        for kind in ("kept", "rejected", "errored"):
            self.counts[kind] += getattr(summary, kind)
        if not resumed:  # MB/s of work done now, not of chunks loaded from an earlier run
            self.fresh_bytes += summary.bytes
        self.all_bytes += summary.bytes
        self.records += summary.records
        if self.bar is not None:
            elapsed = max(time.monotonic() - self.t0, 1e-6)
            counts = f", kept={self.counts['kept']} rejected={self.counts['rejected']} " \
                     f"errored={self.counts['errored']}" if sum(self.counts.values()) else ""
            rate = f"{self.fresh_bytes / 1e6 / elapsed:.2f} MB/s" if self.fresh_bytes else ""
            of = f"{self.all_bytes / 1e6:.0f}/{self.total_bytes / 1e6:.0f} MB, " \
                if self.total is None and self.total_bytes else ""
            self.bar.set_postfix_str(f"{of}{rate}{counts}", refresh=False)
            self.bar.update(summary.records)

    def line(self) -> str:
        """The plain progress line: documents, input files and MB (with totals where known), rate, ETA."""
        elapsed = max(time.monotonic() - self.t0, 1e-6)
        docs = f"{self.records:,}" + (f" of {self.total:,}" if self.total else "") + " documents"
        mb = f"{self.all_bytes / 1e6:,.1f}" + (f" of {self.total_bytes / 1e6:,.1f}" if self.total_bytes else "") + " MB"
        done = self.records / self.total if self.total else \
            self.all_bytes / self.total_bytes if self.total_bytes else None
        share = f" ({min(done, 1.0):.0%})" if done is not None else ""
        eta = ""
        if done is not None and 0 < done < 1 and self.fresh_bytes:
            eta = f", ETA {_clock(elapsed * (1 - done) / done)}"
        counts = ", ".join(f"{kind} {self.counts[kind]:,}" for kind in ("kept", "rejected", "errored")) \
            if sum(self.counts.values()) else ""
        return (f"cleaner: {self.desc}: {docs}{share}, {mb} from {self.files:,} file(s), "
                f"{self.fresh_bytes / 1e6 / elapsed:.2f} MB/s, {self.records / elapsed:,.0f} documents/s, "
                f"{_clock(elapsed)} elapsed{eta}" + (f"; {counts}" if counts else ""))

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            with _WRITING:
                print(self.line(), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
            print(self.line(), file=sys.stderr, flush=True)


@functools.cache
def _bar_class() -> type:
    """tqdm without its monitor thread (it only refreshes a stalled bar), so that worker
    processes can be forked beside a bar."""
    from tqdm import tqdm

    return type("Bar", (tqdm,), {"monitor_interval": 0})


def _clock(seconds: float) -> str:
    """
    >>> _clock(3725.4)
    '1:02:05'
    """
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
