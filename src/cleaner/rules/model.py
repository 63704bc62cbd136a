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
from typing import Callable, Iterable, Mapping
from urllib.parse import urlsplit

import regex
import yaml

from cleaner.document import Document
from cleaner.rules.guards import GUARD_KEYS, POSITIONS, Guards
from cleaner.rules import literal_cache, pattern_cache
from cleaner.rules.literals import Condition, Need
from cleaner.rules.phrases import phrase_keys


# The built-in categories; a rule file declares any other it uses (``categories:``, see
# read_rule_file), so a new category is a rule file, not an edit here.
CATEGORIES = (
    "ads", "donation", "newsletter", "share", "comments", "navigation", "caption", "related",
    "byline", "dateline", "legal", "cookie", "paywall", "social", "tags", "promo", "boilerplate",
)
_CATEGORY_NAME = regex.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
SCOPES = ("line", "span", "to-end", "block")
SINGLE_LINE_SCOPES = ("line", "span")  # a removal within one line; the others cut sections
SECTION_SCOPES = ("to-end", "block")
SAFETY_LEVELS = ("safe", "moderate", "aggressive")  # ordered: each level includes the ones before
MATCH_MODES = ("full", "search")
RULE_KEYS = ("id", "name", "category", "description", "scope", "match", "regex", "phrases",
             "end", "max_lines", "guards", "safety", "case_sensitive", "strip", "keep")
FILE_KEYS = ("rules", "domains", "description", "categories")
# Per regex call of a user's rule; far above any sane rule on one line. The built-in rules run
# without one (a time limit adds ~60% to every call): tests/test_rules_backtracking.py checks
# them for catastrophic backtracking instead.
REGEX_TIMEOUT_S = 0.25


class RuleError(ValueError):
    """A rule file that cannot be loaded: names the file, the rule and the reason."""


def limited(method: Callable, text: str, timeout: float | None):
    """``method(text)`` (a compiled pattern's search, fullmatch, finditer) under a time limit of
    ``timeout`` seconds, None: none. The regex module's ``timeout=None`` means no limit too, but
    passing the keyword at all costs about as much again as a failing match (docs/performance.md)."""
    return method(text) if timeout is None else method(text, timeout=timeout)


class RuleTimeout(RuntimeError):
    """A rule's pattern exceeded its time budget on a document."""

    def __init__(self, rule_id: str):
        super().__init__(f"rule {rule_id} exceeded {REGEX_TIMEOUT_S}s on one line "
                         "(catastrophic backtracking?); it was skipped for this document")
        self.rule_id = rule_id


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
    # Casefolded literals of which every match contains at least one, with what stands next to
    # them (see required_needs): a line without any of them is skipped without calling the regex.
    needs: tuple[Need, ...] | None = field(default=None, repr=False, compare=False)
    # A whole-line phrase rule's keys (see phrase_keys): an ASCII line without one of them is
    # skipped too. None: not such a rule.
    keys: frozenset[str] | None = field(default=None, repr=False, compare=False)
    # For a pattern that scans the line from every position: all the literals a match needs (see
    # required_condition), asked of a line the needs let through before the regex is tried.
    condition: Condition = field(default=None, repr=False, compare=False)
    timeout: float | None = REGEX_TIMEOUT_S  # seconds per regex call; None for the built-in rules

    def applies_to(self, doc: Document) -> bool:
        if not self.domains:
            return True
        host = (urlsplit(doc.source.url or "").hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def _line_matches(self, line: str) -> bool:
        try:
            if self.match == "full":
                return limited(self.pattern.fullmatch, line, self.timeout) is not None
            return limited(self.pattern.search, line, self.timeout) is not None
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
                if limited(self.end.search, text[start:end].strip(), self.timeout):
                    return end
            except TimeoutError:
                raise RuleTimeout(self.id) from None
        return None

    def _remove_spans(self, doc: Document, offset: int, raw: str) -> None:
        try:
            matches = list(limited(self.pattern.finditer, raw, self.timeout))
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
    return pattern_cache.compile_pattern(source, flags)


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


def _rule(raw: dict, file: str, domains: tuple[str, ...], timeout: float | None,
          categories: tuple[str, ...] = CATEGORIES) -> Rule:
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
    checks = [("category", categories), ("scope", SCOPES)]
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
    keys = None
    try:
        if "phrases" in raw:
            phrases = raw["phrases"]
            if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
                raise RuleError(f"{where}: 'phrases' must be a non-empty list of strings")
            pattern = _compile(_phrases_regex(phrases, match), case_sensitive)
            keys = phrase_keys(phrases) if match == "full" else None
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
        needs=literal_cache.literal_needs(pattern, whole=match == "full"), keys=keys,
        condition=literal_cache.scan_condition(pattern, match), timeout=timeout,
    )


# libyaml's parser, where PyYAML was built with it, reads the built-in rules ten times faster
# (0.01 s against 0.12 s, paid by every process of a run) into the same values
# (tests/test_rules_loading.py); a user's files keep the pure-Python parser and its messages.
_BUILTIN_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_rule_file(path: Path, timeout: float | None = REGEX_TIMEOUT_S) -> list[Rule]:
    """The rules of one file; ``timeout``: their time limit per regex call (None: the built-ins')."""
    return read_rule_file(path, timeout)[0]


def read_rule_file(path: Path, timeout: float | None = REGEX_TIMEOUT_S) -> tuple[list[Rule], tuple[str, ...]]:
    """The rules of one file and the categories it declares: ``categories:`` maps each new
    category its rules use to a description (the built-in :data:`CATEGORIES` need none)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_BUILTIN_LOADER) if timeout is None else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleError(f"{path}: a rule file is a mapping with a 'rules:' list")
    unknown = sorted(set(data) - set(FILE_KEYS))
    if unknown:
        raise RuleError(f"{path}: unknown top-level key(s) {unknown}; valid: {', '.join(FILE_KEYS)}")
    domains = tuple(str(d).lower().lstrip(".") for d in data.get("domains") or ())
    declared = data.get("categories") or {}
    if not isinstance(declared, dict) or not all(
            isinstance(name, str) and _CATEGORY_NAME.fullmatch(name) and isinstance(about, str) and about.strip()
            for name, about in declared.items()):
        raise RuleError(f"{path}: categories must map each new category name (lower case, e.g. recipe-card) "
                        "to a description")
    new = tuple(name for name in declared if name not in CATEGORIES)
    return [_rule(raw, path.name, domains, timeout, CATEGORIES + new) for raw in data["rules"]], new


def builtin_rules_dir() -> Path:
    """The rules shipped in the wheel, or the repo's ``rules/`` in a source checkout."""
    package = Path(__file__).resolve().parents[1]  # src/cleaner
    packaged = package / "builtin_rules"
    return packaged if packaged.is_dir() else package.parents[1] / "rules"


def selected(remover: str, category: str, only: Iterable[str], disable: Iterable[str]) -> bool:
    """Whether a rule or heuristic (by id and category) removes anything under --select
    (``only``; empty: all) and --disable.

    >>> selected("H-CAPTION", "caption", (), ("caption",)), selected("AD001", "ads", ("ads",), ())
    (False, True)
    """
    return (not only or remover in only or category in only) and remover not in disable and category not in disable


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    categories: tuple[str, ...] = CATEGORIES  # the built-in ones, then those the rule files declare

    @classmethod
    def load(cls, dirs: Iterable[Path] | None = None, *, builtin: bool = True) -> "RuleSet":
        """Built-in rules plus every ``*.yaml`` in ``dirs`` (files in name order)."""
        folders = ([(builtin_rules_dir(), None)] if builtin else []) + [(Path(d), REGEX_TIMEOUT_S) for d in dirs or ()]
        rules: list[Rule] = []
        categories = dict.fromkeys(CATEGORIES)
        for folder, timeout in folders:
            if not folder.is_dir():
                raise RuleError(f"{folder}: rules folder not found")
            for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
                file_rules, declared = read_rule_file(path, timeout)
                rules.extend(file_rules)
                categories.update(dict.fromkeys(declared))
        seen: dict[str, str] = {}
        for rule in rules:
            if rule.id in seen:
                raise RuleError(f"{rule.file}: rule {rule.id}: id already used in {seen[rule.id]}")
            seen[rule.id] = rule.file
        literal_cache.MEMO.save()
        pattern_cache.MEMO.save()
        return cls(tuple(rules), tuple(categories))

    def select(self, *, safety: str = "moderate", only: Iterable[str] = (),
               disable: Iterable[str] = (), other_ids: Mapping[str, tuple[str, ...]] | None = None) -> "RuleSet":
        """Rules up to a safety level; ``only``/``disable`` take rule ids or categories, or the
        ids and categories of ``other_ids`` (the heuristics: id -> (category, ...)), which
        :func:`selected` switches alike."""
        if safety not in SAFETY_LEVELS:
            raise RuleError(f"safety '{safety}' is not one of {', '.join(SAFETY_LEVELS)}")
        only, disable = set(only), set(disable)
        other_ids = other_ids or {}
        known = {r.id for r in self.rules} | set(self.categories) | set(other_ids) | {v[0] for v in other_ids.values()}
        unknown = sorted((only | disable) - known)
        if unknown:
            raise RuleError(f"unknown rule id or category: {', '.join(unknown)}")
        level = SAFETY_LEVELS.index(safety)
        return RuleSet(tuple(r for r in self.rules if SAFETY_LEVELS.index(r.safety) <= level
                             and selected(r.id, r.category, only, disable)), self.categories)

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
