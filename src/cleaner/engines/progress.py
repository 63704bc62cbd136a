"""The progress bar of a run and the per-chunk counts that drive it."""
from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass


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
