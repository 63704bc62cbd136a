"""Blocks of a markdown dump, found by a CommonMark parser (markdown-it-py).

The parser gives each block (heading, paragraph, list item, fenced code, table row) its
source lines and its inline content; the text judged is the inline text with link and image
targets left out. In the output the structure stays (``#``, ``*``, fences, table pipes), the
link text stays, and what is not article text is removed as markup: link and image targets,
images and badges whole, autolinks, reference-link and abbreviation definitions. A tool's
wrapping is undone where CommonMark would misread it: a heading cut at the column limit goes
on over its next lines, a link target wrapped at a hyphen is read whole, a line the wrapping
began with a dash is no list item, and a paragraph is cut where the page broke a line
(docs/dumps.md, How html2text writes markdown). markdown-it-py rather than mistune: it maps
every block to its source lines, which exact spans need.
"""
from __future__ import annotations

import re
from bisect import bisect_right

from cleaner.heuristics.blocks import Block
from cleaner.heuristics.dump_style import wrap_width
from cleaner.heuristics.markdown_parser import parser

# Where the parser found links or images, these locate their markup in the block's source:
# a badge or image whole ('[![alt](img)](url)', '![alt](src)'), a link's target ('](url "t")',
# '][ref]'), an autolink ('<https://...>'). The parser decides *whether* a block has them.
_IMAGE = re.compile(r"\[!\[[^\]\n]*\]\([^)\s]*(?:\s+\"[^\"]*\")?\)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"
                    r"|!\[[^\]]*\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|!\[[^\]]*\]\[[^\]]*\]")
# html2text wraps a long URL after a hyphen ('tami-\ntaylor'): no longer a link to the parser,
# but its target all the same.
_URL_CHARS = r"(?:[^()\s>]|(?<=-)\n)"
_TARGET = re.compile(rf"\]\(\s*<?{_URL_CHARS}*(?:\({_URL_CHARS}*\){_URL_CHARS}*)*>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
                     r"|\]\[[^\]\n]*\]")
_DELIMITER_ROW = re.compile(r"^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$")
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^>\s]*>")
# Structure syntax, for plain-text output (:func:`syntax_spans`): ATX heading marks, a setext
# underline, a bullet (an ordered item's number stays: it says the step), a fence line, a
# blockquote mark, table pipes, emphasis and inline-code delimiters.
_HEADING_MARK = re.compile(r"^#{1,6}(?:[ \t]+|$)|[ \t]+#+[ \t]*$")
_SETEXT = re.compile(r"^(?:=+|-+)[ \t]*$")
_BULLET = re.compile(r"^[-*+][ \t]+")
_FENCE = re.compile(r"^(?:```|~~~).*$")
_QUOTE = re.compile(r"^(?:>[ \t]?)+")
_PIPE = re.compile(r"[ \t]*\|")
_EMPHASIS = re.compile(r"(?<![\w*\\])(\*\*?)(?=[^\s*]).*?(?<=[^\s*\\])\1(?![\w*])"
                       r"|(?<![\w\\])(__?)(?=[^\s_]).*?(?<=[^\s_\\])\2(?!\w)")
_CODE_TICKS = re.compile(r"`+")
_ATX = re.compile(r" {0,3}#{1,6}[ \t]")  # an ATX heading's opening
# A line that starts a block of its own even right under a heading: a heading, bullet, numbered
# item, quote, fence, table row, thematic break.
_BLOCK_START = re.compile(r" {0,3}(?:#{1,6}(?:[ \t]|$)|[-*+][ \t]|\d{1,9}[.)][ \t]|>|```|~~~|\||(?:[-*_][ \t]*){3,}$)")
# An abbreviation definition (PHP Markdown Extra, written by html2text for every <abbr title>:
# '*[Nov 8, 2012]: 2012-11-08T23:04'): markup, like a reference definition, but CommonMark does
# not know it and would read a paragraph of them, a page's timestamps, as its longest text.
_ABBREVIATION = re.compile(r"^ {0,3}\*\[[^\]\n]+\]:[ \t].*$", re.MULTILINE)
_CELL_PIPE = re.compile(r"(?<!\\)\|")  # a table row's cells end at pipes not escaped, as GFM reads them
_EMPTY_CELL = re.compile(r":?-*:?")  # no text: an empty cell, or a delimiter row's cell flattened into a row
LINKED_SHARE = 0.5  # a block with this share of its words in links is link text
_BLOCK_KIND = {"heading_open": "heading", "paragraph_open": "text", "tr_open": "table",
               "fence": "code", "code_block": "code", "html_block": "markup", "hr": "markup"}


def _inline_text(token) -> tuple[str, int, int]:
    """The article text of an inline token (link text kept, images and targets not), its
    link count and the number of words inside links."""
    return _joined(_inline_lines(token))


def _joined(lines: list[tuple[str, int, int]]) -> tuple[str, int, int]:
    """Lines of :func:`_inline_lines` as one text, with their link and link-word counts summed."""
    return " ".join(t for t, _, _ in lines if t), sum(n for _, n, _ in lines), sum(w for _, _, w in lines)


def _inline_lines(token) -> list[tuple[str, int, int]]:
    """:func:`_inline_text` of each source line of an inline token, split at its line breaks."""
    lines, parts, links, depth, link_words = [], [], 0, 0, 0
    for child in token.children or ():
        if child.type == "link_open":
            links += 1
            depth += 1
        elif child.type == "link_close":
            depth = max(0, depth - 1)
        elif child.type in ("text", "code_inline"):  # an image's alt text is a picture's label: left out
            parts.append(child.content)
            link_words += len(child.content.split()) if depth else 0
        elif child.type in ("softbreak", "hardbreak"):
            lines.append((" ".join("".join(parts).split()), links, link_words))
            parts, links, link_words = [], 0, 0
    lines.append((" ".join("".join(parts).split()), links, link_words))
    return lines


def _target_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Markup spans of link and image syntax in ``text[start:end]``: the targets, and the
    opening bracket of each link whose target is removed (its text stays)."""
    source = text[start:end]
    spans = [(m.start(), m.end()) for m in _IMAGE.finditer(source)]
    spans += [(m.start(), m.end()) for m in _AUTOLINK.finditer(source)]
    taken = sorted(spans)

    def free(s: int, e: int) -> bool:
        return all(e <= ts or s >= te for ts, te in taken)

    for m in _TARGET.finditer(source):
        if not free(m.start(), m.end()):
            continue
        depth, i = 0, m.start() - 1  # the '[' that opens this link's text
        while i >= 0:
            if source[i] == "]":
                depth += 1
            elif source[i] == "[":
                if depth == 0:
                    break
                depth -= 1
            i -= 1
        if i >= 0 and free(i, i + 1):
            spans.append((i, i + 1))
        spans.append((m.start(), m.end()))
    return sorted((start + s, start + e) for s, e in spans)


def _without(text: str, start: int, end: int, spans: tuple[tuple[int, int], ...]) -> str:
    parts, cursor = [], start
    for s, e in spans:
        parts.append(text[cursor:s])
        cursor = max(cursor, e)
    parts.append(text[cursor:end])
    return "".join(parts)


def syntax_spans(text: str, start: int, end: int, kind: str, inline: frozenset[str],
                 markup: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Spans of markdown structure in the block ``text[start:end]`` of ``kind`` whose inline
    content had the token types ``inline`` (emphasis and inline code are looked for only where
    the parser found them); spans inside ``markup`` (link targets, removed anyway) are left out.

    >>> src = "## Step *one* ##\\n* Beat the **butter**\\n| a | b |"
    >>> [src[s:e] for s, e in syntax_spans(src, 0, 16, "heading", frozenset({"em_open"}), ())]
    ['## ', '*', '*', ' ##']
    >>> [src[s:e] for s, e in syntax_spans(src, 17, 38, "item", frozenset({"strong_open"}), ())]
    ['* ', '**', '**']
    >>> [src[s:e] for s, e in syntax_spans(src, 39, 48, "table", frozenset(), ())]
    ['|', ' |', ' |']
    """
    spans, pos = [], start

    def whole_line() -> tuple[int, int]:  # the line and one of its line breaks: no blank line left
        return (pos - 1, pos + len(line)) if pos > start else (pos, min(end, pos + len(line) + 1))

    for line in text[start:end].split("\n"):
        first = len(line) - len(line.lstrip())
        lead = _QUOTE.match(line, first)
        if lead:
            spans.append((pos + first, pos + lead.end()))
            first = lead.end()
        if kind == "heading":
            if _SETEXT.match(line, first) and pos > start:
                spans.append(whole_line())
            else:
                spans += [(pos + m.start(), pos + m.end()) for m in _HEADING_MARK.finditer(line, first)]
        elif kind == "item" and pos == start:
            bullet = _BULLET.match(line, first)
            if bullet:
                spans.append((pos + first, pos + bullet.end()))
        elif kind == "code" and _FENCE.match(line, first):
            spans.append(whole_line())
        elif kind == "table":
            if _DELIMITER_ROW.match(line.strip()):
                spans.append(whole_line())
            else:
                spans += [(pos + m.start(), pos + m.end()) for m in _PIPE.finditer(line)]
        if kind != "code" and inline & {"em_open", "strong_open"}:
            for m in _EMPHASIS.finditer(line):
                mark = len(m.group(1) or m.group(2))
                spans += [(pos + m.start(), pos + m.start() + mark), (pos + m.end() - mark, pos + m.end())]
        if kind != "code" and "code_inline" in inline:
            spans += [(pos + m.start(), pos + m.end()) for m in _CODE_TICKS.finditer(line)]
        pos += len(line) + 1
    return tuple(sorted({(s, e) for s, e in spans if e > s and all(e <= ms or s >= me for ms, me in markup)}))


def _without_abbreviations(text: str) -> str:
    """The text with abbreviation definitions blanked, line for line (the parser's line map stays
    true): unclaimed by any block, they become markup.

    >>> _without_abbreviations("Posted Nov 8\\n\\n  *[Nov 8]: 2012-11-08\\n").split("\\n")
    ['Posted Nov 8', '', '', '']
    """
    return _ABBREVIATION.sub("", text)


def _unbalanced(line: str) -> bool:
    return line.count("[") > line.count("]") or line.count("(") > line.count(")")


def _full(line: str, next_line: str, width: int, collapsed: int = 0) -> bool:
    """Whether ``line`` was cut at the column limit ``width`` (0: none): the next line's first
    word would not have fitted after it (``collapsed``: the spaces normalisation took out of
    ``line``, which the tool counted)."""
    return bool(width) and len(line) + collapsed + 1 + len((next_line.split(maxsplit=1) or [""])[0]) > width


def line_breaks(lines: list[str], first: int, last: int, width: int,
                collapsed: dict[int, int] | None = None) -> list[int]:
    """The lines in [first, last) of one paragraph after which the page itself broke the text: in
    a dump wrapped at ``width`` (html2text, 78 columns), a line the next word would have fitted
    on ends where the page had a <br> or a block with no blank line written after it (a story's
    last sentence, then its share links; a recipe's ingredient lines), unless a link's brackets
    are still open there. ``collapsed``: the spaces normalisation took out of each line (by
    index; a run of two counted as one taken): the tool wrapped the line as it was written
    ('critical.  Over the last 200+ years, there have' was full at 78 columns).

    >>> line_breaks(["It was the best of times, it was the", "worst of times.", "Share"], 0, 2, 40)
    [1]
    >>> line_breaks(["[ This Week's Most", "Popular](https://x.org/p)", "Share"], 0, 2, 40)
    [1]
    """
    if not width:
        return []
    cuts, depth, collapsed = [], 0, collapsed or {}
    for n in range(first, last):
        line = lines[n]
        depth += line.count("[") + line.count("(") - line.count("]") - line.count(")")
        if depth <= 0 and not _full(line, lines[n + 1], width, collapsed.get(n, 0)):  # never inside a link's brackets
            cuts.append(n)
    return cuts


# A link or image target that html2text wrapped after a hyphen ('[Don't do it](http://x.org/Don-t-' /
# 'Bother.html)'): the parser must see it whole, or the link is text and its syntax with it.
_WRAPPED_TARGET = re.compile(r"\]\(<?(?:[^\s()<>]|(?<=-)\n(?=[^\s()<>]))*-\n[^\s()<>]")


def wrapped_targets(text: str) -> list[int]:
    """Indexes of the lines that go on with a link target broken at a hyphen on the line above.

    >>> wrapped_targets("[Don't do it](http://x.org/Don-t-\\nBother-Being-\\nHonest.html). If")
    [1, 2]
    >>> wrapped_targets("a well-\\nknown [link](http://x.org/a) -\\nthen")
    []
    """
    going_on, line, pos = [], 0, 0
    for m in _WRAPPED_TARGET.finditer(text):
        line += text.count("\n", pos, m.start())
        breaks = m.group().count("\n")
        going_on += range(line + 1, line + breaks + 1)
        line, pos = line + breaks, m.end()
    return going_on


def heading_continuations(lines: list[str], width: int) -> list[int]:
    """Indexes of the lines that go on with the ATX heading above them: a tool that writes a
    blank line after every heading (html2text, markdownify) and then wraps long lines cuts a
    heading, often inside its link ('## [The Decline of Ad' / 'Business](https://...)'); to a
    CommonMark parser the heading ends at the line end and the rest is a paragraph of broken
    syntax. A line goes on with the heading while the heading's brackets are open, or when the
    heading line was full (its next word would not have fitted under the column limit ``width``,
    0: none).

    >>> heading_continuations(["## [The Decline of Ad", "Business](https://x.org/a)", "", "Text"], 0)
    [1]
    >>> heading_continuations(["## Method", "Beat the butter."], 0)
    []
    """
    going_on, i = [], 0
    while i < len(lines) - 1:
        heading = lines[i]
        i += 1
        if not _ATX.match(heading):
            continue
        joined = heading
        while i < len(lines) and lines[i].strip() and not _BLOCK_START.match(lines[i]):
            if not _unbalanced(joined) and not _full(joined.rsplit("\n", 1)[-1], lines[i], width):
                break
            going_on.append(i)
            joined += "\n" + lines[i]
            i += 1
    return going_on


# A line a tool's wrapping began with a dash or plus ('... defending the ads' / '- who clearly knew
# her'): CommonMark starts a list item there and cuts the paragraph.
_WRAPPED_MARKER = re.compile(r"[-+] +\S")


def marker_continuations(lines: list[str], width: int, collapsed: dict[int, int] | None = None) -> list[int]:
    """Indexes of the lines that start with ``-`` or ``+`` only because the line above was full:
    that line is a paragraph's (no block starts there), no longer than the column limit ``width``,
    and the marker would not have fitted after it. html2text and markdownify write their bullets
    as ``*`` and a blank line before a list, so a dash under a full line is the text going on.

    >>> marker_continuations(["Eltahawy met a person defending the ads", "- who knew her by name.", ""], 40)
    [1]
    >>> marker_continuations(["Ingredients:", "- 2 eggs"], 40), marker_continuations(["* a long item here", "- b"], 18)
    ([], [])
    """
    going_on, collapsed = [], collapsed or {}
    for n in range(1, len(lines)) if width else ():
        above = lines[n - 1]
        if (_WRAPPED_MARKER.match(lines[n]) and above.strip() and len(above) + collapsed.get(n - 1, 0) <= width
                and not _BLOCK_START.match(above) and _full(above, lines[n], width, collapsed.get(n - 1, 0))):
            going_on.append(n)
    return going_on


def _block(text: str, start: int, end: int, body: str, kind: str, links: int, link_words: int, n_lines: int,
           inline: set[str], syntax: bool) -> Block:
    source = text[start:end]
    markup = tuple(_target_spans(text, start, end)) if links or "](" in source or "<" in source else ()
    if markup and "](" in body:  # links the parser did not take (a wrapped URL): text without their markup
        body = " ".join(_without(text, start, end, markup).split())
    linked = links > 0 and link_words >= LINKED_SHARE * len(body.split())
    spans = syntax_spans(text, start, end, kind, frozenset(inline), markup) if syntax and body else ()
    return Block(start, end, body, kind if body else "markup", markup, links, n_lines, linked, spans)


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the cells of the table row ``text[start:end]``, each without the spaces around
    its text, the empty ones too (a row's leading and trailing pipes open and close no cell).

    >>> row = "| Northport | | 05:42 |"
    >>> [row[s:e] for s, e in _cells(row, 0, len(row))]
    ['Northport', '', '05:42']
    """
    line = text[start:end]
    pipes = [m.start() for m in _CELL_PIPE.finditer(line)]
    edges = [-1] + pipes + [len(line)]
    if line.lstrip().startswith("|"):
        edges = edges[1:]
    if line.rstrip().endswith("|") and len(edges) > 1:
        edges = edges[:-1]
    cells = []
    for a, b in zip(edges, edges[1:]):
        cell = line[a + 1:b]
        s = a + 1 + len(cell) - len(cell.lstrip())
        cells.append((start + s, start + max(s, a + 1 + len(cell.rstrip()))))
    return cells


def _layout_row(text: str, start: int, end: int, parsed_cells: int, gaps: list[int]) -> list[tuple[int, int]]:
    """The pieces of a table row that lays out a page rather than holding data, or [] for a data
    row. markdownify writes a page laid out in tables as rows of one line each, the blocks of a
    cell joined by runs of spaces (``gaps``: their offsets in the text); a row with more cells
    than its header (CommonMark drops the excess, the article with them) or a cell of several
    blocks is layout, and each block of each cell a piece of its own.

    >>> row = "| Menu | The story. It was long. Another paragraph. | Sidebar |"
    >>> [row[s:e] for s, e in _layout_row(row, 0, len(row), 2, [])]
    ['Menu', 'The story. It was long. Another paragraph.', 'Sidebar']
    >>> [row[s:e] for s, e in _layout_row(row, 0, len(row), 3, [32])]
    ['Menu', 'The story. It was long.', 'Another paragraph.', 'Sidebar']
    >>> _layout_row("| 05:42 | Northport |", 0, 21, 2, [])
    []
    """
    cells = _cells(text, start, end)
    cuts = gaps[bisect_right(gaps, start):bisect_right(gaps, end)]
    if len(cells) <= parsed_cells and not any(s < g < e for g in cuts for s, e in cells):
        return []
    pieces = []
    for s, e in cells:
        inside = [g for g in cuts if s < g < e]
        for a, b in zip([s] + [g + 1 for g in inside], inside + [e]):
            if not _EMPTY_CELL.fullmatch(text[a:b].strip()):
                pieces.append((a, b))
    return pieces


def _piece_blocks(text: str, pieces: list[tuple[int, int]], start: int, end: int, syntax: bool) -> list[Block]:
    """Blocks of a layout row (:func:`_layout_row`): each piece a text block, judged like a
    paragraph; the pipes and empty cells between them markup."""
    blocks, cursor = [], start
    for s, e in pieces:
        if text[cursor:s].strip():
            blocks.append(Block(cursor, s, "", "markup"))
        inline = parser().parseInline(text[s:e])[0]
        body, links, link_words = _inline_text(inline)
        blocks.append(_block(text, s, e, body, "text", links, link_words, 1,
                             {child.type for child in inline.children or ()}, syntax))
        cursor = e
    if text[cursor:end].strip():
        blocks.append(Block(cursor, end, "", "markup"))
    return blocks


def markdown_blocks(text: str, syntax: bool = False, gaps: list[int] = ()) -> list[Block]:
    """The blocks of a normalised markdown dump, in order; lines no block claims (reference
    definitions, stray syntax) become ``markup`` blocks. ``syntax``: find each block's
    structure syntax too (:func:`syntax_spans`, for plain-text output); ``gaps``: sorted offsets
    where the input had two or more spaces between words (see :func:`_layout_row`)."""
    offsets, pos = [], 0
    lines = text.split("\n")
    for line in lines:
        offsets.append((pos, pos + len(line)))
        pos += len(line) + 1
    source = _without_abbreviations(text) if "*[" in text else text
    # the parser's line p spans the dump's lines first_line[p]..last_line[p]: a heading and the
    # lines that go on with it are one line to it ('\\n' -> ' ' keeps every character offset), and
    # so is a link target wrapped at a hyphen ('\\n' -> '-': no space may break a target)
    targets = wrapped_targets(source) if "-\n" in source else []
    # the column limit, found without the definitions; where the dump is wrapped, no wider than the
    # limit without the rest of each link target wrapped at a hyphen (its length is the URL's: a
    # line of 80 made the limit 80, and full lines of 78 looked like lines the page broke)
    source_lines = source.split("\n")
    width = wrap_width([line for line in source_lines if line]) or 0
    if width and targets:
        rest = set(targets)
        width = min(width, wrap_width([line for n, line in enumerate(source_lines) if line and n not in rest],
                                      wrapped=True) or width)
    # the spaces normalisation collapsed, per line: the tool wrapped each line as written
    collapsed: dict[int, int] = {}
    if width and gaps:
        line_starts = [s for s, _ in offsets]
        for g in gaps:
            n = bisect_right(line_starts, g) - 1
            collapsed[n] = collapsed.get(n, 0) + 1
    glue = dict.fromkeys(heading_continuations(lines, width) if "#" in text else (), " ")
    glue.update(dict.fromkeys(marker_continuations(lines, width, collapsed), " "))
    glue.update(dict.fromkeys(targets, "-"))
    first_line, last_line, parser_line = [], [], []
    if glue:
        parts = []
        for n, line in enumerate(source_lines):
            if n in glue:
                parts.append(glue[n])
                last_line[-1] = n
            else:
                parts.append("\n" if n else "")
                first_line.append(n)
                last_line.append(n)
            parser_line.append(len(first_line) - 1)
            parts.append(line)
        source = "".join(parts)
    else:
        first_line = last_line = parser_line = list(range(len(lines)))
    tokens = parser().parse(source)
    blocks: list[Block] = []
    claimed = [False] * len(lines)
    item_depth = 0
    for i, token in enumerate(tokens):
        if token.type == "list_item_open":
            item_depth += 1
        elif token.type == "list_item_close":
            item_depth -= 1
        kind = _BLOCK_KIND.get(token.type)
        if kind is None or not token.map:
            continue
        first, last = first_line[token.map[0]], last_line[token.map[1] - 1]
        while last > first and not lines[last].strip():
            last -= 1
        if any(claimed[first:last + 1]):  # a row or item already taken by an inner block
            continue
        if kind == "table" and last + 1 < len(lines) and _DELIMITER_ROW.match(lines[last + 1]):
            last += 1  # the header row's '---|---' line belongs to it
        claimed[first:last + 1] = [True] * (last + 1 - first)
        start, end = offsets[first][0], offsets[last][1]
        links = link_words = 0
        inline: set[str] = set()
        if kind in ("heading", "text"):
            inline = {child.type for child in tokens[i + 1].children or ()}
            kind = "item" if kind == "text" and item_depth else kind
            cuts = line_breaks(lines, first, last, width, collapsed) if kind != "heading" and last > first else ()
            if cuts:  # one block per run of lines the page did not break (a line break of the parser's ends each)
                per_line = _inline_lines(tokens[i + 1])
                p0 = parser_line[first]
                if len(per_line) == parser_line[last] + 1 - p0:
                    bounds = [first] + [n + 1 for n in cuts if last_line[parser_line[n]] == n] + [last + 1]
                    for a, b in zip(bounds, bounds[1:]):
                        body, links, link_words = _joined(per_line[parser_line[a] - p0:parser_line[b - 1] + 1 - p0])
                        blocks.append(_block(text, offsets[a][0], offsets[b - 1][1], body, kind, links, link_words,
                                             b - a, inline, syntax))
                    continue
            body, links, link_words = _inline_text(tokens[i + 1])
        elif kind == "table":
            cells = []
            j = i + 1
            while tokens[j].type != "tr_close":
                if tokens[j].type == "inline":
                    inline |= {child.type for child in tokens[j].children or ()}
                    cell, n, w = _inline_text(tokens[j])
                    cells.append(cell)
                    links, link_words = links + n, link_words + w
                j += 1
            pieces = _layout_row(text, start, end, len(cells), gaps) if first == last else []
            if pieces:
                blocks += _piece_blocks(text, pieces, start, end, syntax)
                continue
            body = " | ".join(c for c in cells if c)
        elif kind == "code":
            body = " ".join(token.content.split())
        else:
            body = ""
        blocks.append(_block(text, start, end, body, kind, links, link_words, last + 1 - first, inline, syntax))
    for n, (s, e) in enumerate(offsets):
        if not claimed[n] and lines[n].strip():
            blocks.append(Block(s, e, "", "markup"))
    return sorted(blocks, key=lambda b: b.start)
