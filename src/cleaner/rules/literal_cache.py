"""The rules' literal analysis (:func:`cleaner.rules.literals.literal_needs`) kept between runs
in the cache of derived data (:mod:`cleaner.derived`): it walks every pattern's parse tree,
~40% of loading the rules, and its answer for a pattern never changes while the code that
gives it stays the same.

One entry holds the patterns seen so far (source, flags, whole-line or not -> the needs), named
by the analysis module's source and the regex module's version. A process reads it once;
:func:`save` writes it back when the process met a pattern it did not hold.
"""
from __future__ import annotations

import json
import threading

import regex

from cleaner import derived
from cleaner.rules import literals
from cleaner.rules.literals import Need

_LOCK = threading.Lock()
_KNOWN: dict[str, list | None] | None = None  # pattern key -> the needs as lists, or None: no literal
_ADDED = False


def _entry():
    return derived.entry("rule-literals", derived.digest(derived.source_of(literals.__file__), regex.__version__))


def _read(path) -> dict:
    known = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(known, dict):
        raise ValueError("not a literal cache")
    return known


def _write(known: dict, path) -> None:
    path.write_text(json.dumps(known, ensure_ascii=False, sort_keys=True), encoding="utf-8")


def _known() -> dict:
    global _KNOWN
    if _KNOWN is None:
        _KNOWN = derived.load(_entry(), _read) or {}
    return _KNOWN


def literal_needs(pattern: regex.Pattern, whole: bool = False) -> tuple[Need, ...] | None:
    """:func:`cleaner.rules.literals.literal_needs`, from the cache when it holds the pattern."""
    global _ADDED
    key = f"{int(whole)}:{pattern.flags}:{pattern.pattern}"
    with _LOCK:
        known = _known()
        if key in known:
            value = known[key]
            return None if value is None else tuple(Need(text, left, right) for text, left, right in value)
    needs = literals.literal_needs(pattern, whole)
    with _LOCK:
        known[key] = None if needs is None else [list(need) for need in needs]
        _ADDED = True
    return needs


def save() -> None:
    """Add the patterns this process met to the cache, if any was new to it (with those another
    process may have added since this one read it)."""
    global _ADDED
    with _LOCK:
        if not _ADDED:
            return
        path = _entry()
        if path is not None:
            derived.store(path, {**(derived.load(path, _read) or {}), **_KNOWN}, _write)
        _ADDED = False
