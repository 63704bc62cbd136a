"""Choosing a page's title: headings, <title> and og:title, without the site name."""
from __future__ import annotations

import re

from lxml import etree

from cleaner.parse.html.blocks import Block, COMMENTS_HEADING, WS, tokenize


# --------------------------------------------------------------------------- title

_APOSTROPHES = re.compile(r"['’`´]")


def normalised(text: str | None) -> str:
    """Lower-cased words only, apostrophes dropped: for comparing titles and headings."""
    return " ".join(tokenize(_APOSTROPHES.sub("", text or "")))


# spaced, or written without spaces: a bar, guillemets and bullets anywhere; in Chinese and
# Japanese titles also the full-width bar, an underscore and dashes ("标题｜网站", "标题_网站",
# "标题——网站"). A part is dropped only when it is the site's name.
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»«•·~/]+\s+|\s*[|｜»«•·]\s*|:\s+|[_＿]|—+|－+")
_HEADLINE_TAGS = ("h1", "h2", "h3")


def titles_of_page(tree: etree._Element) -> list[str]:
    """What the page itself says its title is: og:title, <title>, twitter:title."""
    return [t for t in (meta_content(tree, "og:title"), _text_of(tree.find(".//title")),
                        meta_content(tree, "twitter:title")) if t]


def pick_title(blocks: list[Block], keep: list[bool], page_titles: list[str],
                meta_title: str | None, site_name: str | None) -> str | None:
    """The headline.

    1. The h1-h3 that covers most of a page title (titles add the site name: "Post | Site",
       and blogs also put the site name in an h1, which covers less of it), with a small
       penalty for distance from the kept text (the headline sits next to the article);
       when another h1-h3 is also a whole part of the title, the nearer one (``_post_part``).
    2. The page title with site-name parts removed, then trafilatura's title; an h1-h3 at the
       start of, or just before, the kept text that restates it (``_restates``) is preferred:
       the page shows the article under that wording.
    3. An h1-h3 at the start of, or just before, the kept text.
    """
    site = normalised(site_name)
    titles = [normalised(t) for t in page_titles]
    first = next((i for i, k in enumerate(keep) if k), len(blocks))
    best: tuple[float, int, str] | None = None
    for i, block in enumerate(blocks):
        if block.heading not in _HEADLINE_TAGS or COMMENTS_HEADING.match(block.text):
            continue
        n = normalised(block.text)
        if len(n) < 8 or n == site:
            continue
        coverage = max((len(n) / len(t) for t in titles if n in t), default=0.0)
        if coverage:
            rank = (coverage - 0.02 * min(abs(i - first), 25), -abs(i - first), block.text)
            best = max(best, rank) if best else rank
    if best:
        return _post_part(blocks, first, page_titles, best[2])
    near = [blocks[i].text for i in list(range(first, min(first + 2, len(blocks))))
            + list(range(first - 1, max(-1, first - 6), -1))
            if blocks[i].heading in _HEADLINE_TAGS and len(tokenize(blocks[i].text)) >= 2
            and normalised(blocks[i].text) != site]
    for title in page_titles + ([meta_title] if meta_title else []):
        stripped = _strip_site_name(title, site)
        if stripped and len(tokenize(stripped)) >= 2:
            return next((heading for heading in near if _restates(heading, stripped)), stripped)
    return near[0] if near else meta_title or (page_titles[0] if page_titles else None)


def _post_part(blocks: list[Block], first: int, page_titles: list[str], chosen: str) -> str:
    """``chosen`` or, when it and another h1-h3 are each a whole part of one page title ("Blog
    Name: Post title", the blog's name in the site header's h1, the post's title over the
    post), the one of them nearest the kept text (from ``first``; the later one on a tie). A
    long site name covers more of the title than a short post title: coverage alone took the
    site's name."""
    parts = [{normalised(p) for p in _TITLE_SEPARATORS.split(t) if p.strip()} for t in page_titles]
    parts = [ps for ps in parts if len(ps) > 1]
    whole = [(abs(i - first), -i, block.text) for i, block in enumerate(blocks)
             if block.heading in _HEADLINE_TAGS and any(normalised(block.text) in ps for ps in parts)
             and not COMMENTS_HEADING.match(block.text)]
    if chosen not in [text for *_, text in whole] or len({normalised(text) for *_, text in whole}) < 2:
        return chosen
    return min(whole)[2]


def _restates(heading: str, title: str) -> bool:
    """Whether ``heading`` holds at least half of the words of ``title`` (of its longest part,
    when a site name the page does not declare is still in it): the page's headline worded for
    the page ("U.S. Pledges More Funding To Fight AIDS World-Wide" for the title "U.S. Pledges
    More Funds to Fight AIDS"), not a section's name or a byline."""
    title_words = set(tokenize(max(_TITLE_SEPARATORS.split(title), key=len)))
    return len(title_words & set(tokenize(heading))) >= 0.5 * len(title_words)


def _strip_site_name(title: str, site: str) -> str | None:
    """"Post title | Site" -> "Post title" when a part is the site name; else the title."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p and p.strip()]
    if len(parts) > 1:
        rest = [p for p in parts if normalised(p) != site and not (site and normalised(p) in site)]
        if rest and len(rest) < len(parts):
            return max(rest, key=len)
    return title if normalised(title) != site else None


def _text_of(el) -> str | None:
    if el is None:
        return None
    return WS.sub(" ", el.text_content()).strip() or None


def meta_content(tree: etree._Element, prop: str) -> str | None:
    for el in tree.iterfind(".//meta"):
        if el.get("property") == prop or el.get("name") == prop:
            content = (el.get("content") or "").strip()
            if content:
                return WS.sub(" ", content)
    return None
