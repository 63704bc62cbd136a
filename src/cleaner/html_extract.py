"""HTML main-text extraction: trafilatura first, readability-lxml as a second opinion,
jusText as the fallback.

How one page goes through it:

1. ``decode_html`` turns raw bytes into text (BOM, strict UTF-8, ``<meta charset>``,
   charset detection, cp1252 as the last resort).
2. The page is capped (``max_chars``) and parsed once, with a parser that never touches the
   network; HTML parsing never expands external entities.
3. The page's metadata is read as trafilatura's ``extract_metadata`` reads it, at less than
   half its cost (``html_metadata``). trafilatura (``favor_precision``, ``deduplicate=False``,
   no comments) extracts the text, in ``fast`` mode: that skips trafilatura's internal
   readability/jusText comparison, which step 4 does better. Full mode is the retry when fast mode finds
   (almost) nothing, and the only mode when readability does not vote.
4. The page is cut into *blocks*: the visible text of each block-level element, in page
   order, hidden elements skipped. trafilatura's and readability's outputs vote for the
   blocks they cover (4-word shingles; each output shingle is used once, so a paragraph the
   page repeats is not voted twice). The blocks both voted for mark the main text's span;
   inside it, a block either voted for is kept (``_select_blocks``). Working on the page's
   own blocks makes extractors with different paragraph splits comparable and gives the
   text in page order. When trafilatura's blocks are *solid* (long, one stretch of the page:
   ``_is_solid``), readability is not asked and they are the text: on such pages the vote
   rarely changes anything, and readability costs about 40% of trafilatura's time.
5. Blocks from a reader-comments heading onwards are dropped, repeated paragraphs kept once,
   and the headline (``_pick_title``) goes to ``title``, not ``text``.
6. If that leaves too little text: trafilatura's own text; then jusText's good paragraphs
   (jusText with all its stoplists merged, as trafilatura does).

Why a vote: trafilatura and readability fail on *different* pages (trafilatura keeps a
sidebar table where readability is right, readability takes the wrong container where
trafilatura is right), and the blocks both agree on are almost always content.
"""
from __future__ import annotations

import codecs
import logging
import re
import time
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass, field
from functools import lru_cache

import lxml.html
from lxml import etree

__all__ = ["Extraction", "HtmlConfig", "decode_html", "extract_html"]

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HtmlConfig:
    """Tunables of the HTML extractor. Defaults are the ones measured on dragnet-dev."""

    max_chars: int = 1_000_000
    """Pages longer than this (decoded characters) are cut at a tag boundary before parsing:
    bounds parse and extraction time on huge pages."""
    max_elements: int = 30_000
    """Above this many elements only trafilatura runs (no readability vote)."""
    time_budget_s: float = 2.0
    """Soft per-page budget: optional stages are skipped once it is spent. The pipeline's
    hard timeout is the real guard (a single trafilatura call cannot be interrupted)."""
    favor_precision: bool = True
    """trafilatura's precision mode (measured better than balanced, alone and in the vote)."""
    use_readability: bool = True
    """Let readability-lxml vote where trafilatura's text is not solid (see ``solid_min_words``):
    the expensive part (~10 ms a page where it votes). Off, the text is trafilatura's own (full
    mode) and dragnet-dev F1 is 0.924 instead of 0.948."""
    solid_min_words: int | None = 100
    """readability is not asked when trafilatura's text is *solid*: it covers at least this many
    words of the page's blocks, and the long blocks it left out between its first and last hold
    under ``solid_max_gap`` of that (``_is_solid``). Then its blocks are the text. On dragnet-dev
    that is 157 of 200 pages: F1 0.9475 instead of 0.9488, and readability's time (~10 ms)
    saved on each. ``None``: readability always votes."""
    solid_max_gap: float = 0.1
    """See ``solid_min_words``."""
    core_min_words: int = 10
    """Below this many words of agreement the two picked different containers: choose one."""
    block_coverage: float = 0.5
    """Share of a block's 4-word shingles an extractor's output must contain to vote for it."""
    min_text_chars: int = 100
    """Below this the next path is tried (vote -> trafilatura's own text -> jusText)."""
    drop_comments: bool = True
    """Drop blocks from a reader-comments heading ("Comments", "12 Responses", ...) onwards."""
    extensive_date_search: bool = False
    """htmldate's extensive search: slower, and rarely finds a date the fast one misses."""
    justext_stoplist: str | None = None
    """jusText stoplist language ("English"); ``None`` = all languages merged."""

    def __post_init__(self) -> None:
        if self.max_chars < 1000 or self.max_elements < 100:
            raise ValueError("HtmlConfig: max_chars must be >= 1000 and max_elements >= 100")
        if not 0 < self.block_coverage <= 1:
            raise ValueError(f"HtmlConfig.block_coverage must be in (0, 1], got {self.block_coverage}")
        if self.solid_max_gap < 0 or (self.solid_min_words is not None and self.solid_min_words < 1):
            raise ValueError("HtmlConfig: solid_max_gap must be >= 0 and solid_min_words >= 1 (or None)")
        if self.core_min_words < 0 or self.min_text_chars < 0:
            raise ValueError("HtmlConfig: core_min_words and min_text_chars must be >= 0")


@dataclass(frozen=True, slots=True)
class Extraction:
    title: str | None
    text: str  # paragraphs separated by blank lines; the headline is in ``title``, not here
    # only keys that are known: trafilatura's (author, date, url, hostname, sitename, ...) and
    # "encoding" when the page came as bytes
    metadata: dict[str, str] = field(default_factory=dict)
    # "vote:trafilatura+readability", "trafilatura-blocks", "readability-blocks", "trafilatura",
    # "justext", "none"
    extractor: str = "none"
    # what went wrong in an extractor on this page ("readability: ValueError: ..."), the page's
    # text coming from the others; the pipeline records each as a warning of the document
    problems: tuple[str, ...] = ()


# --------------------------------------------------------------------------- decoding

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# WHATWG: these labels mean windows-1252 in browsers, and pages labelled so often use its extras.
_WINDOWS_1252_ALIASES = {"latin-1", "iso8859-1", "ascii", "cp819"}


def _lookup(label: bytes | str) -> str | None:
    try:
        name = codecs.lookup(label.decode("ascii") if isinstance(label, bytes) else label).name
    except (LookupError, UnicodeDecodeError):
        return None
    return "cp1252" if name in _WINDOWS_1252_ALIASES else name


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode raw page bytes; return ``(text, encoding used)``.

    Order: BOM; strict UTF-8 (valid multi-byte UTF-8 is almost never anything else, and
    pages and servers often lie in their labels); the HTTP Content-Type charset (as browsers,
    it beats the page's own label); the ``<meta charset>`` / http-equiv label;
    charset-normalizer's guess; cp1252 with replacement.

    >>> decode_html("café".encode("cp1252") + b'<meta charset="windows-1252">')[1]
    'cp1252'
    >>> decode_html("café".encode("utf-8"))
    ('café', 'utf-8')
    >>> decode_html("плохо".encode("koi8-r") + b'<meta charset="cp1251">', http_charset="KOI8-R")
    ('плохо<meta charset="cp1251">', 'koi8-r')
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(data[:16384])
    labels = [_lookup(http_charset) if http_charset else None, _lookup(match.group(1)) if match else None]
    for label in labels:
        if label and label not in ("utf-8", "utf-16-le", "utf-16-be", "utf-16"):
            try:
                return data.decode(label), label
            except (UnicodeDecodeError, LookupError):
                pass
    declared = next((label for label in labels if label), None)
    guessed = _detect(data)
    if guessed:
        try:
            return data.decode(guessed), guessed
        except (UnicodeDecodeError, LookupError):
            pass
    if declared and declared.startswith("utf-8"):  # declared UTF-8 with a few broken bytes
        return data.decode("utf-8", "replace"), "utf-8"
    return data.decode(declared or "cp1252", "replace"), declared or "cp1252"


def _detect(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # optional: without it the cp1252 fallback applies
        return None
    best = from_bytes(data[:200_000]).best()
    return _lookup(best.encoding) if best is not None else None


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


_BINARY_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")


def _looks_binary(text: str) -> bool:
    """Control characters or undecodable bytes in more than 5% of the start: not a web page."""
    head = text[:4096]
    return bool(head) and len(_BINARY_CHARS.findall(head)) > 0.05 * len(head)


def _cap(html: str, max_chars: int) -> str:
    if len(html) <= max_chars:
        return html
    cut = html.rfind("<", 0, max_chars)
    return html[: cut if cut > max_chars // 2 else max_chars]


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


def _parse(html: str) -> etree._Element | None:
    html = _XML_DECL.sub("", _xml_compatible(html), count=1)  # lxml refuses str input with an encoding declaration
    if not html.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as err:
        LOGGER.debug("HTML parse failed: %s", err)
        return None
    return tree


# --------------------------------------------------------------------------- page blocks

_BLOCK_TAGS = frozenset(
    ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "th", "br", "hr", "blockquote", "pre", "table", "ul", "ol", "dl", "dt", "dd", "section", "article", "header", "footer", "figure", "figcaption", "aside", "nav", "form", "address", "center", "main", "body", "caption", "fieldset", "legend", "details", "summary", "option"])
_SKIP_TAGS = frozenset(["script", "style", "noscript", "template", "head", "title", "select", "button", "svg", "math", "iframe", "object", "embed", "textarea", "input"])
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")


@dataclass(slots=True)
class _Block:
    text: str
    tag: str  # the innermost block element ("p", "h1", "li", ...)
    heading: str | None  # "h1".."h6" if inside a heading element
    link_chars: int = 0  # characters of the text inside <a> elements


def _hidden_elements(root: etree._Element) -> set[etree._Element]:
    """The elements under ``root`` (itself included) marked hidden, found by one XPath query
    instead of reading three attributes of every element from Python."""
    found = root.xpath('descendant-or-self::*[@hidden or @aria-hidden="true" or @style]')
    return {el for el in found if el.get("hidden") is not None or el.get("aria-hidden") == "true"
            or _HIDDEN_STYLE.search(el.get("style") or "")}


def _page_blocks(tree: etree._Element) -> list[_Block]:
    """The visible text of the page as blocks, in document order. (Recursive: libxml2 caps
    the tree depth at 256 unless ``huge_tree`` is set, which ``_PARSER`` does not.)"""
    body = tree.find("body")
    root = body if body is not None else tree
    # lxml hands out the same Python object for a node while one is alive: the set holds them
    hidden = _hidden_elements(root)
    blocks: list[_Block] = []
    buf: list[str] = []
    link_buf: list[str] = []  # the part of buf inside <a> elements
    stack: list[tuple[str, str | None]] = [("body", None)]
    in_link = 0

    def add(text: str) -> None:
        # white space before a block's first text would be stripped anyway: left out, it lets
        # most block boundaries (between nested block elements) skip the flush
        if buf or not text.isspace():
            buf.append(text)
            if in_link:
                link_buf.append(text)

    def flush() -> None:
        text = _WS.sub(" ", "".join(buf)).strip()
        links = len(_WS.sub(" ", "".join(link_buf)).strip()) if link_buf else 0
        buf.clear()
        link_buf.clear()
        if text and _TOKEN.search(text):
            tag, heading = stack[-1]
            blocks.append(_Block(text, tag, heading, min(links, len(text))))

    def walk(el: etree._Element) -> None:
        nonlocal in_link
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP_TAGS or el in hidden:
            if el.tail:
                add(el.tail)
            return
        is_block = tag in _BLOCK_TAGS
        if is_block:
            if buf:
                flush()
            stack.append((tag, tag if tag in _HEADINGS else stack[-1][1]))
        is_link = tag == "a"
        in_link += is_link
        if el.text:
            add(el.text)
        for child in el:
            walk(child)
        in_link -= is_link
        if is_block:
            if buf:
                flush()
            stack.pop()
        if el.tail:
            add(el.tail)

    walk(root)
    flush()
    return blocks


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _shingles(tokens: list[str]) -> list[tuple[str, ...]]:
    return list(zip(tokens, tokens[1:], tokens[2:], tokens[3:]))


def _votes(block_tokens: list[list[str]], text: str, coverage: float) -> list[bool]:
    """Which blocks ``text`` covers. Each shingle of ``text`` can be claimed by one block only,
    so a paragraph repeated on the page (teaser + article) is voted for as often as the
    extractor output has it. Short blocks (< 4 words: subheadings, table cells) count when
    they occur in the text and the nearest long block before or after them is voted for."""
    tokens = _tokens(text)
    available = Counter(_shingles(tokens))
    joined = " " + " ".join(tokens) + " "
    voted = [False] * len(block_tokens)
    for i, toks in enumerate(block_tokens):
        if len(toks) >= 4:
            shingles = _shingles(toks)
            shared = available.keys() & shingles  # in C; empty for most blocks (menus, footers)
            if not shared:
                continue
            wanted = Counter(shingles)
            hits = sum(min(wanted[s], available[s]) for s in shared)
            if hits >= coverage * (len(toks) - 3):
                voted[i] = True
                for s in shared:
                    available[s] -= min(wanted[s], available[s])
    long_blocks = [i for i, toks in enumerate(block_tokens) if len(toks) >= 4]
    k = 0  # long_blocks[k] is the first long block after i
    for i, toks in enumerate(block_tokens):
        while k < len(long_blocks) and long_blocks[k] <= i:
            k += 1
        if 0 < len(toks) < 4:
            before = long_blocks[k - 1] if k > 0 else None
            after = long_blocks[k] if k < len(long_blocks) else None
            # the neighbours first: the search in the text is the costly test
            if ((before is not None and voted[before]) or (after is not None and voted[after])) \
                    and (" " + " ".join(toks) + " ") in joined:
                voted[i] = True
    return voted


# Reader-comment section headings: "Comments", "12 Comments", "Comments (3)", "3 Responses to
# “Post”", "One comment on “Post”", "Leave a Reply". Kept narrow: a false match cuts the article.
_COMMENTS_HEADING = re.compile(
    r"^((\d+|no|one)\s+)?(reader\s+)?(comments?|responses?|replies)(\s*\(\d+\))?$"
    r"|^(\d+|no|one)\s+(comments?|responses?|replies|thoughts?)\s+(to|on)\s.*$"
    r"|^(leave|post|add|write)\s+a\s+(comment|reply|response)$",
    re.IGNORECASE)


def _comments_start(blocks: list[_Block], keep: list[bool]) -> int | None:
    """Index of a reader-comments heading (h1-h6 only: a "12 comments" link near the byline
    is no boundary) that follows at least 30 words of kept text, if any."""
    seen_words = 0
    for i, block in enumerate(blocks):
        if seen_words >= 30 and block.heading and _COMMENTS_HEADING.match(block.text.strip(" \t:.-–—|!")):
            return i
        if keep[i]:
            seen_words += len(block.text.split())
    return None


# --------------------------------------------------------------------------- extractors

_DEPENDENCIES = (("trafilatura", "trafilatura"), ("justext", "jusText"), ("lxml_html_clean", "lxml_html_clean"))


@lru_cache(maxsize=2)
def _check_dependencies(use_readability: bool) -> None:
    """Fail at the first page, with the install hint, instead of degrading page by page."""
    import importlib.util

    wanted = _DEPENDENCIES + ((("readability", "readability-lxml"),) if use_readability else ())
    missing = [dist for module, dist in wanted if importlib.util.find_spec(module) is None]
    if missing:
        raise ImportError(f"HTML extraction needs {', '.join(missing)}: pip install {' '.join(missing)}"
                          + (" (or set use_readability = false)" if "readability-lxml" in missing else ""))


def _run_trafilatura(tree: etree._Element, url: str | None, config: HtmlConfig, fast: bool = True):
    """trafilatura's text; the metadata comes from ``_trafilatura_metadata``, once a page even
    when fast mode is retried, and cheaper. (``url``: trafilatura uses the page's canonical
    url where it has none; only for links and images, which are not extracted here.)"""
    import trafilatura

    return trafilatura.bare_extraction(
        tree, url=url, fast=fast, favor_precision=config.favor_precision, include_comments=False,
        include_tables=True, deduplicate=False, with_metadata=False)


def _date_params(config: HtmlConfig) -> dict:
    return {"extensive_search": config.extensive_date_search, "original_date": True}


def _trafilatura(tree: etree._Element, url: str | None, config: HtmlConfig, readability_votes: bool,
                 problems: list[str]):
    """trafilatura's result, or None. Fast mode first when readability votes; when it finds
    (almost) nothing, or readability does not vote, the full mode, whose own readability/jusText
    comparison finds the text on some short pages."""
    result = None
    for fast in (True, False) if readability_votes else (False,):
        try:
            result = _run_trafilatura(tree, url, config, fast=fast)
        except Exception as err:  # noqa: BLE001 - trafilatura has raised on odd pages; jusText still runs
            problems.append(_problem("trafilatura", err))
            result = None
        if result is not None and len((result.text or "").strip()) >= config.min_text_chars:
            break
    return result


def _trafilatura_metadata(tree: etree._Element, url: str | None, config: HtmlConfig, problems: list[str]):
    """The page's metadata as trafilatura's ``extract_metadata`` gives it (a trafilatura
    ``Document``), or None; see ``html_metadata``."""
    from cleaner.html_metadata import page_metadata

    try:
        return page_metadata(tree, url, _date_params(config))
    except Exception as err:  # noqa: BLE001 - metadata is optional; the text is not lost
        problems.append(_problem("trafilatura metadata", err))
        return None


@lru_cache(maxsize=1)
def _readability_document() -> type:
    """readability-lxml's ``Document`` with a cheaper ``_parse``. Its own runs lxml_html_clean's
    Cleaner, which copies the whole page once more and visits every element, attribute and link
    from Python, for changes that do not reach the text: event-handler attributes, inline
    styles, ``javascript:`` links. Here the same elements (script, style, link) and attributes
    go in C; on the 200 dev pages readability's text is the same, in about two thirds of the
    time. ``_parse`` is private: after a readability-lxml upgrade, the test that compares this
    with ``Document`` must still pass."""
    from readability import Document
    from readability.readability import REGEXES

    # summary() logs its own traceback ("error getting summary") before it raises; the failure
    # is reported once, as a warning of the document (Extraction.problems), not on stderr
    logging.getLogger("readability.readability").addFilter(
        lambda record: not record.getMessage().startswith("error getting summary"))

    class LeanDocument(Document):
        def _parse(self, page):
            # summary() parses again for its second, lenient pass and changes the tree it gets:
            # each pass needs its own copy (and the page tree is the caller's)
            doc = deepcopy(page)
            self.encoding = "utf-8"
            for elem in doc.xpath("//*[@hidden]"):  # as Document._parse, from here ...
                elem.drop_tree()
            for elem in doc.xpath("//*[@style]"):
                if REGEXES["displayNoneRe"].search(elem.get("style")):
                    elem.drop_tree()
            for elem in doc.iter("image"):  # ... and as the Cleaner
                elem.tag = "img"
            etree.strip_elements(doc, "script", "style", "link", etree.Comment, etree.ProcessingInstruction,
                                 with_tail=False)
            handlers = {value.attrname for value in doc.xpath("//@*[starts-with(name(), 'on')]")}
            etree.strip_attributes(doc, "style", *handlers)
            doc.resolve_base_href(handle_failures=self.handle_failures)
            return doc

    return LeanDocument


def _run_readability(tree: etree._Element) -> str:
    """readability-lxml's main container, as text blocks. No url (link rewriting is costly
    and useless here) and no short_title() (it parses the page a second time)."""
    summary = _readability_document()(tree).summary(html_partial=True)
    summary_tree = _parse(summary)
    if summary_tree is None:
        return ""
    return "\n".join(b.text for b in _page_blocks(summary_tree))


@lru_cache(maxsize=4)
def _stoplist(language: str | None) -> frozenset[str]:
    import justext

    if language:
        return frozenset(justext.get_stoplist(language))
    # All languages merged: the words of the list trafilatura builds for its own jusText runs
    # (full mode), so that the 100 stoplist files are read once a process instead of twice
    # (~0.2 s). A frozenset, not trafilatura's tuple: jusText caches its lower-cased copy by
    # this object, and a frozenset keeps its hash where a tuple is hashed again at every page.
    from trafilatura import external

    shared = getattr(external, "JT_STOPLIST", None) or getattr(external, "jt_stoplist_init", lambda: None)()
    if shared:
        return frozenset(shared)
    return frozenset().union(*(justext.get_stoplist(lang) for lang in justext.get_stoplists()))


def _run_justext(tree: etree._Element, config: HtmlConfig) -> str:
    from justext.core import (
        ParagraphMaker,
        classify_paragraphs,
        preprocessor,
        revise_paragraph_classification,
    )

    dom = preprocessor(deepcopy(tree))
    paragraphs = ParagraphMaker.make_paragraphs(dom)
    classify_paragraphs(paragraphs, _stoplist(config.justext_stoplist))
    revise_paragraph_classification(paragraphs)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


_META_FIELDS = ("author", "date", "url", "hostname", "sitename", "description", "categories", "tags",
                "language", "image", "pagetype", "license")


def _metadata(doc) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in _META_FIELDS:
        value = getattr(doc, name, None) if doc is not None else None
        if isinstance(value, (list, tuple)):
            value = "; ".join(str(v) for v in value if v)
        if value:
            out[name] = str(value)
    return out


# --------------------------------------------------------------------------- title

_APOSTROPHES = re.compile(r"['’`´]")


def _norm(text: str | None) -> str:
    """Lower-cased words only, apostrophes dropped: for comparing titles and headings."""
    return " ".join(_tokens(_APOSTROPHES.sub("", text or "")))


_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»«•·~/]+\s+|\s*[|»«•·]\s*|:\s+")
_HEADLINE_TAGS = ("h1", "h2", "h3")


def _page_titles(tree: etree._Element) -> list[str]:
    """What the page itself says its title is: og:title, <title>, twitter:title."""
    return [t for t in (_meta_content(tree, "og:title"), _text_of(tree.find(".//title")),
                        _meta_content(tree, "twitter:title")) if t]


def _pick_title(blocks: list[_Block], keep: list[bool], page_titles: list[str],
                meta_title: str | None, site_name: str | None) -> str | None:
    """The headline.

    1. The h1-h3 that covers most of a page title (titles add the site name: "Post | Site",
       and blogs also put the site name in an h1, which covers less of it), with a small
       penalty for distance from the kept text (the headline sits next to the article).
    2. The page title with site-name parts removed, then trafilatura's title.
    3. An h1-h3 at the start of, or just before, the kept text.
    """
    site = _norm(site_name)
    titles = [_norm(t) for t in page_titles]
    first = next((i for i, k in enumerate(keep) if k), len(blocks))
    best: tuple[float, int, str] | None = None
    for i, block in enumerate(blocks):
        if block.heading not in _HEADLINE_TAGS or _COMMENTS_HEADING.match(block.text):
            continue
        n = _norm(block.text)
        if len(n) < 8 or n == site:
            continue
        coverage = max((len(n) / len(t) for t in titles if n in t), default=0.0)
        if coverage:
            rank = (coverage - 0.02 * min(abs(i - first), 25), -abs(i - first), block.text)
            best = max(best, rank) if best else rank
    if best:
        return best[2]
    for title in page_titles + ([meta_title] if meta_title else []):
        stripped = _strip_site_name(title, site)
        if stripped and len(_tokens(stripped)) >= 2:
            return stripped
    for i in list(range(first, min(first + 2, len(blocks)))) + list(range(first - 1, max(-1, first - 6), -1)):
        block = blocks[i]
        if block.heading in _HEADLINE_TAGS and len(_tokens(block.text)) >= 2 and _norm(block.text) != site:
            return block.text
    return meta_title or (page_titles[0] if page_titles else None)


def _strip_site_name(title: str, site: str) -> str | None:
    """"Post title | Site" -> "Post title" when a part is the site name; else the title."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p and p.strip()]
    if len(parts) > 1:
        rest = [p for p in parts if _norm(p) != site and not (site and _norm(p) in site)]
        if rest and len(rest) < len(parts):
            return max(rest, key=len)
    return title if _norm(title) != site else None


def _text_of(el) -> str | None:
    if el is None:
        return None
    return _WS.sub(" ", el.text_content()).strip() or None


def _meta_content(tree: etree._Element, prop: str) -> str | None:
    for el in tree.iterfind(".//meta"):
        if el.get("property") == prop or el.get("name") == prop:
            content = (el.get("content") or "").strip()
            if content:
                return _WS.sub(" ", content)
    return None


# --------------------------------------------------------------------------- main entry

def extract_html(html: str | bytes, url: str | None = None, config: HtmlConfig = HtmlConfig(),
                 http_charset: str | None = None) -> Extraction:
    """Extract the main text, headline and metadata of one HTML page. Never raises on bad
    input: an empty or unparsable page gives an ``Extraction`` with empty text.
    ``http_charset`` is the transport's label (HTTP Content-Type) for decoding bytes."""
    started = time.monotonic()
    _check_dependencies(config.use_readability)
    decoded: dict[str, str] = {}
    if isinstance(html, bytes):
        html, decoded["encoding"] = decode_html(html, http_charset)
    if _looks_binary(html):
        return Extraction(None, "", decoded, "none")
    tree = _parse(_cap(html, config.max_chars))
    if tree is None:
        return Extraction(None, "", decoded, "none")

    n_elements = sum(1 for _ in tree.iter())
    asks_readability = config.use_readability and n_elements <= config.max_elements

    problems: list[str] = []
    page_meta = _trafilatura_metadata(tree, url, config, problems)
    metadata = _metadata(page_meta) | decoded
    meta_title = (page_meta.title or None) if page_meta is not None else None
    traf = _trafilatura(tree, url or (page_meta.url if page_meta is not None else None), config,
                        readability_votes=asks_readability, problems=problems)
    traf_text = (traf.text or "") if traf is not None else ""

    blocks = _page_blocks(tree)
    block_tokens = [_tokens(b.text) for b in blocks]
    page_titles, site_name = _page_titles(tree), _meta_content(tree, "og:site_name")
    traf_votes = _votes(block_tokens, traf_text, config.block_coverage) if traf_text.strip() else None
    solid = asks_readability and _is_solid(block_tokens, traf_votes, config)

    readability_votes = None
    if asks_readability and not solid and time.monotonic() - started < config.time_budget_s:
        try:
            readability_text = _run_readability(tree)
            if readability_text.strip():
                readability_votes = _votes(block_tokens, readability_text, config.block_coverage)
        except Exception as err:  # noqa: BLE001 - readability is a second opinion: its failure is not the page's
            problems.append(_problem("readability", err))

    keep, path = [False] * len(blocks), "none"
    if solid:
        keep, path = list(traf_votes), "trafilatura-blocks"
    elif readability_votes is not None and traf_votes is not None:
        keep, path = _select_blocks(blocks, block_tokens, traf_votes, readability_votes, page_titles,
                                    meta_title, site_name, config)
    if path != "none":
        if config.drop_comments:
            cut = _comments_start(blocks, keep)
            if cut is not None:
                keep[cut:] = [False] * (len(keep) - cut)
        _drop_repeats(block_tokens, keep)

    title = _pick_title(blocks, keep, page_titles, meta_title, site_name)
    text, extractor = _join_kept(blocks, keep, title), path
    if len(text) < config.min_text_chars and len(traf_text.strip()) >= config.min_text_chars:
        text, extractor = _drop_headline(_paragraphs(traf_text), title), "trafilatura"
    if len(text) < config.min_text_chars:
        justext_text = _safe_justext(tree, config, problems)
        if len(justext_text.strip()) > len(text):
            text, extractor = _drop_headline(_paragraphs(justext_text), title), "justext"
    if not text and traf_text.strip():
        text, extractor = _drop_headline(_paragraphs(traf_text), title), "trafilatura"
    return Extraction(title, text, metadata, extractor if text else "none", tuple(problems))


def _select_blocks(blocks: list[_Block], block_tokens: list[list[str]], traf_votes: list[bool],
                   readability_votes: list[bool], page_titles: list[str], meta_title: str | None,
                   site_name: str | None, config: HtmlConfig) -> tuple[list[bool], str]:
    """Which page blocks are main text, and which path decided it.

    * Both trafilatura and readability found text: the blocks both voted for mark the main
      text's span, from the first to the last (pulled back to the headline when it is just
      before). Inside the span, a block either of them voted for is kept (one catches the
      list or table the other dropped); outside it, nothing is (one of them strayed into a
      sidebar, a teaser list or the comments).
    * They agree on (almost) nothing: one of them took the wrong container; keep the one
      whose blocks read more like prose (long blocks, few link characters).
    """
    agreed = [i for i, (t, r) in enumerate(zip(traf_votes, readability_votes)) if t and r]
    if sum(len(block_tokens[i]) for i in agreed) < config.core_min_words:
        if _prose_score(blocks, block_tokens, traf_votes) >= _prose_score(blocks, block_tokens, readability_votes):
            return list(traf_votes), "trafilatura-blocks"
        return list(readability_votes), "readability-blocks"
    first, last = agreed[0], agreed[-1]
    agreed_set = set(agreed)
    headline = _norm(_pick_title(blocks, [i in agreed_set for i in range(len(blocks))], page_titles,
                                 meta_title, site_name))
    for i in range(first - 1, max(-1, first - 15), -1):
        if headline and _norm(blocks[i].text) == headline:
            first = i
            break
    keep = [first <= i <= last and (t or r) for i, (t, r) in enumerate(zip(traf_votes, readability_votes))]
    return keep, "vote:trafilatura+readability"


def _is_solid(block_tokens: list[list[str]], votes: list[bool] | None, config: HtmlConfig) -> bool:
    """Whether the voted blocks hold at least ``solid_min_words`` words and the long blocks left
    out between the first and the last of them hold at most ``solid_max_gap`` of that.
    readability's vote changes pages where trafilatura found little (it took the wrong
    container) or a patchwork (sidebar items between article paragraphs), rarely one long
    stretch."""
    voted = [i for i, v in enumerate(votes or ()) if v]
    if not voted or config.solid_min_words is None:
        return False
    words = sum(len(block_tokens[i]) for i in voted)
    left_out = sum(len(toks) for i, toks in enumerate(block_tokens[voted[0]:voted[-1] + 1], voted[0])
                   if not votes[i] and len(toks) >= 4)
    return words >= config.solid_min_words and left_out <= config.solid_max_gap * words


def _prose_score(blocks: list[_Block], block_tokens: list[list[str]], votes: list[bool]) -> float:
    chosen = [i for i, v in enumerate(votes) if v]
    chars = sum(len(blocks[i].text) for i in chosen)
    if not chars:
        return 0.0
    link_share = sum(blocks[i].link_chars for i in chosen) / chars
    prose = sum(len(blocks[i].text) - blocks[i].link_chars for i in chosen if len(block_tokens[i]) >= 10)
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


def _safe_justext(tree: etree._Element, config: HtmlConfig, problems: list[str]) -> str:
    try:
        return _run_justext(tree, config)
    except Exception as err:  # noqa: BLE001 - the last fallback: an empty text, not a dead run
        problems.append(_problem("jusText", err))
        return ""


def _problem(extractor: str, err: Exception) -> str:
    LOGGER.debug("%s failed", extractor, exc_info=err)
    return f"{extractor}: {type(err).__name__}: {err}"


def _paragraphs(text: str) -> list[str]:
    return [p for p in (_WS.sub(" ", line).strip() for line in text.splitlines()) if _TOKEN.search(p)]


def _drop_headline(paragraphs: list[str], title: str | None) -> str:
    headline = _norm(title)
    return "\n\n".join(p for p in paragraphs if not headline or _norm(p) != headline)


def _join_kept(blocks: list[_Block], keep: list[bool], title: str | None) -> str:
    return _drop_headline([b.text for b, k in zip(blocks, keep) if k], title)
