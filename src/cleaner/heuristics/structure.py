"""Non-prose article content: lists, tables and code that belong to the article.

A recipe's ingredients, a tutorial's code and numbered steps, a timetable's rows are not
prose, and a menu is a list too. What tells them apart, where the dump says which blocks are
list items, table rows or code and which are links (markdown, lynx): article structure is not
link text, and it shares words with the article's prose. Such blocks let the body grow over
them (an ingredient list between the introduction and the method) and are kept inside it.
"""
from __future__ import annotations

from cleaner.heuristics.lines import words

STRUCTURED_KINDS = frozenset({"item", "table", "code"})
# Verdicts on short non-prose lines that an article's own list, table row or code overrides.
OVERRIDDEN = frozenset({"H-LINK-RUN", "H-SHORT-ISLAND", "H-HEADLINE", "H-UI"})
MIN_WORD = 4  # shared words this long or longer count


def vocabulary(lines: list[str], prose: list[bool], start: int, end: int) -> frozenset[str]:
    """The content words of the prose blocks in [start, end)."""
    return frozenset(w for i in range(start, end) if prose[i] for w in words(lines[i]) if len(w) >= MIN_WORD)


def passable(lines: list[str], structured: list[bool], vocab: frozenset[str]) -> list[bool]:
    """For each block, whether the body may grow over it without counting it as a gap: a
    structured block that shares a word with the article's prose.

    >>> passable(["225 g butter", "Home", "Beat the butter"], [True, True, False], frozenset({"butter"}))
    [True, False, False]
    """
    return [s and any(w in vocab for w in words(line) if len(w) >= MIN_WORD)
            for line, s in zip(lines, structured)]
