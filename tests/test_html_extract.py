"""HTML main-text extraction on small hand-written pages (no benchmark data here)."""
from __future__ import annotations

import pytest

from cleaner.parse.html import blocks, external
from cleaner.parse.html import tree as html_tree
from cleaner.parse.decode import decode_html
from cleaner.parse.html.extract import extract_html
from cleaner.parse.html.settings import Extraction, HtmlConfig

ARTICLE_PARAGRAPHS = [
    ("The city council voted on Tuesday to turn the old railway depot into a public library, "
    "ending a debate that had lasted for almost a decade and divided the neighbourhood, where "
    "families and shop owners had taken sides in a long series of public meetings."),
    ("Supporters of the plan said the building, which has stood empty since the last freight "
    "train left in 1998, was the only site large enough for the collection the city inherited "
    "from a local historian, whose books have been kept in boxes in a basement since then."),
    ("Opponents had argued that the money would be better spent on repairing the roads around "
    "the station, which residents have complained about for years without any result at all, "
    "and on the swimming pool that has been closed for repairs since the winter."),
    ("Construction is expected to start next spring, and the council hopes that the first "
    "readers will be able to borrow books from the new library before the end of next year, "
    "when the old depot will also host a small museum about the history of the railway."),
]
HEADLINE = "Council turns old railway depot into a library"
COMMENT = "Great news, I have been waiting for this library my whole life, thank you council!"
SIDEBAR = "Subscribe to our daily newsletter for the best local stories delivered every morning"


def article_page(extra_head: str = "", title_tag: str = f"{HEADLINE} | The Town Gazette") -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    nav = "".join(f'<li><a href="/{s}">{s.title()} section</a></li>'
                  for s in ("news", "sport", "weather", "culture", "opinion"))
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title_tag}</title>{extra_head}</head>
<body>
<header><div class="logo"><a href="/">The Town Gazette</a></div>
<nav class="main-menu"><ul>{nav}</ul></nav></header>
<div class="wrapper">
<article class="post">
<h1>{HEADLINE}</h1>
<p class="byline">By Jane Reporter, 12 March 2024</p>
{paragraphs}
</article>
<aside class="sidebar"><h3>Newsletter</h3><p><a href="/subscribe">{SIDEBAR}</a></p>
<ul><li><a href="/a">Most read: council budget</a></li><li><a href="/b">Most read: new bridge</a></li></ul>
</aside>
<section id="comments" class="comments">
<h2>3 Comments</h2>
<div class="comment"><p>{COMMENT}</p><p class="posted">Posted by: reader42 at 10:15</p></div>
<div class="comment"><p>Roads first! The potholes on Station Street have been there since the depot closed down.</p></div>
</section>
</div>
<footer><p>Copyright 2024 The Town Gazette. All rights reserved.</p>
<ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/contact">Contact us</a></li></ul></footer>
</body></html>"""


ALWAYS_VOTE = HtmlConfig()  # the default
SKIP_SOLID = HtmlConfig(vote_on_solid=False)


# SKIP_SOLID keeps trafilatura's blocks on this page (its text is solid: readability is not
# asked); the default runs the readability vote. Both must give the article.
@pytest.fixture(scope="module", params=[SKIP_SOLID, ALWAYS_VOTE], ids=["solid", "vote"])
def article(request: pytest.FixtureRequest) -> Extraction:
    return extract_html(article_page(), url="https://gazette.example/2024/03/library", config=request.param)


def test_article_text_kept(article: Extraction) -> None:
    for paragraph in ARTICLE_PARAGRAPHS:
        assert paragraph in article.text
    # paragraphs separated by blank lines, in page order
    assert article.text.index(ARTICLE_PARAGRAPHS[0]) < article.text.index(ARTICLE_PARAGRAPHS[3])
    assert "\n\n" in article.text


@pytest.mark.parametrize("chrome", ["Sport section", SIDEBAR, "Privacy policy", "All rights reserved",
                                    "Most read", COMMENT, "Posted by", "Roads first"])
def test_chrome_and_comments_dropped(article: Extraction, chrome: str) -> None:
    assert chrome not in article.text


def test_headline_is_title_not_text(article: Extraction) -> None:
    assert article.title == HEADLINE  # the h1, not "<h1> | The Town Gazette"
    assert not article.text.startswith(HEADLINE)
    assert article.extractor in ("trafilatura-blocks", "vote:trafilatura+readability")


def test_readability_skipped_on_solid_text_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = external.fork_article
    monkeypatch.setattr(external, "fork_article", lambda tree: calls.append(1) or real(tree))
    assert extract_html(article_page(), config=SKIP_SOLID).extractor == "trafilatura-blocks"
    assert not calls
    assert extract_html(article_page()).extractor == "vote:trafilatura+readability"
    assert calls == [1]


def test_solid_trafilatura_text_wins_when_readability_took_another_container(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """readability takes a long comment thread for the article (more prose than the story):
    the two agree on nothing, and trafilatura's one long stretch is kept, not the thread."""
    thread = "".join(f'<div class="comment"><p>{p.replace("The city", "My city")} I think so too.</p></div>'
                     for p in ARTICLE_PARAGRAPHS * 2)
    page = article_page().replace('<section id="comments" class="comments">', f'<section id="thread">{thread}')
    monkeypatch.setattr(external, "fork_article", lambda tree: tree.find(".//section"))
    result = extract_html(page)
    assert result.extractor == "trafilatura-blocks"
    assert ARTICLE_PARAGRAPHS[1] in result.text and "I think so too" not in result.text
    never_solid = extract_html(page, config=HtmlConfig(solid_min_words=None))
    assert never_solid.extractor == "readability-blocks" and "I think so too" in never_solid.text


def test_title_from_og_title_when_no_heading() -> None:
    page = article_page(extra_head='<meta property="og:title" content="Depot becomes library">'
                                   '<meta property="og:site_name" content="The Town Gazette">',
                        title_tag="Depot becomes library - The Town Gazette").replace(f"<h1>{HEADLINE}</h1>", "")
    assert extract_html(page).title == "Depot becomes library"


def test_metadata_kept() -> None:
    head = ('<meta name="author" content="Jane Reporter">'
            '<meta property="article:published_time" content="2024-03-12T09:00:00Z">'
            '<meta property="og:site_name" content="The Town Gazette">'
            '<link rel="canonical" href="https://gazette.example/2024/03/library">')
    result = extract_html(article_page(head))
    assert result.metadata["author"] == "Jane Reporter"
    assert result.metadata["date"] == "2024-03-12"
    assert result.metadata["sitename"] == "The Town Gazette"
    assert result.metadata["url"] == "https://gazette.example/2024/03/library"
    assert all(isinstance(v, str) and v for v in result.metadata.values())


def test_readability_blocks_when_trafilatura_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(external, "_run_trafilatura", lambda tree, url, config, fast=True: None)
    result = extract_html(article_page())
    assert result.extractor == "readability-blocks"
    assert ARTICLE_PARAGRAPHS[1] in result.text
    assert "Sport section" not in result.text


def test_justext_fallback_when_trafilatura_and_readability_find_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(external, "_run_trafilatura", lambda tree, url, config, fast=True: None)
    monkeypatch.setattr(external, "fork_article", lambda tree: None)
    result = extract_html(article_page())
    assert result.extractor == "justext"
    assert ARTICLE_PARAGRAPHS[1] in result.text
    assert "Sport section" not in result.text


def test_trafilatura_alone_without_readability() -> None:
    result = extract_html(article_page(), config=HtmlConfig(use_readability=False))
    assert result.extractor == "trafilatura"
    assert ARTICLE_PARAGRAPHS[0] in result.text
    assert SIDEBAR not in result.text


def test_repeated_article_copy_kept_once() -> None:
    page = article_page().replace("</article>", "</article><div class='print-version'>"
                                  + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS) + "</div>")
    result = extract_html(page)
    assert result.text.count(ARTICLE_PARAGRAPHS[1]) == 1


def test_lean_readability_reads_as_readability() -> None:
    """_readability_document() overrides a private method of readability-lxml's Document: the
    method must still exist there (a renamed override is silently never called), and the
    text must be the same."""
    from copy import deepcopy

    from readability import Document

    lean = external._readability_document()
    overridden = [name for name in vars(lean) if callable(vars(lean)[name]) and not name.startswith("__")]
    assert overridden and all(callable(getattr(Document, name, None)) for name in overridden)

    page = article_page(extra_head="<style>p { color: red }</style><link rel='stylesheet' href='a.css'>").replace(
        "<article", "<script>var x = 1;</script><article onclick='track()'").replace(
        "</article>", '<p hidden>Hidden paragraph.</p><a href="javascript:void(0)">Share</a></article>')
    tree = html_tree.parse_page(page)
    full = html_tree.parse_page(Document(deepcopy(tree)).summary(html_partial=True))
    assert external.run_readability(tree) == "\n".join(b.text for b in blocks.page_blocks(full))


def test_fork_votes_for_the_blocks_of_the_elements_it_kept() -> None:
    """The fork's vote is read from the elements of its article, not from its text: the
    article's paragraphs, not the sidebar or comments; and the fork's text (the fallback) is
    the same as its serialised HTML's. ``sanitize`` is the one method overridden: it must
    still exist in trafilatura's fork."""
    from copy import deepcopy

    from trafilatura.readability_lxml import Document

    overridden = [name for name in vars(external._fork_document()) if callable(vars(external._fork_document())[name])]
    assert overridden == ["sanitize"] and callable(getattr(Document, "sanitize", None))
    tree = html_tree.parse_page(article_page())
    page_blocks = blocks.page_blocks(tree)
    summary = html_tree.parse_page(Document(deepcopy(tree), min_text_length=25).summary())
    article = external.fork_article(tree)
    votes = blocks.element_votes(blocks.PageWords(page_blocks), page_blocks, set(article.iter()))
    voted = [b.text for b, v in zip(page_blocks, votes) if v]
    assert voted[-len(ARTICLE_PARAGRAPHS):] == ARTICLE_PARAGRAPHS
    assert not any(SIDEBAR in text or COMMENT in text for text in voted)
    assert external.article_text(article) == "\n".join(b.text for b in blocks.page_blocks(summary))
    assert external.article_text(None) == ""


def test_hidden_elements_not_extracted() -> None:
    hidden = "This paragraph is hidden from readers and must not appear in the extracted text at all."
    page = article_page().replace(f"<p>{ARTICLE_PARAGRAPHS[2]}</p>",
                                  f'<p>{ARTICLE_PARAGRAPHS[2]}</p><p style="display: none">{hidden}</p>')
    assert hidden not in extract_html(page).text


def test_deterministic() -> None:
    page = article_page()
    assert extract_html(page) == extract_html(page)


def test_a_slow_machine_gives_the_same_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    """No step is skipped by the clock: on a loaded machine where every call seems to take
    minutes, readability still votes and the text is the same."""
    import time

    config = HtmlConfig()  # readability votes on every page
    calm = extract_html(article_page(), config=config)
    ticks = iter(range(0, 10**9, 600))
    monkeypatch.setattr(time, "monotonic", lambda: float(next(ticks)))
    assert extract_html(article_page(), config=config) == calm
    assert calm.extractor == "vote:trafilatura+readability"


# ------------------------------------------------------------------ decoding

def test_non_utf8_page_decoded() -> None:
    text = article_page().replace("library", "bibliothèque café").replace('charset="utf-8"', 'charset="iso-8859-1"')
    data = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    decoded, encoding = decode_html(data)
    assert encoding == "cp1252"  # iso-8859-1 labels mean windows-1252 (WHATWG)
    assert "bibliothèque café" in decoded
    result = extract_html(data)
    assert "bibliothèque café" in result.text
    assert result.metadata["encoding"] == "cp1252"
    assert "encoding" not in extract_html(text).metadata  # str input: nothing was decoded


@pytest.mark.parametrize("data, expected, encoding", [
    ("é€".encode(), "é€", "utf-8"),
    (b"\xef\xbb\xbf" + "é".encode(), "é", "utf-8"),
    ("<p>é</p>".encode("utf-16-le").join([b"\xff\xfe", b""]), "<p>é</p>", "utf-16-le"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">Привет'.encode("cp1251"),
     '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">Привет', "cp1251"),
    (b"caf\xe9 sans label", "café sans label", None),
])
def test_decode_html(data: bytes, expected: str, encoding: str | None) -> None:
    decoded, used = decode_html(data)
    assert decoded == expected
    if encoding:
        assert used == encoding


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("page", ["", "   ", b"", b"\x00\x01\x02\xff\xfe\xfa" * 50, "<html></html>",
                                  "<html><body></body></html>", "<<<>>>&&&;;", "<?xml version='1.0'?><a/>",
                                  "<html><body><script>var x = 1;</script></body></html>",
                                  "<div>" * 5000])
def test_empty_or_garbage_gives_empty_text(page: str | bytes) -> None:
    result = extract_html(page)
    assert isinstance(result, Extraction)
    assert result.text == ""
    assert result.extractor == "none"


def test_huge_page_is_capped() -> None:
    page = article_page().replace("</body>", "<p>filler text here</p>" * 20000 + "</body>")
    result = extract_html(page, config=HtmlConfig(max_chars=20_000))
    assert ARTICLE_PARAGRAPHS[0] in result.text
    assert "filler" not in result.text


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="block_coverage"):
        HtmlConfig(block_coverage=0)
    with pytest.raises(ValueError, match="solid_min_words"):
        HtmlConfig(solid_min_words=0)
    with pytest.raises(TypeError):
        HtmlConfig(no_such_field=1)  # type: ignore[call-arg]


def test_comments_after_heading_dropped_even_inside_article() -> None:
    """Old blog engines put comments in the post's own container, with nothing but a
    "Comments" heading to tell them apart; the extractors keep them, the heading cut does not."""
    comments = [f"Comment number {n}: I read this post twice and I still think the council "
                f"should have asked the people who live next to the depot before voting on it."
                for n in range(1, 6)]
    page = article_page().replace(
        "</article>", "<h2>Comments</h2>" + "".join(
            f"<p>{c}</p><p>Posted by: reader{n} at 10:1{n} AM</p>" for n, c in enumerate(comments)) + "</article>")
    result = extract_html(page)
    assert ARTICLE_PARAGRAPHS[3] in result.text
    assert not any(c in result.text for c in comments)


def test_blog_title_is_post_heading_not_site_name_heading() -> None:
    page = article_page(title_tag=f"The Town Gazette: {HEADLINE}").replace(
        '<div class="logo"><a href="/">The Town Gazette</a></div>', "<h1>The Town Gazette</h1>").replace(
        f"<h1>{HEADLINE}</h1>", f"<h3>{HEADLINE}</h3>")
    assert extract_html(page).title == HEADLINE


def test_trafilatura_full_mode_when_fast_mode_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    real = external._run_trafilatura

    def fast_finds_nothing(tree, url, config, fast=True):
        calls.append(fast)
        return None if fast else real(tree, url, config, fast=False)

    monkeypatch.setattr(external, "_run_trafilatura", fast_finds_nothing)
    result = extract_html(article_page())
    assert calls == [True, False]
    assert ARTICLE_PARAGRAPHS[0] in result.text
    assert result.extractor == "vote:trafilatura+readability"  # full mode's text votes


def test_missing_dependency_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "readability" else real_find_spec(name, *a))
    external.check_dependencies.cache_clear()
    try:
        with pytest.raises(ImportError, match="pip install readability-lxml"):
            extract_html(article_page())
        assert extract_html(article_page(), config=HtmlConfig(use_readability=False)).text
    finally:
        external.check_dependencies.cache_clear()


@pytest.mark.parametrize("control", ["\x0c", "\x0b", "\x01", "\x1b"])
def test_control_characters_in_a_page_do_not_break_readability(control: str) -> None:
    # libxml2 keeps them in the tree but lxml refuses them as text, which readability sets when
    # it turns text after a <div> into a paragraph: it failed on such pages
    page = article_page().replace("<p>The city council", f"<div>Update</div>{control} note<p>The city council")
    result = extract_html(page, config=ALWAYS_VOTE)
    assert result.problems == ()
    assert result.extractor == "vote:trafilatura+readability"
    assert ARTICLE_PARAGRAPHS[0][:60] in result.text and control not in result.text


def test_a_failing_extractor_is_a_problem_of_the_page_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(tree):
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr(external, "fork_article", broken)
    result = extract_html(article_page(), config=ALWAYS_VOTE)
    assert result.problems == ("readability: ValueError: All strings must be XML compatible",)
    assert result.extractor == "trafilatura" and ARTICLE_PARAGRAPHS[0] in result.text


def test_trafilaturas_jusText_stoplist_is_hashed_once(monkeypatch):
    """trafilatura hands its merged jusText stoplist to jusText's cache, which hashes a tuple of
    150,000 words at every call: after a page trafilatura sent to jusText, the same words are a
    frozenset, which keeps its hash."""
    from trafilatura import external as traf_external

    monkeypatch.setattr(traf_external, "JT_STOPLIST", None)
    sentence = "The council met on Monday and approved the budget."
    # a few words: short of what the fast mode must find, and of trafilatura's 250 characters,
    # under which its full mode asks jusText
    text = extract_html(f"<html><body><article><p>{sentence}</p></article></body></html>").text
    assert isinstance(traf_external.JT_STOPLIST, frozenset)
    assert traf_external.JT_STOPLIST == frozenset(traf_external.jt_stoplist_init())
    assert text == sentence


def test_the_merged_jusText_stoplist_is_lower_cased_once_for_trafilatura_and_cleaner(monkeypatch):
    """One frozenset, made before trafilatura's first jusText run, serves trafilatura's runs and
    cleaner's own jusText fallback: jusText lower-cases the 150,000 words once a process (not
    once for trafilatura's tuple, once for a frozenset made from it afterwards)."""
    from justext.core import define_stoplist
    from trafilatura import external as traf_external

    monkeypatch.setattr(traf_external, "JT_STOPLIST", None)
    external._stoplist.cache_clear()
    sentence = "The council met on Monday and approved the budget."
    page = f"<html><body><article><p>{sentence}</p></article></body></html>"
    define_stoplist.cache_clear()
    assert extract_html(page).text == sentence  # trafilatura's full mode asks jusText
    problems: list[str] = []
    external.safe_justext(external.parse_page(page), ALWAYS_VOTE, problems)  # cleaner's own jusText run
    assert problems == []
    assert define_stoplist.cache_info().misses == 1
    assert external._stoplist(None) is traf_external.JT_STOPLIST
    external._stoplist.cache_clear()
