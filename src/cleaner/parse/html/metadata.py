"""Page metadata (author, date, site name, categories, ...) as trafilatura's
``extract_metadata`` finds it, at less than half the cost.

Same results as ``extract_metadata`` (the tests compare them); the trafilatura code mirrored
here is pinned by ``MIRRORED_DIGEST``, and with a trafilatura whose mirrored code differs
``page_metadata`` calls ``extract_metadata`` itself and warns once. Where the time goes:
docs/performance.md (HTML metadata).
"""
from __future__ import annotations

import functools
import inspect
import logging
import re
from typing import Any

from lxml import etree

from cleaner.parse.html.mirrors import mirror_matches


__all__ = ["page_metadata"]

LOGGER = logging.getLogger(__name__)

# trafilatura.xpaths.AUTHOR_XPATHS, in Python: the element tests of its three expressions
_AUTHOR_TAGS_0 = frozenset(["a", "address", "div", "link", "p", "span", "strong"])
_AUTHOR_CLASS_0 = re.compile("author-?name|AuthorName|authorName")
_AUTHOR_TAGS_1 = frozenset(["a", "div", "h3", "h4", "p", "span"])
_AUTHOR_CLASSES_1 = frozenset(["byline", "username", "byl", "BBL"])
_AUTHOR_ID_1 = re.compile("author|zuozhe|bianji|xiaobian")
_AUTHOR_CLASS_1 = re.compile("author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_AUTHOR_ID_2 = re.compile("[Aa]uthor")
_AUTHOR_CLASS_2 = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
# trafilatura.xpaths.AUTHOR_DISCARD_XPATHS
_DISCARD_TAGS = frozenset(["a", "div", "section", "span"])
_DISCARD_CLASSES = frozenset(["comments", "title", "date"])
_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile("^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
                            "|article-(?:share|support)|print|category|meta-date|meta-reviewer")
_ALWAYS_DISCARDED = frozenset(["time", "figure"])
_TESTED_ATTRIBUTES = frozenset(["class", "id", "itemprop", "rel", "data-testid", "data-component"])
_CLASS_ONLY = {"class"}
# a class none of the class tests above can match (all of them contain one of these)
_ANY_TESTED_CLASS = re.compile("[Aa]uthor|AuthorName|authorName|byl|BBL|username|channel-name|zuozhe|bianji"
                               "|xiaobian|submitted-by|posted-by|journalist-name|screenname|writer|[Bb]yline"
                               "|[Cc]omments|commentlist|title|date|sidebar|is-hidden|quote|embedly-instagram"
                               "|article-|print|category|meta-")
# sha256 of what is mirrored here from trafilatura 2.3.1 (see mirrored_code). When a newer
# trafilatura changes it: compare _author_candidates (its XPaths), _catstags and page_metadata
# with trafilatura.metadata's extract_author, extract_catstags and extract_metadata, then update.
MIRRORED_DIGEST = "67c964c154c7004266b22b7b27371046f0ba479089f4e58f09757d8b288cf97b"
_LINK_TARGETS = etree.XPath("//a/@href", smart_strings=False)
_LINKS = etree.XPath("//a[@href]")
_CATEGORY_META = etree.XPath('.//head//meta[@property="article:section" or contains(@name, "subject")][@content]')


def _author_candidates(tree: etree._Element) -> tuple[list[list[etree._Element]], set[etree._Element]]:
    """The elements each of trafilatura's three author XPaths selects on the unpruned page, in
    document order, and the elements its pruning removes (with their subtrees)."""
    candidates: list[list[etree._Element]] = [[], [], []]
    discarded: set[etree._Element] = set()
    # `rel='me'` in the first XPath is a child *element* <rel> whose text is "me"
    rel_me = {rel.getparent() for rel in tree.iter("rel") if "".join(rel.itertext()) == "me"}
    for el in tree.iter(etree.Element):
        tag = el.tag
        if tag in _ALWAYS_DISCARDED:
            discarded.add(el)
        if tag == "author" or (rel_me and el in rel_me and tag in _AUTHOR_TAGS_0):
            candidates[0].append(el)
        tested = _TESTED_ATTRIBUTES.intersection(el.keys())
        if not tested or tested == _CLASS_ONLY and not _ANY_TESTED_CLASS.search(el.get("class")):
            continue  # the tests below cannot hold: most elements stop here
        get = el.get
        cls, id_, itemprop, component = (get("class") or "", get("id") or "", get("itemprop") or "",
                                         get("data-component") or "")
        if tag in _AUTHOR_TAGS_0 and tag != "author" and el not in candidates[0][-1:] and (
                get("rel") == "author" or id_ == "author" or cls == "author" or itemprop == "author name"
                or get("data-testid") in ("AuthorCard", "AuthorURL") or _AUTHOR_CLASS_0.search(cls)):
            candidates[0].append(el)
        if tag in _AUTHOR_TAGS_1 and (cls in _AUTHOR_CLASSES_1 or "author" in itemprop
                                      or _AUTHOR_ID_1.search(id_) or _AUTHOR_CLASS_1.search(cls)):
            candidates[1].append(el)
        if "Byline" in component or "author" in itemprop or _AUTHOR_ID_2.search(id_) or _AUTHOR_CLASS_2.search(cls):
            candidates[2].append(el)
        if tag in _DISCARD_TAGS and (id_ == "comments" or cls in _DISCARD_CLASSES or _DISCARD_ID.search(id_)
                                     or _DISCARD_CLASS.search(cls) or "Figure" in component):
            discarded.add(el)
    return candidates, discarded


def _author(tree: etree._Element) -> str | None:
    """trafilatura's ``extract_author`` without copying and pruning the page: the first candidate
    of the first XPath, in order, whose text is 3 to 119 characters long."""
    from trafilatura.json_metadata import normalize_authors
    from trafilatura.metadata import extract_author
    from trafilatura.utils import trim

    candidates, discarded = _author_candidates(tree)
    for found in candidates:
        for el in found:
            if el in discarded or not discarded.isdisjoint(el.iterancestors()):
                continue  # pruned away: trafilatura does not see it
            if not discarded.isdisjoint(el.iterdescendants()):
                return extract_author(tree)  # its text changes with the pruning: trafilatura's way
            content = trim(" ".join(el.itertext()))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


def _catstags(metatype: str, tree: etree._Element, link_targets: str) -> list[str]:
    """trafilatura's ``extract_catstags`` with its XPaths turned around. Each of them selects
    the ``<a href>`` inside some element (``//div[...]//a[@href]``), of which it keeps those
    whose href has ``/category/`` (``/tag/``, ...): here those few links are found first (a
    page without any is not searched at all), then each is kept if one of its ancestors is
    such an element (``_ancestor_tests``): same links, same order, no scan of the whole page
    with a Python regex call at every <div>."""
    from trafilatura.baseline import block_text
    from trafilatura.utils import line_processing

    start = "/" + metatype.rstrip("y")
    regexpr = start + "(?:y|ies|s)?/"
    results: list[str] = []
    # the pattern has no newline and no wildcard: a match in the joined targets lies inside one
    if re.search(regexpr, link_targets):
        links = [a for a in _LINKS(tree) if start in a.attrib["href"] and re.search(regexpr, a.attrib["href"])]
        for inside in _ancestor_tests(metatype):
            results.extend(block_text(a) for a in links if inside(a))
            if results:
                break
    if metatype == "category" and not results:  # its fallback reads <meta> tags
        results.extend(element.attrib["content"] for element in _CATEGORY_META(tree))
    return [r for r in dict.fromkeys(line_processing(x) for x in results if x) if r]


@functools.lru_cache(maxsize=2)
def _ancestor_tests(metatype: str) -> tuple[etree.XPath, ...]:
    """trafilatura's category (tag) XPaths turned around: ``//div[...]//a[@href]`` selects a
    link exactly when ``ancestor::div[...]`` finds something from it (``mirrored_code`` checks
    that every one of them has this form)."""
    from trafilatura import xpaths

    paths = xpaths.CATEGORIES_XPATHS if metatype == "category" else xpaths.TAGS_XPATHS
    return tuple(etree.XPath("ancestor::" + _inner_step(x.path), namespaces={"re": xpaths.REGEXP_NS})
                 for x in paths)


_ONE_STEP_LINKS = re.compile(r"//(?:(?!//)[^|])+//a\[@href\]", re.DOTALL)  # with its string literals emptied
_STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")


def _inner_step(path: str) -> str | None:
    """``div[...]`` of a path ``//div[...]//a[@href]`` (one step, no union), else None."""
    path = path.strip()
    if not _ONE_STEP_LINKS.fullmatch(_STRING_LITERAL.sub("''", path)):
        return None
    return path[2:-len("//a[@href]")]


def mirrored_code() -> str:
    """The installed trafilatura's code that this module mirrors: its author XPaths and the
    functions whose order and tests are reproduced here."""
    from trafilatura import metadata, xpaths

    parts = [x.path for x in xpaths.AUTHOR_XPATHS + xpaths.AUTHOR_DISCARD_XPATHS]
    parts += [inspect.getsource(f) for f in (metadata.extract_metadata, metadata.extract_author,
                                             metadata.extract_metainfo, metadata.extract_catstags)]
    # _ancestor_tests turns the category and tag XPaths around: each must select the links inside one step
    links_only = all(_inner_step(x.path) for x in xpaths.CATEGORIES_XPATHS + xpaths.TAGS_XPATHS)
    return "\n".join(parts) + ("" if links_only else "\ncategory or tag XPaths are not //step//a[@href]")


@functools.lru_cache(maxsize=None)
def mirror_is_current() -> bool:
    """Whether the installed trafilatura still has the code mirrored here (once a process)."""
    return mirror_matches(mirrored_code, MIRRORED_DIGEST, "cleaner.parse.html.metadata", "extract_metadata")


def page_metadata(tree: etree._Element, url: str | None, date_params: dict[str, Any]):
    """The metadata of a parsed page (``tree``: the root element), as
    ``trafilatura.metadata.extract_metadata(tree, url, date_params)`` gives it (a trafilatura
    ``Document``); the tree is not changed."""
    if not mirror_is_current():
        from trafilatura.metadata import extract_metadata

        return extract_metadata(tree, url, {**date_params}, False)
    from htmldate import find_date
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_domain,
        extract_license,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )

    date_config = {**date_params}
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as err:  # noqa: BLE001 - as trafilatura: a broken JSON-LD block only loses its fields
        LOGGER.warning("error in JSON metadata extraction: %s", err)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = _author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    date_config["url"] = metadata.url
    metadata.date = find_date(tree, **date_config)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    link_targets = "\n".join(_LINK_TARGETS(tree))
    if not metadata.categories:
        metadata.categories = _catstags("category", tree, link_targets)
    if not metadata.tags:
        metadata.tags = _catstags("tag", tree, link_targets)
    metadata.license = extract_license(tree)
    metadata.filedate = date_config.get("max_date")
    metadata.clean_and_trim()
    return metadata
