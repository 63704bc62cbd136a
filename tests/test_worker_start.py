"""How the local engine starts its worker processes: forked from the main process where that is
safe, so they inherit its compiled rules and loaded models; spawned otherwise. Either way the
output folder is the same, byte for byte.

Each check runs in a fresh interpreter: whether workers are forked depends on the threads of
the process, and a test process may have threads left by earlier tests (Ray's)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cleaner.engines.state import CHUNK

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")

PROSE = ("The council met on Monday and approved the budget for the new school after a long debate "
         "about its costs, officials said. ")


def _corpus(root: Path) -> Path:
    """Three chunks of small dumps (so that the run uses worker processes) from two sites."""
    for i in range(2 * CHUNK + 10):
        site = root / f"site-{i % 2}"
        site.mkdir(parents=True, exist_ok=True)
        (site / f"{i:03d}.txt").write_text(f"Home | News | Sport\n{PROSE * 3}Page {i}.\nShare this story\n")
    return root


def _python(code: str, *args: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; its output lines."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_workers_are_forked_unless_another_thread_could_hold_a_lock() -> None:
    assert _python("""
        import threading
        from cleaner.engines.progress import Progress
        from cleaner.engines.workers import worker_context

        print(worker_context().get_start_method())
        stop = threading.Event()
        host_thread = threading.Thread(target=stop.wait)  # a host program's own thread
        host_thread.start()
        print(worker_context().get_start_method())
        stop.set()
        host_thread.join()
        progress = Progress(True, interval=60)  # cleaner's progress line: forking waits for its line
        progress.start("cleaning")
        print(worker_context().get_start_method())
        progress.close()
    """) == ["fork", "spawn", "fork"]


def test_forked_workers_use_the_rules_the_main_process_loaded(tmp_path) -> None:
    lines = _python("""
        import os, sys
        from pathlib import Path
        from cleaner.config import Config
        from cleaner.engines.run import run
        from cleaner.rules.model import RuleSet

        real = RuleSet.load.__func__

        def load(cls, *args, **kwargs):
            print("load", os.getpid() == main, flush=True)  # a forked worker inherits this patch
            return real(cls, *args, **kwargs)

        main = os.getpid()
        RuleSet.load = classmethod(load)
        print("documents", run([Path(sys.argv[1])], Path(sys.argv[2]), Config(), jobs=2).counts["in"])
    """, str(_corpus(tmp_path / "in")), str(tmp_path / "out"))
    assert lines == ["load", "True", "documents", str(2 * CHUNK + 10)]


def test_forked_and_spawned_workers_write_the_same_output(tmp_path) -> None:
    corpus = _corpus(tmp_path / "in")
    for method in ("fork", "spawn"):
        assert _python("""
            import multiprocessing, sys
            from pathlib import Path
            import cleaner.engines.local as local
            from cleaner.config import Config
            from cleaner.engines.run import run

            local.worker_context = lambda: multiprocessing.get_context(sys.argv[3])
            run([Path(sys.argv[1])], Path(sys.argv[2]), Config(), jobs=2)
            print(sys.argv[3])
        """, str(corpus), str(tmp_path / method), method) == [method]
    forked, spawned = ({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
                       for out in (tmp_path / "fork", tmp_path / "spawn"))
    assert forked == spawned and Path("documents/documents.jsonl") in forked
