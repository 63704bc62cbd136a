"""The rule engine's prefilters must never change what the rules remove.

:class:`cleaner.rules.engine.RuleEngine` skips a rule on a line when the line lacks every literal
the rule's pattern requires, or when a combined pattern says no rule of a group can match.
A whole-line phrase rule also skips an ASCII line whose key is none of its phrases'
(tests/test_rules_phrases.py). These tests hold the engine to the answers of the plain rules,
run one by one on every line.
"""
from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
import regex

from cleaner.document import Document, Source
from cleaner.parse.normalize import normalize
from cleaner.rules.engine import RuleEngine
from cleaner.rules.literals import (Need, _folds_safely, holds, required_condition, required_literals, required_needs,
                                    scans, stands_free)
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


def _generated_lines() -> list[str]:
    """Lines made to match the rules: each rule's strip examples alone, inside long paragraphs of
    the sample corpus (where a pattern that scans from every position is tried), in random
    casings, and with characters the regex module matches to ASCII ones when ignoring case
    (long s, Kelvin sign)."""
    rng = random.Random(20)
    prose = [line for line in LINES[:len(LINES) // 3] if len(line) > 60]
    lines = []
    for rule in RULES.rules:
        for example in rule.strip:
            for text in normalize(example.text).split("\n"):
                text = text.strip()
                if not text:
                    continue
                paragraph = " ".join(rng.sample(prose, 3))
                lines += [text, f"{paragraph} {text}", f"{text} {paragraph}", f"{paragraph} {text} {paragraph}",
                          "".join(ch.upper() if rng.random() < 0.5 else ch.lower() for ch in text),
                          text.replace("s", "\u017f").replace("k", "\u212a"), text.upper().replace("K", "\u212a")]
    return lines


GENERATED = _generated_lines()


def _meets_any(line: str, needs) -> bool:
    """Whether the line holds one of the needs where the need says (what the engine asks)."""
    folded = line.casefold()
    for need in needs:
        at = folded.find(need.text)
        while at >= 0:
            left, right = stands_free(line, at, at + len(need.text))
            if len(folded) != len(line) or ((left or not need.left) and (right or not need.right)):
                return True
            at = folded.find(need.text, at + 1)
    return False


@pytest.mark.parametrize("rule", [r for r in RULES.rules if r.needs], ids=lambda r: r.id)
def test_every_match_contains_a_required_literal(rule):
    test = rule.pattern.fullmatch if rule.match == "full" else rule.pattern.search
    missed = [line for line in LINES if test(line, timeout=REGEX_TIMEOUT_S) and not _meets_any(line, rule.needs)]
    assert missed == []
    # what is asked of the line's neighbours matters: some rule needs a literal standing free
    assert any(need.left or need.right for need in rule.needs) or rule.id in ("CP002", "NV001", "NV003")


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_every_match_meets_the_whole_required_condition(rule):
    """All the literals a pattern needs (required_condition, an AND of ORs), for every built-in
    rule, not only those the engine asks it of: any line the pattern matches holds them."""
    condition = required_condition(rule.pattern.pattern, rule.pattern.flags)
    test = rule.pattern.fullmatch if rule.match == "full" else rule.pattern.search
    matched = [line for line in LINES + GENERATED if test(line, timeout=REGEX_TIMEOUT_S)]
    assert [line for line in matched if not holds(condition, line.casefold())] == []
    assert matched  # the lines exercise the rule


def test_conditions_are_asked_of_the_scanning_patterns_and_narrow_them():
    """The engine asks the whole condition of the patterns that scan a line from every position,
    and it turns away lines the needs let through (so the engine test below compares something)."""
    engine = RuleEngine(RULES.ordered())
    asked = {engine.rules[p].id for p in engine.conditions}
    assert {"CK001", "NL003", "DN005", "CP002"} <= asked
    assert all(r.match == "search" or scans(r.pattern.pattern, r.pattern.flags) for r in engine.rules if r.id in asked)
    newsletter = next(p for p, r in enumerate(engine.rules) if r.id == "NL003")
    prose = "Your guide to the week: " + "the council met on Tuesday and voted on the budget. " * 5
    assert newsletter not in engine._facts(prose).could_match  # it needs more than "your" ...
    del engine.conditions[newsletter]
    engine.conditioned = frozenset(engine.conditions)
    engine.memo.clear()
    assert newsletter in engine._facts(prose).could_match  # ... which its needs alone let through


def test_a_literal_inside_a_word_is_not_a_candidate():
    """'\\bby\\s' needs "by" as a word: "nearby" is no reason to try the byline rule, "By" is."""
    engine = RuleEngine(RULES.ordered())
    byline = next(p for p, r in enumerate(engine.rules) if r.id == "BY001")
    assert byline not in engine._facts("The shops nearby closed early.").could_match
    assert byline in engine._facts("By Jane Smith").could_match
    assert byline in engine._facts("  (by Jane Smith)").could_match


@pytest.mark.parametrize("source, whole, expected", [
    (r"\bby\s+\w+", False, {Need("by", True, True)}),
    (r"[\W_]*(?:sign\s+up|subscribe)\s+now", True, {Need("now", True, True)}),
    (r"[\W_]*(?:sign\s+up|subscribe)\s+now", False, {Need("now", True, False)}),
    (r"(?<!\w)ad(?!\w)", False, {Need("ad", True, True)}),
    (r"x?(?:by|via)\.", True, {Need("by", False, True), Need("via", False, True)}),
    (r"(?:foo\b)?-bar", True, {Need("-bar", False, True)}),  # after an optional word: unknown
    (r"’+news", True, {Need("news", False, True)}),  # a non-ASCII quote is not trusted
    (r"\P{L}news", True, {Need("news", False, True)}),  # 'not a letter' holds digits
    (r"(?:\s+by)+x", True, {Need("by", True, False)}),  # after it: the next copy or x, unknown
])
def test_required_needs_know_what_stands_next_to_a_literal(source, whole, expected):
    assert required_needs(source, regex.IGNORECASE, whole) == expected


def test_what_the_analysis_trusts_is_never_a_letter_or_digit():
    """\\s, \\W and ASCII punctuation (what _edge_kind trusts) hold no character that
    stands_free treats as a letter or digit, in the whole of Unicode."""
    everything = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    for trusted in (r"\s", r"\W", r"[\W_]"):
        assert regex.findall(rf"(?={trusted})[^\W_]", everything, regex.V0) == [], trusted
    punctuation = "".join(chr(i) for i in range(128) if not chr(i).isalnum())
    assert regex.findall(r"[^\W_]", punctuation, regex.V0 | regex.IGNORECASE) == []
    assert all(stands_free(f"{ch}x{ch}", 1, 2) == (True, True) for ch in punctuation)
    assert stands_free("axb", 1, 2) == (False, False) and stands_free("x", 0, 1) == (True, True)


def test_engine_removes_exactly_what_the_rules_remove_one_by_one():
    plain = RuleEngine([dataclasses.replace(r, needs=None, keys=None, condition=None) for r in RULES.ordered()])
    plain.prefilters = plain.ascii_prefilters = {mode: None for mode in plain.prefilters}
    fast = RuleEngine(RULES.ordered())
    assert any(r.needs for r in fast.rules) and any(fast.prefilters.values()) and fast.keyed and fast.conditions
    source = Source(path="x.txt", sha256="", format="text")
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpora" / "raw").glob("*.txt"))]
    texts.append("\n".join(LINES[:len(LINES) // 3]))  # the rule examples, as one page
    texts += ["\n".join(GENERATED[i::4]) for i in range(4)]  # the examples inside paragraphs, in odd casings
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
