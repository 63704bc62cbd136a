"""The CommonMark parser of markdown dumps (markdown-it-py), with two cheaper link helpers.

cleaner reads the parser's tokens, never the link targets it stores (``href``), so two costs of
a parse do no work for it; each is replaced by a function giving the same tokens:

- ``normalizeLink`` (mdurl's parse, punycode and percent-encoding of every target, a fifth of a
  parse) feeds only ``validateLink``, which decides whether a link is a link (a ``javascript:``
  target makes it text): :func:`link_for_validation` gives a string of the same validity.
- ``parseLinkDestination`` reads a target a character at a time: :func:`link_destination` takes a
  target without parentheses or backslashes (nearly all of them) in one regex match.

``tests/test_markdown_parser.py`` checks both against markdown-it's own on hard cases.
"""
from __future__ import annotations

import re
from functools import lru_cache
from types import SimpleNamespace

from markdown_it import MarkdownIt, helpers
from markdown_it.common.normalize_url import BAD_PROTO_RE, normalizeLink
from markdown_it.common.utils import unescapeAll


def link_for_validation(url: str) -> str:
    """A string whose ``validateLink`` verdict is that of ``normalizeLink(url)``: ``url`` itself
    when it is ASCII and does not start with a scheme markdown-it refuses. Then ``validateLink``
    accepts it, and its normal form too: mdurl keeps the scheme as written and only replaces
    characters by ``%XX`` escapes, so the normal form starts with no refused scheme either. Any
    other target (non-ASCII, ``javascript:``, ``data:``) is normalised as markdown-it does.

    >>> link_for_validation("https://example.org/a b")
    'https://example.org/a b'
    >>> link_for_validation(" JavaScript:alert(1)")
    'JavaScript:alert(1)'
    """
    if url.isascii() and not BAD_PROTO_RE.search(url.strip().lower()):
        return url
    return normalizeLink(url)


class _Destination:
    """A parsed link target, as markdown-it's rules read it."""

    __slots__ = ("ok", "pos", "str")

    def __init__(self, ok: bool, pos: int, string: str) -> None:
        self.ok, self.pos, self.str = ok, pos, string


# The characters markdown-it's destination loop steps over one at a time: not a space, control
# character, parenthesis or backslash.
_PLAIN_DESTINATION = re.compile(r"[^\x00-\x20\x7f()\\]+")


def link_destination(string: str, pos: int, maximum: int):
    """``helpers.parseLinkDestination``: a target not in ``<...>`` that ends before any
    parenthesis or backslash (at a space, a control character, a ``)`` or ``maximum``) is
    matched at once; any other is left to markdown-it's loop.

    >>> d = link_destination("[a](https://x.org/a?b=1 'title')", 4, 32)
    >>> d.ok, d.pos, d.str
    (True, 23, 'https://x.org/a?b=1')
    """
    if pos < maximum and string[pos] != "<":
        match = _PLAIN_DESTINATION.match(string, pos, maximum)
        if match:
            end = match.end()
            if end >= maximum or end >= len(string) or string[end] not in "(\\":
                return _Destination(True, end, unescapeAll(string[pos:end]))
    return helpers.parseLinkDestination(string, pos, maximum)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with tables, without raw HTML blocks: in a dump, '<!--' or '<script' is page text
    the tool let through, and as an HTML block it would run to its end marker, often the end of
    the dump, taking the article along."""
    md = MarkdownIt("commonmark").enable("table").disable("html_block")
    md.normalizeLink = link_for_validation
    md.helpers = SimpleNamespace(parseLinkDestination=link_destination, parseLinkLabel=helpers.parseLinkLabel,
                                 parseLinkTitle=helpers.parseLinkTitle)
    return md
