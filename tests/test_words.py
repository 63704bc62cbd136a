"""cleaner.words: the shortcut of wordless_chars gives what the regex scan gives."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from cleaner.words import _scan_runs, wordless_chars

_SPACES = [chr(code) for code in range(0x110000) if chr(code).isspace()]


def test_str_split_whitespace_is_the_regex_whitespace():
    """The shortcut splits where str.isspace says; the scan's \\S is re's: the same characters."""
    everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    assert re.findall(r"\s", everything) == _SPACES
    assert "".join(everything.split()) == re.sub(r"\s", "", everything)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 130), st.sampled_from(["x", "北", "a/", "://", "é"]),
                          st.sampled_from(_SPACES[:8] + ["\u3000", "\u2028", "\x1c"])), max_size=6))
def test_wordless_chars_equals_the_scan(pieces):
    text = "".join(chunk * (length // len(chunk) + 1) + space for length, chunk, space in pieces)
    assert wordless_chars(text) == _scan_runs(text)
