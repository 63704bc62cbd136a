"""Rule patterns compiled once and kept between runs in the cache of derived data
(:mod:`cleaner.derived`).

The regex module compiles in Python (parse, optimise, generate its program: ~0.15 s for the
built-in rules, half of loading them) and hands the program, a list of ints and a few tables,
to its C core. This module records what ``regex.compile`` hands over for a pattern and the next
time hands the same over itself: the same program, so the same matches. That is the regex
module's private interface (``regex._regex.compile`` as ``regex._main`` calls it), so the entry
is named by the regex version; patterns with named lists or locale-dependent flags are never
kept; and whatever fails falls back to ``regex.compile`` (tests/test_derived_cache.py compares
the two on every built-in rule).
"""
from __future__ import annotations

import threading

import regex

from cleaner import derived

try:
    from regex import _main as _regex_main
except ImportError:  # a regex release laid out otherwise: always regex.compile
    _regex_main = None

MEMO = derived.Memo("rule-patterns", derived.source_of(__file__), regex.__version__, str(regex.DEFAULT_VERSION))
_RECORDING = threading.Lock()
_UNCACHED = regex.LOCALE | regex.DEBUG


def compile_pattern(source: str, flags: int) -> regex.Pattern:
    """``regex.compile(source, flags)``, its program taken from the cache when it holds it."""
    core = getattr(_regex_main, "_regex", None)
    if core is None or flags & _UNCACHED:
        return regex.compile(source, flags)
    key = f"{int(flags)}:{source}"
    kept = MEMO.lookup(key)
    if kept is not derived.MISSING:
        pattern = _from_program(core, source, kept)
        if pattern is not None:
            return pattern
    handed: list[tuple] = []
    with _RECORDING:
        _regex_main._regex = _Recorder(core, source, handed)
        try:
            pattern = regex.compile(source, flags)
        finally:
            _regex_main._regex = core
    if len(handed) == 1:
        program = _program(*handed[0])
        if program is not None:
            MEMO.put(key, program)
    return pattern


def _from_program(core, source: str, kept) -> regex.Pattern | None:
    """The pattern of a kept program, or None when this regex cannot take it. (regex's core
    checks little of what it is given: the entry's own checksum guards what it holds.)"""
    try:
        return core.compile(source, kept["flags"], kept["code"], kept["group_index"],
                            {int(k): v for k, v in kept["index_group"].items()}, {}, [], kept["req_offset"],
                            None if kept["req_chars"] is None else tuple(kept["req_chars"]), kept["req_flags"],
                            kept["group_count"])
    except Exception:  # noqa: BLE001 - compile the pattern instead
        return None


def _program(pattern, flags, code, group_index, index_group, named_lists, named_list_indexes,
             req_offset, req_chars, req_flags, group_count) -> dict | None:
    """What ``regex._regex.compile`` was given, as JSON values (None: not to be kept)."""
    if named_lists or named_list_indexes:
        return None
    return {"flags": int(flags), "code": list(code), "group_index": dict(group_index),
            "index_group": {str(k): v for k, v in index_group.items()}, "req_offset": req_offset,
            "req_chars": None if req_chars is None else list(req_chars), "req_flags": int(req_flags),
            "group_count": group_count}


class _Recorder:
    """``regex._regex`` while a pattern compiles: its ``compile`` notes the arguments it is given
    for ``source`` (a pattern compiled meanwhile by another thread is only passed on)."""

    def __init__(self, core, source: str, handed: list):
        self._core, self._source, self._handed = core, source, handed

    def compile(self, *args):
        if args and args[0] == self._source:
            self._handed.append(args)
        return self._core.compile(*args)

    def __getattr__(self, name):
        return getattr(self._core, name)
