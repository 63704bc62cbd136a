"""The literals every match of a pattern must contain, so one automaton pass picks the rules worth trying."""
from __future__ import annotations

import re
from typing import Iterable, NamedTuple, Union

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
# The regex module reads "[:name:]" as a POSIX class, inside a set or not; `re` would read a set.
_POSIX_CLASS = re.compile(r"\[:[^\]]*:\]")
_MAX_CHOICES = 64  # literals per rule: phrase lists have dozens; past this they stop being selective
# In most lines of text: a rule that may need only one of these is better off in the combined
# pattern of the rules without literals (a date rule needing "." was tried on 37% of lines).
_EVERYWHERE = frozenset({".", ","})


class Need(NamedTuple):
    """A literal (casefolded) of which every match contains one; ``left``/``right``: where the
    match holds it, no letter or digit stands right before/after it (see :func:`stands_free`)."""

    text: str
    left: bool = False
    right: bool = False


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
    needs = required_needs(source, flags)
    return None if needs is None else frozenset(need.text for need in needs)


def required_needs(source: str, flags: int = 0, whole: bool = False) -> frozenset[Need] | None:
    r""":func:`required_literals` with where each literal stands in a match (:class:`Need`);
    ``whole``: the pattern must match the whole (stripped) line, so its start and end are
    the line's.

    >>> sorted(required_needs(r"[\W_]*(?:Sign\s+up|Subscribe)\s+now", whole=True))
    [Need(text='now', left=True, right=True)]
    >>> sorted(required_needs(r"\bby\s+\w+|via\b"))
    [Need(text='by', left=True, right=True), Need(text='via', left=False, right=True)]
    """
    tree = _parse(source, flags)
    found = None if tree is None else _sequence_needs(tree, whole, whole)
    if not found:
        return None
    pieces = set()
    for need in found:
        piece, first, stop = _folded_piece(need.text)
        if not piece.strip():
            return None
        # a piece cut out of the literal no longer has the literal's neighbours
        pieces.add(Need(piece, need.left and first == 0, need.right and stop == len(need.text)))
    return frozenset(pieces)


def _parse(source: str, flags: int) -> list | None:
    """The items of the pattern's parse tree (by `re`'s parser), or None where `re` would misread
    the regex module's syntax."""
    from re import _parser

    if "\\\\" in source or _POSIX_CLASS.search(source) or flags & (regex.V1 | regex.FULLCASE):
        return None  # escaped backslashes, POSIX classes, V1 sets: syntax `re` would misread
    # The regex module's Unicode properties are character classes: \w and \D stand in for them
    # here (\D, a class _edge_kind does not trust, for \P{..}: 'not a letter' holds digits).
    analysable = _PROPERTY.sub(lambda m: "\\w" if m.group(1) == "p" else "\\D", source)
    if _NOT_A_QUANTIFIER.search(analysable):
        return None  # fuzzy matching ({e<=1}) or a literal brace: not worth the risk
    try:
        return list(_parser.parse(analysable, flags & (re.IGNORECASE | re.VERBOSE | re.DOTALL | re.MULTILINE)))
    except (re.error, RecursionError, OverflowError, ValueError):
        return None


def _folded_piece(text: str) -> tuple[str, int, int]:
    """The longest run of safely folding characters of ``text`` (see :func:`_folds_safely`),
    casefolded, with where it starts and stops in ``text``: what a casefolded line holds
    wherever a match holds ``text``."""
    runs, run, first = [], "", 0
    for i, ch in enumerate(text):
        if _folds_safely(ch):
            run += ch.casefold()
        else:
            runs.append((run, first, i))
            run, first = "", i + 1
    runs.append((run, first, len(text)))
    return max(runs, key=lambda r: len(r[0]))


_LETTER_OR_DIGIT = regex.compile(r"[^\W_]", regex.V0)


class _WordCharacters(dict):
    """Character -> whether it is a letter or digit as the regex module defines it (a word
    character other than '_'), asked of the regex module once per character."""

    def __missing__(self, ch: str) -> bool:
        self[ch] = answer = _LETTER_OR_DIGIT.match(ch) is not None
        return answer


_IS_WORD = _WordCharacters()


def stands_free(raw: str, start: int, end: int) -> tuple[bool, bool]:
    """Whether no letter or digit (a word character other than '_', as the regex module
    defines it) stands right before ``raw[start:end]``, and right after it."""
    return start == 0 or not _IS_WORD[raw[start - 1]], end == len(raw) or not _IS_WORD[raw[end]]


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


def _sequence_needs(items: list, before=False, after=False) -> frozenset[Need] | None:
    """What a sequence of parse-tree items needs: the most selective need of one of its parts
    (runs of literal characters count as one part, since they must occur together; a small set
    of literal characters in a run multiplies it: '[Bb]y' needs 'By' or 'by', not just 'y').
    ``before``/``after``: what stands before and after the sequence's match (see :func:`_edge`)."""
    from re import _constants as c

    options, run, first = [], {""}, 0
    for i, (op, arg) in enumerate(items + [(None, None)]):
        if op is c.LITERAL or (op is c.IN and all(kind is c.LITERAL for kind, _ in arg)
                               and len(run) * len(arg) <= _MAX_CHOICES):
            codes = [arg] if op is c.LITERAL else [code for _, code in arg]
            first = i if run == {""} else first
            run = {r + chr(code) for r in run for code in codes}
            continue
        if run != {""}:
            left, right = _edge(items, first, -1, before), _edge(items, i - 1, 1, after)
            options.append(frozenset(_need(r, left, right) for r in run))
            run = {""}
        if op is None:
            break
        need = _item_needs(op, arg, _edge(items, i, -1, before), _edge(items, i, 1, after))
        if need:
            options.append(need)
    options = [o for o in options if len(o) <= _MAX_CHOICES]
    if not options:
        return None
    # Prefer literals whose shortest member is longest (rarer in text), then fewer of them.
    return max(options, key=lambda o: (min(len(n.text) for n in o), -len(o)))


def _need(text: str, left, right) -> Need:
    """``text`` with what stands around it: True (no letter or digit, or the line's edge),
    "boundary" (a \\b: no letter or digit if the literal's own edge is a word character)."""
    return Need(text, left is True or (left == "boundary" and _is_word(text[0])),
                right is True or (right == "boundary" and _is_word(text[-1])))


def _is_word(ch: str) -> bool:
    return regex.match(r"\w", ch, regex.V0) is not None


def _item_needs(op, arg, before=False, after=False) -> frozenset[Need] | None:
    from re import _constants as c

    if op is c.SUBPATTERN:
        return _sequence_needs(list(arg[-1]), before, after)
    if op is c.ATOMIC_GROUP:
        return _sequence_needs(list(arg), before, after)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, high, body = arg
        if low < 1:
            return None
        # A repeated body's next copy follows the one before: its neighbours are unknown.
        return _sequence_needs(list(body), *((before, after) if high == 1 else (False, False)))
    if op is c.BRANCH:
        union: set[Need] = set()
        for branch in arg[1]:
            need = _sequence_needs(list(branch), before, after)
            if not need:
                return None
            union |= need
        return frozenset(union)
    if op is c.IN and all(kind is c.LITERAL for kind, _ in arg) and len(arg) <= _MAX_CHOICES:
        return frozenset(_need(chr(code), before, after) for _, code in arg)
    return None


# -- what stands next to a literal -------------------------------------------------------------
#
# A rule such as '\bby\s+\w+' needs "by", but "nearby" holds it too: the regex call is wasted.
# Where the pattern puts a literal after (before) something that is never a letter or digit --
# the line's edge in a whole-line match, ^, [\W_], \s, ASCII punctuation, (?<!\w), or a \b
# next to a word character -- the engine asks that of the line too (stands_free). Only what
# is certain counts: anything else (., a negated set, a class of letters) is "unknown".


def _edge(items: list, i: int, step: int, outer):
    """What stands before (``step`` -1) or after (1) item ``i`` of a sequence in every match:
    True (never a letter or digit), "boundary" (\\b) or False (unknown); ``outer``: the same
    for the sequence's own edge."""
    j = i + step
    while 0 <= j < len(items):
        kind = _edge_kind(*items[j], step)
        if kind == "maybe":  # possibly empty: what stands beyond it counts too
            j += step
            continue
        return kind
    return outer


def _edge_kind(op, arg, step: int):
    """What item (op, arg) puts next to its neighbour on the side ``step`` looks from:
    True, "boundary", False (see :func:`_edge`), or "maybe": no character, or only such that
    are never letters or digits but possibly none."""
    from re import _constants as c

    if op is c.LITERAL:
        return chr(arg).isascii() and not chr(arg).isalnum()
    if op is c.IN:
        return all(_never_word(kind, value) for kind, value in arg)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _, body = arg
        kind = _sequence_kind(list(body), step)
        if low >= 1:
            return kind
        # skipped, what stands beyond it is the neighbour; taken, only non-word characters are
        return "maybe" if kind is True or kind == "maybe" else False
    if op is c.SUBPATTERN:
        return _sequence_kind(list(arg[-1]), step)
    if op is c.BRANCH:
        kinds = [_sequence_kind(list(branch), step) for branch in arg[1]]
        if all(k is True for k in kinds):
            return True
        return "maybe" if all(k is True or k == "maybe" for k in kinds) else False
    if op is c.AT:
        if arg in (c.AT_BEGINNING, c.AT_BEGINNING_STRING) and step < 0:
            return True
        if arg in (c.AT_END, c.AT_END_STRING) and step > 0:
            return True
        return "boundary" if arg is c.AT_BOUNDARY else "maybe"  # other anchors hold no character
    if op is c.ASSERT_NOT and arg[0] == step and len(arg[1]) == 1 and arg[1][0] == (c.IN, [(c.CATEGORY, c.CATEGORY_WORD)]):
        return True  # (?<!\w) before, (?!\w) after
    if op in (c.ASSERT, c.ASSERT_NOT):
        return "maybe"  # a look-around consumes nothing: the neighbour is what stands beyond it
    return False


def _sequence_kind(items: list, step: int):
    """:func:`_edge_kind` of a sequence, from its end on the ``step`` side."""
    for op, arg in (items[::-1] if step < 0 else items):
        kind = _edge_kind(op, arg, step)
        if kind != "maybe":
            return kind
    return "maybe"


def _never_word(kind, value) -> bool:
    """A member of a character set that is never a letter or digit: \\W, \\s, ASCII punctuation."""
    from re import _constants as c

    if kind is c.CATEGORY:
        return value in (c.CATEGORY_NOT_WORD, c.CATEGORY_SPACE)
    return kind is c.LITERAL and chr(value).isascii() and not chr(value).isalnum()


def literal_needs(pattern: regex.Pattern, whole: bool = False) -> tuple[Need, ...] | None:
    """The :class:`Need` s of a rule's pattern, longest first (``whole``: see :func:`required_needs`)."""
    needs = required_needs(pattern.pattern, pattern.flags, whole)
    if needs is None or len(needs) > _MAX_CHOICES or any(need.text in _EVERYWHERE for need in needs):
        return None
    return tuple(sorted(needs, key=lambda n: (-len(n.text), n)))


# -- all the literals a match needs ------------------------------------------------------------
#
# The automaton pass above asks for one literal set per pattern (the most selective one). A
# pattern usually needs more: 'our\s+(?:free\s+)?newsletter' needs "our" and "newsletter", and
# '.*?\b(?:our|this)\s+newsletter\s+(?:contains|brings)' three things. A condition says all of it,
# as a tree over the casefolded line: a frozenset of strings (one of them is in the line),
# ("all", parts) or ("any", parts); None is no condition. Each string is the longest run of safely
# folding characters of a literal of the pattern (as for the needs), so a line the pattern
# matches always meets its condition. Testing it costs Python work per line, which pays only
# where the pattern is expensive to try: a pattern that scans the line from every position
# (``match: search``, or a leading '.{0,400}?' / '.*?') on a long paragraph that one of its
# needs let through (:func:`scans`).

Condition = Union[frozenset, tuple, None]


def required_condition(source: str, flags: int = 0) -> Condition:
    r"""What every match of ``source`` puts in the casefolded line (see :func:`holds`).

    >>> kind, parts = required_condition(r"(?:our|this)\s+newsletter")
    >>> kind, [sorted(part) for part in parts]
    ('all', [['newsletter'], ['our', 'this']])
    >>> sorted(required_condition(r"a\d+|b\w"))
    ['a', 'b']
    >>> required_condition(r"\d+|b") is None
    True
    """
    tree = _parse(source, flags)
    return None if tree is None else _sequence_condition(tree)


def holds(condition: Condition, folded: str) -> bool:
    """Whether the casefolded line ``folded`` meets ``condition`` (see :func:`required_condition`)."""
    if condition is None:
        return True
    if type(condition) is frozenset:
        for text in condition:
            if text in folded:
                return True
        return False
    kind, parts = condition
    if kind == "all":
        for part in parts:
            if not holds(part, folded):
                return False
        return True
    for part in parts:
        if holds(part, folded):
            return True
    return False


def scans(source: str, flags: int = 0) -> bool:
    r"""Whether a match may start with a run of any characters ('.{0,400}?x', '(?:.*?, )?x'), so that
    the regex engine tries the rest of the pattern at every position of the line.

    >>> scans(r"(?x).{0,120}?(?:we|our\s+site)\s+uses?\s+cookies"), scans(r"[\W_]*cookies")
    (True, False)
    """
    tree = _parse(source, flags)
    return tree is not None and _leads_with_any(tree)


def _leads_with_any(items: list) -> bool:
    from re import _constants as c

    for op, arg in items:
        if op is c.AT:
            continue  # an anchor holds no character
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            body = list(arg[2])
            return body == [(c.ANY, None)] or _leads_with_any(body)
        if op is c.SUBPATTERN:
            return _leads_with_any(list(arg[-1]))
        if op is c.BRANCH:
            return any(_leads_with_any(list(branch)) for branch in arg[1])
        return False
    return False


def _sequence_condition(items: list) -> Condition:
    from re import _constants as c

    parts, run = [], {""}
    for op, arg in items + [(None, None)]:
        if op is c.LITERAL or (op is c.IN and all(kind is c.LITERAL for kind, _ in arg)
                               and len(run) * len(arg) <= _MAX_CHOICES):
            codes = [arg] if op is c.LITERAL else [code for _, code in arg]
            run = {r + chr(code) for r in run for code in codes}
            continue
        if run != {""}:
            parts.append(_clause(run))
            run = {""}
        if op is None:
            break
        parts.append(_item_condition(op, arg))
    return _all(parts)


def _item_condition(op, arg) -> Condition:
    from re import _constants as c

    if op is c.SUBPATTERN:
        return _sequence_condition(list(arg[-1]))
    if op is c.ATOMIC_GROUP:
        return _sequence_condition(list(arg))
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _, body = arg
        return _sequence_condition(list(body)) if low >= 1 else None
    if op is c.BRANCH:
        branches = [_sequence_condition(list(branch)) for branch in arg[1]]
        return None if any(b is None for b in branches) else _any(branches)
    if op is c.IN and all(kind is c.LITERAL for kind, _ in arg) and len(arg) <= _MAX_CHOICES:
        return _clause({chr(code) for _, code in arg})
    return None  # anything else (classes, look-arounds, backreferences) asks nothing of the line


def _clause(texts) -> frozenset[str] | None:
    """One of ``texts`` is in the match: the pieces of them a casefolded line then holds (None:
    nothing worth asking, such as a space)."""
    pieces = frozenset(_folded_piece(text)[0] for text in texts)
    return None if any(not piece.strip() for piece in pieces) or len(pieces) > _MAX_CHOICES else pieces


def _all(parts: list) -> Condition:
    flat = set()
    for part in parts:
        if part is not None:
            flat.update(part[1] if type(part) is tuple and part[0] == "all" else (part,))
    clauses = [p for p in flat if type(p) is frozenset]
    # a clause holding all of another's strings and more asks nothing more
    flat = {p for p in flat if type(p) is not frozenset or not any(q < p for q in clauses)}
    if not flat:
        return None
    return flat.pop() if len(flat) == 1 else ("all", tuple(sorted(flat, key=_selectivity)))


def _any(parts: list) -> Condition:
    union, others = set(), set()
    for part in parts:
        for p in part[1] if type(part) is tuple and part[0] == "any" else (part,):
            if type(p) is frozenset:
                union |= p
            else:
                others.add(p)
    # an alternative that needs one of the union's strings anyway adds nothing to the union
    others = {p for p in others if not (p[0] == "all" and any(type(q) is frozenset and q <= union for q in p[1]))}
    if not others:
        return frozenset(union)
    return "any", tuple(sorted(others | ({frozenset(union)} if union else set()), key=_selectivity))


def _selectivity(condition) -> tuple:
    """Sort key: first the parts a line fails most often and that cost least to test (the
    clauses, longest shortest string first), then the nested ones."""
    if type(condition) is frozenset:
        return 0, -min(len(t) for t in condition), len(condition), sorted(condition)
    return 1, len(repr(condition)), repr(condition)
