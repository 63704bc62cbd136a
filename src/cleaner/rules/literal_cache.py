"""The rules' literal analysis (:func:`cleaner.rules.literals.literal_needs`) kept between runs
in the cache of derived data (:mod:`cleaner.derived`): it walks every pattern's parse tree,
~40% of loading the rules, and its answer for a pattern never changes while the code that
gives it stays the same (the entry is named by that module's source and the regex version).
"""
from __future__ import annotations

import regex

from cleaner import derived
from cleaner.rules import literals
from cleaner.rules.literals import Condition, Need

MEMO = derived.Memo("rule-literals", derived.source_of(literals.__file__), regex.__version__)


def literal_needs(pattern: regex.Pattern, whole: bool = False) -> tuple[Need, ...] | None:
    """:func:`cleaner.rules.literals.literal_needs`, from the cache when it holds the pattern."""
    def analyse():
        needs = literals.literal_needs(pattern, whole)
        return None if needs is None else [list(need) for need in needs]

    value = MEMO.get(f"{int(whole)}:{pattern.flags}:{pattern.pattern}", analyse)
    return None if value is None else tuple(Need(text, left, right) for text, left, right in value)


def scan_condition(pattern: regex.Pattern, match: str) -> Condition:
    """The pattern's :func:`~cleaner.rules.literals.required_condition` if the pattern scans the
    line (``match`` "search", or :func:`~cleaner.rules.literals.scans`), else None; from the cache
    when it holds the pattern."""
    def analyse():
        if match != "search" and not literals.scans(pattern.pattern, pattern.flags):
            return None
        return _to_json(literals.required_condition(pattern.pattern, pattern.flags))

    return _from_json(MEMO.get(f"condition:{match}:{pattern.flags}:{pattern.pattern}", analyse))


def _to_json(condition: Condition):
    if condition is None or type(condition) is frozenset:
        return None if condition is None else sorted(condition)
    kind, parts = condition
    return {kind: [_to_json(part) for part in parts]}


def _from_json(value) -> Condition:
    if value is None or isinstance(value, list):
        return None if value is None else frozenset(value)
    (kind, parts), = value.items()
    return kind, tuple(_from_json(part) for part in parts)
