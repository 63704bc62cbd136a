"""cleaner.parse.html.trafilatura_text gives the text trafilatura's bare_extraction gives in fast
precision mode, with fewer copies of the page (small hand-written pages, no benchmark data)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from lxml import etree

from cleaner import clean_html
from cleaner.parse.html import trafilatura_text
from cleaner.parse.html import tree as html_tree
from cleaner.parse.html.trafilatura_text import fast_precise_text

from test_html_extract import article_page

MULTILINGUAL = Path(__file__).parent / "data" / "multilingual"
FORUM_THREAD = ('<script type="application/ld+json">{"@type": "DiscussionForumPosting", "headline": "Depot"}'
                "</script>")
PAGES = {
    "article": article_page(),
    "forum thread": article_page(FORUM_THREAD),
    "table": article_page().replace("</article>", "<table><tr><th>Year</th><th>Cost</th></tr>"
                                    "<tr><td>2024</td><td>1.2 million</td></tr></table></article>"),
    "no text": "<html><body><nav><a href='/'>Home</a></nav><div><img src='a.png'></div></body></html>",
    **{f"multilingual {path.stem}": path.read_text(encoding="utf-8") for path in sorted(MULTILINGUAL.glob("*.html"))},
}


def _bare_extraction_text(tree: etree._Element, url: str | None) -> str | None:
    from trafilatura import bare_extraction

    result = bare_extraction(tree, url=url, fast=True, favor_precision=True, include_comments=False,
                             include_tables=True, deduplicate=False, with_metadata=False)
    return None if result is None else result.text


@pytest.mark.parametrize("name", PAGES)
def test_same_text_as_bare_extraction(name: str) -> None:
    tree = html_tree.parse_page(PAGES[name])
    before = etree.tostring(tree)
    ours = fast_precise_text(tree, "https://gazette.example/2024/depot", include_tables=True)
    assert etree.tostring(tree) == before  # the page tree is read again by the vote and the fork
    assert ours == _bare_extraction_text(tree, "https://gazette.example/2024/depot")
    assert (ours is None) == (name == "no text")


def test_the_installed_trafilatura_has_the_mirrored_code() -> None:
    """Fails after a trafilatura upgrade that changed what trafilatura_text mirrors (the runs
    are then still right, through bare_extraction, but slower): compare and update
    MIRRORED_DIGEST as its comment says."""
    assert hashlib.sha256(trafilatura_text.mirrored_code().encode()).hexdigest() == trafilatura_text.MIRRORED_DIGEST
    assert trafilatura_text.mirror_is_current()


def test_changed_trafilatura_code_falls_back_to_bare_extraction(monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    import trafilatura

    page = article_page()
    mirrored = clean_html(page)
    trafilatura_text.mirror_is_current.cache_clear()
    monkeypatch.setattr(trafilatura_text, "MIRRORED_DIGEST", "0" * 64)  # as after an upgrade
    calls: list[bool] = []
    real = trafilatura.bare_extraction
    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: calls.append(k["fast"]) or real(*a, **k))
    try:
        fallen_back = clean_html(page)
        assert calls == [True] and "using trafilatura's bare_extraction" in caplog.text
    finally:
        trafilatura_text.mirror_is_current.cache_clear()
    assert (fallen_back.text, fallen_back.title) == (mirrored.text, mirrored.title)
