"""The built-in rules run without a per-call regex time limit, so their patterns are checked
here for catastrophic backtracking: each pattern is fed its own strip examples followed by a
long run of a repeated piece ("aaaa...", "a a a ...", "1-1-1-...") that ends so as to fail,
the input on which nested or overlapping repeats try every way to split the run."""
import itertools

import pytest
import regex

from cleaner.rules.model import REGEX_TIMEOUT_S, RuleSet, _compile

LIMIT_S = 1.0  # a sane pattern answers these inputs in microseconds, even on a loaded machine
_PIECES = ["a", "A", "1", " ", ".", ",", "-", "|", ":", "/", "'", "\t", "•", "é", "_"]
PUMPS = _PIECES + ["".join(pair) for pair in itertools.permutations(["a", " ", ".", "1", "-"], 2)] + ["ab", "a b "]
ENDINGS = ["", "\x00", "!", " x", "\n"]
RUN_CHARS = 60


def backtracking_input(pattern: regex.Pattern, prefixes: list[str]) -> str | None:
    """An input on which ``pattern`` runs past LIMIT_S (search or full match), or None."""
    for prefix, pump, ending in itertools.product(["", *prefixes], PUMPS, ENDINGS):
        text = prefix + pump * (RUN_CHARS // len(pump)) + ending
        for call in (pattern.search, pattern.fullmatch):
            try:
                call(text, timeout=LIMIT_S)
            except TimeoutError:
                return text
    return None


BUILTIN = RuleSet.load().rules


def test_builtin_rules_run_without_a_time_limit_and_user_rules_with_one(tmp_path):
    assert BUILTIN and all(rule.timeout is None for rule in BUILTIN)
    (tmp_path / "mine.yaml").write_text(
        "rules:\n  - {id: USR001, name: mine, category: ads, description: d, scope: line, regex: 'Buy now'}\n")
    (mine,) = [r for r in RuleSet.load([tmp_path]).rules if r.id == "USR001"]
    assert mine.timeout == REGEX_TIMEOUT_S


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda rule: rule.id)
def test_builtin_rule_does_not_backtrack_catastrophically(rule):
    examples = [example.text for example in rule.strip]
    for pattern in filter(None, (rule.pattern, rule.end)):
        found = backtracking_input(pattern, examples)
        assert found is None, f"{rule.id} ({rule.file}): {pattern.pattern!r} runs past {LIMIT_S}s on {found!r}"


@pytest.mark.parametrize("source", [
    r"(a|aa)+$",
    # BY001 before its role token became possessive, reduced: a name, a dash, then role tokens
    # that "1-1-1-..." fills in every way
    r"By\s+[A-Z][\w'.-]*(?:\s*[,|-]\s*(?:[A-Z\d][\w'.:/&-]*|of|,|\s)+)?",
    r"By\s+\w+(?:-(?:\d[\w-]*)+)?",
])
def test_the_check_finds_catastrophic_patterns(source):
    """The check above can fail: patterns known to backtrack without end are caught."""
    assert backtracking_input(_compile(source, case_sensitive=True), ["By Dave"]) is not None
