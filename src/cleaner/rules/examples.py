"""Replaying a rule's own strip/keep examples (what `cleaner rules --check` and the tests run)."""
from __future__ import annotations

from cleaner.document import Document, Source
from cleaner.rules.engine import apply_rules
from cleaner.rules.model import Rule


def example_failures(rule: Rule) -> list[str]:
    """What is wrong with a rule's own examples (empty when they all pass)."""
    from cleaner.document import tidy
    from cleaner.parse.normalize import normalize

    problems = []
    if not rule.strip or not rule.keep:
        problems.append("needs at least one strip: and one keep: example")
    for ex in rule.strip:
        got, want = run_example(rule, ex.text), tidy(normalize(ex.expect or ""))
        if got != want:
            problems.append(f"strip example {ex.text!r}: expected {want!r}, got {got!r}")
    for ex in rule.keep:
        got, want = run_example(rule, ex.text), tidy(normalize(ex.text))
        if got != want:
            problems.append(f"keep example {ex.text!r} was changed to {got!r}")
    return problems


def run_example(rule: Rule, text: str) -> str:
    """The kept text after running one rule alone on an example (used by tests and `rules test`)."""
    from cleaner.parse.normalize import normalize

    doc = Document(id="example", normalised=normalize(text), source=_EXAMPLE_SOURCE)
    apply_rules(doc, [rule])
    return doc.text


_EXAMPLE_SOURCE = Source(path="<example>", sha256="", format="text")
