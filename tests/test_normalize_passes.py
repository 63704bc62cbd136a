"""normalize's shortcuts (whole-text passes, substring tests before a regex) give what the
plain definitions give: per line, one character class at a time, the regex always."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from cleaner.parse.normalize import collapse_blank_lines, normalize_spaces, remove_invisible

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
