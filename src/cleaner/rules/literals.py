"""The literals every match of a pattern must contain, so one automaton pass picks the rules worth trying."""
from __future__ import annotations

import re
from typing import Iterable

import regex


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


def literal_needs(pattern: regex.Pattern) -> tuple[str, ...] | None:
    needs = required_literals(pattern.pattern, pattern.flags)
    if needs is None or len(needs) > _MAX_CHOICES:
        return None
    return tuple(sorted(needs, key=lambda n: (-len(n), n)))
