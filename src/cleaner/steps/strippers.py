"""Steps that remove boilerplate from a document and find its headline."""
from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections import Counter

from cleaner.document import Document, Removal, line_spans
from cleaner.heuristics.body import BodyConfig
from cleaner.heuristics.dump_body import judge_dump
from cleaner.heuristics.lines import line_key
from cleaner.heuristics.recurring import RecurringLines
from cleaner.rules.engine import RuleEngine
from cleaner.rules.model import SECTION_SCOPES, SINGLE_LINE_SCOPES, RuleSet, selected
from cleaner.steps.base import Step
from cleaner.words import count_words


TITLE_MAX_CHARS = 250
TITLE_MAX_WORDS = 35


# Which rule may be named for a line a heuristic removed (see RuleStripper._credit_rules).
_NEAR = {"byline": {"byline", "dateline"}, "dateline": {"byline", "dateline"},
         "share": {"share", "social"}, "social": {"share", "social"}}
_BY_CONTENT = frozenset({"H-LEGAL", "H-BYLINE", "H-CAPTION"})  # they recognised what the line is


def credit_fits(heuristic: Removal, rule_category: str) -> bool:
    """Whether a rule of ``rule_category`` may be named for a line ``heuristic`` removed.

    A heuristic that recognised the line's content knows its category: the rule must agree
    (or be near: byline/dateline, share/social). Before the article there are no comments,
    and a caption rule matching a one- or two-word line there has found a menu entry
    ("Video", "Sci/Environment"), not a credit; after the article, caption rules match links
    to videos and galleries. Otherwise the heuristic knew where the line was or what it
    looked like, and the rule that matches it says what it is.

    >>> head = Removal(0, 15, "H-HEAD", "navigation", "Sci/Environment")
    >>> credit_fits(head, "caption"), credit_fits(head, "navigation"), credit_fits(head, "comments")
    (False, True, False)
    >>> credit_fits(Removal(0, 9, "H-LEGAL", "legal", "© 2024 X"), "comments")
    False
    """
    if heuristic.rule in _BY_CONTENT:
        return rule_category in _NEAR.get(heuristic.category, {heuristic.category})
    if heuristic.rule == "H-HEAD":
        return rule_category != "comments" and (rule_category != "caption" or len(heuristic.text.split()) > 2)
    if heuristic.rule == "H-TAIL":
        return rule_category != "caption"
    return True


class RuleStripper(Step):
    """Applies the rule files. A rule that times out is skipped for that document and counted.
    ``credit``: also name the rule behind lines the heuristics removed (see :meth:`_credit_rules`;
    most of this step's time, and no change to the text)."""

    name = "rules"

    def __init__(self, rules: RuleSet, credit: bool = True):
        super().__init__()
        # One engine for the rules and the crediting runs: what the rules make of a line is
        # worked out once, whichever run first looks at it (see RuleEngine.apply).
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
        """Name the rule, where one exists and fits, for lines the heuristics removed first.

        The heuristics run before the rules (they need the whole page as evidence), so they
        claim "Advertisement" or a donation appeal as just "before body start". A reviewer
        learns more from "AD001 ads": the rules are run once more, alone, over the whole
        page, and a heuristic removal that lies inside a span a rule removes (the same line,
        or a section a to-end or block rule cuts) is credited to that rule when the rule's
        category fits (:func:`credit_fits`); a single-line rule that claims the line itself
        (a copyright line in a comment section) comes before the section around it. The
        heuristic's verdict is kept in ``reason``. Only attribution changes; the text is the
        same. Markup inside kept blocks (H-MARKUP: a link target, a link number) is no rule's
        to claim: the rules never saw its line as removed.
        """
        heuristic = [i for i, r in enumerate(doc.removals[:heuristic_end])
                     if r.rule.startswith("H-") and r.category not in ("title", "markup")]
        if not heuristic:
            return
        # A single-line rule can only cover a heuristic removal on that removal's own line, so
        # those rules look at the heuristics' lines alone; section rules look at every line.
        # Both runs look at the page as it was before any removal: its lines are found once.
        lines = RuleEngine.lines_of(self._unremoved(doc))
        in_section = self._covering(doc, None, SECTION_SCOPES, lines)
        on_line = self._covering(doc, sorted((doc.removals[i].start, doc.removals[i].end) for i in heuristic),
                                 SINGLE_LINE_SCOPES, lines)
        for i in heuristic:
            old = doc.removals[i]
            line_rule, section_rule = on_line(old), in_section(old)
            if line_rule is not None and credit_fits(old, line_rule.category):
                rule = line_rule
            elif section_rule is not None and credit_fits(old, section_rule.category):
                rule = section_rule
            else:
                if line_rule is not None or section_rule is not None:
                    self.stats["credit_refused"] += 1
                continue
            doc.removals[i] = Removal(old.start, old.end, rule.rule, rule.category, old.text,
                                      f"{old.rule}: {old.reason}" if old.reason else old.rule)
            self.stats[f"credited_{rule.rule}"] += 1

    @staticmethod
    def _unremoved(doc: Document) -> Document:
        """The page as the rules would see it alone: the same text, no removals."""
        return Document(id=doc.id, normalised=doc.normalised, source=doc.source, metadata=doc.metadata,
                        structure=doc.structure)

    def _covering(self, doc: Document, focus: list[tuple[int, int]] | None, scopes: tuple[str, ...],
                  lines: list[tuple[int, int]]):
        """A function from a removal to the span the rules of ``scopes``, run alone on the page
        (single-line rules on the ``focus`` spans' lines only), remove around it (or None);
        ``lines``: the page's lines as the engine sees them without removals (RuleEngine.lines_of)."""
        alone = self._unremoved(doc)
        self.engine.apply(alone, focus, scopes, lines)
        spans = sorted(alone.removals, key=lambda r: (r.start, r.end))
        starts = [r.start for r in spans]

        def covering(removal: Removal) -> Removal | None:
            j = bisect_right(starts, removal.start) - 1  # rule spans are disjoint: one candidate
            return spans[j] if j >= 0 and spans[j].end >= removal.end else None

        return covering


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
    """Block heuristics before the rules: keeps the article body and headline, drops the rest.

    The dump is cut into logical blocks first (:func:`cleaner.heuristics.dump_body.judge_dump`; its style
    found per document unless ``style`` names one, and recorded as ``source.style``); the body
    locator judges blocks, and inside kept blocks the markup (link targets, lynx link numbers,
    feed markers) is removed, and with ``plain_markdown`` a markdown block's structure syntax
    too (:func:`cleaner.heuristics.markdown_blocks.syntax_spans`). ``recurring`` maps a site (see
    :func:`cleaner.heuristics.recurring.site_of`) to the line keys that recur across that site's
    documents in this batch. ``only``/``disable``:
    heuristic ids or categories, as --select/--disable give them (a block a switched-off
    heuristic would remove stays).
    """

    name = "heuristics"

    def __init__(self, config: BodyConfig = BodyConfig(), recurring: RecurringLines | None = None,
                 only: tuple[str, ...] = (), disable: tuple[str, ...] = (), style: str = "auto",
                 plain_markdown: bool = False):
        super().__init__()
        self.plain_markdown = plain_markdown
        self.config = config
        self.recurring = recurring
        self.only, self.disable = only, disable
        self.style = None if style == "auto" else style

    def process(self, doc: Document) -> None:
        if "extractor" in doc.metadata:
            # HTML: the extractor already chose the article container from the page structure,
            # which is better evidence than line shapes (dragnet-dev F1 0.949 without the
            # locator, 0.927 with it); the rules still clean inside the container, and the
            # site's recurring short lines go (chrome that came with the container).
            self.stats["skipped_extracted"] += 1
            if self.recurring:
                self._drop_recurring(doc, self.recurring.for_page(doc))
            return
        recurring = self.recurring.for_document(doc) if self.recurring else frozenset()
        layout = judge_dump(doc.normalised, self.style, None, recurring, self.config, self.plain_markdown,
                            doc.layout)
        markup_removed = selected("H-MARKUP", "markup", self.only, self.disable)
        switching = bool(self.only or self.disable)  # else every heuristic removes what it finds
        doc.source = dataclasses.replace(doc.source, style=layout.style)
        self.stats[f"style_{layout.style}"] += 1
        removed: Counter[str] = Counter()  # rule -> blocks removed, added to the stats once
        for block, verdict in zip(layout.blocks, layout.verdicts):
            if not verdict.keep:
                if not switching or selected(verdict.rule, verdict.category, self.only, self.disable):
                    for start, end in block.spans:
                        doc.remove(start, end, verdict.rule, verdict.category, verdict.reason)
                    removed[verdict.rule] += 1
                    continue
                self.stats[f"switched_off_{verdict.rule}"] += 1
            if verdict.rule == "H-BODY" and block.structured:
                doc.structure += block.spans
            if not markup_removed:
                continue
            for start, end in block.markup:
                doc.remove(start, end, "H-MARKUP", "markup", f"{layout.style} markup, not article text")
                removed["H-MARKUP"] += 1
            for start, end in block.syntax:
                doc.remove(start, end, "H-MARKUP", "markup", "markdown structure (markdown_output plain)")
                removed["H-MARKUP"] += 1
        for rule, n in removed.items():
            self.stats[f"removed_{rule}"] += n
        if layout.title is not None and doc.title is None:
            block = layout.blocks[layout.title]
            doc.title = block.text
            for start, end in block.spans:
                doc.remove(start, end, "H-TITLE", "title", layout.verdicts[layout.title].reason)
            self.stats["titled"] += 1

    def _drop_recurring(self, doc: Document, recurring: frozenset[str]) -> None:
        """Remove the lines of an extracted page that are short (under the body locator's
        ``recurring_max_words``), have letters and recur across its site's pages (H-RECURRING,
        as in a dump)."""
        if not recurring or not selected("H-RECURRING", "boilerplate", self.only, self.disable):
            return
        for start, end in line_spans(doc.normalised):
            line = doc.normalised[start:end]
            words = count_words(line)  # a Chinese paragraph is no one word
            # a line without letters is data (a table's figures), not a site's chrome
            if 0 < words < self.config.recurring_max_words and line_key(line) in recurring \
                    and any(ch.isalpha() for ch in line):
                doc.remove(start, end, "H-RECURRING", "boilerplate",
                           f"short line ({words} words) recurring in other pages of the site")
                self.stats["removed_H-RECURRING"] += 1
