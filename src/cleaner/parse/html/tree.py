"""Parsing a page into an lxml tree, tolerant of what lxml refuses."""
from __future__ import annotations

import logging
import re

import lxml.html
from lxml import etree


LOGGER = logging.getLogger(__name__)


# --------------------------------------------------------------------------- parsing

def _parser(huge_tree: bool = False) -> lxml.html.HTMLParser:
    # libxml2's HTML parser never loads a DTD nor expands external entities (it has no
    # resolve_entities option, unlike the XML parser); no_network makes the guard explicit.
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  collect_ids=False, default_doctype=False, huge_tree=huge_tree)
    # lxml.html's own class lookup is a Python method, called each time an element is touched
    # from Python: by trafilatura, readability and the block walk, over a million calls on the
    # 200 dev pages (~2 ms a page in trafilatura and the block walk). This one runs in C and
    # gives the same HtmlElement; only the form-field subclasses (``.value``, ``.fields``) are
    # lost, and no extractor uses them.
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


_PARSER = _parser()
# libxml2 stops reading a page at nesting depth 256 unless huge_tree is set (then 2048): only
# for the pages that reach it, as a second parse
_DEEP_PARSER = _parser(huge_tree=True)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


# Characters libxml2's HTML parser keeps in the tree but lxml refuses to set as text: the
# extractors that move text between elements (readability, jusText) then fail on the page.
# Form and line feeds are whitespace in HTML; the other C0 controls carry nothing.
_XML_INCOMPATIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# the same characters one by one: 29 substring searches run in C at memchr speed, ~6x faster
# than the class's scan by re over a page that holds none of them (almost every page)
_XML_INCOMPATIBLE_CHARS = tuple(chr(c) for c in (*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20)))


def _xml_compatible(html: str) -> str:
    """
    >>> _xml_compatible("a\\x0cb\\x01c")
    'a bc'
    """
    if not any(char in html for char in _XML_INCOMPATIBLE_CHARS):
        return html
    return _XML_INCOMPATIBLE.sub(lambda m: " " if m[0] in "\x0b\x0c" else "", html)


def parse_page(html: str) -> etree._Element | None:
    """The page's tree, or None when there is nothing to parse. Markup that swallows the rest
    of the page (``_unswallowed``) is dropped and the page parsed again."""
    html = _XML_DECL.sub("", _xml_compatible(html), count=1)  # lxml refuses str input with an encoding declaration
    if not html or html.isspace():  # (not a stripped copy of the page)
        return None
    tree = _parse_whole(html)
    if tree is None:
        return None
    repaired = _unswallowed(html, tree)
    if repaired is not None:
        tree = _parse_whole(repaired) if repaired.strip() else None
    return tree


def _parse_whole(html: str) -> etree._Element | None:
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as err:
        LOGGER.debug("HTML parse failed: %s", err)
        return None
    if _stopped_at_depth_limit(_PARSER):
        deep = _parse_past_depth_limit(html)
        return tree if deep is None else deep
    return tree


# --------------------------------------------------------------------------- past the depth limit

_MAX_DEPTH = 255  # libxml2's limit without huge_tree; the block walk recurses once per level
_SCOPE_TAGS = frozenset(["applet", "caption", "html", "table", "td", "th", "marquee", "object", "template",
                         "button"])


def _stopped_at_depth_limit(parser: lxml.html.HTMLParser) -> bool:
    """Whether libxml2 gave up reading at its depth limit (its last error: it stops there).
    Pages with an unclosed inline tag in every paragraph (``<p>..<span>..``) nest one level
    deeper per paragraph, and the article ends after ~127 paragraphs."""
    last = parser.error_log.last_error
    return last is not None and last.type_name == "ERR_RESOURCE_LIMIT" and "depth" in last.message


def _parse_past_depth_limit(html: str) -> etree._Element | None:
    """The whole page, read with huge_tree and paragraphs un-nested as a browser does; None
    when it still nests deeper than the limit (then the first ~255 levels are all there is)."""
    try:
        tree = lxml.html.document_fromstring(html, parser=_DEEP_PARSER)
    except (etree.ParserError, ValueError):
        return None
    for paragraph in list(tree.iter("p")):
        _close_outer_paragraph(paragraph)
    return tree if _depth(tree) <= _MAX_DEPTH else None


def _close_outer_paragraph(paragraph: etree._Element) -> None:
    """HTML's rule for a ``<p>`` start tag inside an open ``p`` (libxml2 nests it when an
    inline element is open between them): the outer paragraph ends there, so the paragraph
    and whatever follows it inside the outer one move after the outer one, in order."""
    moved, node = [paragraph], paragraph
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in _SCOPE_TAGS:
            return
        moved.extend(node.itersiblings())
        if parent.tag == "p":
            break
        node = parent
    outer = parent
    tail, outer.tail = outer.tail, None
    for element in reversed(moved):
        outer.addnext(element)
    if tail:
        moved[-1].tail = (moved[-1].tail or "") + tail


def _depth(tree: etree._Element) -> int:
    deepest, stack = 0, [(tree, 0)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


# --------------------------------------------------------------------------- markup that swallows the rest

# Elements whose content libxml2 reads as text up to their end tag, or to the end of the page
_RAW_TEXT_TAGS = frozenset(["script", "style", "title", "textarea", "xmp", "plaintext", "noembed", "noframes",
                            "iframe", "noscript"])
_MARKUP = re.compile(r"<(?:p|div|a|br|span|li|td|h[1-6]|article|section|/p|/div|/a|/li|/td|/body|/html)\b",
                     re.IGNORECASE)
_SWALLOWED_MIN_TAGS = 10  # the rest of a page, not a script's string of markup


def _unswallowed(html: str, tree: etree._Element) -> str | None:
    """The page without the start of an element or comment that swallowed the rest of it, or
    None when nothing did. A ``<script src=..>`` without its end tag, a ``<plaintext>`` that a
    script writes, an unclosed ``<!--``: libxml2 (like a browser) reads everything after it as
    the element's text or drops it as a comment, and the article is lost."""
    comment = html.rfind("<!--")
    if comment >= 0 and html.find("-->", comment) < 0 and _holds_markup(html, comment):
        return html[:comment] + html[comment + 4:]
    last = tree
    while len(last):
        last = last[-1]
    if last.tag not in _RAW_TEXT_TAGS or not last.text or not _holds_markup(last.text, 0):
        return None
    # the swallowed text runs to the end of the page (entities of title and textarea decoded:
    # it can be shorter than its source), so its start tag is the last one before it
    lowered = html.lower()
    start = lowered.rfind("<" + last.tag, 0, len(html) - len(last.text) + 1)
    end = html.find(">", start) + 1
    if start < 0 or not end or lowered.find("</" + last.tag, end) >= 0:
        return None  # closed: a script's own strings of markup
    return html[:start] + html[end:]


def _holds_markup(text: str, start: int) -> bool:
    found = 0
    for found, _ in enumerate(_MARKUP.finditer(text, start), 1):
        if found >= _SWALLOWED_MIN_TAGS:
            break
    return found >= _SWALLOWED_MIN_TAGS
