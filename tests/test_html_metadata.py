"""cleaner.parse.html.metadata finds what trafilatura's extract_metadata finds, on pages that take
each of its branches (small hand-written pages, no benchmark data)."""
from __future__ import annotations

import hashlib

import pytest

from cleaner.parse.html import metadata as html_metadata
from cleaner.parse.html import tree as html_tree
from cleaner.parse.html.metadata import page_metadata

from test_html_extract import article_page

DATE_PARAMS = {"extensive_search": False, "original_date": True}
FIELDS = ("title", "author", "url", "hostname", "description", "sitename", "date", "categories", "tags",
          "image", "pagetype", "license", "language")

PAGES = {
    "byline class": article_page(),
    "meta author": article_page('<meta name="author" content="Jane Reporter">'
                                '<meta property="og:site_name" content="The Town Gazette">'
                                '<link rel="canonical" href="https://gazette.example/2024/03/library">'),
    "one-word meta author, then the page": article_page('<meta name="author" content="jane">'),
    "rel author link": article_page().replace('<p class="byline">By Jane Reporter, 12 March 2024</p>',
                                              '<p>By <a rel="author" href="/jane">Jane Reporter</a></p>'),
    "byline holding a time": article_page().replace(
        '<p class="byline">By Jane Reporter, 12 March 2024</p>',
        '<p class="byline">By Jane Reporter <time datetime="2024-03-12">12 March 2024</time></p>'),
    "author only in the comments": article_page().replace(
        '<p class="byline">By Jane Reporter, 12 March 2024</p>', "").replace(
        '<p class="posted">', '<p class="posted"><span class="author-name">reader42</span> '),
    "author in a sidebar, then a real one": article_page().replace(
        '<aside class="sidebar">', '<aside><div class="sidebar"><div class="author">Sidebar Person</div></div>').replace(
        '<p class="byline">', '<p class="byline writer">'),
    "too long then short": article_page().replace(
        '<p class="byline">By Jane Reporter, 12 March 2024</p>',
        '<div id="author-box">' + "A very long biography of the author. " * 5 + "</div>"
        '<span itemprop="author">Jane Reporter</span>'),
    "rel=me child element": article_page().replace(
        '<p class="byline">By Jane Reporter, 12 March 2024</p>', "<p>Jane Reporter<rel>me</rel></p>"),
    "<author> element": article_page().replace(
        '<p class="byline">By Jane Reporter, 12 March 2024</p>', "<author>Jane Reporter</author>"),
    "no author": article_page().replace('<p class="byline">By Jane Reporter, 12 March 2024</p>', ""),
    "categories and tags": article_page().replace(
        "</article>", '<div class="entry-meta"><a href="/category/local/">Local</a> '
        '<a href="/category/culture/">Culture</a></div><div class="tags"><a href="/tag/library/">library</a>'
        '<a href="/tags/depot">depot</a></div></article>'),
    "category links outside the meta blocks": article_page().replace(
        '<a href="/news">', '<a href="/category/news/">'),
    "category link deep inside a meta block, tag link outside": article_page().replace(
        "</article>", '<div class="post-meta"><ul><li><span><a href="/categories/local/">Local</a></span></li></ul>'
        '</div><p><a href="/tag/elsewhere/">elsewhere</a></p></article>'),
    "article:section": article_page('<meta property="article:section" content="Local news">'),
    "licence link": article_page().replace(
        "<footer><p>", '<footer><p><a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC</a>'),
}


@pytest.mark.parametrize("name", PAGES)
def test_same_metadata_as_trafilatura(name: str) -> None:
    from lxml import etree
    from trafilatura.metadata import extract_metadata

    tree = html_tree.parse_page(PAGES[name])
    before = etree.tostring(tree)
    ours = page_metadata(tree, None, DATE_PARAMS)
    assert etree.tostring(tree) == before  # the page tree is shared with the text extraction
    theirs = extract_metadata(tree, None, dict(DATE_PARAMS), False)
    assert {f: getattr(ours, f) for f in FIELDS} == {f: getattr(theirs, f) for f in FIELDS}


def test_pages_take_the_branches_they_are_named_for(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura.metadata

    fallbacks: list[bool] = []
    real = trafilatura.metadata.extract_author
    monkeypatch.setattr(trafilatura.metadata, "extract_author", lambda tree: fallbacks.append(True) or real(tree))
    meta = {name: page_metadata(html_tree.parse_page(page), None, DATE_PARAMS) for name, page in PAGES.items()}
    assert len(fallbacks) == 1  # only the byline holding a <time>: pruning changes its text
    assert meta["byline holding a time"].author == "Jane Reporter"
    assert meta["author only in the comments"].author is None
    assert meta["author in a sidebar, then a real one"].author == "Jane Reporter"
    assert meta["rel=me child element"].author == "Jane Reporter me"  # as trafilatura: the element's text
    assert meta["too long then short"].author == "Jane Reporter"
    assert meta["<author> element"].author == "Jane Reporter"
    assert meta["categories and tags"].categories == ["Local", "Culture"]
    assert meta["categories and tags"].tags == ["library", "depot"]
    assert meta["article:section"].categories == ["Local news"]
    assert meta["category link deep inside a meta block, tag link outside"].categories == ["Local"]
    assert meta["category link deep inside a meta block, tag link outside"].tags == []


def test_the_installed_trafilatura_has_the_mirrored_code() -> None:
    """Fails after a trafilatura upgrade that changed what html_metadata mirrors (the runs are
    then still right, through trafilatura's own extract_metadata, but slower): compare and
    update MIRRORED_DIGEST as its comment says."""
    assert hashlib.sha256(html_metadata.mirrored_code().encode()).hexdigest() == html_metadata.MIRRORED_DIGEST
    assert html_metadata.mirror_is_current()


@pytest.mark.parametrize("name", ["byline holding a time", "categories and tags"])
def test_changed_trafilatura_code_falls_back_to_extract_metadata(name: str, monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    import trafilatura.metadata

    html_metadata.mirror_is_current.cache_clear()
    monkeypatch.setattr(html_metadata, "MIRRORED_DIGEST", "0" * 64)  # as after an upgrade
    called: list[bool] = []
    real = trafilatura.metadata.extract_metadata
    monkeypatch.setattr(trafilatura.metadata, "extract_metadata", lambda *a: called.append(True) or real(*a))
    try:
        ours = page_metadata(html_tree.parse_page(PAGES[name]), None, DATE_PARAMS)
        assert called == [True] and "using trafilatura's extract_metadata" in caplog.text
    finally:
        html_metadata.mirror_is_current.cache_clear()
    theirs = real(html_tree.parse_page(PAGES[name]), None, dict(DATE_PARAMS), False)
    assert {f: getattr(ours, f) for f in FIELDS} == {f: getattr(theirs, f) for f in FIELDS}
