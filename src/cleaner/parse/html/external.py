"""The external extractors (trafilatura, readability, jusText), called on the parsed tree."""
from __future__ import annotations

import logging
from copy import deepcopy
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable, TypeVar

from lxml import etree

from cleaner.parse.html.blocks import page_blocks
from cleaner.parse.html.settings import HtmlConfig
from cleaner.parse.html.trafilatura_text import fast_precise_text
from cleaner.parse.html.tree import parse_page


LOGGER = logging.getLogger(__name__)
T = TypeVar("T")


# --------------------------------------------------------------------------- extractors

_DEPENDENCIES = (("trafilatura", "trafilatura"), ("justext", "jusText"), ("lxml_html_clean", "lxml_html_clean"))


@lru_cache(maxsize=2)
def check_dependencies(use_readability: bool) -> None:
    """Fail at the first page, with the install hint, instead of degrading page by page."""
    import importlib.util

    wanted = _DEPENDENCIES + ((("readability", "readability-lxml"),) if use_readability else ())
    missing = [dist for module, dist in wanted if importlib.util.find_spec(module) is None]
    if missing:
        raise ImportError(f"HTML extraction needs {', '.join(missing)}: pip install {' '.join(missing)}"
                          + (" (or set use_readability = false)" if "readability-lxml" in missing else ""))


def _run_trafilatura(tree: etree._Element, url: str | None, config: HtmlConfig, fast: bool = True) -> str | None:
    """trafilatura's text, or None where it finds too little; the metadata comes from
    ``trafilatura_metadata``, once a page even when fast mode is retried, and cheaper. (``url``:
    trafilatura uses the page's canonical url where it has none; only for links and images,
    which are not extracted here.) Fast precision mode, the first try on every page, runs
    without trafilatura's copies of the page that only its other modes read
    (``trafilatura_text``)."""
    import trafilatura

    if fast and config.favor_precision:
        return fast_precise_text(tree, url, include_tables=True)
    merged_stoplist()  # the full mode hands short pages to jusText
    result = trafilatura.bare_extraction(
        tree, url=url, fast=fast, favor_precision=config.favor_precision, include_comments=False,
        include_tables=True, deduplicate=False, with_metadata=False)
    return None if result is None else result.text


def merged_stoplist() -> frozenset[str]:
    """The words of all jusText stoplists merged, as trafilatura builds them for its own jusText
    runs (full mode), made a frozenset in trafilatura's module before its first jusText run:
    trafilatura keeps them as a tuple (150,000 words), which jusText's cache of lower-cased
    stoplists hashes again at every page (~9 ms), and lower-cases once for the tuple and once
    more for a frozenset made from it afterwards (~55 ms). One frozenset object for trafilatura's
    runs and cleaner's own (``_stoplist``): lower-cased once a process, hashed once. Only the
    type of trafilatura's module global changes, not its words (docs/performance.md)."""
    from trafilatura import external as traf_external

    words = getattr(traf_external, "JT_STOPLIST", None)
    if words is None and hasattr(traf_external, "jt_stoplist_init"):
        words = _stoplist_words(traf_external.jt_stoplist_init)
    if words is None:  # a trafilatura without a merged list: the same words, merged here
        import justext

        return frozenset().union(*(justext.get_stoplist(lang) for lang in justext.get_stoplists()))
    if not isinstance(words, frozenset):
        words = frozenset(words)
    traf_external.JT_STOPLIST = words
    return words


def _stoplist_words(build: Callable[[], tuple[str, ...]]) -> frozenset[str]:
    """trafilatura's merged stoplist (``build``: reads and lower-cases jusText's 100 stoplist
    files, ~0.1 s a run), kept in the cache of derived data (``cleaner.derived``), named by the
    files' bytes and the versions of trafilatura and jusText: ~30 ms to read back."""
    import justext
    import trafilatura

    from cleaner import derived

    folder = Path(justext.__file__).parent / "stoplists"
    try:
        files = sorted(folder.glob("*.txt"))
        key = derived.digest(trafilatura.__version__, getattr(justext, "__version__", None),
                             *(part for path in files for part in (path.name, path.read_bytes())))
    except OSError:  # stoplists not in a folder (a zipped install): no cache
        key = None
    return derived.load_or_build(derived.entry("justext-stoplist", key), lambda: frozenset(build()),
                                 _read_words, _write_words)


def _write_words(words: frozenset[str], path: Path) -> None:
    """A cache entry of words, one a line (a stoplist's words come from ``splitlines``: none
    holds a line break), under the entry's checksum."""
    from cleaner import derived

    derived.write_checked("\n".join(sorted(words)).encode("utf-8"), path)


def _read_words(path: Path) -> frozenset[str]:
    from cleaner import derived

    return frozenset(derived.read_checked(path).decode("utf-8").split("\n"))


def _date_params(config: HtmlConfig) -> dict:
    return {"extensive_search": config.extensive_date_search, "original_date": True}


def trafilatura_result(tree: etree._Element, url: str | None, config: HtmlConfig, readability_votes: bool,
                       problems: list[str]) -> str | None:
    """trafilatura's text, or None. Fast mode first when readability votes; when it finds
    (almost) nothing, or readability does not vote, the full mode, whose own readability/jusText
    comparison finds the text on some short pages."""
    result = None
    for fast in (True, False) if readability_votes else (False,):
        try:
            result = _run_trafilatura(tree, url, config, fast=fast)
        except Exception as err:  # noqa: BLE001 - trafilatura has raised on odd pages; jusText still runs
            problems.append(problem("trafilatura", err))
            result = None
        if result is not None and len(result.strip()) >= config.min_text_chars:
            break
    return result


def trafilatura_metadata(tree: etree._Element, url: str | None, config: HtmlConfig, problems: list[str]):
    """The page's metadata as trafilatura's ``extract_metadata`` gives it (a trafilatura
    ``Document``), or None; see ``html_metadata``."""
    from cleaner.parse.html.metadata import page_metadata

    try:
        return page_metadata(tree, url, _date_params(config))
    except Exception as err:  # noqa: BLE001 - metadata is optional; the text is not lost
        problems.append(problem("trafilatura metadata", err))
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


def run_readability(tree: etree._Element) -> str:
    """readability-lxml's main container, as text blocks. No url (link rewriting is costly
    and useless here) and no short_title() (it parses the page a second time)."""
    return _summary_text(_readability_document()(tree).summary(html_partial=True))


@lru_cache(maxsize=1)
def _fork_document() -> type:
    """trafilatura's fork of readability (``trafilatura.readability_lxml.Document``), keeping
    the article element it builds instead of only its serialised HTML."""
    from trafilatura.readability_lxml import Document

    class ArticleDocument(Document):
        __slots__ = ("article",)

        def sanitize(self, node, candidates):
            self.article = node
            return super().sanitize(node, candidates)

    return ArticleDocument


def fork_article(tree: etree._Element) -> etree._Element | None:
    """The page's main container as trafilatura's fork of readability finds it: readability's
    scoring without readability-lxml's HTML cleaner and its second, lenient pass, about a
    third of readability-lxml's time. The result is an element holding the page's own
    elements (moved out of ``tree``, which the fork changes: it drops elements and renames
    divs), so the blocks it kept are known by their elements, with no text to compare."""
    doc = _fork_document()(tree, min_text_length=25)
    doc.article = None
    doc.summary()
    return doc.article


def article_text(article: etree._Element | None) -> str:
    """The text blocks of ``fork_article``'s result, one a line."""
    return "" if article is None else "\n".join(b.text for b in page_blocks(article))


def _summary_text(summary: str) -> str:
    summary_tree = parse_page(summary)
    if summary_tree is None:
        return ""
    return "\n".join(b.text for b in page_blocks(summary_tree))


@lru_cache(maxsize=4)
def _stoplist(language: str | None) -> frozenset[str]:
    import justext

    if language:
        return frozenset(justext.get_stoplist(language))
    # All languages merged: the words of the list trafilatura builds for its own jusText runs
    # (full mode), so that the 100 stoplist files are read once a process instead of twice
    # (~0.2 s), and lower-cased once
    return merged_stoplist()


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


def metadata_of(doc) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in _META_FIELDS:
        value = getattr(doc, name, None) if doc is not None else None
        if isinstance(value, (list, tuple)):
            value = "; ".join(str(v) for v in value if v)
        if value:
            out[name] = str(value)
    return out


def safe_justext(tree: etree._Element, config: HtmlConfig, problems: list[str]) -> str:
    return safe_run("jusText", partial(_run_justext, config=config), tree, problems)


def safe_run(name: str, run: Callable[[etree._Element], T], tree: etree._Element, problems: list[str],
             failed: T = "") -> T:
    """``run(tree)``, or ``failed`` with the failure noted in ``problems``: a second opinion
    or a fallback failing is not the page's failure."""
    try:
        return run(tree)
    except Exception as err:  # noqa: BLE001 - an empty result, not a dead run
        problems.append(problem(name, err))
        return failed


def problem(extractor: str, err: Exception) -> str:
    LOGGER.debug("%s failed", extractor, exc_info=err)
    return f"{extractor}: {type(err).__name__}: {err}"
