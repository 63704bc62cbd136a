"""The engines a run can use, by name: another engine is one module and one :func:`register_engine` call.

An engine decides where the phases of :mod:`cleaner.engines.phases` run (worker processes,
Ray tasks, ...); ``--engine`` accepts every registered name. The built-in ones register
themselves when :mod:`cleaner.engines.run` imports them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from cleaner.config import ConfigError


@dataclass(frozen=True, slots=True)
class Engine:
    """``run(inputs, out_dir, config, *, jobs, progress, config_file, log, stream) -> RunResult``
    with the arguments of :func:`cleaner.engines.run.run`. ``reads_urls``: inputs and the output
    folder may be fsspec URLs (``s3://...``)."""

    name: str  # the --engine value
    run: Callable[..., Any]
    reads_urls: bool = False


ENGINES: dict[str, Engine] = {}


def register_engine(engine: Engine) -> Engine:
    """Make ``engine`` the engine of its name."""
    ENGINES[engine.name] = engine
    return engine


def engine_named(name: str) -> Engine:
    """The registered engine ``name``; a ConfigError naming the registered ones otherwise."""
    try:
        return ENGINES[name]
    except KeyError:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, not {name!r}") from None
