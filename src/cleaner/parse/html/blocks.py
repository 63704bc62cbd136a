"""A page as text blocks in reading order, and which blocks an extractor's text covers (its votes)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from lxml import etree

from cleaner import words


# --------------------------------------------------------------------------- page blocks

_BLOCK_TAGS = frozenset(
    ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "th", "br", "hr", "blockquote", "pre", "table", "ul", "ol", "dl", "dt", "dd", "section", "article", "header", "footer", "figure", "figcaption", "aside", "nav", "form", "address", "center", "main", "body", "caption", "fieldset", "legend", "details", "summary", "option"])
_SKIP_TAGS = frozenset(["script", "style", "noscript", "template", "head", "title", "select", "button", "svg", "math", "iframe", "object", "embed", "textarea", "input"])
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
WS = re.compile(r"\s+")
TOKEN = re.compile(r"\w+")


@dataclass(slots=True)
class Block:
    text: str
    tag: str  # the innermost block element ("p", "h1", "li", ...)
    heading: str | None  # "h1".."h6" if inside a heading element
    link_chars: int = 0  # characters of the text inside <a> elements
    hrefs: tuple[str, ...] = ()  # the targets of those links
    element: etree._Element | None = None  # the innermost block element holding the text
    frame: tuple | None = None  # that element's place among the page's block elements (``Frame``)


# A block element as the page was parsed (readability's fork moves elements afterwards):
# (tag, heading, element, the frame of the block element around it or None): the chain of
# containers from a block up to the body. A plain tuple: one is made for every block element.
FRAME_TAG, FRAME_ELEMENT, FRAME_PARENT = 0, 2, 3


def _hidden_elements(root: etree._Element) -> set[etree._Element]:
    """The elements under ``root`` (itself included) marked hidden, found by one XPath query
    instead of reading three attributes of every element from Python."""
    found = root.xpath('descendant-or-self::*[@hidden or @aria-hidden="true" or @style]')
    return {el for el in found if el.get("hidden") is not None or el.get("aria-hidden") == "true"
            or _HIDDEN_STYLE.search(el.get("style") or "")}


def page_blocks(tree: etree._Element) -> list[Block]:
    """The visible text of the page as blocks, in document order. (Recursive: ``parse_page``
    gives trees at most 255 levels deep, libxml2's limit without ``huge_tree``.)"""
    body = tree.find("body")
    root = body if body is not None else tree
    # lxml hands out the same Python object for a node while one is alive: the set holds them
    hidden = _hidden_elements(root)
    blocks: list[Block] = []
    buf: list[str] = []
    link_buf: list[str] = []  # the part of buf inside <a> elements
    href_buf: list[str] = []
    stack: list[tuple] = [("body", None, root, None)]
    in_link = 0

    skip, block_tags, headings = _SKIP_TAGS, _BLOCK_TAGS, _HEADINGS

    def add(text: str) -> None:
        # white space before a block's first text would be stripped anyway: left out, it lets
        # most block boundaries (between nested block elements) skip the flush
        if buf or not text.isspace():
            buf.append(text)
            if in_link:
                link_buf.append(text)

    def flush() -> None:
        # str.split() splits at the characters re's \s matches (str.isspace)
        text = " ".join("".join(buf).split())
        links = len(" ".join("".join(link_buf).split())) if link_buf else 0
        hrefs = tuple(href_buf)
        buf.clear()
        link_buf.clear()
        href_buf.clear()
        if text and TOKEN.search(text):
            frame = stack[-1]
            tag, heading, element, _ = frame
            blocks.append(Block(text, tag, heading, min(links, len(text)), hrefs, element, frame))

    def walk(el: etree._Element) -> None:
        nonlocal in_link
        tag = el.tag
        if tag.__class__ is not str or tag in skip or el in hidden:
            if el.tail:
                add(el.tail)
            return
        is_block = tag in block_tags
        if is_block:
            if buf:
                flush()
            href_buf.clear()  # links without text (images) before the block's first text
            parent = stack[-1]
            stack.append((tag, tag if tag in headings else parent[1], el, parent))
        is_link = tag == "a"
        if is_link:
            in_link += 1
            href = el.get("href")
            if href:
                href_buf.append(href)
        if el.text:
            add(el.text)
        for child in el:
            walk(child)
        if is_link:
            in_link -= 1
        if is_block:
            if buf:
                flush()
            stack.pop()
        if el.tail:
            add(el.tail)

    walk(root)
    flush()
    return blocks


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; in Chinese and Japanese a character each (``words.tokens``)."""
    return words.tokens(text)


def _shingles(tokens: list[str]) -> list[tuple[str, ...]]:
    return list(zip(tokens, tokens[1:], tokens[2:], tokens[3:]))


class PageWords:
    """The tokens of each block of a page and the 4-word shingles of each long one (4+ words),
    made once a page for every extractor's vote."""

    __slots__ = ("tokens", "shingles", "long_blocks")

    def __init__(self, blocks: list[Block]):
        self.tokens = [tokenize(b.text) for b in blocks]
        self.shingles = [_shingles(toks) if len(toks) >= 4 else [] for toks in self.tokens]
        self.long_blocks = [i for i, toks in enumerate(self.tokens) if len(toks) >= 4]


def block_votes(page: PageWords, text: str, coverage: float) -> list[bool]:
    """Which blocks ``text`` covers. Each shingle of ``text`` can be claimed by one block only,
    so a paragraph repeated on the page (teaser + article) is voted for as often as the
    extractor output has it. Short blocks (< 4 words: subheadings, table cells) count when
    they occur in the text and the nearest long block before or after them is voted for."""
    tokens = tokenize(text)
    available = Counter(_shingles(tokens))
    keys = available.keys()
    repeated = {s for s, n in available.items() if n > 1}
    claimed: set[tuple[str, ...]] = set()  # shingles of the text used up by voted blocks
    voted = [False] * len(page.tokens)
    for i in page.long_blocks:
        shingles = page.shingles[i]
        if keys.isdisjoint(shingles):  # in C, stops at the first shared shingle; most blocks share none
            continue
        wanted = Counter(shingles)
        shared = keys & wanted.keys()
        if len(wanted) == len(shingles) and repeated.isdisjoint(shared):
            # each shingle once in the block and in the text (most): set operations, in C
            live = shared - claimed
            if len(live) >= coverage * len(shingles):
                voted[i] = True
                claimed |= live
            continue
        left = {s: 0 if s in claimed else available[s] for s in shared}
        if sum(min(wanted[s], n) for s, n in left.items()) >= coverage * len(shingles):
            voted[i] = True
            for s, n in left.items():
                available[s] = n - min(wanted[s], n)
                if not available[s]:
                    claimed.add(s)
    joined = None

    def in_text(i: int) -> bool:
        nonlocal joined
        if joined is None:
            joined = " " + " ".join(tokens) + " "
        return (" " + " ".join(page.tokens[i]) + " ") in joined

    _vote_short_blocks(page, voted, in_text)
    return voted


def element_votes(page: PageWords, blocks: list[Block], inside: set) -> list[bool]:
    """Which blocks an extractor that kept the page's own elements chose: long blocks whose
    element is ``inside`` the elements it kept, short ones (as in ``block_votes``) when
    inside too and next to a chosen long block."""
    voted = [bool(page.shingles[i]) and blocks[i].element in inside for i in range(len(blocks))]
    _vote_short_blocks(page, voted, lambda i: blocks[i].element in inside)
    return voted


def _vote_short_blocks(page: PageWords, voted: list[bool], chosen) -> None:
    """Short blocks (< 4 words: subheadings, table cells) count when ``chosen(i)`` and the
    nearest long block before or after them is voted for."""
    long_blocks = page.long_blocks
    k = 0  # long_blocks[k] is the first long block after i
    for i, toks in enumerate(page.tokens):
        while k < len(long_blocks) and long_blocks[k] <= i:
            k += 1
        if 0 < len(toks) < 4:
            before = long_blocks[k - 1] if k > 0 else None
            after = long_blocks[k] if k < len(long_blocks) else None
            # the neighbours first: the search in the text is the costly test
            if (before is not None and voted[before]) or (after is not None and voted[after]):
                voted[i] = chosen(i)


# Reader-comment section headings: "Comments", "12 Comments", "Comments (3)", "3 Responses to
# “Post”", "One comment on “Post”", "Leave a Reply", and the same in other languages (the
# wording of WordPress's translations and of news sites). Kept narrow: a false match cuts the
# article.
_COMMENTS = ("comments?|responses?|replies"  # plurals alone: "Kommentar", "Commento" head opinion pieces
             "|(leser)?kommentare|commentaires|comentarios|coment[aá]rios|commenti|reacties|kommentarer|komentarze"
             "|yorumlar|комментарии|коментарі|σχόλια|التعليقات|تعليقات|评论|評論|留言|コメント|댓글")
_COUNTED_COMMENTS = ("kommentare?|commentaires?|comentarios?|coment[aá]rios?|comment[io]|reacties?|kommentar(er)?"
                     "|komentarz[ey]?|yorum|комментари[йяев]*|коментар[іів]*|σχόλια|تعليقات?|条评论|條評論")
_LEAVE_A_COMMENT = (
    r"(leave|post|add|write)\s+a\s+(comment|reply|response)"
    r"|(schreibe|hinterlasse)\s+einen\s+kommentar|kommentar\s+(schreiben|verfassen|hinterlassen)"
    r"|(laisser|laissez|ajouter|[ée]crire)\s+un\s+commentaire|laisser\s+une\s+r[ée]ponse"
    r"|(deja|dejar|escribe|escribir|a[ñn]adir)\s+(un\s+)?comentario|deja\s+una\s+respuesta"
    r"|(deixe|deixar)\s+(um\s+)?coment[aá]rio|deixe\s+uma\s+resposta"
    r"|(lascia|scrivi)\s+un\s+commento|lascia\s+una\s+risposta"
    r"|laat\s+een\s+reactie\s+achter|geef\s+een\s+reactie"
    r"|(dodaj|zostaw|napisz)\s+komentarz"
    r"|(оставить|оставьте|добавить|написать)\s+комментарий"
    r"|(发表|發表|写|寫)(评论|評論)|网友评论|網友評論|コメントを(書く|する)|أضف\s+تعليق[اً]*|اترك\s+تعليق[اً]*")
COMMENTS_HEADING = re.compile(
    rf"^((\d+|no|one)\s+)?(reader\s+)?({_COMMENTS})(\s*\(\d+\))?$|^\d+\s*({_COUNTED_COMMENTS})$"
    r"|^(\d+|no|one)\s+(comments?|responses?|replies|thoughts?)\s+(to|on)\s.*$"
    rf"|^({_LEAVE_A_COMMENT})$",
    re.IGNORECASE)


def comments_start(blocks: list[Block], keep: list[bool]) -> int | None:
    """Index of a reader-comments heading (h1-h6 only: a "12 comments" link near the byline
    is no boundary) that follows at least 30 words of kept text, if any."""
    seen_words = 0
    for i, block in enumerate(blocks):
        if seen_words >= 30 and block.heading and COMMENTS_HEADING.match(block.text.strip(" \t:.-–—|!")):
            return i
        if keep[i]:
            seen_words += words.count_words(block.text)
    return None
