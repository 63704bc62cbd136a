"""The optional compiled modules: Cython twins of a few pure-Python hot loops.

``hatch_build.py`` compiles them when the package is installed; where that could not be done
(no compiler, no Cython) the package runs on the pure-Python code, which gives the same
output (``tests/test_compiled.py`` checks both). ``CLEANER_PURE_PYTHON=1`` in the environment
turns them off. Measurements: docs/performance.md (Compiled hot loops).
"""
from __future__ import annotations

import importlib
import os
from types import ModuleType

# module -> what it replaces
MODULES = {
    "cleaner.heuristics._lines": "cleaner.heuristics.lines.line_features",
    "cleaner.langid._trials": "the trial loop of cleaner.langid.detect (langdetect's probabilities)",
}
PURE_PYTHON_VARIABLE = "CLEANER_PURE_PYTHON"


def pure_python() -> bool:
    """Whether the environment asks for the pure-Python code (``CLEANER_PURE_PYTHON`` set, not 0)."""
    return os.environ.get(PURE_PYTHON_VARIABLE, "") not in ("", "0")


def load(name: str) -> ModuleType | None:
    """The compiled module ``name`` (one of :data:`MODULES`), or None when it is switched off or
    was not built."""
    if name not in MODULES:
        raise ValueError(f"unknown compiled module {name!r}; known: {', '.join(MODULES)}")
    if pure_python():
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def in_use() -> dict[str, bool]:
    """For each compiled module, whether this process runs it.

    >>> sorted(in_use()) == sorted(MODULES)
    True
    """
    return {name: load(name) is not None for name in MODULES}
