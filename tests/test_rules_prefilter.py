"""The rule engine's prefilters must never change what the rules remove.

:class:`cleaner.rules.engine.RuleEngine` skips a rule on a line when the line lacks every literal
the rule's pattern requires, or when a combined pattern says no rule of a group can match.
A whole-line phrase rule also skips an ASCII line whose key is none of its phrases'
(tests/test_rules_phrases.py). These tests hold the engine to the answers of the plain rules,
run one by one on every line.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import regex

from cleaner.document import Document, Source
from cleaner.parse.normalize import normalize
from cleaner.rules.engine import RuleEngine
from cleaner.rules.literals import _folds_safely, required_literals
from cleaner.rules.model import REGEX_TIMEOUT_S, RuleSet

ROOT = Path(__file__).resolve().parents[1]
RULES = RuleSet.load().select(safety="aggressive")


def _lines() -> list[str]:
    """Real page lines (the sample corpus) and every rule example, in three casings."""
    lines = []
    for path in sorted((ROOT / "corpora" / "raw").glob("*.txt")):
        lines += normalize(path.read_text(encoding="utf-8")).split("\n")
    for rule in RULES.rules:
        for example in rule.strip + rule.keep:
            lines += normalize(example.text).split("\n")
    lines = [line.strip() for line in lines if line.strip()]
    return lines + [line.upper() for line in lines] + [line.title() for line in lines]


LINES = _lines()


def _contains_any(text: str, literals) -> bool:
    return any(literal in text for literal in literals)


@pytest.mark.parametrize("rule", [r for r in RULES.rules if r.needs], ids=lambda r: r.id)
def test_every_match_contains_a_required_literal(rule):
    test = rule.pattern.fullmatch if rule.match == "full" else rule.pattern.search
    missed = [line for line in LINES
              if test(line, timeout=REGEX_TIMEOUT_S) and not _contains_any(line.casefold(), rule.needs)]
    assert missed == []


def test_engine_removes_exactly_what_the_rules_remove_one_by_one():
    plain = RuleEngine([dataclasses.replace(r, needs=None, keys=None) for r in RULES.ordered()])
    plain.prefilters = {mode: None for mode in plain.prefilters}
    fast = RuleEngine(RULES.ordered())
    assert any(r.needs for r in fast.rules) and any(fast.prefilters.values()) and fast.keyed
    source = Source(path="x.txt", sha256="", format="text")
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpora" / "raw").glob("*.txt"))]
    texts.append("\n".join(LINES[:len(LINES) // 3]))  # the rule examples, as one page
    compared = 0
    for text in texts:
        docs = [Document(id="x", normalised=normalize(text), source=source) for _ in range(2)]
        plain.apply(docs[0])
        fast.apply(docs[1])
        assert docs[1].removals == docs[0].removals
        compared += len(docs[0].removals)
    assert compared > 100  # the texts exercise many rules


@pytest.mark.parametrize("source, expected", [
    (r"[\W_]*(?:sign\s+up|subscribe)\s+now", {"now"}),
    (r"(?:©|&copy;)\s*\d{4}", {"©", "&copy;"}),
    (r"(?:Istanbul|Ankara)", {"stanbul", "ankara"}),  # 'I' also matches dotless 'ı'
    (r"(?:a|b)+", {"a", "b"}),
])
def test_required_literals(source, expected):
    assert required_literals(source, regex.IGNORECASE) == expected


@pytest.mark.parametrize("source", [
    r"(?:foo){e<=1}",  # fuzzy matching: 'fxo' matches without the literal
    r"[[:alpha:]]+ bar",  # POSIX class, which `re` would read as a set and a literal ']'
    r"\\p{L} x",  # an escaped backslash
    r".{0,10}",  # no literal at all
    r"x*|bar",  # one branch needs no literal
])
def test_unsure_patterns_get_no_prefilter(source):
    assert required_literals(source) is None


def test_safe_folding_characters_are_matched_only_by_characters_that_casefold_alike():
    """For every character _folds_safely accepts, every character the regex module matches to
    it case-insensitively contains its casefold: the prefilter's one assumption."""
    cased = "".join(chr(i) for i in range(0x110000)
                    if not 0xD800 <= i < 0xE000 and (chr(i).lower() != chr(i) or chr(i).upper() != chr(i)
                                                     or chr(i).casefold() != chr(i)))
    safe = [chr(i) for i in range(0x2300) if _folds_safely(chr(i))]
    assert len(safe) > 1000
    broken = [(c, d) for c in safe
              for d in regex.compile(regex.escape(c), regex.IGNORECASE | regex.V0).findall(cased)
              if c.casefold() not in d.casefold()]
    assert broken == []
    assert not _folds_safely("I") and not _folds_safely("ı")
