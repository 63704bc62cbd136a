"""Parsing a page into an lxml tree, tolerant of what lxml refuses."""
from __future__ import annotations

import logging
import re

import lxml.html
from lxml import etree


LOGGER = logging.getLogger(__name__)


# --------------------------------------------------------------------------- parsing

def _parser() -> lxml.html.HTMLParser:
    # libxml2's HTML parser never loads a DTD nor expands external entities (it has no
    # resolve_entities option, unlike the XML parser); no_network makes the guard explicit.
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                  collect_ids=False, default_doctype=False)
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
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


# Characters libxml2's HTML parser keeps in the tree but lxml refuses to set as text: the
# extractors that move text between elements (readability, jusText) then fail on the page.
# Form and line feeds are whitespace in HTML; the other C0 controls carry nothing.
_XML_INCOMPATIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_compatible(html: str) -> str:
    """
    >>> _xml_compatible("a\\x0cb\\x01c")
    'a bc'
    """
    if not _XML_INCOMPATIBLE.search(html):
        return html
    return _XML_INCOMPATIBLE.sub(lambda m: " " if m[0] in "\x0b\x0c" else "", html)


def parse_page(html: str) -> etree._Element | None:
    html = _XML_DECL.sub("", _xml_compatible(html), count=1)  # lxml refuses str input with an encoding declaration
    if not html.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as err:
        LOGGER.debug("HTML parse failed: %s", err)
        return None
    return tree
