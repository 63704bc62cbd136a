"""Text of a page that is not the article's, told by characters and link markup, not by the
words of one language: source code that leaked out of broken markup, and islands of links to
the site's own pages (related headlines, "more on this" lists) among or after the article.

A page whose ``<script>`` or ``<style>`` markup is broken (an unescaped ``</script>`` inside a
string, an unclosed tag) shows its source as text, and an extractor may take it for the
article: the rules then strip it and the page comes out empty, or it is kept as the text.
Prose in any language has few of ``{ } ; = [ ]`` and ``":``; code has about one per word.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from cleaner import words

__all__ = ["code_share", "drop_leaked_code", "link_islands", "links_within", "looks_like_code", "page_site"]

_CODE_MARKS = re.compile(r'[{};=\[\]]|":|\$\(|=>|&&|\|\|')
_WORD = re.compile(r"\w+")
# Of the 12,780 paragraphs (10+ words) of dragnet-dev and -train's gold, 99.9% have under 0.16
# and 4 reach 0.25 (a shell command, bracketed link lists); see docs/html.md
CODE_MARKS_PER_WORD = 0.25
LEAK_MIN_CHARS = 200  # a leaked script is long; a short code-like phrase in a paragraph stays
ISLAND_LINK_SHARE = 0.8  # a block at least this much link text points elsewhere
ISLAND_MAX_WORDS = 20  # ... when it is this short (a headline, not a paragraph that cites a source)


def looks_like_code(text: str) -> bool:
    """Whether a block of text reads as program source or data (JS, CSS, JSON).

    >>> looks_like_code('var cfg = {"a": [1, 2]}; function f(x) { return x; }')
    True
    >>> looks_like_code("Il a dit : « Nous reprendrons les travaux ; rien n'est perdu » (lundi).")
    False
    >>> looks_like_code("市议会投票决定，将旧车库改建为图书馆[1]，结束了持续十年的争论[2]。")
    False
    """
    marks = len(_CODE_MARKS.findall(text))
    if not marks:  # prose mostly: no need to count its words
        return False
    n_words = len(words.tokens(text))  # a Han or kana character a word: a CJK clause is no one word
    return n_words > 0 and marks >= CODE_MARKS_PER_WORD * n_words


# Text nodes of the page outside elements whose text is code or data by design
_LONG_TEXT = ("//text()[string-length() >= $n and not(ancestor::pre or ancestor::code or ancestor::script"
              " or ancestor::style or ancestor::textarea or ancestor::template or ancestor::noscript)]")


def drop_leaked_code(tree) -> int:
    """Blank the long text nodes of an lxml page tree that read as code (``looks_like_code``):
    script source that broken markup let out into the page, which every extractor would
    otherwise weigh as text. Code inside ``<pre>`` or ``<code>`` is content and stays.
    Returns how many were blanked."""
    dropped = 0
    for text in tree.xpath(_LONG_TEXT, n=LEAK_MIN_CHARS):
        if looks_like_code(text):
            parent = text.getparent()
            if text.is_tail:
                parent.tail = None
            else:
                parent.text = None
            dropped += 1
    return dropped


def code_share(paragraphs: list[str]) -> float:
    """The share of the characters of ``paragraphs`` that are in code-like ones.

    >>> round(code_share(["function f(a) { return a; }", "A sentence of ordinary prose, long enough."]), 2)
    0.39
    """
    total = sum(len(p) for p in paragraphs)
    return sum(len(p) for p in paragraphs if looks_like_code(p)) / total if total else 0.0


def link_islands(texts: list[str], link_chars: list[int], keep: list[bool], internal: list[bool]) -> list[int]:
    """Indices of kept blocks that are link islands: two or more kept blocks in a row (page
    order, nothing kept between them) that are each short, almost all link text and link to
    the site's own pages (``internal``), or one such block after the last kept paragraph.
    They are headlines of the site's other pages. (A list of links to other sites is the
    article's: the sources of a link round-up, the shops of a product list.)

    >>> link_islands(["A long paragraph of the article.", "Other story", "Another story", "More text."],
    ...              [0, 11, 13, 0], [True, True, True, True], [False, True, True, False])
    [1, 2]
    >>> link_islands(["A long paragraph of the article.", "Other site", "Another site", "More text."],
    ...              [0, 10, 12, 0], [True, True, True, True], [False, False, False, False])
    []
    """
    def is_link(i: int) -> bool:
        text = texts[i]
        return internal[i] and link_chars[i] >= ISLAND_LINK_SHARE * len(text) \
            and len(_WORD.findall(text)) <= ISLAND_MAX_WORDS

    kept = [i for i, k in enumerate(keep) if k]
    islands: list[int] = []
    run: list[int] = []
    for i in kept + [None]:
        if i is not None and is_link(i):
            run.append(i)
            continue
        if len(run) >= 2 or (run and i is None and len(run) < len(kept)):
            islands.extend(run)
        run = []
    return islands


def _site(host: str | None) -> str | None:
    """The part of a host name that names the site: its last two labels, or three under a
    country's second level (``news.bbc.co.uk`` -> ``bbc.co.uk``)."""
    if not host:
        return None
    labels = host.lower().rstrip(".").split(".")
    n = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else 2
    return ".".join(labels[-n:])


def _host(href: str) -> str | None:
    try:
        return urlsplit(href.strip()).hostname
    except ValueError:  # a malformed href ("http://[bad")
        return ""


def page_site(url: str | None) -> str | None:
    """The site of the page's URL (the record's, else its canonical or og:url), or None: then
    only relative links are known to stay on the site.

    >>> page_site("https://www.example.co.uk/a"), page_site(None)
    ('example.co.uk', None)
    """
    return _site(_host(url or ""))


def links_within(href: str, site: str | None, url: str | None = None) -> bool:
    """Whether a link leads to another page of ``site``: relative links do; anchors into this
    page (``url``; a table of contents), mail and script links do not.

    >>> links_within("/story/2", None), links_within("https://news.example.com/x", "example.com")
    (True, True)
    >>> links_within("https://shop.other.org/item", "example.com"), links_within("#section-2", "example.com")
    (False, False)
    >>> links_within("https://example.com/post#q3", "example.com", url="https://www.example.com/post")
    False
    """
    href = href.strip()
    if href.lower().startswith(("#", "mailto:", "javascript:", "tel:")) or _same_page(href, url):
        return False
    host = _host(href)
    if host is None:  # relative
        return True
    return bool(host) and _site(host) == site


def _same_page(href: str, url: str | None) -> bool:
    """An anchor into the page at ``url``, written as a full link."""
    if not url or "#" not in href:
        return False
    try:
        link, page = urlsplit(href), urlsplit(url)
    except ValueError:
        return False
    return (_site(link.hostname), link.path.rstrip("/")) == (_site(page.hostname), page.path.rstrip("/"))
