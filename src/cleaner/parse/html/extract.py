"""HTML main-text extraction: trafilatura first, readability-lxml as a second opinion,
jusText as the fallback; the blocks both extractors vote for are the text.

How one page goes through it, and why a vote: docs/design.md (HTML extraction).
"""
from __future__ import annotations

import re

from lxml import etree

from cleaner.parse.decode import decode_html
from cleaner.parse.html import external
from cleaner.parse.html.blocks import (Block, PageWords, TOKEN, WS, block_votes, comments_start, element_votes,
                                        page_blocks)
from cleaner.parse.html.junk import (code_share, drop_leaked_code, link_islands, links_within, looks_like_code,
                                     page_site)
from cleaner.parse.html.settings import Extraction, HtmlConfig
from cleaner.parse.html.titles import meta_content, normalised, pick_title, titles_of_page
from cleaner.parse.html.tree import parse_page
from cleaner.parse.html.twins import PROSE_WORDS, is_prose, twin_blocks


__all__ = ["Extraction", "HtmlConfig", "decode_html", "extract_html"]


_HEADLINES = frozenset(["h1", "h2", "h3"])
LIST_MIN_LINES = 3  # short lines in a row after the text: a list, not a label ("Like:", "Bookmarks")
_BINARY_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
# what ``tree.iter()`` yields (elements, comments, processing instructions), counted in C
_NODES = etree.XPath("count(descendant-or-self::*|descendant::comment()|descendant::processing-instruction())")


def _looks_binary(text: str) -> bool:
    """Control characters or undecodable bytes in more than 5% of the start: not a web page."""
    head = text[:4096]
    return bool(head) and len(_BINARY_CHARS.findall(head)) > 0.05 * len(head)


def _cap(html: str, max_chars: int) -> str:
    if len(html) <= max_chars:
        return html
    cut = html.rfind("<", 0, max_chars)
    return html[: cut if cut > max_chars // 2 else max_chars]


# --------------------------------------------------------------------------- main entry

def extract_html(html: str | bytes, url: str | None = None, config: HtmlConfig = HtmlConfig(),
                 http_charset: str | None = None) -> Extraction:
    """Extract the main text, headline and metadata of one HTML page. Never raises on bad
    input: an empty or unparsable page gives an ``Extraction`` with empty text.
    ``http_charset`` is the transport's label (HTTP Content-Type) for decoding bytes."""
    external.check_dependencies(config.use_readability)
    decoded: dict[str, str] = {}
    if isinstance(html, bytes):
        html, decoded["encoding"] = decode_html(html, http_charset)
    if _looks_binary(html):
        return Extraction(None, "", decoded, "none")
    html = _cap(html, config.max_chars)
    tree = _parse(html)
    if tree is None:
        return Extraction(None, "", decoded, "none")

    n_elements = int(_NODES(tree))
    asks_readability = config.use_readability and n_elements <= config.max_elements

    problems: list[str] = []
    page_meta = external.trafilatura_metadata(tree, url, config, problems)
    metadata = external.metadata_of(page_meta) | decoded
    meta_title = (page_meta.title or None) if page_meta is not None else None
    traf_text = external.trafilatura_result(tree, url or (page_meta.url if page_meta is not None else None), config,
                                            readability_votes=asks_readability, problems=problems) or ""

    blocks = page_blocks(tree)
    words = PageWords(blocks)
    block_tokens = words.tokens
    page_titles, site_name = titles_of_page(tree), meta_content(tree, "og:site_name")
    traf_votes = block_votes(words, traf_text, config.block_coverage) if traf_text.strip() else None
    solid = _is_solid(block_tokens, traf_votes, config)
    skip_vote = asks_readability and solid and not config.vote_on_solid

    # readability's fork changes the tree it reads: it reads the page's own tree, after every
    # other use of it (a copy of the page saved), and the fallbacks after it parse the page again
    article = _Once(lambda: external.safe_run("readability", external.fork_article, tree, problems, None)
                    if asks_readability else None)
    fresh = _Once(lambda: _parse(html))
    readability_votes = None
    if asks_readability and not skip_vote and article() is not None:
        readability_votes = element_votes(words, blocks, set(article().iter()))
        if not any(readability_votes):  # it chose no block of the page: no opinion
            readability_votes = None

    keep, path = [False] * len(blocks), "none"
    if skip_vote:
        keep, path = list(traf_votes), "trafilatura-blocks"
    elif readability_votes is not None and traf_votes is not None:
        keep, path = _select_blocks(blocks, block_tokens, traf_votes, readability_votes, solid, page_titles,
                                    meta_title, site_name, config)
    elif readability_votes is not None:  # trafilatura found nothing
        keep, path = list(readability_votes), "readability-blocks"
    if path != "none":
        for i in twin_blocks(blocks, block_tokens, keep):
            keep[i] = True
        if config.drop_comments:
            cut = comments_start(blocks, keep)
            if cut is not None:
                keep[cut:] = [False] * (len(keep) - cut)
        _drop_repeats(block_tokens, keep)
        if config.drop_link_islands:
            _drop_link_islands(blocks, keep, url or metadata.get("url"))

    title = pick_title(blocks, keep, page_titles, meta_title, site_name)
    text, extractor = _join_kept(blocks, keep, title), path
    fallbacks = (("trafilatura", lambda: traf_text), ("readability", lambda: external.article_text(article())),
                 ("justext", lambda: external.safe_justext(fresh(), config, problems)),
                 ("readability-lxml", lambda: external.safe_run("readability-lxml", external.run_readability, fresh(),
                                                                 problems) if asks_readability else ""))
    for name, fallback in fallbacks:
        if not _is_junk(text, config):
            break
        candidate = _drop_headline(_paragraphs(fallback()), title)
        if _fallback_rank(candidate, config) > _fallback_rank(text, config):
            text, extractor = candidate, name
    return Extraction(title, text, metadata, extractor if text else "none", tuple(problems))


def _parse(html: str):
    """The page's tree with leaked script source blanked (``junk.drop_leaked_code``), or None."""
    tree = parse_page(html)
    if tree is not None:
        drop_leaked_code(tree)
    return tree


def _drop_link_islands(blocks: list[Block], keep: list[bool], url: str | None) -> None:
    site = page_site(url)
    # kept blocks only: a page has hundreds of links, the kept text a few
    internal = [k and bool(b.hrefs) and all(links_within(h, site, url) for h in b.hrefs) for b, k in zip(blocks, keep)]
    for i in link_islands([b.text for b in blocks], [b.link_chars for b in blocks], keep, internal):
        keep[i] = False


class _Once:
    """A value computed at the first call only: readability runs when the vote or the fallback
    needs it, once."""

    def __init__(self, compute):
        self.compute, self.done, self.value = compute, False, None

    def __call__(self):
        if not self.done:
            self.value, self.done = self.compute(), True
        return self.value


def _is_junk(text: str, config: HtmlConfig) -> bool:
    """Too short to be the article, or mostly code (leaked script or style source)."""
    return len(text) < config.min_text_chars or code_share(text.split("\n\n")) > config.max_code_share


def _fallback_rank(text: str, config: HtmlConfig) -> tuple[bool, bool, int]:
    """Order of the candidate texts: not junk, then not code (an empty text beats code: the
    page is rejected, not kept as code), then longer."""
    return not _is_junk(text, config), code_share(text.split("\n\n")) <= config.max_code_share, len(text)


def _select_blocks(blocks: list[Block], block_tokens: list[list[str]], traf_votes: list[bool],
                   readability_votes: list[bool], solid: bool, page_titles: list[str], meta_title: str | None,
                   site_name: str | None, config: HtmlConfig) -> tuple[list[bool], str]:
    """Which page blocks are main text, and which path decided it.

    * Both trafilatura and readability found text: the blocks both voted for mark the main
      text's span, from the first to the last (pulled back to the headline when it is just
      before, with its standfirst: ``_is_standfirst``). Inside the span, a block either of
      them voted for is kept (one catches the list or table the other dropped); outside it,
      nothing is (one of them strayed into a sidebar, a teaser list or the comments), but a
      list of short lines of trafilatura's right after it (``_closing_list``).
    * They agree on (almost) nothing: one of them took the wrong container. A solid text of
      trafilatura's (``_is_solid``: one long stretch of the page) is kept; otherwise the one
      whose blocks read more like prose (long blocks, few link characters).
    """
    agreed = [i for i, (t, r) in enumerate(zip(traf_votes, readability_votes)) if t and r]
    if sum(len(block_tokens[i]) for i in agreed) < config.core_min_words:
        if solid:
            return list(traf_votes), "trafilatura-blocks"
        if _prose_score(blocks, block_tokens, traf_votes) >= _prose_score(blocks, block_tokens, readability_votes):
            return list(traf_votes), "trafilatura-blocks"
        return list(readability_votes), "readability-blocks"
    first, last = agreed[0], agreed[-1]
    agreed_set = set(agreed)
    headline = normalised(pick_title(blocks, [i in agreed_set for i in range(len(blocks))], page_titles,
                                 meta_title, site_name))
    standfirst = None
    for i in range(first - 1, max(-1, first - 15), -1):
        if headline and normalised(blocks[i].text) == headline:
            first, standfirst = i, i + 1
            break
    keep = [first <= i <= last and (t or r) for i, (t, r) in enumerate(zip(traf_votes, readability_votes))]
    # readability leaves out a container of short lines after the text: the span ended before it
    for i in _closing_list(blocks, block_tokens, traf_votes, last):
        keep[i] = True
    # a headline kept between it and the text: the "headline" was the site's name, the line
    # under it the site's tagline
    if standfirst is not None and _is_standfirst(blocks[standfirst], block_tokens[standfirst]) \
            and not any(keep[i] and blocks[i].heading in _HEADLINES for i in range(standfirst + 1, agreed[0])):
        keep[standfirst] = True
    return keep, "vote:trafilatura+readability"


def _closing_list(blocks: list[Block], block_tokens: list[list[str]], traf_votes: list[bool], last: int) -> range:
    """The blocks of a list that ends the article: trafilatura's blocks right after the agreed
    span (its last block ``last``) that are short lines (under ``PROSE_WORDS`` words) without
    link text, when ``LIST_MIN_LINES`` or more follow in a row (a track list, the stops of a
    tour). readability scores paragraphs of 25+ characters only, so a container of short lines
    has no score and is left out of its article, and the span ended before it. Linked lines
    (related headlines, tags) and paragraphs there stay out: trafilatura alone is often wrong
    about them."""
    end = last + 1
    while end < len(blocks) and traf_votes[end] and not blocks[end].link_chars \
            and len(block_tokens[end]) < PROSE_WORDS:
        end += 1
    return range(last + 1, end) if end - last - 1 >= LIST_MIN_LINES else range(0)


def _is_standfirst(block: Block, tokens: list[str]) -> bool:
    """Whether the block right under the headline is its standfirst (the sentence that sums the
    story up, in the page's header beside the headline, where neither extractor looks): running
    text of 10+ words, under a fifth of it link text and under a fifth of its words numbers (a
    dateline, "Filed as News on November 6, 2012 11:56 am", is not one)."""
    return is_prose(block, tokens) and sum(t.isdigit() for t in tokens) < 0.2 * len(tokens)


def _is_solid(block_tokens: list[list[str]], votes: list[bool] | None, config: HtmlConfig) -> bool:
    """Whether the voted blocks hold at least ``solid_min_words`` words and the long blocks left
    out between the first and the last of them hold at most ``solid_max_gap`` of that.
    readability's vote mends pages where trafilatura found little (it took the wrong
    container) or a patchwork (sidebar items between article paragraphs); one long stretch is
    rarely the wrong container."""
    voted = [i for i, v in enumerate(votes or ()) if v]
    if not voted or config.solid_min_words is None:
        return False
    words = sum(len(block_tokens[i]) for i in voted)
    left_out = sum(len(toks) for i, toks in enumerate(block_tokens[voted[0]:voted[-1] + 1], voted[0])
                   if not votes[i] and len(toks) >= 4)
    return words >= config.solid_min_words and left_out <= config.solid_max_gap * words


def _prose_score(blocks: list[Block], block_tokens: list[list[str]], votes: list[bool]) -> float:
    chosen = [i for i, v in enumerate(votes) if v]
    chars = sum(len(blocks[i].text) for i in chosen)
    if not chars:
        return 0.0
    link_share = sum(blocks[i].link_chars for i in chosen) / chars
    prose = sum(len(blocks[i].text) - blocks[i].link_chars for i in chosen
                if len(block_tokens[i]) >= 10 and not looks_like_code(blocks[i].text))
    return prose * (1 - link_share)


def _drop_repeats(block_tokens: list[list[str]], keep: list[bool]) -> None:
    """Keep one copy of a repeated paragraph (pages that carry the article twice: print and
    screen versions, a teaser of the first paragraph...)."""
    seen: set[str] = set()
    for i, toks in enumerate(block_tokens):
        if keep[i] and len(toks) >= 5:
            key = " ".join(toks)
            if key in seen:
                keep[i] = False
            seen.add(key)


def _paragraphs(text: str) -> list[str]:
    return [p for p in (WS.sub(" ", line).strip() for line in text.splitlines()) if TOKEN.search(p)]


def _drop_headline(paragraphs: list[str], title: str | None) -> str:
    headline = normalised(title)
    return "\n\n".join(p for p in paragraphs if not headline or normalised(p) != headline)


def _join_kept(blocks: list[Block], keep: list[bool], title: str | None) -> str:
    return _drop_headline([b.text for b, k in zip(blocks, keep) if k], title)
