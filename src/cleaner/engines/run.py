"""Choosing the engine for a run (``config.engine``): the local process pool, Ray, or any
engine registered with :func:`cleaner.engines.registry.register_engine`."""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Callable

from cleaner.config import Config
from cleaner.engines import local, ray_engine  # noqa: F401 - the built-in engines register themselves
from cleaner.engines.phases import RunResult
from cleaner.engines.registry import engine_named


def run(inputs: list[Path], out_dir: Path, config: Config = Config(), jobs: int | None = None,
        progress: bool | str = False, config_file: str | None = None,
        log: Callable[[str], None] | None = None, stream: BinaryIO | None = None) -> RunResult:
    """Clean every input under ``inputs`` into ``out_dir``.

    The local engine's ``jobs`` (default ``config.jobs``; 0 = one per available core) worker
    processes do the per-document work chunk by chunk (:mod:`cleaner.engines.local`); every finished chunk is kept
    in ``out_dir/.cleaner-state`` until the run succeeds, so the same call after an
    interruption resumes where it stopped. ``progress``: True for bars on stderr, ``"lines"``
    for a line every ``config.progress_interval`` seconds. ``log`` receives notices (resuming,
    starting fresh); ``config_file`` is recorded in the manifest. ``stream``: write the documents
    there as JSON Lines (``-o -``) instead of into ``out_dir/documents``.
    """
    return engine_named(config.engine).run(inputs, out_dir, config, jobs=jobs, progress=progress,
                                           config_file=config_file, log=log, stream=stream)
