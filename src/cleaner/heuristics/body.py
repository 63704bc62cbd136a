"""Heuristic main-content locator for plain-text page dumps.

The non-blank lines of one dump in, a keep/remove verdict with a reason for every line and
the headline's index out. Four passes over line features (:mod:`cleaner.heuristics.lines`):
core, extension, inside the body, title; what each does: docs/design.md (The body locator).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from itertools import repeat
from typing import NamedTuple

from cleaner.heuristics.cues import is_comment_meta, is_comments_opener, is_section_end, opens_with_comment_header
from cleaner.heuristics.structure import (OVERRIDDEN, STRUCTURED_KINDS, introduces_content, passable, short_runs,
                                          stanzas, vocabulary)
from cleaner.heuristics.lines import (LineFeatures, LineMemo, ends_sentence, line_features, line_key,
                                      stoplist, words)


__all__ = ["HEURISTICS", "BodyConfig", "BodyLayout", "LineVerdict", "line_key", "locate_body"]

# The heuristics' removals, id -> (category, what they remove): listed by `cleaner rules list`
# and switched on and off by --select/--disable like the rules (by id or category).
HEURISTICS = {
    "H-HEAD": ("navigation", "lines before the article body"),
    "H-TAIL": ("boilerplate", "lines after the article body (category comments after a comment form)"),
    "H-NO-BODY": ("boilerplate", "every line of a text without a run of prose lines"),
    "H-RECURRING": ("boilerplate", "short lines inside the body that recur across the site's documents"),
    "H-LEGAL": ("legal", "a copyright notice inside the body"),
    "H-BYLINE": ("byline", "a byline or dateline inside the body"),
    "H-UI": ("share", "a line of interface words inside the body"),
    "H-LINK-RUN": ("related", "a run of short link-like lines inside the body"),
    "H-HEADLINE": ("related", "a lone headline between paragraphs: a link to another story"),
    "H-CAPTION": ("caption", "a picture caption or credit inside the body"),
    "H-SHORT-ISLAND": ("boilerplate", "a short line among non-prose lines inside the body"),
    "H-REFERENCES": ("navigation", "the trailing list of link targets of a lynx or w3m dump"),
    "H-MARKUP": ("markup", "link targets, lynx link numbers and feed markers inside kept blocks"),
}


class LineVerdict(NamedTuple):
    """A keep/remove verdict on one line or block (a NamedTuple: one is made per block)."""

    keep: bool
    rule: str  # stable heuristic id: H-BODY, H-TITLE, H-HEAD, H-TAIL, H-LINK-RUN, ...
    category: str  # navigation, share, comments, related, byline, caption, legal, boilerplate, content
    reason: str  # short explanation with the decisive numbers


@dataclass(frozen=True, slots=True)
class BodyLayout:
    verdicts: list[LineVerdict]  # one per input line
    title: int | None  # index of the headline in the input lines, or None


@dataclass(frozen=True, slots=True)
class BodyConfig:
    """Tunables of :func:`locate_body`; defaults were set on a development set of 200 pages."""

    prose_min_words: int = 8  # a line shorter than this is never 'prose' on its own
    prose_min_stopwords: float = 0.30  # jusText's stopwords_low for English
    prose_max_ui: float = 0.25  # interface-word share above which a line is chrome
    chrome_penalty: float = 10.0  # value of a non-prose line in the core search (in words)
    item_value: float = 0.5  # share of a list item's words that count in the core search
    line_cost: float = 4.0  # every prose line's value is its word count minus this
    line_value_cap: int = 60  # ... counting at most this many words
    long_block: int = 200  # a block this long or longer is paragraphs run together: a cap per this many words
    max_gap: int = 3  # non-prose lines the extension may step over to reach more prose
    link_run: int = 3  # this many consecutive short non-sentences inside the body are a list
    short_words: int = 12  # 'short' line in the link-run and headline tests
    title_window: int = 12  # lines before the body searched for the headline
    title_max_words: int = 25
    headline_capitalised: float = 0.75  # Title Case share marking a headline, not prose
    related_min_words: int = 5  # a Title Case line this long inside the body is another story's headline
    verse_min_words: int = 2  # a line of verse has this many words or more (and at most short_words)
    verse_capitalised: float = 0.5  # ... and at most this share of capitalised words (sentence case)
    recurring_max_words: int = 15  # recurring lines shorter are chrome anywhere; longer only outside the body
    first_run_share: float = 0.3  # an earlier wall-free run this good beats a later better one
    comments_share: float = 0.1  # ... and in an extracted article, a run before its comments header this good

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"BodyConfig.{f.name} must be >= 0, got {getattr(self, f.name)}")


def is_prose(f: LineFeatures, config: BodyConfig) -> bool:
    """Running text: long enough, with stopwords of the language, not interface talk."""
    return (f.n_words >= config.prose_min_words
            and f.stopword_density >= config.prose_min_stopwords
            and f.ui <= config.prose_max_ui
            and (f.ends_sentence or f.capitalised < config.headline_capitalised))


def _is_short_sentence(f: LineFeatures, config: BodyConfig) -> bool:
    """Too short for prose but a sentence all the same: 'Gladkov said no one had been hurt.'"""
    return f.ends_sentence and f.n_words >= 3 and f.stopword_density >= config.prose_min_stopwords / 2


def continues_on_next(line: str, next_line: str) -> bool:
    """True when a hard line break cut a sentence: no end punctuation, next starts lower-case.

    >>> continues_on_next("BMW will present a new special edition", "of the K 1300 S in Milan.")
    True
    >>> continues_on_next("Related stories:", "the week in review")
    False
    """
    # the rarest condition first: few lines start lower-case
    return (next_line[:1].islower() and not ends_sentence(line) and not line.endswith(":")
            and line.count(" ") >= 2)


def wrapped_blocks(lines: list[str]) -> list[int]:
    """Index of the first line of the (hard-wrapped) paragraph each line belongs to.

    >>> wrapped_blocks(["Title", "It was the best of", "times, it was the worst.", "End"])
    [0, 1, 1, 3]
    """
    block_of = list(range(len(lines)))
    for i in range(1, len(lines)):
        if continues_on_next(lines[i - 1], lines[i]):
            block_of[i] = block_of[i - 1]
    return block_of


def _block_prose(lines: list[str], feats: list[LineFeatures], block_of: list[int],
                 stop: frozenset[str], config: BodyConfig) -> list[bool]:
    """Prose verdict per line; the lines of a hard-wrapped paragraph are judged together."""
    prose = [is_prose(f, config) for f in feats]
    i = 0
    while i < len(lines):
        j = i + 1
        while j < len(lines) and block_of[j] == i:
            j += 1
        if j - i > 1:
            verdict = is_prose(line_features(" ".join(lines[i:j]), stop), config)
            prose[i:j] = [verdict] * (j - i)
        i = j
    return prose


def max_sum_run(values: list[float]) -> tuple[int, int] | None:
    """[start, end) of the contiguous run with the largest positive sum (Kadane), or None.

    >>> max_sum_run([-1, 5, -2, 4, -9, 3])
    (1, 4)
    >>> max_sum_run([-1, -2]) is None
    True
    """
    best, best_span = 0.0, None
    run, run_start = 0.0, 0
    for i, v in enumerate(values):
        if run <= 0:
            run, run_start = 0.0, i
        run += v
        if run > best:
            best, best_span = run, (run_start, i + 1)
    return best_span


def _core(prose: list[bool], feats: list[LineFeatures], walls: list[bool], config: BodyConfig,
          weights: list[int] | None = None, kinds: list[str] | None = None,
          meta: list[str] | None = None, opener: int | None = None) -> tuple[int, int] | None:
    """The best-scoring run of lines, never crossing a comments wall (``meta``: the text of
    each wall that is a comment's header or footer, '' elsewhere; see :func:`_threaded`;
    ``opener``: the comments header of an extracted article, see :func:`locate_body`)."""
    # Capped, so that one long disclaimer or bio does not outweigh an article of paragraphs;
    # a block of several physical lines may be worth as much as they were. A list item counts
    # part of its words: a run of short items (recent comments, a menu of teasers) is a list
    # beside the article, and must not outweigh the article's paragraphs. A text block of
    # ``long_block`` words or more is paragraphs run together (html2text writes a table cell's
    # paragraphs as one): its cap counts once per ``long_block`` words.
    cap, cost, penalty, item_value = (config.line_value_cap, config.line_cost, config.chrome_penalty,
                                      config.item_value)
    long = config.long_block
    values = [(min(f.n_words, cap * w) * item_value if f.bullet or k == "item"
               else min(f.n_words, cap * w * max(1, f.n_words // long))) - cost if p else -penalty
              for p, f, w, k in zip(prose, feats, weights or repeat(1), kinds or repeat("text"))]
    # Score each wall-free segment separately; Kadane inside each.
    runs, start, meta = [], 0, meta or [""] * len(values)
    at = [i for i, w in enumerate(walls) if w]
    for k, wall in enumerate(at + [len(values)]):
        span = max_sum_run(values[start:wall])
        if span:
            s, e = span[0] + start, span[1] + start
            runs.append((sum(values[s:e]), s, e, _threaded([meta[i] for i in at[max(0, k - 2):k + 1]])))
        start = wall + 1
    if not runs:
        return None
    # Comments and sidebars come after the article: take the first run that is nearly as
    # good as the best one, not the best one itself. A comment of a thread may be long, but
    # is no measure of what an article is worth: the best one is sought among the others.
    best = max(total for total, _, _, _ in [run for run in runs if not run[3]] or runs)
    if opener is not None:  # an extracted article: before its comments, a third of the share will do
        before = [(total, s, e) for total, s, e, _ in runs if e <= opener]
        if before and max(before)[0] >= config.comments_share * best:
            return next((s, e) for total, s, e in before if total >= config.first_run_share * max(before)[0])
    return next((s, e) for total, s, e, _ in runs if total >= config.first_run_share * best)


def _threaded(walls: list[str]) -> bool:
    """Whether the segment before the last of three consecutive walls is one comment of a
    thread: all three are comment headers or footers ('by X on July 23, @08:25PM', 'Reply'),
    each unlike the one before (a header names its comment's author and time; a dateline the
    page repeats is no thread). The segment before it was framed so too: the article, after
    its dateline and before the first comment, is not (nor are the first segments and the
    last, fewer than three walls around them).

    >>> _threaded(["Reply", "by ann on July 23, @08:25PM", "Reply"]), _threaded(["", "Posted 08:24PM", "Reply"])
    (True, False)
    >>> _threaded(["July 23, 7:28 p.m. ET", "July 23, 7:28 p.m. ET", "2:38"])
    False
    """
    return len(walls) == 3 and all(walls) and walls[0] != walls[1] != walls[2]


def _extend(start: int, end: int, prose: list[bool], walls: list[bool],
            config: BodyConfig, passable: list[bool]) -> tuple[int, int]:
    """Grow [start, end) over nearby prose, stepping over at most ``max_gap`` other lines
    (``passable`` ones, the article's own lists and code, do not count)."""
    gap, i = 0, end
    while i < len(prose) and not walls[i]:
        if prose[i]:
            end, gap = i + 1, 0
        elif not passable[i]:
            gap += 1
            if gap > config.max_gap:
                break
        i += 1
    gap, i = 0, start - 1
    while i >= 0 and not walls[i]:
        if prose[i]:
            start, gap = i, 0
        elif not passable[i]:
            gap += 1
            if gap > config.max_gap:
                break
        i -= 1
    return start, end


_DESCRIBED: dict[tuple[int, bool, float], str] = {}  # the few hundred descriptions a corpus has, made once


def _describe(f: LineFeatures) -> str:
    key = (f.n_words, f.ends_sentence, f.stopword_density)
    described = _DESCRIBED.get(key)
    if described is None:
        punct = "sentence punctuation" if f.ends_sentence else "no sentence punctuation"
        described = f"{f.n_words} words, {punct}, stopwords {f.stopword_density:.2f}"
        if len(_DESCRIBED) < 100_000:
            _DESCRIBED[key] = described
    return described


_OUTSIDE: dict[tuple[str, str, int, bool, float], LineVerdict] = {}  # most lines' verdicts, made once


def _outside(rule: str, category: str, where: str, f: LineFeatures) -> LineVerdict:
    """The verdict on a line before or after the body (``where`` says which): one per heuristic,
    category and description (:func:`_describe`), shared by the lines that have them (a NamedTuple:
    immutable), as most of a page's lines are outside its body."""
    key = (rule, category, f.n_words, f.ends_sentence, f.stopword_density)
    verdict = _OUTSIDE.get(key)
    if verdict is None:
        verdict = LineVerdict(False, rule, category, f"{where}; {_describe(f)}")
        if len(_OUTSIDE) < 100_000:
            _OUTSIDE[key] = verdict
    return verdict


def _title_index(lines: list[str], feats: list[LineFeatures], start: int,
                 config: BodyConfig) -> int | None:
    """The headline: a short non-sentence line just before the body sharing its words."""
    following = {w for line in lines[start + 1:start + 6] for w in words(line) if len(w) > 3}
    first = {w for w in words(lines[start]) if len(w) > 3}
    best, best_score = None, 0.0
    for i in range(max(0, start - config.title_window), start + 1):
        f = feats[i]
        if (not 2 <= f.n_words <= config.title_max_words or f.ui > 0.34 or f.digits > 0.3
                or f.bullet or _BREADCRUMB.search(lines[i]) or _BYLINE.match(lines[i])):
            continue
        if i == start and f.ends_sentence:  # the body's first paragraph, not a headline
            continue
        content = {w for w in words(lines[i]) if len(w) > 3}
        if not content:
            continue
        # Shared words count, with a square-root length norm so that neither a one-word
        # breadcrumb nor a long teaser wins on ratio or on count alone.
        opening = following if i == start else following | first  # never the line itself
        overlap = len(content & opening) / len(content) ** 0.5
        score = (overlap + (0.3 if not f.ends_sentence else 0.0) + 0.02 * (i - start)
                 - (0.5 if i == start else 0.0))  # a body line heads the text only if nothing precedes
        if score > best_score:
            best, best_score = i, score
    return best


# Picture credits: 'Photo: AAP', 'Photo by Jane Doe', '(Getty Images)'.
_CREDIT = re.compile(r"\b(?:photo|photograph|picture|image|credit)s?(?:\s+by)?\s*:|\bphoto by\b"
                     r"|\bgetty images\b|\bshutterstock\b", re.IGNORECASE)
_NUMBERED = re.compile(r"\d{1,3}[.)]\s")
_BREADCRUMB = re.compile(r"\s[|>»/]\s|\s›\s")
_LEGAL = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\s*(?:©|\(c\)|\d{4}|by\b)|\ball rights reserved\b", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:by|posted|published|updated|written by|words by|von|par|por)\b",
                     re.IGNORECASE)


def _is_heading(lines: list[str], feats: list[LineFeatures], i: int, prose: list[bool],
                config: BodyConfig) -> bool:
    """A short line introducing the prose after it (a subheading), after a finished paragraph."""
    return (0 < i < len(lines) - 1 and prose[i + 1]
            and (prose[i - 1] or feats[i - 1].ends_sentence)
            and feats[i].n_words <= config.short_words and not feats[i].bullet)


def _is_headline(f: LineFeatures, config: BodyConfig) -> bool:
    """Title Case, several words, no sentence end: a headline (of this or another story)."""
    return (not f.ends_sentence and f.n_words >= config.related_min_words
            and f.capitalised >= config.headline_capitalised)


def _inside_verdict(lines: list[str], feats: list[LineFeatures], i: int, prose: list[bool],
                    short_run: list[int], stanza: list[bool], headline_count: int, recurs: list[bool],
                    config: BodyConfig) -> LineVerdict:
    """Keep or drop one line lying between the body's first and last prose line."""
    line, f = lines[i], feats[i]
    if recurs[i]:
        if f.n_words < config.recurring_max_words:
            return LineVerdict(False, "H-RECURRING", "boilerplate",
                               f"short line ({f.n_words} words) recurring in other documents")
        if not f.ends_sentence:  # a promo or link wrapped over lines, not a quotation
            return LineVerdict(False, "H-RECURRING", "boilerplate",
                               f"recurring in other documents, not a sentence ({f.n_words} words)")
        return LineVerdict(True, "H-BODY", "content",
                           f"recurs in other documents but a long sentence ({f.n_words} words) inside "
                           "the body: a shared quotation")
    if _LEGAL.search(line) and f.n_words <= 40:
        return LineVerdict(False, "H-LEGAL", "legal", f"copyright notice; {f.n_words} words")
    if prose[i]:
        return LineVerdict(True, "H-BODY", "content", "prose inside body; " + _describe(f))
    if _BYLINE.match(line) and f.n_words <= config.short_words and not f.ends_sentence:
        return LineVerdict(False, "H-BYLINE", "byline", "byline or dateline; " + _describe(f))
    if f.ui > config.prose_max_ui:
        return LineVerdict(False, "H-UI", "share", f"interface words {f.ui:.0%} of {f.n_words}")
    if stanza[i]:
        return LineVerdict(True, "H-BODY", "content", "a line of verse inside the body; " + _describe(f))
    if short_run[i] >= config.link_run:
        return LineVerdict(False, "H-LINK-RUN", "related",
                           f"one of {short_run[i]} consecutive short non-sentence lines")
    if headline_count == 1 and _is_headline(f, config) and not _BYLINE.match(line):
        return LineVerdict(False, "H-HEADLINE", "related",
                           f"lone Title Case headline inside body ({f.capitalised:.0%} capitalised, "
                           f"{f.n_words} words)")
    if _CREDIT.search(line) and f.n_words <= 40:
        return LineVerdict(False, "H-CAPTION", "caption", "picture caption or credit; " + _describe(f))
    if _is_short_sentence(f, config):
        return LineVerdict(True, "H-BODY", "content", "short sentence inside body; " + _describe(f))
    if _is_heading(lines, feats, i, prose, config):
        return LineVerdict(True, "H-BODY", "content", "subheading between paragraphs; " + _describe(f))
    return LineVerdict(False, "H-SHORT-ISLAND", "boilerplate",
                       "non-prose line inside body, not a sentence or subheading; " + _describe(f))


# The evidence of lines seen before, with the stoplist it was computed with: a site's menus,
# prompts and footers recur on all its pages.
_EVIDENCE_SEEN = LineMemo()


def _line_evidence(line: str, stop: frozenset[str]) -> tuple[LineFeatures, bool, bool]:
    """A line's features, whether it is a wall (see :func:`_core`) the body may not cross, and
    whether it is one as a comment's header or footer."""
    seen = _EVIDENCE_SEEN.get(line)
    if seen is not None and seen[0] is stop:
        return seen[1]
    f = line_features(line, stop)
    meta = is_comment_meta(line, f.n_words) or f.n_words > 12 and opens_with_comment_header(line)
    wall = meta or is_comments_opener(line) or is_section_end(line, f.n_words)
    _EVIDENCE_SEEN.put(line, (stop, (f, wall, meta)))
    return f, wall, meta


def _comments_header(lines: list[str]) -> int | None:
    """The first comments header, braces and brackets around it allowed ('{ 137 comments…
    read them below or add one }', a WordPress theme's)."""
    return next((i for i, line in enumerate(lines) if is_comments_opener(line.strip("{}[]() "))), None)


def locate_body(lines: list[str], lang: str | None = None,
                config: BodyConfig = BodyConfig(), weights: list[int] | None = None,
                linked: list[bool] | None = None, kinds: list[str] | None = None,
                recurs: list[bool] | None = None, extracted: bool = False) -> BodyLayout:
    """Keep/remove verdicts for the lines (or blocks) of one page dump, and the headline's index.

    ``weights`` gives the number of physical lines of each block (default 1 each): a long
    paragraph's value in the body search is capped per physical line. ``linked`` marks blocks
    that are mostly link text (known from markdown links or lynx link numbers); ``kinds`` the
    blocks' kinds (:class:`cleaner.heuristics.blocks.Block`): list items, table rows and code
    that are not link text may be article content (see :mod:`.structure`).

    ``extracted``: the text is an extractor's article (trafilatura's markdown), which appends
    the page's comments after it: no sidebar comes before the article, so a run before the
    first comments header needs only ``comments_share`` of the best run, not
    ``first_run_share`` (a thread of many comments outweighs a short story).

    ``recurs`` marks the lines (blocks) seen in many other documents of the same source
    (cross-document chrome, :func:`cleaner.heuristics.dump_body.recurring_blocks`): short ones
    are removed even in the body, long sentences (a quotation several outlets carry) are not.
    """
    if not lines:
        return BodyLayout([], None)
    stop = stoplist(lang)
    evidence = [_line_evidence(line, stop) for line in lines]
    feats, walls, meta = [f for f, _, _ in evidence], [wall for _, wall, _ in evidence], [m for _, _, m in evidence]
    linked = linked or [False] * len(lines)
    structured = [False] * len(lines) if kinds is None else [
        k in STRUCTURED_KINDS and not ln for k, ln in zip(kinds, linked)]
    if kinds is not None:  # a table row's times or a code line's colon are no comment's timestamp
        walls = [w and k not in ("table", "code") for w, k in zip(walls, kinds)]
    # a numbered or bulleted line with a time is a list's entry (race results, an agenda), not a comment's header
    meta = [line if m and w and not f.bullet and not _NUMBERED.match(line) and k != "item" else ""
            for line, m, w, f, k in zip(lines, meta, walls, feats, kinds or repeat("text"))]
    block_of = wrapped_blocks(lines)
    prose = _block_prose(lines, feats, block_of, stop, config)
    # A line recurring across the site's documents never anchors or extends the body; inside
    # it, a long one is kept (a quotation other outlets carry too), see _inside_verdict.
    recurs = recurs or [False] * len(lines)
    prose = [p and not r for p, r in zip(prose, recurs)]
    # A block that is mostly link text (a related story, a menu entry) is never prose either.
    prose = [p and not k for p, k in zip(prose, linked)]
    opener = _comments_header(lines) if extracted else None
    if opener is not None:
        walls[opener] = True
    core = _core(prose, feats, walls, config, weights, kinds, meta, opener)
    if core is None:
        return BodyLayout([LineVerdict(False, "H-NO-BODY", "boilerplate",
                                       "no run of prose lines in the document")] * len(lines), None)
    can_pass = passable(lines, structured, vocabulary(lines, prose, *core)) if any(structured) else structured
    start, end = _extend(*core, prose, walls, config, can_pass)
    # An article ends on a finished sentence (or its own list or code); a last 'paragraph'
    # trailing off into link text ('... Read our editorial charter') is the site's blurb. A
    # paragraph ending in a colon before more text introduces it ('The seven pieces ... are:').
    while (end - 1 > start and not feats[end - 1].ends_sentence and not can_pass[end - 1]
           and not (prose[end - 1] and end < len(lines) and lines[end - 1].endswith(":"))):
        end -= 1
    title = _title_index(lines, feats, start, config)
    short_run = short_runs(feats, prose, linked)
    stanza = stanzas(lines, feats, short_run, linked, config, start, end)
    # Subheadings come in series; a lone headline between paragraphs links another story.
    headline_count = sum(_is_headline(f, config) and short_run[i] < config.link_run
                         and i != title and not _BYLINE.match(lines[i])
                         for i, f in enumerate(feats[start:end], start))

    verdicts = []
    past_wall = False  # a wall lies between the body's end and this line (or is this line)
    for i, (line, f) in enumerate(zip(lines, feats)):
        if i == title:
            verdicts.append(LineVerdict(True, "H-TITLE", "content", "headline before the body"))
        elif i < start:
            verdicts.append(_outside("H-HEAD", "navigation", "before body start", f))
        elif i >= end:
            past_wall = past_wall or walls[i]
            verdicts.append(_outside("H-TAIL", "comments" if past_wall else "boilerplate", "after body end", f))
        else:
            verdict = _inside_verdict(lines, feats, i, prose, short_run, stanza, headline_count, recurs, config)
            if not verdict.keep and verdict.rule in OVERRIDDEN:
                if structured[i]:
                    verdict = LineVerdict(True, "H-BODY", "content",
                                          f"list item, table row or code inside the body (not {verdict.rule})")
                elif introduces_content(kinds, linked, prose, can_pass, i, end):
                    verdict = LineVerdict(True, "H-BODY", "content",
                                          f"heading of the article's own text or list (not {verdict.rule})")
            verdicts.append(verdict)
    return BodyLayout(verdicts, title)
