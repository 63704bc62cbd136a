"""Applying a set of rules to a document, line by line, trying only the rules a line can match."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable, Iterable

import regex

from cleaner.document import Document
from cleaner.heuristics.lines import LineMemo
from cleaner.rules import pattern_cache
from cleaner.rules.literals import holds, literal_automaton, stands_free
from cleaner.rules.phrases import phrase_key
from cleaner.rules.model import MATCH_MODES, Rule, RuleTimeout, SINGLE_LINE_SCOPES


class RuleEngine:
    """Applies an ordered list of rules to documents, fast.

    Most lines match no rule, and even a failing regex call costs microseconds (more with the
    per-call time limit), so each rule is first asked whether it could match at all:

    * a rule whose pattern requires literals (:func:`required_needs`) only looks at the
      lines that contain one of them, found for all rules at once by an Aho-Corasick pass
      over the casefolded line, and where the pattern puts a literal next to no letter or
      digit ("by" in '\\bby\\s'), only at such a place (not in "nearby");
    * the other rules are compiled into one alternation per match mode: a line that the
      combined pattern does not match is skipped by every one of them after one regex call;
    * a whole-line phrase rule skips an ASCII line whose key is none of its phrases' keys
      (:mod:`cleaner.rules.phrases`: one set lookup); on ASCII lines the combined patterns
      leave such rules out;
    * a rule whose pattern scans the line from every position (``.{0,400}?...``, ``match:
      search``), costly on a long paragraph, also skips a line that lacks what else its pattern
      requires (:attr:`Rule.condition`: "our" and "newsletter", not just one of them).

    Lines that pass go through the rules one by one, so results are exactly those of running
    each rule alone. (A combined pattern over *all* rules was no faster than the rules one by
    one: the patterns that scan every start position, ``.{0,120}?(...)``, dominate it, and
    those are the ones the literal test skips.)

    The prefilters' answers and each rule's match depend on the line's text alone, so they are
    remembered per line text (:class:`_LineFacts` in a bounded :class:`~cleaner.heuristics.lines.LineMemo`):
    a page's lines are looked at more than once (the rules, then the crediting runs of
    :meth:`apply` with ``scopes`` and ``focus_spans``) and a site's menus and prompts recur on
    all its pages. Position
    guards are checked at every use; a pattern that timed out is asked again next time.
    """

    def __init__(self, rules: Iterable[Rule]):
        self.rules = list(rules)
        self.combined_rules = {  # the positions of the rules each mode's combined pattern stands for
            mode: tuple(p for p, r in enumerate(self.rules) if r.match == mode and r.needs is None)
            for mode in MATCH_MODES}
        self.prefilters: dict[str, regex.Pattern | None] = {
            mode: _combined([self.rules[p] for p in positions]) for mode, positions in self.combined_rules.items()}
        # On an ASCII line a phrase rule's key decides whether it could match (one set lookup, see
        # _facts): the combined pattern for ASCII lines leaves such rules out (NV004's ~60
        # phrases were half the cost of the combined pattern of every line).
        self.ascii_combined_rules = {
            mode: tuple(p for p in positions if self.rules[p].keys is None)
            for mode, positions in self.combined_rules.items()}
        self.ascii_prefilters: dict[str, regex.Pattern | None] = {
            mode: _combined([self.rules[p] for p in positions]) for mode, positions in self.ascii_combined_rules.items()}
        self.keyed_unlisted = tuple(p for p, r in enumerate(self.rules) if r.keys is not None and r.needs is None)
        self.literals = literal_automaton(need.text for rule in self.rules if rule.needs for need in rule.needs)
        # literal -> ((left, right), positions): the rules that need it, by what must stand next to it
        needing: dict[str, dict[tuple[bool, bool], list[int]]] = {}
        for position, rule in enumerate(self.rules):
            for need in rule.needs or ():
                needing.setdefault(need.text, {}).setdefault((need.left, need.right), []).append(position)
        self.needing = {literal: tuple((sides, tuple(positions)) for sides, positions in by_sides.items())
                        for literal, by_sides in needing.items()}
        self.prefilter_timeouts = {  # a combined pattern has a time limit if one of its rules has
            mode: max((self.rules[p].timeout for p in positions if self.rules[p].timeout is not None), default=None)
            for mode, positions in self.combined_rules.items()}
        self.keyed = frozenset(p for p, r in enumerate(self.rules) if r.keys is not None)
        # (positions, the combined pattern's test, its time limit) of each mode that has one, for
        # non-ASCII lines (False) and ASCII lines (True)
        self._combined_tests = {
            ascii: tuple((positions[mode], (combined[mode].fullmatch if mode == "full" else combined[mode].search)
                          if combined[mode] is not None else _anything, self.prefilter_timeouts[mode])
                         for mode in MATCH_MODES if positions[mode])
            for ascii, positions, combined in ((False, self.combined_rules, self.prefilters),
                                               (True, self.ascii_combined_rules, self.ascii_prefilters))}
        self.sized = frozenset(p for p, r in enumerate(self.rules) if r.guards.sized)
        self.counted = frozenset(p for p, r in enumerate(self.rules) if r.guards.max_words is not None)
        self.conditions = {p: r.condition for p, r in enumerate(self.rules) if r.condition is not None}
        self.conditioned = frozenset(self.conditions)
        self.memo = LineMemo()
        pattern_cache.MEMO.save()  # the combined patterns' programs, for the next run (a no-op once kept)

    def apply(self, doc: Document, focus_spans: list[tuple[int, int]] | None = None,
              scopes: tuple[str, ...] | None = None, lines: list[tuple[int, int]] | None = None) -> list[RuleTimeout]:
        """Apply the rules to the document's kept lines; returns the rules that timed out.

        Every rule sees the same lines (those kept before the rules ran), so a rule's position
        guards do not depend on which other rules are enabled; overlapping claims are resolved
        by :meth:`Document.remove` (the first rule in order keeps the span). ``focus_spans``:
        sorted, disjoint character ranges; single-line rules (scopes line and span) then only
        look at the lines that overlap them, while rules that remove sections (to-end, block)
        still look at every line. ``scopes``: run only the rules of these scopes (None: all);
        the others' answers stay in the memo for the next run. ``lines``: :meth:`lines_of` the
        document, where the caller has them already (the crediting runs look at one text twice).
        """
        text, lines = doc.normalised, self.lines_of(doc) if lines is None else lines
        rules = [(position, rule) for position, rule in enumerate(self.rules)
                 if (scopes is None or rule.scope in scopes) and rule.applies_to(doc)]
        if focus_spans is not None:
            focus = _overlapping(lines, focus_spans)
            if any(rule.scope not in SINGLE_LINE_SCOPES for _, rule in rules):
                facts = [self._facts(text[start:end]) for start, end in lines]
            else:  # single-line rules only: no other line is looked at
                facts = [None] * len(lines)
                for i in focus:
                    facts[i] = self._facts(text[lines[i][0]:lines[i][1]])
            return self._apply_focused(doc, lines, facts, rules, focus)
        facts = [self._facts(text[start:end]) for start, end in lines]
        candidates = _candidates(facts, {position for position, _ in rules})
        timeouts = []
        for position, rule in rules:
            try:
                rule.apply(doc, lines, candidates[position], self._line_matcher(facts, position))
            except RuleTimeout as exc:
                timeouts.append(exc)
        return timeouts

    @staticmethod
    def lines_of(doc: Document) -> list[tuple[int, int]]:
        """The lines the rules look at: the kept lines but the article's own lists, tables and code
        (see Document.structure)."""
        lines = doc.kept_lines()
        if doc.structure:
            lines = [(s, e) for s, e in lines if not _overlaps(doc.structure, s, e)]
        return lines

    def _apply_focused(self, doc: Document, lines: list[tuple[int, int]], facts: list[_LineFacts | None],
                       rules: list[tuple[int, Rule]], focus: list[int]) -> list[RuleTimeout]:
        """:meth:`apply` with focus lines: section rules run as usual; each run of consecutive
        single-line rules goes line by line instead of rule by rule, and leaves a line at its
        first whole-line claim.

        A single-line rule claims only within its line, so visiting the lines one by one changes
        nothing, and once a line-scope rule has claimed a line (or a section rule all of it) the
        rules after can claim nothing there: they are not asked. One thing can differ: a rule
        that would have timed out on such a line (which stops it for the document) is not
        stopped, and keeps claiming on the lines after. Without section rules, ``facts`` holds
        the focus lines' alone (None for the others).
        """
        text, count = doc.normalised, len(lines)
        sections = {position for position, rule in rules if rule.scope not in SINGLE_LINE_SCOPES}
        candidates = _candidates(facts, sections) if sections else {}
        timeouts: list[RuleTimeout] = []
        i = 0
        while i < len(rules):
            position, rule = rules[i]
            if rule.scope not in SINGLE_LINE_SCOPES:
                try:
                    rule.apply(doc, lines, candidates[position], self._line_matcher(facts, position))
                except RuleTimeout as exc:
                    timeouts.append(exc)
                i += 1
                continue
            group = {}
            while i < len(rules) and rules[i][1].scope in SINGLE_LINE_SCOPES:
                group[rules[i][0]] = rules[i][1]
                i += 1
            timed_out: set[int] = set()
            for index in focus:
                start, end = lines[index]
                if sections and not doc.kept_segments(start, end):  # a section rule claimed it: nothing left
                    continue
                raw = text[start:end]
                line = raw.strip()
                offset = end / max(1, len(text))
                for position in facts[index].could_match:
                    rule = group.get(position)
                    if rule is None or position in timed_out or not rule.guards.allow_position(index, count, offset):
                        continue
                    try:
                        if rule.scope == "span":
                            rule._remove_spans(doc, start, raw)
                        elif self._matches(facts[index], position, line):
                            doc.remove(start, end, rule.id, rule.category)
                            break
                    except RuleTimeout as exc:
                        timed_out.add(position)
                        timeouts.append(exc)
        return timeouts

    def _facts(self, raw: str) -> _LineFacts:
        """What the rules make of one line (``raw``: as on the page, unstripped), remembered."""
        known = self.memo.get(raw)
        if known is not None:
            return known
        line, folded = raw.strip(), raw.casefold()
        could, certain = set(), True
        if self.literals is not None:
            # Every occurrence, overlapping ones too. (A literal crossing a line break, which a
            # pass over the whole page would also report, cannot be part of a match in a line.)
            # Where casefolding kept every character one character, offsets in ``folded`` are
            # offsets in ``raw``, and a need's neighbours can be looked at (else it counts as met).
            aligned = len(folded) == len(raw)
            done = set()  # literals whose rules are all in ``could``: their later occurrences add nothing
            needing = self.needing
            for last, literal in self.literals.iter(folded):
                if literal in done:
                    continue
                free, met = None, True
                for (left, right), positions in needing[literal]:
                    if aligned and (left or right):
                        if free is None:
                            free = stands_free(raw, last + 1 - len(literal), last + 1)
                        if (left and not free[0]) or (right and not free[1]):
                            met = False
                            continue
                    could.update(positions)
                if met:
                    done.add(literal)
        ascii = line.isascii()
        if ascii:  # their phrase keys decide, below
            could.update(self.keyed_unlisted)
        for positions, test, timeout in self._combined_tests[ascii]:
            try:
                if not (test(line) if timeout is None else test(line, timeout=timeout)):
                    continue
            except TimeoutError:  # the culprit is found and reported when the rules run one by one
                certain = False
            could.update(positions)
        if ascii:
            keyed = self.keyed.intersection(could)
            if keyed:
                key = phrase_key(line)
                for p in keyed:
                    if key not in self.rules[p].keys:
                        could.discard(p)
        sized = self.sized.intersection(could)
        if sized:
            n_words = len(line.split()) if not self.counted.isdisjoint(sized) else None
            for p in sized:
                if not self.rules[p].guards.fits(line, n_words):
                    could.discard(p)
        for p in self.conditioned.intersection(could):
            if not holds(self.conditions[p], folded):
                could.discard(p)
        facts = _LineFacts(tuple(sorted(could)), {})
        if certain:
            self.memo.put(raw, facts)
        return facts

    def _matches(self, facts: _LineFacts, position: int, line: str) -> bool:
        """Whether rule ``position`` matches the stripped line of ``facts``, remembered there."""
        known = facts.matches.get(position)
        if known is None:  # a timeout raises before anything is remembered
            known = facts.matches[position] = self.rules[position]._line_matches(line)
        return known

    def _line_matcher(self, facts: list[_LineFacts], position: int) -> Callable[[int, str], bool]:
        """``line_matches`` for :meth:`Rule.apply`: answers from the memo of the page's lines."""
        return lambda index, line: self._matches(facts[index], position, line)


def _anything(line: str, timeout: float | None = None) -> bool:
    """The test of a mode whose rules could not be combined into one pattern: every line passes."""
    return True


def _candidates(facts: list[_LineFacts], positions: set[int]) -> dict[int, list[int]]:
    """For each rule position of ``positions``, the ascending indexes of the lines it could match."""
    candidates: dict[int, list[int]] = {position: [] for position in positions}
    for index, line_facts in enumerate(facts):
        for position in line_facts.could_match:
            if position in candidates:
                candidates[position].append(index)
    return candidates


@dataclass(slots=True)
class _LineFacts:
    """What a :class:`RuleEngine` knows about one line text, whatever its position.

    ``could_match``: the rules (positions in the engine's order, ascending) that the
    prefilters let through and whose size guards the line meets; ``matches``: whether the
    pattern of each of them matches, filled in when first asked (span rules never are: they
    cut out their matches).
    """

    could_match: tuple[int, ...]
    matches: dict[int, bool]


_BACKREFERENCE = regex.compile(r"\\[1-9]|\(\?P=|\\g<")
_LEADING_FLAGS = regex.compile(r"^\(\?([aimsux]+)\)")
_INLINE_FLAGS = regex.compile(r"\(\?[aimsux]+\)")


def _scoped(rule: Rule) -> str | None:
    """The rule's pattern as one alternative with its flags scoped to it, or None if unsafe."""
    source = rule.pattern.pattern
    if _BACKREFERENCE.search(source):
        return None  # renumbered groups would break backreferences
    leading = _LEADING_FLAGS.match(source)
    flags = (leading.group(1) if leading else "").replace("u", "").replace("a", "")
    body = source[leading.end():] if leading else source
    if _INLINE_FLAGS.search(body):
        return None  # a global flag mid-pattern would leak into the other alternatives
    flags += "" if "i" in flags or not rule.pattern.flags & regex.IGNORECASE else "i"
    return f"(?{flags}:{body})" if flags else f"(?:{body})"


def _combined(rules: list[Rule]) -> regex.Pattern | None:
    """One pattern matching wherever any of the rules' patterns matches (None: no prefilter)."""
    parts = [_scoped(r) for r in rules]
    if not parts or None in parts:
        return None
    try:  # its program from the cache of derived data when kept there (~25 ms a start-up)
        return pattern_cache.compile_pattern("|".join(parts), regex.UNICODE | regex.V0)
    except regex.error:
        return None


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, disjoint ``spans``."""
    i = bisect_right(spans, (start, start))
    return (i > 0 and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end)


def _overlapping(lines: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[int]:
    """Indexes of the ``lines`` that overlap one of ``spans`` (both sorted and disjoint): what
    :func:`_overlaps` says of each line, in one walk along both lists.

    >>> _overlapping([(0, 4), (5, 9), (10, 14), (15, 19)], [(6, 7), (12, 16)])
    [1, 2, 3]
    """
    found, j = [], 0
    for index, (start, end) in enumerate(lines):
        while j < len(spans) and spans[j][1] <= start:
            j += 1
        if j < len(spans) and spans[j][0] < end:
            found.append(index)
    return found


def apply_rules(doc: Document, rules: Iterable[Rule]) -> list[RuleTimeout]:
    """Apply rules to a document (see :meth:`RuleEngine.apply`)."""
    return RuleEngine(rules).apply(doc)
