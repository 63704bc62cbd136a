"""Columns that a text browser laid out side by side, found before normalisation hides them.

``w3m -dump`` (and inscriptis) render a page laid out in a table as its columns next to each
other: an article column and a sidebar column share physical lines, kept apart only by the
spaces that pad each column to its width. Normalisation collapses those spaces, so the columns
are found here, on the lines as the tool wrote them: a column boundary is a column ``x`` at
which, over a run of consecutive lines that no word crosses, at least :data:`MIN_GUTTERS` lines
have a gutter (two or more spaces, words on both sides) that reaches ``x``. Hard-wrapped prose
with two spaces after its full stops has no such run: its lines cross any column where one of
them happens to have a gap. docs/dumps.md, "Layout tables and side-by-side columns".
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter

MIN_GUTTERS = 3  # lines with a gutter ending at the same column, in one run of lines, that make it a boundary
MIN_SHARE = 0.5  # ... and this share of the run's lines with text on both sides have a gutter there
MIN_WIDE = 30  # and the text on one side of it runs this wide on some line: prose, not a data table's cells
# Boundaries this close are one column's: its bullets and their indented lines ('• Lincoln' / '  SUV'),
# a line of it that starts a little left of the others.
NEAR = 4
MAX_APART = 8  # lines between two gutters of one region (where only one of the columns has text)
_GUTTER = re.compile(r"(?<=\S)  +(?=\S)")
_LETTER = re.compile(r"[^\W\d_]")  # a gutter has letters on both sides: not a list's numbers, a form's brackets


def _free(line: str, x: int) -> bool:
    """Whether no word of ``line`` crosses column ``x`` (the character before it is a space)."""
    return x >= len(line) or line[x - 1] == " " or line[x] == " "


def _one_side(line: str, x: int, left_width: int) -> bool:
    """Whether ``line`` has text on one side of column ``x`` only, and on the left no wider
    than the leftmost column's text on the nearest line with a gutter (``left_width``): a
    headline over a grid of columns is the page's, not the left column's."""
    left, right = line[:x].rstrip(), line[x:].strip()
    return _free(line, x) and not (left.strip() and right) and len(left) <= left_width + NEAR


def _regions(lines: list[str], x: int, gutters: list[int]) -> list[tuple[int, int]]:
    """The runs [first, last) of lines in which ``x`` is a column boundary, given the lines with
    a gutter ending there (``gutters``): from the first such line to the last, no word crossing
    ``x`` in between and no more than :data:`MAX_APART` lines between two of them; and on either
    side, the lines that have text on one side of ``x`` only (a column that runs on where the
    other has ended)."""
    regions, run = [], []  # run: the lines with a gutter at x since the last line that crosses it
    for g in gutters + [-1]:
        if run and (g < 0 or g - run[-1] > MAX_APART or not all(_free(lines[n], x) for n in range(run[-1] + 1, g))):
            first, last = run[0], run[-1] + 1
            both = [n for n in range(first, last) if lines[n][:x].strip() and lines[n][x:].strip()]
            wide = any(len(lines[n][:x].strip()) >= MIN_WIDE or len(lines[n][x:].strip()) >= MIN_WIDE
                       for n in both)
            if len(run) >= MIN_GUTTERS and len(run) >= MIN_SHARE * len(both) and wide:
                while first > 0 and _one_side(lines[first - 1], x, _GUTTER.search(lines[run[0]]).start()):
                    first -= 1
                while last < len(lines) and _one_side(lines[last], x, _GUTTER.search(lines[run[-1]]).start()):
                    last += 1
                regions.append((max(first, regions[-1][1] if regions else 0), last))
            run = []
        run.append(g)
    return regions


def column_segments(lines: list[str], spaced: list[int] | None = None) -> dict[int, list[tuple[int, int, int]]]:
    """For each line inside a region of side-by-side columns (by its index), its segments (start,
    end, column): the stretches of text between the boundaries, spaces around them left out,
    each with the column where its column starts (0 for the leftmost). ``spaced``: the lines
    that have two spaces between two characters, if known (the others can hold no gutter).

    >>> page = ["Home      The council met on Monday and agreed the budget.",
    ...         "News      It will spend more on the harbour and the bridge.",
    ...         "Sport",
    ...         "Contact   Work starts in May, the mayor said after the vote."]
    >>> column_segments(page)[0], column_segments(page)[2]
    ([(0, 4, 0), (10, 58, 10)], [(0, 5, 0)])
    >>> column_segments(["The end.  It was a fine day for a walk along the harbour wall.",
    ...                  "The sea was calm and the ferry ran on time.  We took it across."])
    {}
    """
    runs: dict[int, list[tuple[int, int]]] = {}  # line -> its runs of spaces with words on both sides
    ends: Counter[int] = Counter()
    for n in range(len(lines)) if spaced is None else spaced:
        line = lines[n]
        if "  " in line.strip(" "):
            first, last = _LETTER.search(line), _LETTER.search(line[::-1])
            if first is None:
                continue
            for m in _GUTTER.finditer(line, first.end()):
                if m.end() < len(line) - last.start():
                    runs.setdefault(n, []).append(m.span())
                    ends[m.end()] += 1
    # a boundary where gutters end on several lines; a gutter there is a run of spaces that reaches
    # it (a bullet's indented lines start further in)
    candidates = sorted(x for x, found in ends.items() if found >= MIN_GUTTERS)
    gutters: dict[int, list[int]] = {}  # candidate -> the lines with a gutter there, in order
    for n, spans in runs.items():
        for s, e in spans:
            for x in candidates[bisect_left(candidates, s + 2):bisect_right(candidates, e)]:
                gutters.setdefault(x, []).append(n)
    boundaries: dict[int, list[int]] = {}  # line -> the boundaries active on it
    for x in candidates:
        for first, last in _regions(lines, x, gutters[x]):
            for n in range(first, last):
                boundaries.setdefault(n, []).append(x)
    column, previous = {}, None  # boundary -> the column it starts: the leftmost of a chain of near ones
    every = sorted({x for xs in boundaries.values() for x in xs})
    for x in every:
        column[x] = column[previous] if previous is not None and x - previous <= NEAR else x
        previous = x
    segments: dict[int, list[tuple[int, int, int]]] = {}
    for n, active in sorted(boundaries.items()):
        line, xs = lines[n], []
        for x in sorted(active):
            if not xs or column[x] != column[xs[-1]]:
                xs.append(x)
        for a, b in zip([0] + xs, xs + [len(line)]):
            text = line[a:b]
            if text.strip():
                start = a + len(text) - len(text.lstrip())
                # the column a text is in is where it starts: the boundary at or left of it, any region's
                i = bisect_right(every, start) - 1
                segments.setdefault(n, []).append((start, a + len(text.rstrip()), column[every[i]] if i >= 0 else 0))
    return segments
