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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

import regex
import yaml

from cleaner.document import Document, Source

CATEGORIES = (
    "ads", "donation", "newsletter", "share", "comments", "navigation", "caption", "related",
    "byline", "dateline", "legal", "cookie", "paywall", "social", "tags", "promo", "boilerplate",
)
SCOPES = ("line", "span", "to-end", "block")
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
        if self.max_chars is not None and len(line) > self.max_chars:
            return False
        if self.min_chars is not None and len(line) < self.min_chars:
            return False
        if self.max_words is not None and len(line.split()) > self.max_words:
            return False
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

    def apply(self, doc: Document, lines: list[tuple[int, int]], candidates: list[bool] | None = None) -> None:
        """Record this rule's removals on ``doc``; ``lines`` are the kept lines to look at,
        ``candidates`` (optional) says which of them could match at all."""
        text, count = doc.normalised, len(lines)
        for index, (start, end) in enumerate(lines):
            if candidates is not None and not candidates[index]:
                continue
            raw = text[start:end]
            line = raw.strip()
            if not self.guards.allow(line, index, count, end / max(1, len(text))):
                continue
            if self.scope == "span":
                self._remove_spans(doc, start, raw)
            elif self._line_matches(line):
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

    Most lines match no rule, so every rule's pattern is also compiled into one alternation
    per match mode: a line that the combined pattern does not match is skipped by every rule
    of that mode after one regex call instead of one call per rule. Lines it does match go
    through the rules one by one, so results are exactly those of running each rule alone.
    """

    def __init__(self, rules: Iterable[Rule]):
        self.rules = list(rules)
        self.prefilters: dict[str, regex.Pattern | None] = {
            # Only for search mode: a combined *full* match is slower than the rules one by one,
            # because the alternation defeats the engine's per-pattern fast rejection.
            mode: _combined([r for r in self.rules if r.match == mode]) if mode == "search" else None
            for mode in MATCH_MODES}

    def apply(self, doc: Document) -> list[RuleTimeout]:
        """Apply the rules to the document's kept lines; returns the rules that timed out.

        Every rule sees the same lines (those kept before the rules ran), so a rule's position
        guards do not depend on which other rules are enabled; overlapping claims are resolved
        by :meth:`Document.remove` (the first rule in order keeps the span).
        """
        lines = doc.kept_lines()
        candidates = {mode: self._candidates(doc.normalised, lines, mode) for mode in MATCH_MODES}
        timeouts = []
        for rule in self.rules:
            if not rule.applies_to(doc):
                continue
            try:
                rule.apply(doc, lines, candidates[rule.match])
            except RuleTimeout as exc:
                timeouts.append(exc)
        return timeouts

    def _candidates(self, text: str, lines: list[tuple[int, int]], mode: str) -> list[bool] | None:
        combined = self.prefilters[mode]
        if combined is None:
            return None
        test = combined.fullmatch if mode == "full" else combined.search
        try:
            return [test(text[s:e].strip(), timeout=REGEX_TIMEOUT_S) is not None for s, e in lines]
        except TimeoutError:  # the culprit is found and reported when the rules run one by one
            return None


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

