"""Declarative boilerplate rules: loading, validation and matching.

Rules are data (``rules/*.yaml``). Each rule names *what kind* of boilerplate it removes
(category), *how much* text a match takes (scope) and *when* it may fire (guards), and
carries its own ``strip:``/``keep:`` examples so a test can replay them.

Scopes:
    line     drop each kept line the pattern matches (``match: full`` — the default — needs
             the pattern to cover the whole line; ``match: search`` anywhere in it)
    span     remove only the matched text inside a line
    to-end   cut from the first matching line to the end of the document
    block    cut from a line matching ``regex`` to the next line matching ``end``

Patterns run on the ``regex`` engine with a per-call time limit, so a user rule with
catastrophic backtracking costs a bounded amount of time and is reported, not a hung run.
"""
from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit

import regex
import yaml

from cleaner.document import Document, Source
from cleaner.lines import LineMemo

CATEGORIES = (
    "ads", "donation", "newsletter", "share", "comments", "navigation", "caption", "related",
    "byline", "dateline", "legal", "cookie", "paywall", "social", "tags", "promo", "boilerplate",
)
SCOPES = ("line", "span", "to-end", "block")
SINGLE_LINE_SCOPES = ("line", "span")  # a removal within one line; the others cut sections
SAFETY_LEVELS = ("safe", "moderate", "aggressive")  # ordered: each level includes the ones before
MATCH_MODES = ("full", "search")
GUARD_KEYS = ("max_chars", "min_chars", "max_words", "position")
POSITIONS = ("any", "head", "tail")
RULE_KEYS = ("id", "name", "category", "description", "scope", "match", "regex", "phrases",
             "end", "max_lines", "guards", "safety", "case_sensitive", "strip", "keep")
FILE_KEYS = ("rules", "domains", "description")
REGEX_TIMEOUT_S = 0.25  # per search call; far above any sane rule on one line


class RuleError(ValueError):
    """A rule file that cannot be loaded: names the file, the rule and the reason."""


class RuleTimeout(RuntimeError):
    """A rule's pattern exceeded its time budget on a document."""

    def __init__(self, rule_id: str):
        super().__init__(f"rule {rule_id} exceeded {REGEX_TIMEOUT_S}s on one line "
                         "(catastrophic backtracking?); it was skipped for this document")
        self.rule_id = rule_id


@dataclass(frozen=True, slots=True)
class Guards:
    max_chars: int | None = None
    min_chars: int | None = None
    max_words: int | None = None
    position: str = "any"

    def allow(self, line: str, index: int, count: int, offset: float = 1.0) -> bool:
        """``index`` of ``count`` kept lines; ``offset``: where the line ends, as a share of the text."""
        return self.fits(line) and self.allow_position(index, count, offset)

    def fits(self, line: str, n_words: int | None = None) -> bool:
        """The guards on the line's own text (its size), which hold wherever it stands;
        ``n_words``: ``len(line.split())``, when the caller has it."""
        if self.max_chars is not None and len(line) > self.max_chars:
            return False
        if self.min_chars is not None and len(line) < self.min_chars:
            return False
        if self.max_words is None:
            return True
        return (len(line.split()) if n_words is None else n_words) <= self.max_words

    def allow_position(self, index: int, count: int, offset: float = 1.0) -> bool:
        """The guards on where the line stands (see :meth:`allow`)."""
        if self.position == "head":  # the first quarter of the kept lines, at least five lines
            return index < max(5, count // 4)
        if self.position == "tail":  # the second half of the lines, and past the first third of
            return index >= count // 2 and offset >= 1 / 3  # the text (a short page of long
        return True  # paragraphs has its header lines in the second half of the lines)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    expect: str | None  # kept text after the rule ran; None for keep examples (= unchanged)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    category: str
    description: str
    scope: str
    pattern: regex.Pattern
    match: str = "full"
    end: regex.Pattern | None = None
    max_lines: int = 40
    guards: Guards = Guards()
    safety: str = "safe"
    domains: tuple[str, ...] = ()
    file: str = ""
    strip: tuple[Example, ...] = ()
    keep: tuple[Example, ...] = ()
    spec: str = field(default="", repr=False)  # canonical JSON of the definition, for hashing
    # Casefolded literals of which every match contains at least one (see required_literals):
    # a line without any of them is skipped without calling the rule's regex.
    needs: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    def applies_to(self, doc: Document) -> bool:
        if not self.domains:
            return True
        host = (urlsplit(doc.source.url or "").hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def _line_matches(self, line: str) -> bool:
        try:
            if self.match == "full":
                return self.pattern.fullmatch(line, timeout=REGEX_TIMEOUT_S) is not None
            return self.pattern.search(line, timeout=REGEX_TIMEOUT_S) is not None
        except TimeoutError:
            raise RuleTimeout(self.id) from None

    def apply(self, doc: Document, lines: list[tuple[int, int]], candidates: Iterable[int] | None = None,
              line_matches: Callable[[int, str], bool] | None = None) -> None:
        """Record this rule's removals on ``doc``; ``lines`` are the kept lines (guards count
        positions among them), ``candidates`` the ascending indexes of those that could match
        at all (None: every line; :class:`RuleEngine` narrows them down). ``line_matches(index,
        line)``: whether the pattern matches kept line ``index`` (stripped: ``line``), if the caller
        has its own way to know (the engine remembers answers per line text)."""
        text, count = doc.normalised, len(lines)
        for index in range(count) if candidates is None else candidates:
            start, end = lines[index]
            raw = text[start:end]
            line = raw.strip()
            if not self.guards.allow(line, index, count, end / max(1, len(text))):
                continue
            if self.scope == "span":
                self._remove_spans(doc, start, raw)
            elif line_matches(index, line) if line_matches else self._line_matches(line):
                if self.scope == "line":
                    doc.remove(start, end, self.id, self.category)
                elif self.scope == "to-end":
                    doc.remove(start, len(text), self.id, self.category)
                    return
                elif self.scope == "block":
                    stop = self._block_end(text, lines, index)
                    if stop is not None:
                        doc.remove(start, stop, self.id, self.category)

    def _block_end(self, text: str, lines: list[tuple[int, int]], index: int) -> int | None:
        """End offset of the first line after ``index`` that closes the block, if any."""
        for start, end in lines[index + 1: index + 1 + self.max_lines]:
            try:
                if self.end.search(text[start:end].strip(), timeout=REGEX_TIMEOUT_S):
                    return end
            except TimeoutError:
                raise RuleTimeout(self.id) from None
        return None

    def _remove_spans(self, doc: Document, offset: int, raw: str) -> None:
        try:
            matches = list(self.pattern.finditer(raw, timeout=REGEX_TIMEOUT_S))
        except TimeoutError:
            raise RuleTimeout(self.id) from None
        for m in matches:
            if m.end() == m.start():
                continue
            end = m.end()
            # Swallow the space after an inline removal so "a [ad] b" becomes "a b", not "a  b".
            if (m.start() == 0 or raw[m.start() - 1].isspace()) and end < len(raw) and raw[end].isspace():
                while end < len(raw) and raw[end] in " \t":
                    end += 1
            doc.remove(offset + m.start(), offset + end, self.id, self.category)

# -- loading -----------------------------------------------------------------------------------


def _compile(source: str, case_sensitive: bool) -> regex.Pattern:
    flags = regex.UNICODE | regex.V0 | (0 if case_sensitive else regex.IGNORECASE)
    return regex.compile(source, flags)


def _phrases_regex(phrases: list[str], match: str) -> str:
    alternatives = "|".join(r"\s+".join(regex.escape(w) for w in p.split()) for p in phrases)
    if match == "full":  # tolerate bullets, arrows and punctuation around a whole-line phrase
        return rf"[\W_]*(?:{alternatives})[\W_]*"
    return rf"(?<!\w)(?:{alternatives})(?!\w)"


def _examples(raw, where: str, keep: bool) -> tuple[Example, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise RuleError(f"{where}: {'keep' if keep else 'strip'} must be a list")
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(Example(item, None if keep else ""))
        elif isinstance(item, dict) and isinstance(item.get("text"), str) and not keep:
            out.append(Example(item["text"], str(item.get("expect", ""))))
        else:
            raise RuleError(f"{where}: bad example {item!r} (a string, or for strip: "
                            "{text: ..., expect: ...})")
    return tuple(out)


def _rule(raw: dict, file: str, domains: tuple[str, ...]) -> Rule:
    rid = raw.get("id") if isinstance(raw, dict) else None
    where = f"{file}: rule {rid or '<no id>'}"
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: a rule must be a mapping")
    unknown = sorted(set(raw) - set(RULE_KEYS))
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {unknown}; valid keys: {', '.join(RULE_KEYS)}")
    for key in ("id", "name", "category", "description", "scope"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise RuleError(f"{where}: missing or empty '{key}'")
    if not regex.fullmatch(r"[A-Z]{2,4}[0-9]{3}", rid):
        raise RuleError(f"{where}: id must look like AD001 (2-4 capitals, 3 digits)")
    checks = [("category", CATEGORIES), ("scope", SCOPES)]
    checks += [("safety", SAFETY_LEVELS)] if "safety" in raw else []
    checks += [("match", MATCH_MODES)] if "match" in raw else []
    for key, allowed in checks:
        if raw[key] not in allowed:
            raise RuleError(f"{where}: {key} '{raw[key]}' is not one of {', '.join(allowed)}")
    if ("regex" in raw) == ("phrases" in raw):
        raise RuleError(f"{where}: give exactly one of 'regex' or 'phrases'")
    match = raw.get("match", "search" if raw["scope"] == "span" else "full")
    case_sensitive = raw.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        raise RuleError(f"{where}: case_sensitive must be true or false")
    max_lines = raw.get("max_lines", 40)
    if not isinstance(max_lines, int) or isinstance(max_lines, bool) or max_lines < 1:
        raise RuleError(f"{where}: max_lines must be a positive integer")
    if raw["scope"] != "block" and ("end" in raw or "max_lines" in raw):
        raise RuleError(f"{where}: 'end' and 'max_lines' apply only to scope: block")
    try:
        if "phrases" in raw:
            phrases = raw["phrases"]
            if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
                raise RuleError(f"{where}: 'phrases' must be a non-empty list of strings")
            pattern = _compile(_phrases_regex(phrases, match), case_sensitive)
        else:
            pattern = _compile(str(raw["regex"]), case_sensitive)
        end = None
        if raw["scope"] == "block":
            if "end" not in raw:
                raise RuleError(f"{where}: a block rule needs 'end' (the regex of its last line)")
            end = _compile(str(raw["end"]), case_sensitive)
    except regex.error as exc:
        raise RuleError(f"{where}: invalid regex: {exc}") from None
    guards_raw = raw.get("guards") or {}
    if not isinstance(guards_raw, dict) or set(guards_raw) - set(GUARD_KEYS):
        raise RuleError(f"{where}: guards must be a mapping with keys from {', '.join(GUARD_KEYS)}")
    if guards_raw.get("position", "any") not in POSITIONS:
        raise RuleError(f"{where}: guards.position must be one of {', '.join(POSITIONS)}")
    for key in ("max_chars", "min_chars", "max_words"):
        if key in guards_raw and (not isinstance(guards_raw[key], int) or guards_raw[key] < 0):
            raise RuleError(f"{where}: guards.{key} must be a non-negative integer")
    spec = json.dumps({**{k: v for k, v in raw.items() if k not in ("strip", "keep")},
                       "domains": list(domains)}, sort_keys=True, ensure_ascii=False)
    return Rule(
        id=rid, name=raw["name"], category=raw["category"], description=raw["description"].strip(),
        scope=raw["scope"], pattern=pattern, match=match, end=end,
        max_lines=max_lines, guards=Guards(**guards_raw),
        safety=raw.get("safety", "safe"), domains=domains, file=file,
        strip=_examples(raw.get("strip"), where, keep=False),
        keep=_examples(raw.get("keep"), where, keep=True), spec=spec,
        needs=_literal_needs(pattern),
    )


def load_rule_file(path: Path) -> list[Rule]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleError(f"{path}: a rule file is a mapping with a 'rules:' list")
    unknown = sorted(set(data) - set(FILE_KEYS))
    if unknown:
        raise RuleError(f"{path}: unknown top-level key(s) {unknown}; valid: {', '.join(FILE_KEYS)}")
    domains = tuple(str(d).lower().lstrip(".") for d in data.get("domains") or ())
    return [_rule(raw, path.name, domains) for raw in data["rules"]]


def builtin_rules_dir() -> Path:
    """The rules shipped in the wheel, or the repo's ``rules/`` in a source checkout."""
    packaged = Path(__file__).with_name("builtin_rules")
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "rules"


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]

    @classmethod
    def load(cls, dirs: Iterable[Path] | None = None, *, builtin: bool = True) -> "RuleSet":
        """Built-in rules plus every ``*.yaml`` in ``dirs`` (files in name order)."""
        folders = ([builtin_rules_dir()] if builtin else []) + [Path(d) for d in dirs or ()]
        rules: list[Rule] = []
        for folder in folders:
            if not folder.is_dir():
                raise RuleError(f"{folder}: rules folder not found")
            for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
                rules.extend(load_rule_file(path))
        seen: dict[str, str] = {}
        for rule in rules:
            if rule.id in seen:
                raise RuleError(f"{rule.file}: rule {rule.id}: id already used in {seen[rule.id]}")
            seen[rule.id] = rule.file
        return cls(tuple(rules))

    def select(self, *, safety: str = "moderate", only: Iterable[str] = (),
               disable: Iterable[str] = ()) -> "RuleSet":
        """Rules up to a safety level; ``only``/``disable`` take rule ids or categories."""
        if safety not in SAFETY_LEVELS:
            raise RuleError(f"safety '{safety}' is not one of {', '.join(SAFETY_LEVELS)}")
        only, disable = set(only), set(disable)
        known = {r.id for r in self.rules} | set(CATEGORIES)
        unknown = sorted((only | disable) - known)
        if unknown:
            raise RuleError(f"unknown rule id or category: {', '.join(unknown)}")
        level = SAFETY_LEVELS.index(safety)
        return RuleSet(tuple(
            r for r in self.rules
            if SAFETY_LEVELS.index(r.safety) <= level
            and (not only or r.id in only or r.category in only)
            and r.id not in disable and r.category not in disable
        ))

    @property
    def digest(self) -> str:
        """sha256 over the enabled rules' definitions: recorded in the run manifest."""
        h = hashlib.sha256()
        for rule in sorted(self.rules, key=lambda r: r.id):
            h.update(rule.spec.encode())
            h.update(b"\n")
        return h.hexdigest()

    def ordered(self) -> list[Rule]:
        """Widest scope first, so a section that runs to the end is claimed by one rule."""
        rank = {"to-end": 0, "block": 1, "line": 2, "span": 3}
        return sorted(self.rules, key=lambda r: (rank[r.scope], r.id))

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


class RuleEngine:
    """Applies an ordered list of rules to documents, fast.

    Most lines match no rule, and even a failing regex call costs microseconds (more with the
    per-call time limit), so each rule is first asked whether it could match at all:

    * a rule whose pattern requires literals (:func:`required_literals`) only looks at the
      lines that contain one of them, found for all rules at once by an Aho-Corasick pass
      over the casefolded line;
    * the other rules are compiled into one alternation per match mode: a line that the
      combined pattern does not match is skipped by every one of them after one regex call.

    Lines that pass go through the rules one by one, so results are exactly those of running
    each rule alone. (A combined pattern over *all* rules was no faster than the rules one by
    one: the patterns that scan every start position, ``.{0,120}?(...)``, dominate it, and
    those are the ones the literal test skips.)

    The prefilters' answers and each rule's match depend on the line's text alone, so they are
    remembered per line text (:class:`_LineFacts` in a bounded :class:`~cleaner.lines.LineMemo`):
    a page's lines are looked at twice (the rules, then the crediting run of :meth:`apply`
    with ``focus_spans``) and a site's menus and prompts recur on all its pages. Position
    guards are checked at every use; a pattern that timed out is asked again next time.
    """

    def __init__(self, rules: Iterable[Rule]):
        self.rules = list(rules)
        self.prefilters: dict[str, regex.Pattern | None] = {
            mode: _combined([r for r in self.rules if r.match == mode and r.needs is None])
            for mode in MATCH_MODES}
        self.literals = literal_automaton(literal for rule in self.rules if rule.needs for literal in rule.needs)
        needing: dict[str, list[int]] = {}
        for position, rule in enumerate(self.rules):
            for literal in rule.needs or ():
                needing.setdefault(literal, []).append(position)
        self.needing = {literal: tuple(positions) for literal, positions in needing.items()}
        self.combined_rules = {  # the positions of the rules each mode's combined pattern stands for
            mode: tuple(p for p, r in enumerate(self.rules) if r.match == mode and r.needs is None)
            for mode in MATCH_MODES}
        self.memo = LineMemo()

    def apply(self, doc: Document, focus_spans: list[tuple[int, int]] | None = None) -> list[RuleTimeout]:
        """Apply the rules to the document's kept lines; returns the rules that timed out.

        Every rule sees the same lines (those kept before the rules ran), so a rule's position
        guards do not depend on which other rules are enabled; overlapping claims are resolved
        by :meth:`Document.remove` (the first rule in order keeps the span). ``focus_spans``:
        sorted, disjoint character ranges; single-line rules (scopes line and span) then only
        look at the lines that overlap them, while rules that remove sections (to-end, block)
        still look at every line.
        """
        text, lines = doc.normalised, doc.kept_lines()
        facts = [self._facts(text[start:end]) for start, end in lines]
        rules = [(position, rule) for position, rule in enumerate(self.rules) if rule.applies_to(doc)]
        if focus_spans is not None:
            focus = [i for i, (start, end) in enumerate(lines) if _overlaps(focus_spans, start, end)]
            return self._apply_focused(doc, lines, facts, rules, focus)
        candidates = _candidates(facts, {position for position, _ in rules})
        timeouts = []
        for position, rule in rules:
            try:
                rule.apply(doc, lines, candidates[position], self._line_matcher(facts, position))
            except RuleTimeout as exc:
                timeouts.append(exc)
        return timeouts

    def _apply_focused(self, doc: Document, lines: list[tuple[int, int]], facts: list[_LineFacts],
                       rules: list[tuple[int, Rule]], focus: list[int]) -> list[RuleTimeout]:
        """:meth:`apply` with focus lines: section rules run as usual; each run of consecutive
        single-line rules goes line by line instead of rule by rule, and leaves a line at its
        first whole-line claim.

        A single-line rule claims only within its line, so visiting the lines one by one changes
        nothing, and once a line-scope rule has claimed a line (or a section rule all of it) the
        rules after can claim nothing there: they are not asked. One thing can differ: a rule
        that would have timed out on such a line (which stops it for the document) is not
        stopped, and keeps claiming on the lines after.
        """
        text, count = doc.normalised, len(lines)
        sections = {position for position, rule in rules if rule.scope not in SINGLE_LINE_SCOPES}
        candidates = _candidates(facts, sections)
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
                if not doc.kept_segments(start, end):  # a section rule claimed it: nothing left
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
        line = raw.strip()
        could, certain = set(), True
        if self.literals is not None:
            # Every occurrence, overlapping ones too. (A literal crossing a line break, which a
            # pass over the whole page would also report, cannot be part of a match in a line.)
            for _, literal in self.literals.iter(raw.casefold()):
                could.update(self.needing[literal])
        for mode, combined in self.prefilters.items():
            if not self.combined_rules[mode]:
                continue
            if combined is not None:
                test = combined.fullmatch if mode == "full" else combined.search
                try:
                    if not test(line, timeout=REGEX_TIMEOUT_S):
                        continue
                except TimeoutError:  # the culprit is found and reported when the rules run one by one
                    certain = False
            could.update(self.combined_rules[mode])
        n_words = len(line.split())
        facts = _LineFacts(tuple(p for p in sorted(could) if self.rules[p].guards.fits(line, n_words)), {})
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
    try:
        return regex.compile("|".join(parts), regex.UNICODE | regex.V0)
    except regex.error:
        return None


# -- literal prefilter -------------------------------------------------------------------------
#
# Most kept lines are prose that no rule matches, and a regex call costs microseconds even when
# it fails (more with the per-call time limit), so each rule gets a cheap necessary condition:
# the literals one of which any match must contain, found by walking the pattern's parse tree
# (the "required factors" of grep and Hyperscan). Lines are casefolded and the literals kept
# to characters whose case-insensitive matches all casefold like them (see _folds_safely), so
# a case-insensitive match can never be missed: casefolding maps text character by character.
# When the analysis is unsure it returns None and the rule runs on every line, as before.

_PROPERTY = re.compile(r"\\([pP])\{[^}]*\}")
_NOT_A_QUANTIFIER = re.compile(r"(?<!\\)\{(?!\d*,?\d*\})")
_MAX_CHOICES = 64  # literals per rule: phrase lists have dozens; past this they stop being selective


def required_literals(source: str, flags: int = 0) -> frozenset[str] | None:
    r"""Casefolded ASCII strings of which every match of ``source`` contains at least one.

    >>> sorted(required_literals(r"[\W_]*(?:Sign\s+up|Subscribe)\s+now"))
    ['now']
    >>> sorted(required_literals(r"(?:read|see)\s+more"))
    ['more']
    >>> sorted(required_literals(r"(?:advertisement|sponsored)"))
    ['advertisement', 'sponsored']
    >>> required_literals(r"[^\p{L}\p{N}]+") is None
    True
    """
    from re import _parser

    if "\\\\" in source or "[:" in source or flags & (regex.V1 | regex.FULLCASE):
        return None  # escaped backslashes, POSIX classes, V1 sets: syntax `re` would misread
    # The regex module's Unicode properties are character classes: \w stands in for them here.
    analysable = _PROPERTY.sub(lambda m: "\\w" if m.group(1) == "p" else "\\W", source)
    if _NOT_A_QUANTIFIER.search(analysable):
        return None  # fuzzy matching ({e<=1}) or a literal brace: not worth the risk
    try:
        tree = _parser.parse(analysable, flags & (re.IGNORECASE | re.VERBOSE | re.DOTALL | re.MULTILINE))
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    found = _sequence_needs(list(tree))
    if not found:
        return None
    pieces = set()
    for literal in found:  # the longest run of safely folding characters of each literal
        runs, run = [], ""
        for ch in literal:
            if _folds_safely(ch):
                run += ch.casefold()
            else:
                runs, run = runs + [run], ""
        piece = max(runs + [run], key=len)
        if not piece.strip():
            return None
        pieces.add(piece)
    return frozenset(pieces)


def _folds_safely(ch: str) -> bool:
    """True if every character the regex module matches to ``ch`` case-insensitively has a
    casefold containing ``ch``'s: checked exhaustively for these ranges (ASCII, Latin-1 and
    Latin Extended, Cyrillic, punctuation and symbols) by tests/test_rules_prefilter.py.
    The Turkish I's are the exceptions: 'I' matches dotless 'ı', whose casefold is not 'i'."""
    code = ord(ch)
    return ch not in "Iİı" and (code < 0x250 or 0x400 <= code < 0x500 or 0x2000 <= code < 0x2300)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, disjoint ``spans``."""
    i = bisect_right(spans, (start, start))
    return (i > 0 and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end)


def literal_automaton(literals: Iterable[str]):
    """An Aho-Corasick automaton of the literals (None when there are none)."""
    import ahocorasick

    literals = sorted(set(literals))
    if not literals:
        return None
    automaton = ahocorasick.Automaton()
    for literal in literals:
        automaton.add_word(literal, literal)
    automaton.make_automaton()
    return automaton


def _sequence_needs(items: list) -> frozenset[str] | None:
    """What a sequence of parse-tree items needs: the most selective need of one of its parts
    (runs of literal characters count as one part, since they must occur together; a small set
    of literal characters in a run multiplies it: '[Bb]y' needs 'By' or 'by', not just 'y')."""
    from re import _constants as c

    options, run = [], {""}
    for op, arg in items + [(None, None)]:
        if op is c.LITERAL:
            run = {r + chr(arg) for r in run}
            continue
        if op is c.IN and all(kind is c.LITERAL for kind, _ in arg) and len(run) * len(arg) <= _MAX_CHOICES:
            run = {r + chr(code) for r in run for _, code in arg}
            continue
        if run != {""}:
            options.append(frozenset(run))
            run = {""}
        if op is None:
            break
        need = _item_needs(op, arg)
        if need:
            options.append(need)
    options = [o for o in options if len(o) <= _MAX_CHOICES]
    if not options:
        return None
    # Prefer literals whose shortest member is longest (rarer in text), then fewer of them.
    return max(options, key=lambda o: (min(map(len, o)), -len(o)))


def _item_needs(op, arg) -> frozenset[str] | None:
    from re import _constants as c

    if op is c.SUBPATTERN:
        return _sequence_needs(list(arg[-1]))
    if op is c.ATOMIC_GROUP:
        return _sequence_needs(list(arg))
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _, body = arg
        return _sequence_needs(list(body)) if low >= 1 else None
    if op is c.BRANCH:
        union: set[str] = set()
        for branch in arg[1]:
            need = _sequence_needs(list(branch))
            if not need:
                return None
            union |= need
        return frozenset(union)
    if op is c.IN and all(kind is c.LITERAL for kind, _ in arg) and len(arg) <= _MAX_CHOICES:
        return frozenset(chr(code) for _, code in arg)
    return None


def _literal_needs(pattern: regex.Pattern) -> tuple[str, ...] | None:
    needs = required_literals(pattern.pattern, pattern.flags)
    if needs is None or len(needs) > _MAX_CHOICES:
        return None
    return tuple(sorted(needs, key=lambda n: (-len(n), n)))


def apply_rules(doc: Document, rules: Iterable[Rule]) -> list[RuleTimeout]:
    """Apply rules to a document (see :meth:`RuleEngine.apply`)."""
    return RuleEngine(rules).apply(doc)


def example_failures(rule: Rule) -> list[str]:
    """What is wrong with a rule's own examples (empty when they all pass)."""
    from cleaner.document import tidy
    from cleaner.normalize import normalize

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
    from cleaner.normalize import normalize

    doc = Document(id="example", normalised=normalize(text), source=_EXAMPLE_SOURCE)
    apply_rules(doc, [rule])
    return doc.text


_EXAMPLE_SOURCE = Source(path="<example>", sha256="", format="text")

