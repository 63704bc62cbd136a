"""Logical blocks of a text dump: paragraphs, list items, headings, code, table rows.

A scraper may write one block over several physical lines (hard-wrapped at a column limit,
or a feed's paragraphs ended by a ``<`` marker) and mark it up (markdown, lynx's ``[12]`` link
numbers). The body heuristics judge blocks, not lines (:func:`dump_blocks`). Every block keeps
its exact span in the normalised text and the spans inside it that are markup, not article
text (link targets, link numbers, feed markers), so provenance stays exact.

A one-line dump gives one block per line: the heuristics see what they always saw.
"""
from __future__ import annotations

import re
from functools import partial
from typing import NamedTuple

from cleaner.document import Layout
from cleaner.heuristics.dump_style import WRAP_SHARE, detect_style, wrap_width
from cleaner.heuristics.lines import BROWSER_BULLETS, ends_sentence
from cleaner.heuristics.structure import STRUCTURED_KINDS

__all__ = ["Block", "dump_blocks", "line_groups"]


class Block(NamedTuple):
    """One logical block. A NamedTuple rather than a frozen dataclass: a one-line dump makes one
    per line, and a frozen dataclass's ``__init__`` costs four times as much."""

    start: int  # offset of the block's first character in the normalised text
    end: int  # offset after its last character
    text: str  # what the heuristics judge: its lines joined by spaces, markup left out
    kind: str = "text"  # text, heading, item, code, table, markup, reference
    markup: tuple[tuple[int, int], ...] = ()  # spans inside [start, end) that are not article text
    links: int = 0  # links in the block (markdown links, lynx link numbers)
    lines: int = 1  # physical lines it spans
    linked: bool = False  # mostly link text: a menu entry, a related story's headline
    syntax: tuple[tuple[int, int], ...] = ()  # markdown structure (heading marks, bullets, fences, pipes,
    #                                           emphasis): kept by default, removed for plain-text output
    parts: tuple[tuple[int, int], ...] = ()  # a block of a column laid out beside others: its spans, one
    #                                          per line (between them, the other columns' text); () whole

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """The spans of the text that are the block's: its parts, or [start, end)."""
        return self.parts or ((self.start, self.end),)

    @property
    def structured(self) -> bool:
        """A list item, table row or code block that is not link text (maybe article content)."""
        return self.kind in STRUCTURED_KINDS and not self.linked


# A line that starts a new block even right under a full line: a list item or a heading.
_ITEM_START = re.compile(rf"(?:[-*+•·►»–—#{BROWSER_BULLETS}]|\d{{1,3}}[.)]|\(?[a-z][.)])\s")
_BARE_BULLETS = frozenset(f"*+•·o{BROWSER_BULLETS}")  # a list item whose content starts on the next line
_LINK_NUMBER = re.compile(r"\[\d{1,4}\]")
_REFERENCE_LINE = re.compile(r"\d{1,4}\. \S+:\S*$")  # lynx: '12. https://example.org/a'
_REFERENCES_HEADER = frozenset({"References", "Visible links:", "Visible links", "Hidden links:"})
LINK_WORDS = 8  # a lynx block with at most this many words per link is link text
_BLOCK_END = frozenset(".!?:")  # a full line ending so, before a capital, may end its block
WRAP_SLACK = 10  # a wrapped line may stop this short of the limit (indentation, stripped)
# In a hard-wrapped dump a full line may also run this far past the limit: the limit is found from
# the most lines, and where most are indented (w3m's nested comments and lists; normalisation strips
# the indentation) the lines that are not run up to the indent past it.
WRAP_INDENT = 8


def line_groups(text: str) -> list[list[tuple[int, int]]]:
    r"""Spans of the non-blank lines, grouped by the blank lines between them.

    >>> line_groups("a\nbb\n\nc\n")
    [[(0, 1), (2, 4)], [(6, 7)]]
    """
    groups, group, start = [], [], 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip():
            group.append((start, end))
        elif group:
            groups.append(group)
            group = []
        start = end + 1
    if group:
        groups.append(group)
    return groups


def _first_word(line: str) -> int:
    space = line.find(" ")
    return len(line) if space < 0 else space


def _wrapped_runs(text: str, group: list[tuple[int, int]], width: int | None,
                  feed: bool, pure: bool = True, indent: int = 0) -> list[list[tuple[int, int]]]:
    """The group's lines cut into blocks: a line joins the one before when that one was full
    (the next word would not have fitted under ``width``) or, in a feed, did not end in ``<``.
    Where the evidence of wrapping is weak (not ``pure``), a full line that ends a sentence
    before a capital ends its block. A line longer than ``width`` + ``indent`` is never joined."""
    runs = [[group[0]]]
    for (ps, pe), (s, e) in zip(group, group[1:]):
        line = text[s:e]
        if feed:
            joined = not text[ps:pe].endswith("<")
        else:
            joined = (width is not None and width - WRAP_SLACK < pe - ps + 1 + _first_word(line)
                      and pe - ps <= width + indent and not _ITEM_START.match(line)
                      and (pure or line[:1].islower() or text[pe - 1] not in _BLOCK_END))
        if joined:
            runs[-1].append((s, e))
        else:
            runs.append([(s, e)])
    return runs


def _line_markup(text: str, s: int, e: int, style: str) -> list[tuple[int, int]]:
    """Markup spans on one line: lynx link numbers, a feed's trailing ``<`` and the ``^`` that
    opens its headline."""
    spans = []
    if style == "link-numbered":
        spans = [(s + m.start(), s + m.end()) for m in _LINK_NUMBER.finditer(text[s:e])]
    if style == "feed-marked" and text[s] == "^":
        spans.append((s, s + 1))
    if style == "feed-marked" and text[e - 1] == "<":
        spans.append((e - 1, e))
    return spans


def _plain_block(text: str, run: list[tuple[int, int]], style: str) -> Block:
    markup = [span for s, e in run for span in _line_markup(text, s, e, style)]
    # lines of a column: other columns' text lies between them
    parts = tuple(run) if any(text[pe:s].strip() for (_, pe), (s, _) in zip(run, run[1:])) else ()
    if not markup:
        return Block(run[0][0], run[-1][1], " ".join(text[s:e] for s, e in run), lines=len(run), parts=parts)
    kept, cursor = [], run[0][0]
    for ms, me in markup:
        kept.append(text[cursor:ms])
        cursor = me
    kept.append(text[cursor:run[-1][1]])
    joined = " ".join("".join(kept).split())
    links = sum(1 for s, e in markup if text[s] == "[")
    kind = ("item" if _ITEM_START.match(joined) and not joined.startswith("#") else "text") if joined else "markup"
    return Block(run[0][0], run[-1][1], joined, kind, tuple(markup), links, len(run),
                 links > 0 and _link_dominated(text, run[0][0], markup, joined, links), parts=parts)


def _link_dominated(text: str, start: int, markup: list[tuple[int, int]], joined: str, links: int) -> bool:
    """Whether a lynx block is mostly link text (where a link ends, lynx does not say): few
    words per link, or a link opening a block that is not a sentence ('* [12]Other story')."""
    words = len(joined.split())
    opens = text[start:markup[0][0]].strip(" *+-#o•") == ""
    return words <= LINK_WORDS * links or opens and not ends_sentence(joined)


def _references(text: str, blocks: list[Block]) -> list[Block]:
    """lynx's trailing link list ('References', then '1. https://...') is markup, not text."""
    for i, block in enumerate(blocks):
        if block.text in _REFERENCES_HEADER and all(
                _REFERENCE_LINE.match(b.text) or b.text in _REFERENCES_HEADER for b in blocks[i + 1:]):
            return blocks[:i] + [Block(b.start, b.end, b.text, "reference", parts=b.parts) for b in blocks[i:]]
    return blocks


def _item_content(blocks: list[Block], every_bullet: bool = False) -> list[Block]:
    """The blocks under a list item's bullet, up to the next bullet of the group (the lines
    between blank lines), are the item's content: a browser indents them under the bullet,
    and normalisation has stripped the indentation. A list item counts half its words in the
    body search.

    w3m writes an item whose content starts with a block (a picture, a headline's ``<div>``)
    as a bullet alone on its line, the content below it; lynx indents every line of an item
    under its bullet ('* [30]Headline', then the teaser's summary and date: ``every_bullet``).
    In w3m the lines after a bullet that is not alone may be a table's other column (a
    sidebar's bullets among an article's lines), so there only a bare bullet opens content.

    >>> blocks = [Block(0, 1, "•"), Block(2, 9, "Teaser one"), Block(10, 14, "2 days ago"),
    ...           Block(15, 22, "• Other"), Block(23, 30, "Text")]
    >>> [b.kind for b in _item_content(list(blocks))], [b.kind for b in _item_content(list(blocks), True)]
    (['text', 'item', 'item', 'text', 'text'], ['text', 'item', 'item', 'text', 'item'])
    """
    if not every_bullet and not any(b.text in _BARE_BULLETS for b in blocks):
        return blocks
    inside = False
    for i, block in enumerate(blocks):
        if _ITEM_START.match(block.text) or block.text in _BARE_BULLETS:
            inside = every_bullet or block.text in _BARE_BULLETS
        elif inside and block.kind == "text":
            blocks[i] = block._replace(kind="item")
    return blocks


def column_groups(text: str, columns: tuple[tuple[int, int, int], ...]) -> list[tuple[list[tuple[int, int]], int]]:
    r""":func:`line_groups`, each with the width of its column (0: a group of whole lines), where
    lines laid out as side-by-side ``columns`` (``Layout.columns``: (start, end, column) of each
    segment of such a line) are read a column at a time: over a band of consecutive such lines,
    each column's segments in order, a line where the column is empty ending its group.

    >>> page = "Home The council met on Monday.\nNews It agreed the budget.\nSport\n\nThe end."
    >>> cols = ((0, 4, 0), (5, 31, 12), (32, 36, 0), (37, 58, 12), (59, 64, 0))
    >>> [([page[s:e] for s, e in group], width) for group, width in column_groups(page, cols)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [(['Home', 'News', 'Sport'], 5), (['The council met on Monday.', 'It agreed the budget.'], 26),
     (['The end.'], 0)]
    """
    if not columns:
        return [(group, 0) for group in line_groups(text)]
    by_line: dict[int, list[tuple[int, int, int]]] = {}
    for s, e, column in columns:
        by_line.setdefault(text.rfind("\n", 0, s) + 1, []).append((s, e, column))
    out: list[tuple[list[tuple[int, int]], int]] = []
    band: dict[int, list[list[tuple[int, int]]]] = {}  # column -> its groups in the band

    def flush() -> None:
        for column in sorted(band):
            width = max(e - s for group in band[column] for s, e in group)
            out.extend((group, width) for group in band[column] if group)
        band.clear()

    group: list[tuple[int, int]] = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        segments = by_line.get(start)
        if segments:
            if group:
                out.append((group, 0))
                group = []
            present = {column for _, _, column in segments}
            for column, groups in band.items():
                if column not in present and groups[-1]:
                    groups.append([])
            for s, e, column in segments:
                band.setdefault(column, [[]])[-1].append((s, e))
        elif line.strip():
            flush()
            group.append((start, end))
        else:
            for groups in band.values():
                if groups[-1]:
                    groups.append([])
            if group:
                out.append((group, 0))
                group = []
        start = end + 1
    flush()
    if group:
        out.append((group, 0))
    return out


def plain_blocks(text: str, style: str, columns: tuple[tuple[int, int, int], ...] = ()) -> list[Block]:
    """Blocks of a dump that is not markdown (see :func:`dump_blocks`)."""
    groups = column_groups(text, columns)
    width, pure, indent = None, True, 0
    if style in ("hard-wrapped", "link-numbered"):
        lines = [text[s:e] for group, _ in groups for s, e in group]
        width = wrap_width(lines, wrapped=style == "link-numbered")
        # full lines ending a sentence join the next only on strong evidence of wrapping
        pure = width is None or style == "link-numbered" or wrap_width(lines, share=WRAP_SHARE) is not None
        indent = WRAP_INDENT if style == "hard-wrapped" and pure else 0
    # a browser's list (blank lines around it) holds items whose content goes on over the next
    # lines; in a one-line dump a bullet on its own line is a separator between menu entries
    items = (partial(_item_content, every_bullet=True) if style == "link-numbered"
             else _item_content if style == "hard-wrapped" else list)
    blocks = []
    for group, column_width in groups:
        # a column's lines wrap at its own width (a column may be narrower than any a dump is found
        # wrapped at, the page's text all in columns)
        group_width = column_width if column_width and style in ("hard-wrapped", "link-numbered") else width
        if group_width is None and style in ("one-line", "hard-wrapped"):  # nothing to join, nothing to strip
            blocks += items([Block(s, e, text[s:e]) for s, e in group])
            continue
        blocks += items([_plain_block(text, run, style)
                         for run in _wrapped_runs(text, group, group_width, style == "feed-marked", pure, indent)])
    return _references(text, blocks) if style == "link-numbered" else blocks


def dump_blocks(text: str, style: str | None = None, syntax: bool = False,
                layout: Layout = Layout()) -> tuple[str, list[Block]]:
    """(style, blocks) of a normalised dump; ``style`` None detects it (:func:`detect_style`);
    ``syntax``: a markdown block's structure syntax is found too (``Block.syntax``); ``layout``:
    what the input's spaces said (``Document.layout``): its gaps cut a layout table's cells into
    their paragraphs, its columns make side-by-side columns runs of blocks of their own.

    >>> import textwrap
    >>> story = ("It was the best of times, it was the worst of times, it was the age of wisdom, "
    ...          "it was the age of foolishness, it was the epoch of belief, it was the epoch of "
    ...          "incredulity, it was the season of Light, it was the season of Darkness.")
    >>> dump = "Title\\n\\n" + "\\n\\n".join(textwrap.fill(story, 60) for _ in range(3))
    >>> style, blocks = dump_blocks(dump)
    >>> style, [b.text[:22] for b in blocks], blocks[1].text == story
    ('hard-wrapped', ['Title', 'It was the best of tim', 'It was the best of tim', 'It was the best of tim'], True)
    """
    style = style or detect_style(text)
    if style == "markdown":
        from cleaner.heuristics.markdown_blocks import markdown_blocks

        return style, markdown_blocks(text, syntax, layout.gaps)
    return style, plain_blocks(text, style, layout.columns)
