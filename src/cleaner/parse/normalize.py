"""Text normalisation: pure ``str -> str`` transforms, composed by :func:`normalize`.

Each transform is idempotent; :func:`normalize_and_explain` also says which ones changed
the text (ftfy's ``fix_and_explain`` idea), so a reviewer sees why the input differs.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate
from functools import lru_cache

from cleaner.document import Layout
from cleaner.parse.columns import column_segments


@lru_cache(maxsize=1)
def _ftfy():
    """ftfy and cleaner's settings for it, imported at the first text that may need repair: an
    import of ~0.1 s (its width tables) that a run without mojibake never pays."""
    import ftfy
    from ftfy.badness import is_bad

    config = ftfy.TextFixerConfig(
        uncurl_quotes=False,  # typographic quotes are content, not damage
        fix_character_width=False,  # full-width CJK forms are legitimate text
        normalization="NFC",
        explain=False,
    )
    return ftfy.fix_text, is_bad, config

# Zero-width characters (not ZWJ/ZWNJ: they shape Indic, Persian, emoji) and control
# characters but newline and carriage return, removed in one pass.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UNICODE_SPACE = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUNS = re.compile(" {2,}")
# A UTF-8 lead byte read as Latin-1/cp1252, and a continuation byte's stand-in (see fix_mojibake).
_LEAD = "[\u00c2-\u00f4]"
_CONTINUATION = ("[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
                 "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")
_MOJIBAKE_PAIR = re.compile(_LEAD + _CONTINUATION)
# ... and such a pair with invisible characters between its halves (not C1 controls: those are
# continuation stand-ins themselves), which hide it from ftfy until they are removed.
_SPLIT_PAIR = re.compile(_LEAD + "[\u200b\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+" + _CONTINUATION)
# Either of the two: one scan of a text that holds neither (nearly every text) instead of two.
_ANY_PAIR = re.compile(_LEAD + "[\u200b\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*" + _CONTINUATION)
_BLANK_RUNS = re.compile(r"\n{3,}")


def fix_mojibake(text: str) -> str:
    r"""Repair mis-decoded text with ftfy, then NFC.

    >>> fix_mojibake("The Kremlinâ€™s goals"), fix_mojibake("\u00c2\x1f\u00a1")
    ('The Kremlin’s goals', '¡')
    """
    if text.isascii():  # nothing to repair, and no composition to normalise
        return text
    if not _ANY_PAIR.search(text):
        return unicodedata.normalize("NFC", text)
    if _SPLIT_PAIR.search(text):  # the invisible characters go first, so that the pair is seen and
        text = remove_invisible(text)  # normalising a normalised text changes nothing
    # UTF-8 read as Latin-1/cp1252 always leaves a lead byte (Â..ô) before a continuation
    # byte's stand-in; without such a pair there is nothing for ftfy to undo, and its own
    # detector costs as much as the rest of the pipeline.
    if _MOJIBAKE_PAIR.search(text):
        fix_text, is_bad, config = _ftfy()
        if is_bad(text):
            return fix_text(text, config)
    return unicodedata.normalize("NFC", text)


def unify_newlines(text: str) -> str:
    r"""CRLF, CR and Unicode line/paragraph separators become '\n'.

    >>> unify_newlines("a\r\nb\rc\u2028d")
    'a\nb\nc\nd'
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")


def remove_invisible(text: str) -> str:
    r"""Drop control characters (except newline) and zero-width characters.

    >>> remove_invisible("a\x00b\u200bc")
    'abc'
    """
    return _INVISIBLE.sub("", text)


def normalize_spaces(text: str) -> str:
    r"""Tabs and Unicode spaces become ' ', runs collapse, line edges are trimmed.

    >>> normalize_spaces("  a\u00a0\u00a0b\t \n\u00a0\n")
    'a b\n\n'
    """
    return _collapse_spaces(_one_space_kind(text))


def _one_space_kind(text: str) -> str:
    return text.replace("\t", " ") if text.isascii() else _UNICODE_SPACE.sub(" ", text)


def _collapse_spaces(text: str) -> str:
    # Over the whole text at once, not line by line (a space run never crosses a newline, and
    # once runs are collapsed a line edge holds at most one space).
    if "  " in text:  # a substring test is a tenth of a regex scan that finds nothing
        text = _SPACE_RUNS.sub(" ", text)
    return text.replace(" \n", "\n").replace("\n ", "\n").strip(" ")


def collapse_blank_lines(text: str) -> str:
    r"""At most one blank line between blocks; none at the edges.

    >>> collapse_blank_lines("\n\na\n\n\n\nb\n\n")
    'a\n\nb'
    """
    return (_BLANK_RUNS.sub("\n\n", text) if "\n\n\n" in text else text).strip("\n")


TRANSFORMS = (unify_newlines, fix_mojibake, remove_invisible, normalize_spaces, collapse_blank_lines)
# The transforms that can change a line's words: the later ones change only spaces and blank lines.
WORD_TRANSFORMS = TRANSFORMS[:3]


def normalize(text: str) -> str:
    r"""All transforms in order.

    >>> normalize("\ufeffCaf\u0065\u0301  au lait\r\n\r\n\r\n")
    'Café au lait'
    """
    for transform in TRANSFORMS:
        text = transform(text)
    return text


def normalize_words(text: str) -> str:
    r""":func:`normalize` but for spaces: the same non-blank lines in the same order, each with the
    same words (as ``str.split`` gives them), but spaces and blank lines left as they are. What
    counting lines by their words needs (the recurring-lines pass), at two thirds of the cost.

    >>> normalize_words("\ufeffCaf\u0065\u0301  au lait\r\n\r\n\r\n")
    'Café  au lait\n\n\n'
    """
    for transform in WORD_TRANSFORMS:
        text = transform(text)
    return text


def normalize_with_layout(text: str) -> tuple[str, Layout]:
    r""":func:`normalize`, and the :class:`Layout` its collapsed spaces said: a table cell's
    paragraphs that markdownify joined on one line with runs of spaces, the columns that
    ``w3m -dump`` set side by side.

    >>> normalize_with_layout("  Story text   Menu\n\n\nThe end.  Home\nOne two")
    ('Story text Menu\n\nThe end. Home\nOne two', Layout(gaps=(10, 25), columns=()))
    """
    spaced = _one_space_kind(normalize_words(text))
    normalised = collapse_blank_lines(_collapse_spaces(spaced))  # normalize's last two transforms
    if "  " not in spaced:
        return normalised, Layout()
    raw = spaced.split("\n")
    stripped = [line.strip(" ") for line in raw]
    lines = [line for line, inner in zip(raw, stripped) if inner]
    spaced_lines = [n for n, inner in enumerate(inner for inner in stripped if inner) if "  " in inner]
    starts = list(accumulate((len(line) + 1 for line in normalised.split("\n")), initial=0))
    starts = [s for s, e in zip(starts, starts[1:]) if e - 1 > s]
    if len(lines) != len(starts):  # not line for line (never expected): no layout rather than a wrong one
        return normalised, Layout()
    laid_out = column_segments(lines, spaced_lines)
    gaps, columns = [], []
    for n in sorted(laid_out.keys() | set(spaced_lines)):
        line, segments = lines[n], laid_out.get(n, ())
        start, lead = starts[n], len(line) - len(line.lstrip(" "))
        if "  " not in line.strip(" "):
            columns += [(start + a - lead, start + b - lead, column) for a, b, column in segments]
            continue
        # each run of spaces: (the column after it, the spaces collapsed up to there)
        collapsed, runs = 0, []
        for m in _SPACE_RUNS.finditer(line.strip(" ")):
            gaps.append(start + m.start() - collapsed)
            collapsed += m.end() - m.start() - 1
            runs.append((lead + m.end(), collapsed))

        def offset(x: int) -> int:  # x: a column that holds no space
            i = bisect_right(runs, (x, len(line))) - 1
            return start + x - lead - (runs[i][1] if i >= 0 else 0)

        columns += [(offset(a), offset(b - 1) + 1, column) for a, b, column in segments]
    return normalised, Layout(tuple(gaps), tuple(columns))


def normalize_and_explain(text: str) -> tuple[str, list[str]]:
    """The normalised text and the names of the transforms that changed it."""
    changed = []
    for transform in TRANSFORMS:
        fixed = transform(text)
        if fixed != text:
            changed.append(transform.__name__)
        text = fixed
    return text, changed


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)
