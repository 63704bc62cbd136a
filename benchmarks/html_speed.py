"""HTML mode's cost beside trafilatura alone, per page, in one run.

    python benchmarks/html_speed.py [--data ../shared/eval/dragnet-dev] [--rounds 3]

The issue's target: ``clean_html`` costs no more than 1.3x ``trafilatura.extract(html,
deduplicate=False)`` with its defaults (``quality.trafilatura_html``). Both run in this process
on the same dev pages; the rounds alternate between them page by page, so a burst of load
from another process hits both, and each page counts with its best round. The machine is
shared: only the ratio within one run means something. Skips cleanly when the data is absent.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import DEFAULT_DATA, trafilatura_html  # noqa: E402


def best_per_page(systems: dict, pages: list[bytes], rounds: int) -> dict[str, list[float]]:
    """Per system, each page's best time (seconds) over ``rounds`` alternating rounds."""
    best = {name: [float("inf")] * len(pages) for name in systems}
    for _ in range(rounds):
        for i, page in enumerate(pages):
            for name, fn in systems.items():
                start = time.perf_counter()
                fn(page)
                best[name][i] = min(best[name][i], time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    paths = sorted(args.data.glob("*.html")) if args.data.is_dir() else []
    if not paths:
        print(f"skipped: no dragnet-dev pages at {args.data}")
        return 0

    from cleaner import clean_html

    pages = [p.read_bytes() for p in paths]
    systems = {"trafilatura alone": trafilatura_html, "cleaner clean_html": clean_html}
    for fn in systems.values():  # imports, rules, stoplists and language profiles: outside the timing
        fn(pages[0])
    print(f"{len(pages)} dev pages, best of {args.rounds} rounds per page; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    best = best_per_page(systems, pages, args.rounds)
    reference = sum(best["trafilatura alone"])
    for name, times in best.items():
        print(f"{name:20s} {sum(times) / len(pages) * 1000:6.1f} ms/page  {sum(times) / reference:.2f}x trafilatura")
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
