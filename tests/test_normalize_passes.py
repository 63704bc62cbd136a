"""normalize's shortcuts (whole-text passes, substring tests before a regex) give what the
plain definitions give: per line, one character class at a time, the regex always."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from cleaner.parse import normalize as normalize_module
from cleaner.parse.normalize import (collapse_blank_lines, fix_mojibake, normalize, normalize_spaces, normalize_words,
                                     remove_invisible)

_UNICODE_SPACE = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUNS = re.compile(" {2,}")
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff\u00ad]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BLANK_RUNS = re.compile(r"\n{3,}")


def spaces_line_by_line(text: str) -> str:
    text = _UNICODE_SPACE.sub(" ", text)
    return "\n".join(_SPACE_RUNS.sub(" ", line).strip(" ") for line in text.split("\n"))


# Texts made mostly of the characters the passes act on: spaces of every kind, newlines,
# controls, zero-width characters, and a few letters between them.
_PIECES = st.sampled_from([" ", "  ", "\t", "\u00a0", "\u2003", "\u3000", "\n", "\r", "\x00", "\x0b", "\x85",
                           "\u200b", "\u00ad", "\ufeff", "\u200d", "a", "b", "é", "字"])
TEXTS = st.lists(_PIECES, max_size=60).map("".join) | st.text(max_size=80)


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_normalize_spaces_is_the_per_line_definition(text):
    assert normalize_spaces(text) == spaces_line_by_line(text)


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_remove_invisible_is_both_removals(text):
    assert remove_invisible(text) == _ZERO_WIDTH.sub("", _CONTROL.sub("", text))


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_collapse_blank_lines_is_the_regex(text):
    assert collapse_blank_lines(text) == _BLANK_RUNS.sub("\n\n", text).strip("\n")


def words_of_lines(text: str) -> list[list[str]]:
    return [words for words in map(str.split, text.split("\n")) if words]


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_normalize_words_keeps_every_line_s_words(text):
    """What the recurring-lines pass counts is the same with the space passes left out."""
    assert words_of_lines(normalize_words(text)) == words_of_lines(normalize(text))


def mojibake_both_searches(text: str) -> str:
    """fix_mojibake without its one-scan shortcut: both pair searches on every non-ASCII text."""
    if text.isascii():
        return text
    if normalize_module._SPLIT_PAIR.search(text):
        text = remove_invisible(text)
    fix_text, is_bad, config = normalize_module._ftfy()
    if normalize_module._MOJIBAKE_PAIR.search(text) and is_bad(text):
        return fix_text(text, config)
    return normalize_module.unicodedata.normalize("NFC", text)


# Mojibake halves (lead bytes read as Latin-1, continuation stand-ins), invisible characters
# that split a pair, and ordinary text around them.
_MOJIBAKE_PIECES = st.sampled_from(["\u00c2", "\u00c3", "\u00e2", "\u00f4", "\u0080", "\u00a9", "\u20ac", "\u2122",
                                    "\u2019", "\u201d", "\u200b", "\u00ad", "\x1f", "\x85", "e\u0301", "a", " ", "\n"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_MOJIBAKE_PIECES, max_size=40).map("".join) | TEXTS)
def test_fix_mojibake_shortcut_is_both_searches(text):
    assert fix_mojibake(text) == mojibake_both_searches(text)
