"""Choosing the engine for a run: the local process pool, or Ray (``config.engine``)."""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Callable

from cleaner.config import Config
from cleaner.engines.local import run_local
from cleaner.engines.phases import RunResult


def run(inputs: list[Path], out_dir: Path, config: Config = Config(), jobs: int | None = None,
        progress: bool | str = False, config_file: str | None = None,
        log: Callable[[str], None] | None = None, stream: BinaryIO | None = None) -> RunResult:
    """Clean every input under ``inputs`` into ``out_dir``.

    ``jobs`` (default ``config.jobs``; 0 = one per available core) worker processes do the
    per-document work chunk by chunk (:mod:`cleaner.engines.local`); every finished chunk is kept
    in ``out_dir/.cleaner-state`` until the run succeeds, so the same call after an
    interruption resumes where it stopped. ``progress``: True for bars on stderr, ``"lines"``
    for a line every ``config.progress_interval`` seconds. ``log`` receives notices (resuming,
    starting fresh); ``config_file`` is recorded in the manifest. ``stream``: write the documents
    there as JSON Lines (``-o -``) instead of into ``out_dir/documents``.
    """
    if config.engine == "ray":  # the same steps and output, on a Ray cluster (docs/ray.md)
        from cleaner.engines.ray_engine import run_on_ray

        return run_on_ray(inputs, out_dir, config, progress=progress, config_file=config_file, log=log, stream=stream)
    return run_local(inputs, out_dir, config, jobs, progress, config_file, log, stream)
