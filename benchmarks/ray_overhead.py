"""Local engine vs ``--engine ray`` on this machine: throughput and Ray's overhead.

    python benchmarks/ray_overhead.py [--pages 200] [--copies 2] [--cpus 2]

Builds a folder of real HTML pages from ``../shared/eval/dragnet-dev`` (``--copies`` > 1 adds
copies under other folder names, so deduplication has work), then cleans it with the local
engine at ``-j 1`` (per-core throughput, the figure docs/ray.md scales up) and ``-j CPUS``, and
with the Ray engine on a local Ray instance of CPUS CPUs (its start-up timed apart). Checks
that both engines wrote the same files. Needs the ray extra: ``pip install -e '.[ray]'``.
"""
from __future__ import annotations

import argparse
import filecmp
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cleaner import Config, run  # noqa: E402


def corpus(folder: Path, pages: int, copies: int) -> int:
    source = sorted((ROOT.parent / "shared" / "eval" / "dragnet-dev").glob("*.html"))[:pages]
    size = 0
    for copy in range(copies):
        target = folder / f"site{copy}"
        target.mkdir(parents=True)
        for page in source:
            shutil.copy(page, target / page.name)
            size += page.stat().st_size
    return size


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(label: str, inputs: Path, out: Path, config: Config, docs: int, size: int, jobs: int | None = None):
    t0, c0 = time.perf_counter(), cpu_seconds()
    run([inputs], out, config, jobs=jobs)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    print(f"{label:28s} wall {wall:6.1f} s  {docs / wall:6.1f} docs/s  {size / 1e6 / wall:5.2f} MB/s"
          + (f"  (driver+local CPU {cpu:.1f} s: {size / 1e6 / cpu:.2f} MB/s per core)" if jobs == 1 else ""))
    return wall


def differing(a: Path, b: Path) -> list[str]:
    """Files (manifest aside: it holds the versions) that are not byte-identical in both."""
    names = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()} | \
        {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    return sorted(n for n in names - {"manifest.json"}
                  if not ((a / n).is_file() and (b / n).is_file() and filecmp.cmp(a / n, b / n, shallow=False)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--cpus", type=int, default=2)
    args = parser.parse_args()
    import ray

    work = Path(tempfile.mkdtemp(prefix="cleaner-ray-bench-"))
    try:
        size = corpus(work / "in", args.pages, args.copies)
        docs = args.pages * args.copies
        print(f"{docs} HTML pages, {size / 1e6:.1f} MB, {args.cpus} CPUs")
        local1 = timed("local -j 1", work / "in", work / "l1", Config(), docs, size, jobs=1)
        local = timed(f"local -j {args.cpus}", work / "in", work / "local", Config(), docs, size, jobs=args.cpus)
        t0 = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
        start = time.perf_counter() - t0
        print(f"{'ray.init':28s} {start:6.1f} s (once per cluster session, not per run)")
        on_ray = timed(f"ray ({args.cpus} CPUs)", work / "in", work / "ray", Config(engine="ray"), docs, size)
        ray.shutdown()
        print(f"Ray overhead: {on_ray - local:+.1f} s over local -j {args.cpus} ({on_ray / local:.2f}x its wall "
              f"time); local -j 1 took {local1:.1f} s")
        diff = differing(work / "local", work / "ray")
        print("identical output" if not diff else f"outputs differ: {diff[:10]} (if errors.jsonl is among them: a "
              "document ran over doc_timeout in one run only, which a loaded machine can cause)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
