"""Non-prose article content: lists, tables, code, verse and headings that belong to the article.

A recipe's ingredients, a tutorial's code and numbered steps, a timetable's rows are not
prose, and a menu is a list too. What tells them apart, where the dump says which blocks are
list items, table rows or code and which are links (markdown, lynx): article structure is not
link text, and it shares words with the article's prose. Such blocks let the body grow over
them (an ingredient list between the introduction and the method) and are kept inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from cleaner.heuristics.lines import LineFeatures, words

if TYPE_CHECKING:
    from cleaner.heuristics.body import BodyConfig

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


def introduces_content(kinds: list[str] | None, linked: list[bool], prose: list[bool], can_pass: list[bool],
                        i: int, end: int) -> bool:
    """A heading the dump marks as one ('## Ingredients'), not link text, followed inside the
    body by prose or by a list, table or code that shares the article's words."""
    return (kinds is not None and kinds[i] == "heading" and not linked[i] and i + 1 < end
            and (prose[i + 1] or can_pass[i + 1]))


def short_runs(feats: list[LineFeatures], prose: list[bool], linked: list[bool]) -> list[int]:
    """For each line, the length of the run of short non-sentence lines it belongs to (0 if none).

    Related-story lists, galleries and menus are such runs; a subheading stands alone.
    """
    short = [not p and (not f.ends_sentence or k) for p, f, k in zip(prose, feats, linked)]
    lengths, i = [0] * len(short), 0
    while i < len(short):
        if short[i]:
            j = i
            while j < len(short) and short[j]:
                j += 1
            lengths[i:j] = [j - i] * (j - i)
            i = j
        else:
            i += 1
    return lengths


def stanzas(lines: list[str], feats: list[LineFeatures], short_run: list[int], linked: list[bool],
             config: BodyConfig, start: int, end: int) -> list[bool]:
    """For each line, whether its run of short lines is verse: lines of a few words in sentence
    case (not a headline's or a menu's Title Case), with stopwords, no links, and the run
    introduced by a colon or closed by a sentence end ('... the first one I kept:'). Only
    the body's lines [start, end) are looked at: verse outside it is not the article's.
    """
    stanza, i = [False] * len(lines), start
    while i < end:
        n = short_run[i]
        if not n:
            i += 1
            continue
        while i > 0 and short_run[i - 1]:  # a run begun before the body
            i -= 1
        run = range(i, i + n)
        stanza[i:i + n] = [n >= 2 and all(
            config.verse_min_words <= feats[j].n_words <= config.short_words and not linked[j]
            and feats[j].capitalised <= config.verse_capitalised
            and feats[j].stopword_density >= config.prose_min_stopwords / 2 for j in run)
            and (i > 0 and lines[i - 1].endswith(":") or feats[i + n - 1].ends_sentence)] * n
        i += n
    return stanza
