"""Which way a scraper wrote a text dump, told from the text itself.

The body heuristics judge logical blocks; how physical lines make blocks depends on the tool
that wrote the dump (:mod:`cleaner.heuristics.blocks`). The styles, in the order they are tested:

* ``markdown``: html2text, markdownify, trafilatura's markdown (``#`` headings, ``[text](url)``);
* ``link-numbered``: ``lynx -dump`` (``[12]`` before each link, a ``References`` list at the end);
* ``feed-marked``: news-agency copy whose paragraphs end in a ``<`` marker;
* ``hard-wrapped``: lines cut at a column limit (``w3m -dump``, mail, plain-text archives);
* ``one-line``: one line per visible block (a browser's copy, most HTML-to-text tools).

Whether the lines are hard-wrapped is found for every style but markdown (whose parser joins
wrapped lines itself): :func:`wrap_width`.
"""
from __future__ import annotations

import re

STYLES = ("one-line", "hard-wrapped", "markdown", "link-numbered", "feed-marked")

_MD_HEADING = re.compile(r"^#{1,6} (?!\[\d)\S", re.MULTILINE)  # not lynx's "# [12]Link" items
# A link target, or a reference definition ('[1]: https://...'). Not '[text][ref]' alone: it is
# a link only where '[ref]:' is defined, and lynx's '[12][image]' and w3m's '[post][post]' look so.
_MD_TARGET = re.compile(r"\]\((?:https?://|/|#|mailto:|\S+\.\w{2,4}[/)])|^\[[^\]\n]+\]: \S", re.MULTILINE)
_MD_FENCE = re.compile(r"^(?:```|~~~)", re.MULTILINE)
_MD_STRONG = re.compile(r"(?<![\w*])\*\*[^\s*][^*\n]*?[^\s*]\*\*(?![\w*])")  # '**bold**'
_LINK_NUMBER = re.compile(r"\[(\d{1,4})\](?=\S)")  # lynx: '[12]Text', directly before the link text
_REFERENCES = re.compile(r"^(?:References|Visible links:?|Hidden links:)\n", re.MULTILINE)
_FEED_MARK = re.compile(r"<$", re.MULTILINE)

MIN_MARKDOWN = 4  # markdown signals: each link target, reference or fence counts 1, a heading 2
PARAGRAPHED = 0.5  # share of text lines followed by a blank line in a dump of blank-line paragraphs
MIN_LINK_NUMBERS = 5  # distinct numbers
FEED_SHARE = 0.08  # share of lines ending in '<' that makes a feed-marked dump: a mark per paragraph of 12 lines
WRAP_MIN_LINES = 5  # long lines needed to tell a column limit from chance
WRAP_MIN_WIDTH = 50  # narrower 'limits' are menus and short lines, not a wrap
WRAP_MAX_WIDTH = 132  # a 'limit' wider than this is a one-line dump with short paragraphs
WRAP_NEAR = 20  # a wrapped line ends within this many columns of the limit ...
WRAP_SHARE = 0.4  # ... and at least this share of the long lines do,
WRAP_SHARE_KEPT = 0.2  # ... or this share, when at most WRAP_OVER_SHARE of them run WRAP_OVER past it,
WRAP_OVER, WRAP_OVER_SHARE = 5, 0.1
WRAP_GOING_ON = 0.25  # ... and at least this share of those is followed by a lower-case word,
WRAP_MIN_GOING_ON = 3  # ... and at least this many (one stray line is no evidence)
LONG_LINE = 30  # lines shorter than this (menus, headings) say nothing about wrapping


def detect_style(text: str) -> str:
    """The style of a normalised dump (one of :data:`STYLES`).

    >>> detect_style("# Title\\n\\nSee [the docs](https://x.org) and [more](https://y.org).\\n\\n## Next")
    'markdown'
    >>> detect_style("Read [1]this and [2]that and [3]more.\\n\\nReferences\\n\\n1. http://a.org/")
    'link-numbered'
    >>> detect_style("One paragraph on its own line.\\nAnother one.")
    'one-line'
    """
    # Each pattern is searched for only where the text holds its characters (a substring test is
    # a small share of a multi-line regex scan that finds nothing, and most dumps are one-line).
    headings = len(_MD_HEADING.findall(text)) if "#" in text else 0
    targets = len(_MD_TARGET.findall(text)) if "](" in text or "]: " in text else 0
    targets += len(_MD_FENCE.findall(text)) if "```" in text or "~~~" in text else 0
    if 2 * headings + targets >= MIN_MARKDOWN and (targets or headings >= 3):
        return "markdown"
    if (headings or "**" in text and _MD_STRONG.search(text)) and paragraphed(text):
        return "markdown"  # an extractor's markdown (trafilatura): no links, few headings
    numbers = set(_LINK_NUMBER.findall(text)) if "[" in text else ()
    if len(numbers) >= MIN_LINK_NUMBERS or numbers and _REFERENCES.search(text):
        return "link-numbered"
    lines = [line for line in text.split("\n") if line]
    marked = len(_FEED_MARK.findall(text))
    if marked >= 2 and marked >= FEED_SHARE * len(lines):
        return "feed-marked"
    return "hard-wrapped" if wrap_width(lines) else "one-line"


def paragraphed(text: str) -> bool:
    """Whether the text is written in blank-line paragraphs (an extractor's markdown), where a
    dump of a page's lines has a blank line after few of them (one-line dumps none at all).

    >>> paragraphed("First paragraph.\\n\\nSecond one,\\non two lines.\\n")
    True
    >>> paragraphed("Home\\nNews\\nWorld\\n\\nStory")
    False
    """
    lines = text.split("\n")
    text_lines = [n for n, line in enumerate(lines[:-1]) if line.strip()]
    return sum(not lines[n + 1].strip() for n in text_lines) >= PARAGRAPHED * max(1, len(text_lines))


def long_lengths(lines: list[str]) -> list[int]:
    """The lengths of the lines that say something about wrapping: long, and no URL or markdown link
    target (html2text breaks neither: a menu line of relative links runs past its 78 columns)."""
    return [len(line) for line in lines if len(line) >= LONG_LINE and "://" not in line and "](" not in line]


def runs_past(long: list[int], width: int) -> bool:
    """Whether more than a few of the long lines' lengths ``long`` run past ``width``: a dump
    only partly wrapped.

    >>> runs_past([70] * 9 + [200], 72), runs_past([70] * 5 + [200] * 5, 72)
    (False, True)
    """
    return sum(n > width + WRAP_OVER for n in long) > WRAP_OVER_SHARE * len(long)


def wrap_width(lines: list[str], wrapped: bool = False, share: float | None = None) -> int | None:
    """The column limit the lines keep to, or None when they keep to none.

    Wrapped paragraphs fill their lines nearly to the limit (all but the last line of each),
    so many long lines end just short of one width, and the line after such a full line often
    goes on with a lower-case word; in a one-line dump line lengths spread from a few words to
    thousands of characters, and a line rarely starts lower-case. ``wrapped``: the tool is
    known to wrap (lynx); only the width is wanted. ``share``: the share of full lines asked
    for (default: WRAP_SHARE, or WRAP_SHARE_KEPT where no line runs past the width).

    >>> para = ["It was the best of times, it was the worst of times, it was the age of wisdom,",
    ...         "it was the age of foolishness, it was the epoch of belief, it was the epoch of",
    ...         "incredulity, it was the season of Light."]
    >>> wrap_width(para * 3)
    78
    >>> wrap_width([line.replace(",", ".") .capitalize() for line in para] * 3) is None
    True
    """
    long = long_lengths(lines)
    if len(long) < WRAP_MIN_LINES:
        return None
    # The limit: the width up to which the most lines end within WRAP_NEAR columns (ties: the
    # widest), from running sums over a histogram of the lengths.
    histogram = [0] * (WRAP_MAX_WIDTH + 1)
    for n in long:
        if WRAP_MIN_WIDTH <= n <= WRAP_MAX_WIDTH:
            histogram[n] += 1
    if not any(histogram):
        return None
    best = width = 0
    for w in range(WRAP_MIN_WIDTH, WRAP_MAX_WIDTH + 1):
        if histogram[w]:
            ending = sum(histogram[max(0, w - WRAP_NEAR):w + 1])
            if ending >= best:
                best, width = ending, w
    if wrapped:
        return width
    near = [i for i, line in enumerate(lines[:-1]) if width - WRAP_NEAR <= len(line) <= width]
    going_on = sum(lines[i + 1][:1].islower() for i in near)
    # Where no line runs past the limit (a browser's dump), fewer full lines are evidence enough.
    share = share or (WRAP_SHARE if runs_past(long, width) else WRAP_SHARE_KEPT)
    return width if (len(near) >= share * len(long) and going_on >= WRAP_GOING_ON * len(near)
                     and going_on >= WRAP_MIN_GOING_ON) else None
