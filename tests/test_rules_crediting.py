"""The rule engine's shortcuts must not change what the rules remove or whom a removal is
credited to.

:meth:`cleaner.rules.engine.RuleEngine.apply` remembers per line text what the rules make of it
(bounded), and with ``focus_spans`` (the crediting run of :class:`cleaner.steps.strippers.RuleStripper`)
goes line by line and stops at a line's first whole-line claim. These tests hold it to the
plain algorithm: every rule alone, rule after rule, on a fresh document.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from cleaner.document import Document, Removal, Source
from cleaner.heuristics.lines import LineMemo
from cleaner.parse.normalize import normalize
from cleaner.rules.engine import _overlapping, _overlaps, RuleEngine
from cleaner.rules.model import RuleSet, SINGLE_LINE_SCOPES
from cleaner.steps.strippers import BodyStripper, RuleStripper, credit_fits

ROOT = Path(__file__).resolve().parents[1]
RULES = RuleSet.load().select(safety="aggressive")
SOURCE = Source(path="x.txt", sha256="", format="text")

# Chrome a rule removes, chrome only the heuristics remove, a comment section a to-end rule
# cuts, repeated lines (the memo) and a line two rules could claim.
CRAFTED = """Skip to content
Explore the city guide
Home | News | Sport | Weather
Advertisement
Share on Facebook
Kremlin talks up dialogue with Ukraine
By Jane Doe
The Kremlin said on Thursday that talks with Ukraine remained possible, though it set out
conditions that officials in Kyiv have rejected many times before.
Advertisement
Officials in Moscow said that the next round of negotiations could take place in Istanbul,
where the two delegations met earlier this year without reaching an agreement.
Photo: Reuters
Analysts said the statement was aimed at audiences abroad rather than at Kyiv, and that the
conditions attached to it had not changed since the spring.
Related Stories
Share on Facebook
Home
Leave a Reply
12 Comments
Great article, thanks for writing it.
Reply
Privacy Policy | Terms of Use
© 2024 Example Media. All rights reserved.
"""


def _texts() -> list[str]:
    texts = [CRAFTED]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpora" / "raw").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "data").rglob("*.txt"))][:40]
    return [normalize(t) for t in texts]


TEXTS = _texts()


def plain_alone_removals(engine: RuleEngine, doc: Document, focus_spans: list[tuple[int, int]]):
    """The crediting run as it was first written: every rule alone over the whole page, rule
    after rule, single-line rules on the focus lines only, no prefilter and no memo."""
    alone = Document(id=doc.id, normalised=doc.normalised, source=doc.source)
    lines = alone.kept_lines()
    focus = [i for i, (s, e) in enumerate(lines) if _overlaps(focus_spans, s, e)]
    for rule in engine.rules:
        try:
            rule.apply(alone, lines, focus if rule.scope in SINGLE_LINE_SCOPES else None)
        except Exception:  # a timeout: the rule stops for this document, as in the engine
            pass
    return sorted(alone.removals)


def _heuristic_removals(text: str) -> Document:
    doc = Document(id="x", normalised=text, source=SOURCE)
    BodyStripper().process(doc)
    return doc


@pytest.mark.parametrize("index", range(len(TEXTS)))
def test_focused_run_removes_what_the_rules_alone_remove(index):
    engine = RuleEngine(RULES.ordered())
    doc = _heuristic_removals(TEXTS[index])
    spans = sorted((r.start, r.end) for r in doc.removals if r.rule.startswith("H-"))
    alone = Document(id=doc.id, normalised=doc.normalised, source=doc.source)
    engine.apply(alone, spans)
    assert sorted(alone.removals) == plain_alone_removals(engine, doc, spans)


@pytest.mark.parametrize("seed", range(4))
def test_focused_run_is_exact_in_any_rule_order(seed):
    """Section and single-line rules interleaved, span rules before line rules: the focused
    run still removes what the rules alone, rule after rule, remove."""
    rules = list(RULES.ordered())
    random.Random(seed).shuffle(rules)
    engine = RuleEngine(rules)
    for text in TEXTS[:6]:
        doc = _heuristic_removals(text)
        spans = sorted((r.start, r.end) for r in doc.removals if r.rule.startswith("H-"))
        alone = Document(id=doc.id, normalised=doc.normalised, source=doc.source)
        engine.apply(alone, spans)
        assert sorted(alone.removals) == plain_alone_removals(engine, doc, spans)


def _cover(spans: list[Removal], removal: Removal) -> Removal | None:
    return next((r for r in spans if r.start <= removal.start and r.end >= removal.end), None)


def plain_credits(doc: Document, heuristic_end: int) -> list[Removal]:
    """RuleStripper's crediting on the plain crediting run: the covering rule, a single-line
    rule first inside a section, and only where the category fits."""
    removals = list(doc.removals)
    heuristic = [i for i, r in enumerate(removals[:heuristic_end])
                 if r.rule.startswith("H-") and r.category not in ("title", "markup")]
    if not heuristic:
        return removals
    spans = plain_alone_removals(RuleEngine(RULES.ordered()), doc,
                                 sorted((removals[i].start, removals[i].end) for i in heuristic))
    sections = {r.id for r in RULES.rules if r.scope not in SINGLE_LINE_SCOPES}
    in_sections = [i for i in heuristic if (rule := _cover(spans, removals[i])) and rule.rule in sections]
    line_spans = plain_alone_removals(RuleEngine([r for r in RULES.ordered() if r.scope in SINGLE_LINE_SCOPES]),
                                      doc, sorted((removals[i].start, removals[i].end) for i in in_sections))
    for i in heuristic:
        old = removals[i]
        rule = _cover(spans, old)
        if rule is None:
            continue
        line_rule = _cover(line_spans, old) if rule.rule in sections and in_sections else None
        if line_rule is not None and credit_fits(old, line_rule.category):
            rule = line_rule
        elif not credit_fits(old, rule.category):
            continue
        removals[i] = Removal(old.start, old.end, rule.rule, rule.category, old.text,
                              f"{old.rule}: {old.reason}" if old.reason else old.rule)
    return removals


@pytest.mark.parametrize("index", range(len(TEXTS)))
def test_credits_are_those_of_the_plain_crediting_run(index):
    stripper = RuleStripper(RULES)
    doc = _heuristic_removals(TEXTS[index])
    before = len(doc.removals)
    expected = plain_credits(doc, before)
    stripper.process(doc)
    assert doc.removals[:before] == expected
    assert [(r.rule, r.reason) for r in doc.removals[:before]] == [(r.rule, r.reason) for r in expected]


def test_crafted_page_credits_rules_for_heuristic_removals():
    stripper = RuleStripper(RULES)
    doc = _heuristic_removals(normalize(CRAFTED))
    stripper.process(doc)
    by_text = {r.text: r for r in doc.removals}
    assert (by_text["Advertisement"].rule, by_text["Advertisement"].category) == ("AD001", "ads")
    assert by_text["Advertisement"].reason.startswith("H-")
    # (a short comment: a line as long as the page's wrapped lines would join "Reply" as its
    # continuation, which is what a hard-wrapped dump means)
    assert by_text["Great article, thanks for writing it."].rule == "CM004"  # inside the comment section a to-end rule cuts
    assert by_text["Reply"].rule == "CM001"  # ... where a single-line rule claims the line itself
    # inside that section, a line a single-line rule claims is credited to it, not to the section
    assert (by_text["© 2024 Example Media. All rights reserved."].category,
            by_text["Privacy Policy | Terms of Use"].category) == ("legal", "legal")
    assert by_text["Explore the city guide"].rule == "H-HEAD"  # no rule removes it
    assert stripper.stats["credited_AD001"] == 2


MARKDOWN = """# Kremlin talks up dialogue with Ukraine

The Kremlin said on Thursday that talks with [Ukraine](https://example.org/ukraine) remained
possible, though it set out conditions that officials in Kyiv have rejected many times before.

* * *

Officials in Moscow said that the next round of negotiations could take place in Istanbul,
where the two delegations met earlier this year without reaching an agreement.

![](https://example.org/photo.jpg)

Analysts said the statement was aimed at audiences abroad rather than at Kyiv, and that the
conditions attached to it had not changed since the spring.
"""


def test_markup_is_credited_to_no_rule():
    """A markdown rule ('* * *', an image line) or a link target is markup, whatever rule would
    match its line (NV007 claims lines without letters): it keeps the block model's H-MARKUP."""
    stripper = RuleStripper(RULES)
    doc = _heuristic_removals(normalize(MARKDOWN))
    markup = {r.text: r.rule for r in doc.removals if r.rule == "H-MARKUP"}
    assert {"* * *", "![](https://example.org/photo.jpg)"} <= set(markup)
    assert any(r.rule == "NV007" for r in plain_alone_removals(RuleEngine(RULES.ordered()), doc, [(0, len(doc.normalised))]))
    stripper.process(doc)
    assert {r.text: r.rule for r in doc.removals if r.text in markup} == markup
    assert not any(key.startswith("credited_") for key in stripper.stats)


def test_memo_changes_nothing_and_stays_bounded():
    remembering, forgetful = RuleEngine(RULES.ordered()), RuleEngine(RULES.ordered())
    remembering.memo = LineMemo(max_lines=300, max_chars=20_000)
    forgetful.memo = LineMemo(max_lines=1)
    sizes = []
    for text in TEXTS * 2:  # the second round answers from the memo where it can
        got = []
        for engine in (remembering, forgetful):
            doc = _heuristic_removals(text)
            spans = sorted((r.start, r.end) for r in doc.removals)
            alone = Document(id=doc.id, normalised=doc.normalised, source=doc.source)
            engine.apply(doc)
            engine.apply(alone, spans)
            got.append((doc.removals, sorted(alone.removals)))
        assert got[0] == got[1]
        sizes.append((len(remembering.memo), remembering.memo._chars))
    assert all(n <= 300 and chars <= 20_000 for n, chars in sizes)
    assert max(n for n, _ in sizes) > 100  # it did remember
    assert len(forgetful.memo) <= 1


def test_line_memo_forgets_everything_when_full_and_skips_overlong_lines():
    memo = LineMemo(max_lines=10, max_chars=12)
    memo.put("a" * 13, 1)
    assert memo.get("a" * 13) is None and len(memo) == 0
    memo.put("abcdef", 1)
    memo.put("abcdef", 1)  # a line already there counts once
    memo.put("ghijkl", 2)
    assert memo.get("abcdef") == 1 and len(memo) == 2
    memo.put("m", 3)  # 13 characters: starts afresh
    assert (memo.get("abcdef"), memo.get("m"), len(memo)) == (None, 3, 1)


@pytest.mark.parametrize("seed", range(20))
def test_overlapping_lines_are_those_overlaps_finds(seed):
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, 400), 60))
    lines = [(a, b) for a, b in zip(cuts[::2], cuts[1::2])]
    marks = sorted(rng.sample(range(0, 420), 2 * rng.randint(0, 12)))
    spans = [(a, b) for a, b in zip(marks[::2], marks[1::2])]
    assert _overlapping(lines, spans) == [i for i, (s, e) in enumerate(lines) if _overlaps(spans, s, e)]
