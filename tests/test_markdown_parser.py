"""The markdown parser's cheaper link helpers give markdown-it's own verdicts, and cleaning a
markdown dump gives the same result with them as with markdown-it's own helpers."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st
from markdown_it import MarkdownIt, helpers
from markdown_it.common.normalize_url import normalizeLink, validateLink

from cleaner import clean_text
from cleaner.config import Config
from cleaner.heuristics import markdown_blocks
from cleaner.heuristics.markdown_parser import link_destination, link_for_validation

# Targets whose validity turns on a detail: case, spaces and control characters before the scheme,
# a data: image or not, percent escapes and entities, non-ASCII letters that lower-case to ASCII
# ones or look like them, hosts mdurl rewrites (punycode, IPv6, a port), no scheme at all.
TRICKY_TARGETS = [
    "javascript:alert(1)", "JavaScript:alert(1)", " \t javascript:x", "\u00a0javascript:x", "\x1fjavascript:x",
    "java script:x", "javascript :x", "jav%61script:x", "javascript%3Ax", "vbscript:x", "VBSCRIPT:x", "file:///etc/passwd",
    "FILE://x", "data:text/html;base64,PHNjcmlwdD4=", "data:image/png;base64,iVBOR", "DATA:IMAGE/PNG;x",
    "data:image/svg+xml;x", "data:image/webp;x", "data: image/png;x", "data:image\\png;x", "data:,x",
    "javascr\u0130pt:x", "f\u0130le:x", "\u212afile:x", "j\u0430vascript:x", "javascript\uff1ax", "http://xn--x.org",
    "http://ex\u00e4mple.org/a b", "//javascript:x", "/javascript:x", "?javascript:x", "#javascript:x", "mailto:a@b.org",
    "http://[::1]:80/a", "http://user:pw@host:8080/p?q#f", "https://x.org/%zz%41", "&#106;avascript:x", "",
    "skype:name", "javascript", "javascript:", "data:", "http://a.b/javascript:x", "\ud800javascript:x",
]


@pytest.mark.parametrize("url", TRICKY_TARGETS)
def test_a_tricky_target_keeps_its_validity(url: str) -> None:
    assert validateLink(link_for_validation(url)) == validateLink(normalizeLink(url))


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from("javscriptJAVSCRIPTfledFLEDmg/;:. \t\n\x00\x1f\x7f%41#?@[]\u00a0\u0130\u212a\u00e4"),
               max_size=24))
@example("data:image/gif;")
def test_any_target_keeps_its_validity(url: str) -> None:
    assert validateLink(link_for_validation(url)) == validateLink(normalizeLink(url))


def _destination(result) -> tuple[bool, int, str]:
    return (result.ok, result.pos, result.str) if result.ok else (False, 0, "")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab/:<>()\\ \t\n\x01\x7f&;#x"), max_size=20), st.data())
@example("a(b)c d", None)
def test_a_destination_is_parsed_as_markdown_it_does(string: str, data) -> None:
    pos = data.draw(st.integers(0, len(string))) if data else 0
    maximum = data.draw(st.integers(pos, len(string))) if data else len(string)
    assert _destination(link_destination(string, pos, maximum)) == \
        _destination(helpers.parseLinkDestination(string, pos, maximum))


DUMP = """\
# [Harbour reopens after the storm](https://news.example.org/harbour-(2024)/story)

* [Home](/)
* [World](https://news.example.org/world "World news")
* [Sport](<https://news.example.org/a b>)

The harbour of Northport reopened on Monday morning after the storm that closed it for three
days, the port authority said in a statement published on its [web site](http://port.example.org/\\(notice\\)).
Fishing boats left at dawn, and the first ferry from the islands arrived shortly before noon with
[a full load](javascript:alert(1)) of passengers and [their cars](data:image/png;base64,iVBOR).

Engineers inspected the [breakwater](http://exämple.org/bréakwater) and the cranes over the weekend and found
no damage that would keep the ships away, according to the [report](file:///C:/report.pdf) and
[the mayor's office](https://city.example.org/?q=a&amp;b=c#top). Repairs to the pier will start next week.

![Pier](https://img.example.org/pier.jpg) <https://port.example.org/ships> <mailto:desk@example.org>

[ref]: https://news.example.org/ref "Reference"
"""


def _stock_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").disable("html_block")


def test_a_markdown_dump_has_the_blocks_of_markdown_its_own_link_helpers(monkeypatch) -> None:
    ours = markdown_blocks.markdown_blocks(DUMP, syntax=True)
    assert sum(b.links for b in ours) == 10  # the javascript: and file: targets are no links (a data: image is)
    monkeypatch.setattr(markdown_blocks, "parser", _stock_parser)
    assert markdown_blocks.markdown_blocks(DUMP, syntax=True) == ours


def test_a_markdown_dump_is_cleaned_as_with_markdown_its_own_link_helpers(monkeypatch) -> None:
    ours = [clean_text(DUMP, config=Config(profile=profile)) for profile in ("exact", "fast")]
    assert ours[0].document.source.style == "markdown"
    assert "harbour of Northport reopened" in ours[0].text
    monkeypatch.setattr(markdown_blocks, "parser", _stock_parser)
    stock = [clean_text(DUMP, config=Config(profile=profile)) for profile in ("exact", "fast")]
    for a, b in zip(ours, stock):
        assert (a.text, a.title, a.removed) == (b.text, b.title, b.removed)
