"""trafilatura's text of a page in its fast precision mode, with one copy of the page where
``bare_extraction`` makes three.

Given a tree, trafilatura copies it (the caller's), copies it again before cleaning and once
more as a backup: the raw tree and the backup are read again only by its comparison with
readability and jusText, its baseline rescue and its recall retry, none of which runs in fast
precision mode (``fast=True, favor_precision=True``, the mode cleaner runs on every page). A
copy of a page and freeing it cost ~0.9 ms (docs/performance.md). Same text as
``bare_extraction`` (the tests compare them); the trafilatura code mirrored here is pinned by
``MIRRORED_DIGEST``, as in ``metadata``: with a trafilatura whose code differs,
``bare_extraction`` itself runs and a warning says so once.
"""
from __future__ import annotations

import functools
import inspect
import logging
from copy import copy

from lxml import etree
from lxml.etree import strip_tags

from cleaner.parse.html.mirrors import mirror_matches


__all__ = ["fast_precise_text"]


# sha256 of what is mirrored here from trafilatura 2.3.1 (see mirrored_code). When a newer
# trafilatura changes it: compare fast_precise_text with the fast precision path of
# trafilatura.core's bare_extraction and trafilatura_sequence, then update.
MIRRORED_DIGEST = "6ba486d9eeb89ab0400e2dd73c54ddd036fa51a5d1cec175fd961389e12a54a9"


def mirrored_code() -> str:
    """The installed trafilatura's code that ``fast_precise_text`` follows."""
    from trafilatura import core

    return "\n".join(inspect.getsource(f) for f in (core.bare_extraction, core.trafilatura_sequence,
                                                    core._prepare_tree, core._extract_and_compare))


@functools.lru_cache(maxsize=None)
def mirror_is_current() -> bool:
    """Whether the installed trafilatura still has the code mirrored here (once a process)."""
    return mirror_matches(mirrored_code, MIRRORED_DIGEST, "cleaner.parse.html.trafilatura_text", "bare_extraction")


def fast_precise_text(tree: etree._Element, url: str | None, include_tables: bool) -> str | None:
    """The ``text`` of ``trafilatura.bare_extraction(tree, url=url, fast=True, favor_precision=True,
    include_comments=False, include_tables=include_tables, deduplicate=False, with_metadata=False)``,
    None where that gives None (too little text). ``tree`` is not changed."""
    from trafilatura import bare_extraction

    if not mirror_is_current():
        result = bare_extraction(tree, url=url, fast=True, favor_precision=True, include_comments=False,
                                 include_tables=include_tables, deduplicate=False, with_metadata=False)
        return None if result is None else result.text
    from trafilatura import core
    from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
    from trafilatura.main_extractor import extract_content
    from trafilatura.settings import DEFAULT_CONFIG, Extractor
    from trafilatura.xml import xmltotxt
    from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH, REMOVE_COMMENTS_XPATH

    # bare_extraction's options for these arguments, its other ones at their defaults
    options = Extractor(config=DEFAULT_CONFIG, output_format="python", fast=True, precision=True, recall=False,
                        comments=False, formatting=None, links=False, images=False, tables=include_tables,
                        dedup=False, lang=None, url=url, with_metadata=False, only_with_metadata=False,
                        author_blacklist=None, url_blacklist=None, date_params=None)
    try:
        tree = copy(tree)  # trafilatura prunes and cleans the tree in place; the caller's stays whole
        is_forum = core._forum_thread_page(tree)
        tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
        tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)  # comments off
        # _prepare_tree without its two copies: nothing reads the raw tree or the backup again
        cleaned = convert_tags(tree_cleaning(tree, options), options, options.url)
        if not is_forum:
            cleaned = prune_unwanted_nodes(cleaned, REMOVE_COMMENTS_XPATH)
        postbody, text = extract_content(cleaned, options)  # fast: no comparison with the others
        if options.max_tree_size:
            if len(postbody) > options.max_tree_size:
                strip_tags(postbody, "hi")
            if len(postbody) > options.max_tree_size:
                raise ValueError
        if len(text) < options.min_output_size and 0 < options.min_output_comm_size:  # no comments
            raise ValueError
    except (TypeError, ValueError):
        logging.getLogger(core.__name__).warning("discarding data: %s", options.source)
        return None
    return xmltotxt(postbody, options.formatting)
