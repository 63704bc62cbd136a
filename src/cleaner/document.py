"""The one data model every step shares: a Document and the removals made to it.

A document keeps its *normalised input* (``normalised``) untouched for its whole life.
Steps never rewrite text; they only add :class:`Removal` spans in the coordinates of
``normalised``. The clean ``text`` is derived from the two, so the audit trail is exact:
kept segments plus removed spans reconstruct the normalised input.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Layout(NamedTuple):
    """What the spaces of a text said that normalisation collapses (offsets in the normalised text)."""

    gaps: tuple[int, ...] = ()  # the one space left of each run of two or more between words
    columns: tuple[tuple[int, int, int], ...] = ()  # (start, end, column) of the segments of lines laid
    #                                                 out in side-by-side columns (cleaner.parse.columns)


@dataclass(slots=True, frozen=True)
class Source:
    """Where a document came from."""

    path: str  # relative to the input root, '/'-separated
    sha256: str  # of the raw input bytes: the file, the JSONL html/text field (UTF-8), the WARC payload
    format: str  # "text", "html", "jsonl", "warc", ...
    url: str | None = None
    position: str | None = None  # line number (JSONL) / byte offset (WARC) inside a container file
    encoding: str | None = None
    record_id: str | None = None  # the container's own id: JSONL id field, WARC-Record-ID
    style: str | None = None  # a text dump's style (cleaner.heuristics.dump_style), found or given by --dump-style


@dataclass(slots=True, frozen=True, order=True)
class Removal:
    """One span of the normalised input that is not part of the clean text."""

    start: int
    end: int
    rule: str  # rule id ("AD001") or heuristic id ("H-TAIL")
    category: str  # "ads", "navigation", ... ; "title" for the headline moved to ``title``
    text: str = field(compare=False)
    reason: str = field(default="", compare=False)

    def __init__(self, start: int, end: int, rule: str, category: str, text: str, reason: str = "") -> None:
        # The slots' own setters: the generated frozen __init__ goes through object.__setattr__
        # field by field, twice the cost, and a page makes hundreds of removals.
        _SET_START(self, start)
        _SET_END(self, end)
        _SET_RULE(self, rule)
        _SET_CATEGORY(self, category)
        _SET_TEXT(self, text)
        _SET_REASON(self, reason)

    def __reduce__(self):
        # Documents cross process boundaries (workers, resume state) with hundreds of removals
        # each; the dataclass default pickles through fields() per object, ten times slower.
        return Removal, (self.start, self.end, self.rule, self.category, self.text, self.reason)

    def to_json(self) -> dict:
        out = {"rule": self.rule, "category": self.category, "start": self.start,
               "end": self.end, "text": self.text}
        if self.reason:
            out["reason"] = self.reason
        return out


_SET_START, _SET_END, _SET_RULE, _SET_CATEGORY, _SET_TEXT, _SET_REASON = (
    Removal.start.__set__, Removal.end.__set__, Removal.rule.__set__, Removal.category.__set__,
    Removal.text.__set__, Removal.reason.__set__)


@dataclass(slots=True, frozen=True)
class Outcome:
    """Why a document is not in the clean corpus: rejected by a step, or failed with an error."""

    kind: str  # "rejected" or "error"
    reason: str  # short stable code: "too-short", "duplicate", "decode-error", ...
    message: str = ""  # what happened and what the user can do
    detail: dict = field(default_factory=dict)


@dataclass(slots=True)
class Document:
    id: str
    normalised: str
    source: Source
    title: str | None = None
    lang: str | None = None
    lang_prob: float | None = None
    removals: list[Removal] = field(default_factory=list)
    # extractor metadata (date, author, sitename...) and a JSONL record's other fields: JSON values
    metadata: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome | None = None  # set when a step rejects the document or it fails
    # what went wrong without stopping the document (a rule that timed out): errors.jsonl
    # entries with severity "warning", not counted as errored
    warnings: list[Outcome] = field(default_factory=list)
    # spans of the article's own lists, table rows and code, kept by the heuristics: line-shaped
    # rules (menus of '|'-separated items, lines of symbols) leave them alone
    structure: list[tuple[int, int]] = field(default_factory=list)
    # what the spaces of a text input said that normalisation collapsed: a table cell's paragraphs,
    # side-by-side columns (cleaner.parse.normalize.normalize_with_layout)
    layout: Layout = Layout()
    _merged: list[tuple[int, int]] | None = field(default=None, repr=False, compare=False)
    # (number of removals, normalised input, clean text): ``text`` is read by several steps and
    # the writer; removals only ever grow through ``remove``, so with the same input object
    # their count says whether the cached text is current.
    _text: tuple[int, str, str] | None = field(default=None, repr=False, compare=False)

    def reject(self, reason: str, message: str = "", **detail) -> None:
        self.outcome = Outcome("rejected", reason, message, detail)

    def fail(self, reason: str, message: str, **detail) -> None:
        self.outcome = Outcome("error", reason, message, detail)

    def warn(self, reason: str, message: str, **detail) -> None:
        self.warnings.append(Outcome("warning", reason, message, detail))

    # -- spans -----------------------------------------------------------------------------
    def remove(self, start: int, end: int, rule: str, category: str, reason: str = "") -> None:
        """Record a removal; parts already removed by an earlier step are not claimed twice."""
        covered = self._covered()
        if start < end and (not covered or covered[-1][1] <= start):
            # Past everything removed so far (steps remove lines top-down, hundreds per page):
            # the span is kept text as a whole and joins the end of the covered list.
            removed = self.normalised[start:end]
            if removed.strip():
                self.removals.append(Removal(start, end, rule, category, removed, reason))
                if covered and covered[-1][1] == start:
                    covered[-1] = (covered[-1][0], end)
                else:
                    covered.append((start, end))
            return
        for s, e in self.kept_segments(start, end):
            if self.normalised[s:e].strip():
                self.removals.append(Removal(s, e, rule, category, self.normalised[s:e], reason))
                self._cover(s, e)

    def _cover(self, start: int, end: int) -> None:
        """Merge [start, end) into the sorted, disjoint list of removed ranges."""
        covered = self._covered()
        i = bisect_right(covered, (start, start))
        if i and covered[i - 1][1] >= start:
            i -= 1
        j = i
        while j < len(covered) and covered[j][0] <= end:
            start, end = min(start, covered[j][0]), max(end, covered[j][1])
            j += 1
        covered[i:j] = [(start, end)]

    def _covered(self) -> list[tuple[int, int]]:
        """Removed ranges, sorted and disjoint: built once, then kept current by ``remove``."""
        if self._merged is None:
            self._merged = []
            for r in self.removals:
                self._cover(r.start, r.end)
        return self._merged

    def kept_segments(self, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Maximal [s, e) ranges inside [start, end) not covered by any removal."""
        end = len(self.normalised) if end is None else end
        segments, cursor = [], start
        covered = self._covered()
        for s, e in covered[max(0, bisect_right(covered, (start, start)) - 1):]:
            if e <= cursor:
                continue
            if s >= end:
                break
            if s > cursor:
                segments.append((cursor, s))
            cursor = max(cursor, e)
        if cursor < end:
            segments.append((cursor, end))
        return segments

    def kept_lines(self) -> list[tuple[int, int]]:
        """(start, end) of every non-blank line that no removal touches, end excluding '\\n'."""
        covered, lines, i, start = self._covered(), [], 0, 0
        # Three steps ask this of every page: walking str.split's pieces takes ~60% of the time of
        # slicing the text at regex matches.
        for line in self.normalised.split("\n"):
            end = start + len(line)
            if line and not line.isspace():
                while i < len(covered) and covered[i][1] <= start:
                    i += 1
                if i == len(covered) or covered[i][0] >= end:
                    lines.append((start, end))
            start = end + 1
        return lines

    @property
    def text(self) -> str:
        cached = self._text
        if cached is None or cached[0] != len(self.removals) or cached[1] is not self.normalised:
            cached = self._text = (len(self.removals), self.normalised,
                                   tidy("".join(self.normalised[s:e] for s, e in self.kept_segments())))
        return cached[2]


_BLANK_RUNS = re.compile(r"\n{3,}")


def line_spans(text: str) -> list[tuple[int, int]]:
    r"""Start/end offsets of each line (without its newline).

    >>> line_spans("a\nbb\n\nc")
    [(0, 1), (2, 4), (5, 5), (6, 7)]
    """
    spans, start = [], 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def tidy(text: str) -> str:
    r"""Whitespace after removals: strip each line's edges of spaces, at most one blank line.

    >>> tidy("  a  \n\n\n\n b\n")
    'a\n\nb'
    """
    lines = [ln.strip(" \t") for ln in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")
