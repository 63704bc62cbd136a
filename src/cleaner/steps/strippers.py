"""Steps that remove boilerplate from a document and find its headline."""
from __future__ import annotations

from bisect import bisect_right

from cleaner.document import Document, Removal
from cleaner.heuristics.body import BodyConfig, locate_body
from cleaner.heuristics.recurring import RecurringLines
from cleaner.langid.detect import guess_language
from cleaner.rules.engine import RuleEngine
from cleaner.rules.model import RuleSet
from cleaner.steps.base import Step


TITLE_MAX_CHARS = 250
TITLE_MAX_WORDS = 35


class RuleStripper(Step):
    """Applies the rule files. A rule that times out is skipped for that document and counted.
    ``credit``: also name the rule behind lines the heuristics removed (see :meth:`_credit_rules`;
    most of this step's time, and no change to the text)."""

    name = "rules"

    def __init__(self, rules: RuleSet, credit: bool = True):
        super().__init__()
        self.engine = RuleEngine(rules.ordered())
        self.credit = credit

    def process(self, doc: Document) -> None:
        before = len(doc.removals)
        for timeout in self.engine.apply(doc):
            self.stats[f"rule_timeout_{timeout.rule_id}"] += 1
            doc.warn("rule-timeout", f"{timeout}. Fix the rule's pattern (nested repeats such as (a+)+ backtrack "
                     f"without end) or switch it off with --disable {timeout.rule_id}", rule=timeout.rule_id)
        for removal in doc.removals[before:]:
            self.stats[f"removed_{removal.rule}"] += 1
        if self.credit:
            self._credit_rules(doc, before)

    def _credit_rules(self, doc: Document, heuristic_end: int) -> None:
        """Name the rule, where one exists, for lines the heuristics removed first.

        The heuristics run before the rules (they need the whole page as evidence), so they
        claim "Advertisement" or a donation appeal as just "before body start". A reviewer
        learns more from "AD001 ads": the rules are run once more, alone, over the whole
        page, and every heuristic removal that lies inside a span a rule removes (the same
        line, or a section a to-end or block rule cuts) is credited to that rule, the
        heuristic's verdict kept in ``reason``. Only attribution changes; the text is the same.
        """
        heuristic = [i for i, r in enumerate(doc.removals[:heuristic_end])
                     if r.rule.startswith("H-") and r.category != "title"]
        if not heuristic:
            return
        alone = Document(id=doc.id, normalised=doc.normalised, source=doc.source, metadata=doc.metadata)
        # A single-line rule can only cover a heuristic removal on that removal's own line, so
        # those rules look at the heuristics' lines alone (a page is mostly such lines, but the
        # costly ones are the long body lines they skip); section rules look at every line.
        self.engine.apply(alone, sorted((doc.removals[i].start, doc.removals[i].end) for i in heuristic))
        spans = sorted(alone.removals, key=lambda r: (r.start, r.end))
        starts = [r.start for r in spans]
        for i in heuristic:
            old = doc.removals[i]
            j = bisect_right(starts, old.start) - 1  # rule spans are disjoint: one candidate
            rule = spans[j] if j >= 0 and spans[j].end >= old.end else None
            if rule is not None:
                doc.removals[i] = Removal(old.start, old.end, rule.rule, rule.category, old.text,
                                          f"{old.rule}: {old.reason}" if old.reason else old.rule)
                self.stats[f"credited_{rule.rule}"] += 1


def looks_like_title(line: str) -> bool:
    """A headline: short, not a run-on sentence list, has letters.

    >>> looks_like_title("Kremlin talks up dialogue, to achieve goals in Ukraine")
    True
    >>> looks_like_title("He said that there had been no casualties in either strike. Then he left.")
    False
    """
    words = line.split()
    if not words or len(line) > TITLE_MAX_CHARS or len(words) > TITLE_MAX_WORDS:
        return False
    if not any(ch.isalpha() for ch in line):
        return False
    sentences = line.rstrip(".!?").count(". ")
    return sentences == 0


class TitleFinder(Step):
    """Moves the headline out of the text into ``title``.

    The headline is the first kept line when it looks like one; the removal is recorded with
    category ``title`` so the audit trail still reconstructs the input.
    """

    name = "title"

    def process(self, doc: Document) -> None:
        if doc.title is not None:
            return
        lines = doc.kept_lines()
        if len(lines) < 2:  # a one-line document is all body
            return
        start, end = lines[0]
        line = doc.normalised[start:end].strip()
        if looks_like_title(line):
            doc.title = line
            doc.remove(start, end, "TITLE", "title", "first line, headline-shaped")
            self.stats["titled"] += 1


class BodyStripper(Step):
    """Line heuristics, run before the rules: keeps the article body and headline, drops the rest.

    ``recurring`` maps a site (see :func:`cleaner.heuristics.recurring.site_of`) to the line keys that
    recur across that site's documents in this batch.
    """

    name = "heuristics"

    def __init__(self, config: BodyConfig = BodyConfig(), recurring: RecurringLines | None = None):
        super().__init__()
        self.config = config
        self.recurring = recurring

    def process(self, doc: Document) -> None:
        if "extractor" in doc.metadata:
            # HTML: the extractor already chose the article container from the page structure,
            # which is better evidence than line shapes (dragnet-dev F1 0.949 without the
            # locator, 0.927 with it); the rules still clean inside the container.
            self.stats["skipped_extracted"] += 1
            return
        spans = doc.kept_lines()
        lines = [doc.normalised[s:e].strip() for s, e in spans]
        recurring = self.recurring.for_document(doc) if self.recurring else frozenset()
        layout = locate_body(lines, lang=guess_language(lines), recurring=recurring, config=self.config)
        for (start, end), verdict in zip(spans, layout.verdicts):
            if not verdict.keep:
                doc.remove(start, end, verdict.rule, verdict.category, verdict.reason)
                self.stats[f"removed_{verdict.rule}"] += 1
        if layout.title is not None and doc.title is None:
            start, end = spans[layout.title]
            doc.title = lines[layout.title]
            doc.remove(start, end, "H-TITLE", "title", layout.verdicts[layout.title].reason)
            self.stats["titled"] += 1
