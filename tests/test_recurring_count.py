"""The recurring-lines pass reads a text dump more cheaply than the clean pass parses it
(:func:`cleaner.heuristics.recurring.parse_for_counts`): it must count the same line keys."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from cleaner.heuristics.lines import line_key
from cleaner.heuristics.recurring import MAX_WORDS, RecurringLines, parse_for_counts, site_of
from cleaner.parse.record import is_html_page, parse_record
from cleaner.readers.record import Record


def counted_from_parse(record: Record) -> tuple[dict, dict]:
    """The count as defined: the clean pass's parse, every non-blank line of at most MAX_WORDS words."""
    doc = parse_record(record)
    if doc.outcome is not None:
        return {}, {}
    keys = {line_key(line) for line in doc.normalised.split("\n") if line.strip() and len(line.split()) <= MAX_WORDS}
    return {site_of(doc): 1}, {site_of(doc): dict(Counter(keys))}


# Lines of words and numbers, with what the parse normalises: spaces of every kind, tabs, carriage
# returns, blank lines, zero-width and control characters, combining accents, mojibake.
_PIECES = st.sampled_from(["Home", "news", "12", "3 comments", " ", "  ", "\t", "\u00a0", "\u3000", "\n", "\n\n\n", "\r\n",
                           "\r", "\u2028", "\u200b", "\u00ad", "\x1f", "\x85", "e\u0301", "\u00c3\u00a9", "Stra\u00dfe",
                           "\u0130", "\u2019", "word " * 14, "word " * 16])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=50).map("".join), st.sampled_from(["utf-8", "cp1252"]),
       st.sampled_from([None, "https://www.example.com/a"]))
def test_count_pass_counts_what_the_parse_gives(text, encoding, url):
    record = Record("site/page.txt", text.encode(encoding, "replace"), "text", url=url)
    assert RecurringLines().count_all([parse_for_counts(record)]).part() == counted_from_parse(record)


def test_records_the_parse_fails_on_are_not_counted():
    binary = Record("site/image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "text")
    broken = Record("site/gone.txt", None, "text", error="cannot read", error_reason="read-error")
    for record in (binary, broken):
        assert parse_record(record).outcome is not None
        assert parse_for_counts(record) is None


@pytest.mark.parametrize("kind", ["text", "html", "auto"])
@pytest.mark.parametrize("data", [b"<html><body><p>A page with a <a href='/x'>link</a>.</p></body></html>",
                                  b"Plain words on a line.\nAnother line.", b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
                                  "<p>wide</p>".encode("utf-16-le"), None])
def test_is_html_page_tells_what_parse_record_extracts(kind, data):
    """The counting pass and the warm-up decide by is_html_page, without parsing: it must say
    whether parse_record runs HTML extraction, for every declared kind and content."""
    record = Record("site/page", data, kind, error=None if data is not None else "cannot read")
    assert is_html_page(record) == ("extractor" in parse_record(record).metadata)


# Any text, with the characters where keying the words instead of the line could differ: every
# kind of whitespace, digits of other scripts, casefolds that grow ('ß', 'ﬁ', 'İ'), a final sigma.
_KEY_TEXT = st.text(st.one_of(st.characters(), st.sampled_from(
    [" ", "\t", "\u00a0", "\u2003", "\u3000", "\x1c", "\x85", "\u2028", "1", "2", "\u0663", "\uff11", "\u00df", "\ufb01",
     "\u0130", "\u03a3", "A", "a"])), max_size=40)


@settings(max_examples=500, deadline=None)
@given(_KEY_TEXT, st.integers(0, 6))
def test_short_line_key_is_line_key_of_a_short_line(line, most):
    from cleaner.heuristics.lines import short_line_key

    assert short_line_key(line, most) == (line_key(line) if len(line.split()) <= most else None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_KEY_TEXT.filter(lambda s: "\n" not in s), min_size=1, max_size=3), max_size=6),
       st.lists(_KEY_TEXT, max_size=4))
def test_recurring_blocks_are_the_blocks_whose_every_line_recurs(blocks_lines, extra_keys):
    from cleaner.heuristics.blocks import Block
    from cleaner.heuristics.dump_body import recurring_blocks

    text, blocks = "", []
    for lines in blocks_lines:
        start = len(text)
        text += "\n".join(lines)
        blocks.append(Block(start, len(text), " ".join(lines), lines=len(lines)))
        text += "\n\n"
    # the keys of some of the lines, and keys of any text (of any number of words)
    recurring = frozenset([line_key(line) for lines in blocks_lines[::2] for line in lines] + extra_keys)
    expected = [all(line_key(line) in recurring for line in text[b.start:b.end].split("\n") if line.strip())
                for b in blocks] if recurring else [False] * len(blocks)
    assert recurring_blocks(text, blocks, recurring) == expected
