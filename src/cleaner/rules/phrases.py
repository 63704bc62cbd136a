"""The whole-line key of a phrase rule: an ASCII line it matches has one of its phrases' keys.

A ``phrases:`` rule with ``match: full`` matches a line that is one of its phrases with
punctuation, symbols or spaces around it (``[\\W_]*(?:Share|Share\\s+this|...)[\\W_]*``, see
:func:`cleaner.rules.model._phrases_regex`). On an ASCII line those surrounding characters are
exactly the ones that are not letters or digits, and ignoring case is lower-casing, so the
line's key -- its words between its first and last letter or digit, lower-cased, one space
apart -- is the key of the phrase it matched. One set lookup then stands for most of the
regex calls a rule's literal prefilter lets through (``ad`` in "read", ``by`` in "nearby").
Non-ASCII lines are not keyed: casefolding is not how the regex module ignores case.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import regex

# ASCII characters that are not letters or digits: the ASCII part of the pattern's [\W_]
# (tests/test_rules_phrases.py checks both this and that \s on ASCII is what str.split splits on).
_AROUND = "".join(chr(code) for code in range(128) if not chr(code).isalnum())


def phrase_key(line: str) -> str:
    """The words of ``line`` from its first to its last letter or digit, lower-cased, one space apart.

    >>> phrase_key("  >> Share   THIS story: ")
    'share this story'
    """
    return " ".join(line.strip(_AROUND).lower().split())


def phrase_keys(phrases: Iterable[str]) -> frozenset[str] | None:
    """The keys an ASCII line must have to match one of ``phrases`` (see :func:`phrase_key`);
    None when a phrase holds a character the regex module matches to an ASCII one only when
    ignoring case (the Turkish I's, the long s, the Kelvin sign): such a rule is not keyed.
    A phrase with any other non-ASCII character can never match an ASCII line: it has no key."""
    keys = set()
    for phrase in phrases:
        if phrase.isascii():
            keys.add(phrase_key(phrase))
        elif any(_matches_ascii(ch) for ch in phrase if not ch.isascii()):
            return None
    return frozenset(keys)


@lru_cache(maxsize=None)
def _matches_ascii(ch: str) -> bool:
    """Whether the regex module, ignoring case, matches non-ASCII ``ch`` to an ASCII character."""
    pattern = regex.compile(regex.escape(ch), regex.IGNORECASE | regex.UNICODE | regex.V0)
    return any(pattern.fullmatch(chr(code)) for code in range(128))
