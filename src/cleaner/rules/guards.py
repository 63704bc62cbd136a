"""A rule's guards: where a match may fire, by the size of its line and its place in the document."""
from __future__ import annotations

from dataclasses import dataclass

GUARD_KEYS = ("max_chars", "min_chars", "max_words", "position")
POSITIONS = ("any", "head", "tail")


@dataclass(frozen=True, slots=True)
class Guards:
    max_chars: int | None = None
    min_chars: int | None = None
    max_words: int | None = None
    position: str = "any"

    @property
    def sized(self) -> bool:
        """Whether the guards ask anything of the line's size (see :meth:`fits`)."""
        return self.max_chars is not None or self.min_chars is not None or self.max_words is not None

    def allow(self, line: str, index: int, count: int, offset: float = 1.0) -> bool:
        """``index`` of ``count`` kept lines; ``offset``: where the line ends, as a share of the text."""
        return self.fits(line) and self.allow_position(index, count, offset)

    def fits(self, line: str, n_words: int | None = None) -> bool:
        """The guards on the line's own text (its size), which hold wherever it stands;
        ``n_words``: ``len(line.split())``, when the caller has it."""
        if self.max_chars is not None and len(line) > self.max_chars:
            return False
        if self.min_chars is not None and len(line) < self.min_chars:
            return False
        if self.max_words is None:
            return True
        return (len(line.split()) if n_words is None else n_words) <= self.max_words

    def allow_position(self, index: int, count: int, offset: float = 1.0) -> bool:
        """The guards on where the line stands (see :meth:`allow`)."""
        if self.position == "head":  # the first quarter of the kept lines, at least five lines
            return index < max(5, count // 4)
        if self.position == "tail":  # the second half of the lines, and past the first third of
            return index >= count // 2 and offset >= 1 / 3  # the text (a short page of long
        return True  # paragraphs has its header lines in the second half of the lines)
