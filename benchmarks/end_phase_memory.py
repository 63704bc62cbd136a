"""Main-process memory per document of a run's end phase: what global deduplication keeps.

    python benchmarks/end_phase_memory.py --documents 400000              # JSON Lines-like keys
    python benchmarks/end_phase_memory.py --documents 200000 --layout files

Feeds N kept documents, as the workers hand them over (:class:`cleaner.output.finished.Finished` plus
a fingerprint), through the dedup stage of a real output writer, then runs its end: clustering,
routing every document to the output and writing the dedup index. No cleaning happens, so the
figure is the end phase's own state, which the streaming phase does not have: the resident
memory it adds per document after the adds and at the peak (getrusage), over the baseline
before the first add. ``--layout jsonl``: documents of a few large dump files (keys like
``id:dump-003.jsonl#12345``); ``files``: one input file per document (each path is its own
entry in the manifest's per-file counts). The allocator makes single runs noisy by ~20%:
compare sizes and versions in one sitting.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from cleaner.config import Config
from cleaner.dedup.fingerprint import Fingerprint
from cleaner.dedup.stage import DedupStage
from cleaner.output.finished import Finished, KEPT
from cleaner.output.report import RunReport
from cleaner.output.folder import OutputWriter


def resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--documents", type=int, default=400_000)
    ap.add_argument("--layout", choices=("jsonl", "files"), default="jsonl")
    args = ap.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="cleaner-end-phase-"))
    try:
        writer = OutputWriter(out, Config(write_txt=True))
        stage = DedupStage(Config(), writer)
        rng = np.random.default_rng(0)
        text = "t" * 2000
        body = json.dumps({"title": None, "text": text, "source": {"path": "p"}, "removed": []})[1:]
        base = resident_mb()
        for i in range(args.documents):
            doc_id = f"{i:016x}"
            if args.layout == "files":
                path, key = f"site{i % 50}/page-{i:08d}.txt", f"{doc_id}:site{i % 50}/page-{i:08d}.txt"
            else:
                path = f"dump-{i // 100_000:03d}.jsonl"
                key = f"{doc_id}:{path}#{i % 100_000}"
            item = Finished(path, KEPT, None, f'{{"id":"{doc_id}",{body}', (), doc_id, key,
                            json.dumps({"id": doc_id, "source": {"path": path}}), (300, 2000, "en"),
                            (f"page-{i:08d}.txt", text[:100]))
            signature = rng.integers(0, 2**32, 128, dtype=np.uint32)
            stage.add(item, Fingerprint(key, path, 2000 + i % 7, os.urandom(16).hex(), signature))
        added = resident_mb()
        stage.finish(RunReport())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
        n = args.documents
        print(f"{n} documents ({args.layout}): baseline {base:.0f} MB; after the adds {added:.0f} MB "
              f"({(added - base) * 1e6 / n:.0f} B per document); peak {peak:.0f} MB "
              f"({(peak - base) * 1e6 / n:.0f} B per document)")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
