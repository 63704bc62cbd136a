"""The link texts of a page, read from its markup without building a tree: what the count of
a site's recurring lines needs for HTML pages (``heuristics.recurring``), at a tenth of a
parse's cost.

A site's chrome that leaks into an extracted article is mostly links: related headlines,
"more on this" lists, menu and category entries, "read more" and newsletter links. Their
text is the same on every page of the site, and the same line in the extracted text as
here. Links inside scripts, styles and comments are not counted.
"""
from __future__ import annotations

import html
import re

from cleaner.parse.html.settings import HtmlConfig

__all__ = ["link_texts"]

_HIDDEN_START = re.compile(r"<(script|style)\b|<!--", re.IGNORECASE)
_HIDDEN_END = {"script": re.compile(r"</script\s*>", re.IGNORECASE), "style": re.compile(r"</style\s*>", re.IGNORECASE),
               None: re.compile(r"-->")}
# bounded repeats: an <a> that is never closed costs a bounded look ahead, not a scan to the end
_LINK = re.compile(r"<a\b[^>]{0,500}>(.{0,500}?)</a\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
MAX_CHARS = 200  # a longer link text is no headline nor menu entry
MAX_PAGE_CHARS = HtmlConfig().max_chars  # as much of the page as the extractor reads


def link_texts(page: str) -> list[str]:
    """The texts of the page's links (inner tags dropped, character references resolved,
    white space collapsed) that are at most ``MAX_CHARS`` long, in page order.

    >>> link_texts('<ul><li><a href="/a">Other &amp; <b>story</b></a></li></ul>'
    ...            '<script>s = "<a>no</a>";</script><p>Text <A HREF=/n>Sign up</A></p><a href="/x"> </a>'
    ...            '<!-- <a>no</a> --><a href="/y">Last</a><STYLE>a</STYLE><script><a>never closed</a>')
    ['Other & story', 'Sign up', 'Last']
    """
    texts = []
    for inner in _LINK.findall(_without_scripts(page[:MAX_PAGE_CHARS])):
        if "<" in inner:
            inner = _TAG.sub("", inner)
        if "&" in inner:
            inner = html.unescape(inner)
        text = " ".join(inner.split())
        if text and len(text) <= MAX_CHARS:
            texts.append(text)
    return texts


def _without_scripts(page: str) -> str:
    """The page without its scripts, styles and comments; one left open runs to the end of the
    page (as in a browser). Linear: each end is looked for once, from its start."""
    kept, pos = [], 0
    while (start := _HIDDEN_START.search(page, pos)) is not None:
        kept.append(page[pos:start.start()])
        end = _HIDDEN_END[start[1] and start[1].lower()].search(page, start.end())
        if end is None:
            return " ".join(kept)
        pos = end.end()
    kept.append(page[pos:])
    return " ".join(kept)
