"""A whole-line phrase rule's keys (cleaner.rules.phrases) must let through every ASCII line
the rule matches: the engine skips the others without running the pattern."""
from __future__ import annotations

from pathlib import Path

import pytest
import regex
from hypothesis import given, settings, strategies as st

from cleaner.parse.normalize import normalize
from cleaner.rules.model import REGEX_TIMEOUT_S, RuleSet
from cleaner.rules.phrases import _AROUND, phrase_key, phrase_keys

ROOT = Path(__file__).resolve().parents[1]
RULES = RuleSet.load().select(safety="aggressive")
KEYED = [r for r in RULES.rules if r.keys is not None]
ASCII = [chr(code) for code in range(128)]


def test_ascii_characters_around_a_phrase_are_those_the_key_strips():
    """The pattern's [\\W_] on ASCII is exactly what phrase_key strips, and every ASCII
    character \\s matches is one str.split splits on."""
    around = regex.compile(r"[\W_]", regex.UNICODE | regex.V0)
    assert [c for c in ASCII if around.fullmatch(c)] == list(_AROUND)
    space = regex.compile(r"\s", regex.UNICODE | regex.V0)
    assert all(c.isspace() for c in ASCII if space.fullmatch(c))


def test_built_in_whole_line_phrase_rules_are_keyed():
    assert {"AD001", "SH001", "RL001", "CK002"} <= {r.id for r in KEYED}
    assert all(r.match == "full" for r in KEYED)


def _lines() -> list[str]:
    lines = []
    for path in sorted((ROOT / "corpora" / "raw").glob("*.txt")) + sorted((ROOT / "tests" / "data").rglob("*.txt")):
        lines += normalize(path.read_text(encoding="utf-8")).split("\n")
    for rule in RULES.rules:
        for example in rule.strip + rule.keep:
            lines += normalize(example.text).split("\n")
    lines = [line.strip() for line in lines if line.strip() and line.isascii()]
    return lines + [line.upper() for line in lines] + [line.title() for line in lines]


LINES = _lines()


@pytest.mark.parametrize("rule", KEYED, ids=lambda r: r.id)
def test_every_ascii_line_a_phrase_rule_matches_has_one_of_its_keys(rule):
    matched = [line for line in LINES if rule.pattern.fullmatch(line, timeout=REGEX_TIMEOUT_S)]
    assert [line for line in matched if phrase_key(line) not in rule.keys] == []


_PUNCT = st.text(alphabet=[c for c in _AROUND if c not in "\n"], max_size=4)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_phrase_with_anything_around_it_matches_and_keeps_its_key(data):
    rule = data.draw(st.sampled_from(KEYED))
    phrases = [p for p in __import__("json").loads(rule.spec)["phrases"] if p.isascii()]
    phrase = data.draw(st.sampled_from(phrases))
    gaps = data.draw(st.lists(st.sampled_from([" ", "  ", "\t", " \u000b "]), min_size=len(phrase.split()),
                              max_size=len(phrase.split())))
    words = [w.upper() if data.draw(st.booleans()) else w for w in phrase.split()]
    body = "".join(w + g for w, g in zip(words, gaps)).rstrip()
    line = (data.draw(_PUNCT) + body + data.draw(_PUNCT)).strip()
    if rule.pattern.fullmatch(line):
        assert phrase_key(line) in rule.keys


def test_non_ascii_phrases():
    """A phrase the regex module could match to ASCII text only by ignoring case (the long s,
    the Kelvin sign, the Turkish I's) leaves the rule unkeyed; any other non-ASCII phrase can
    never match an ASCII line and gets no key."""
    assert phrase_keys(["Publicité", "Ad"]) == frozenset({"ad"})
    for odd in ("\u017f", "\u212a", "\u0131", "\u0130"):
        assert phrase_keys([f"Mi{odd}c", "Ad"]) is None
    assert phrase_key(">>  Share  THIS:") == "share this"
