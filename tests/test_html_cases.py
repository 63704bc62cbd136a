"""HTML pages that once went wrong, through the command line: broken script markup, related
headlines after the article, pages in languages other than English (fixtures of our own making)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.commands.cli import main
from cleaner.parse.html.extract import extract_html
from cleaner.parse.html.settings import HtmlConfig
from test_html_extract import ARTICLE_PARAGRAPHS, HEADLINE

MULTILINGUAL = Path(__file__).parent / "data" / "multilingual"
EXPECTED = json.loads((MULTILINGUAL / "expected.json").read_text(encoding="utf-8"))

RELATED = ["Mayor opens the new bridge over the river", "Budget for next year approved after a long night",
           "Swimming pool to stay closed until the summer"]
SCRIPT = ('var cfg = {"site": "gazette", "slots": [1, 2, 3]}; function load(a, b) { if (a === null) { return b; } '
          "for (var i = 0; i < a.length; i++) { b.push(a[i] * 2); } return b; } window.onload = function () { "
          "document.getElementById('slot').innerHTML = load(cfg.slots, []); };\n")


def _page(body: str, title: str = f"{HEADLINE} | The Town Gazette") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<nav><a href="/">Home</a> <a href="/news">News</a></nav>{body}'
            "<footer><p>Copyright 2024 The Town Gazette</p></footer></body></html>")


def _clean(tmp_path: Path, pages: dict[str, str], *options: str) -> dict[str, dict]:
    """Runs ``cleaner clean`` over the pages; returns every output record (kept or rejected) by file name."""
    (tmp_path / "in").mkdir(exist_ok=True)
    for name, html in pages.items():
        (tmp_path / "in" / name).write_text(html, encoding="utf-8")
    out = tmp_path / ("out" + "".join(options))
    assert main(["clean", str(tmp_path / "in"), "-o", str(out), "-q", *options]) == 0
    records = {}
    for name in ("documents/documents.jsonl", "rejects.jsonl"):
        for line in (out / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            records[record["source"]["path"]] = record
    return records


@pytest.mark.parametrize("layout", ["script-in-article", "script-in-table"])
def test_broken_script_markup_keeps_the_article(tmp_path: Path, layout: str) -> None:
    """An unescaped ``</script>`` inside a script's string ends the script early (as in browsers):
    the rest of its source becomes page text, long enough that the extractors took it for the
    article. It is dropped as code, and the article is found."""
    leak = f'<script>document.write("<div id=\'slot\'></script>"); {SCRIPT * 12}</script>'
    article = f"<h1>{HEADLINE}</h1>" + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    body = {"script-in-article": f"<article><p>{leak}</p></article><div class='side'>{article}</div>",
            "script-in-table": (f"<table><tr><td><a href='/'>Home</a></td><td>{leak}<h1>{HEADLINE}</h1>"
                                + "<br><br>".join(ARTICLE_PARAGRAPHS) + "</td></tr></table>")}[layout]
    doc = _clean(tmp_path, {"page.html": _page(body)})["page.html"]
    assert doc.get("reason") is None, doc  # kept, not rejected
    assert all(p in doc["text"] for p in ARTICLE_PARAGRAPHS)
    assert "function" not in doc["text"] and "cfg" not in doc["text"]
    assert doc["metadata"]["extractor"]  # the chosen path is in the provenance


def test_related_headlines_after_the_article_are_removed(tmp_path: Path) -> None:
    related = "<p>" + "<br>".join(f'<a href="/story/{i}">{r}</a>' for i, r in enumerate(RELATED)) + "</p>"
    article = f"<article><h1>{HEADLINE}</h1>" + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS) + related
    doc = _clean(tmp_path, {"page.html": _page(article + "</article>")})["page.html"]
    assert doc["text"].endswith(ARTICLE_PARAGRAPHS[-1])
    assert not any(r in doc["text"] for r in RELATED)
    assert all(p in doc["text"] for p in ARTICLE_PARAGRAPHS)


def test_a_link_in_the_article_is_not_an_island() -> None:
    """One link-only paragraph between the article's paragraphs (readability keeps it when it
    votes), or a paragraph that cites its source, stays."""
    cited = ('<p>The full report is on <a href="/report">the council\'s website</a>, with the '
             "minutes of every meeting since the debate began.</p>")
    article = (f"<article><h1>{HEADLINE}</h1><p>{ARTICLE_PARAGRAPHS[0]}</p>"
               f'<p><a href="/plan">Read the plan</a></p>'
               + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS[1:]) + cited + "</article>")
    result = extract_html(_page(article), config=HtmlConfig(solid_min_words=None))
    assert result.extractor == "vote:trafilatura+readability"
    assert "Read the plan" in result.text and "the minutes of every meeting" in result.text


def test_a_list_of_links_to_other_sites_is_the_articles(tmp_path: Path) -> None:
    """A link round-up: the same kind of list, leading to other sites, is content and stays."""
    sources = "<p>" + "<br>".join(f'<a href="https://www.{site}/report">{r}</a>'
                                  for site, r in zip(("harbourwatch.org", "citydata.net", "rail-history.co.uk"), RELATED)) + "</p>"
    article = f"<article><h1>{HEADLINE}</h1>" + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS) + sources
    doc = _clean(tmp_path, {"page.html": _page(article + "</article>")})["page.html"]
    assert all(r in doc["text"] for r in RELATED)


STORIES = [ARTICLE_PARAGRAPHS[:3], [
    ("The bakery on Mill Lane will close its doors at the end of the month after ninety years, the "
     "owners announced on Monday, saying that the rising cost of flour and energy had left them no choice."),
    ("Customers queued around the corner on Saturday morning to buy a last loaf of the rye bread the "
     "family has baked to the same recipe since the shop first opened in the years after the war."),
    ("The building will be sold, and a neighbourhood group is collecting signatures to ask the council "
     "to keep the ground floor as a shop rather than turning it into flats."),
], [
    ("More than four thousand runners took part in the city marathon on Sunday, a record for the race, "
     "which was held in cool and dry weather after two years of heavy rain on the day."),
    ("The winner crossed the line in front of the cathedral after two hours and nineteen minutes, four "
     "minutes ahead of last year's champion, who had led the race until the last bridge."),
    ("Volunteers handed out water at twelve stations along the course, and the organisers thanked "
     "residents of the old town for their patience with the closed streets."),
], [
    ("Pupils at the primary school on Station Street have turned an empty car park into a vegetable "
     "garden, with help from parents who brought soil, seeds and tools over the spring holidays."),
    ("The first harvest of beans, carrots and potatoes was cooked in the school kitchen last week, and "
     "the head teacher said the children had never eaten so many vegetables without complaint."),
    ("The school now hopes to add a greenhouse, so that the garden can be used through the winter, and "
     "has asked local businesses to sponsor the glass and the heating."),
]]
NEWSLETTER = "Get the Gazette's morning briefing in your inbox"


def test_a_sites_recurring_link_lines_leave_its_pages(tmp_path: Path) -> None:
    """Four pages of one site carry the same newsletter link inside the article, between its
    paragraphs, where the extractors keep it: it recurs on the site's pages (counted from their
    links, not extracted twice) and is removed from each page's text; every paragraph stays.
    With H-RECURRING switched off it stays. (The pages name their own URL, which the count does
    not read: they are counted by their folder.)"""
    newsletter = f'<p><a href="/newsletter">{NEWSLETTER}</a></p>'
    pages = {f"story-{i}.html": _page(f"<article><h1>Story {i}</h1><p>{story[0]}</p>{newsletter}"
                                      + "".join(f"<p>{p}</p>" for p in story[1:]) + "</article>").replace(
                 "<head>", f'<head><link rel="canonical" href="https://gazette.example/story-{i}">')
             for i, story in enumerate(STORIES)}
    for kept, options in ((False, ()), (True, ("--disable", "H-RECURRING"))):
        records = _clean(tmp_path, pages, *options)
        for i, story in enumerate(STORIES):
            doc = records[f"story-{i}.html"]
            assert doc["source"]["url"] == f"https://gazette.example/story-{i}"
            assert all(p in doc["text"] for p in story), (i, options)
            assert (NEWSLETTER in doc["text"]) == kept, (i, options)


def test_pages_in_other_languages_keep_their_text(tmp_path: Path) -> None:
    """German, French, Spanish, Russian, Chinese and Arabic pages (written for these tests):
    each keeps its headline and every paragraph, loses its menu, related links and newsletter
    prompt, and is tagged with its language. (A Chinese article of four paragraphs has few
    spaces: word counts that split on spaces rejected it as too short.)"""
    pages = {f"{lang}.html": (MULTILINGUAL / f"{lang}.html").read_text(encoding="utf-8") for lang in EXPECTED}
    records = _clean(tmp_path, pages)
    for lang, expected in EXPECTED.items():
        doc = records[f"{lang}.html"]
        assert doc.get("reason") is None, (lang, doc.get("reason"))
        assert doc["title"] == expected["title"], lang
        assert all(p in doc["text"] for p in expected["paragraphs"]), lang
        assert not [b for b in expected["boilerplate"] if b in doc["text"]], lang
        assert doc["lang"].split("-")[0] == lang, (lang, doc["lang"])


def _story(n: int) -> list[str]:
    """``n`` different paragraphs of one story (repeated ones would be kept once)."""
    return [f"In the {i + 1}th hour of the debate, councillor number {i % 37 + 1} spoke about the bridge, "
            f"the ferry and the {i * 7 % 101} families who cross the river each morning." for i in range(n)]


@pytest.mark.parametrize("unclosed", ["span", "font", "em"])
def test_an_unclosed_tag_in_every_paragraph_keeps_the_whole_article(tmp_path: Path, unclosed: str) -> None:
    """An unclosed inline tag in every paragraph nests each paragraph one level deeper; libxml2
    stops reading at depth 256, after ~127 paragraphs. The page is read again past the limit,
    its paragraphs un-nested as a browser does, and every paragraph stays."""
    story = _story(300)
    body = f"<article><h1>{HEADLINE}</h1>" + "".join(f"<p>{p[:20]}<{unclosed}>{p[20:]}\n" for p in story)
    doc = _clean(tmp_path, {"page.html": _page(body + "</article>")})["page.html"]
    assert doc.get("reason") is None, doc
    assert all(p in doc["text"] for p in story)
    assert "Copyright" not in doc["text"]


@pytest.mark.parametrize("swallower", [
    "<plaintext style='display:none'>",  # what some ad scripts write
    "<script src='/ads.js'>",  # without its end tag
    "<style>",
    "<textarea>",
    "<!-- ad slot",
])
def test_markup_that_swallows_the_rest_of_the_page_keeps_the_article(tmp_path: Path, swallower: str) -> None:
    """libxml2, like a browser, reads everything after an unclosed ``<script>``, ``<style>``,
    ``<textarea>``, comment or a ``<plaintext>`` as that element's text (or drops it): the
    article was lost, or came out as markup. Its start is dropped and the page read again."""
    article = f"<article><h1>{HEADLINE}</h1>" + "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS) + "</article>"
    doc = _clean(tmp_path, {"page.html": _page(f"<div class='ad'>{swallower}</div>{article}")})["page.html"]
    assert doc.get("reason") is None, doc
    assert all(p in doc["text"] for p in ARTICLE_PARAGRAPHS)
    assert "<" not in doc["text"] and "Copyright" not in doc["text"]


THAI_HEADLINE = "สภาเมืองเปลี่ยนโรงซ่อมรถไฟเก่าเป็นห้องสมุด"
THAI_PARAGRAPHS = [
    "เมื่อวันอังคารที่ผ่านมา สภาเมืองลงมติให้เปลี่ยนโรงซ่อมรถไฟเก่าเป็นห้องสมุดประชาชน หลังจากถกเถียงกันมาเกือบสิบปี",
    "ผู้สนับสนุนกล่าวว่าอาคารนี้ว่างเปล่ามาตั้งแต่รถไฟขบวนสุดท้ายออกไป และเป็นที่เดียวที่ใหญ่พอสำหรับหนังสือของเมือง",
    "การก่อสร้างคาดว่าจะเริ่มในฤดูใบไม้ผลิหน้า และสภาหวังว่าผู้อ่านกลุ่มแรกจะยืมหนังสือได้ก่อนสิ้นปีหน้า",
]


def test_a_thai_article_is_not_too_short(tmp_path: Path) -> None:
    """Thai puts a space between phrases, not words: three paragraphs hold seven spaces. Counted
    by its letters (about three a word), the article keeps its place above min_words."""
    article = f"<article><h1>{THAI_HEADLINE}</h1>" + "".join(f"<p>{p}</p>" for p in THAI_PARAGRAPHS) + "</article>"
    doc = _clean(tmp_path, {"th.html": _page(article, title=THAI_HEADLINE)})["th.html"]
    assert doc.get("reason") is None, doc
    assert all(p in doc["text"] for p in THAI_PARAGRAPHS)
    assert doc["lang"] == "th"


READER_COMMENTS = {  # a heading of the reader comments below an article, and two comments
    "de": ("3 Kommentare", ["Endlich! Ich warte seit Jahren darauf, dass in diesem alten Gebäude wieder etwas passiert.",
                            "Schade um das Geld, die Straßen im Viertel sind seit Jahren in einem schlimmen Zustand."]),
    "fr": ("Laisser un commentaire", ["Enfin une bonne nouvelle pour le quartier, j'attendais cela depuis longtemps.",
                                      "Et les routes autour de la gare, quand est-ce qu'on les répare enfin ?"]),
    "es": ("Comentarios (2)", ["Por fin una buena noticia para el barrio, llevo años esperando algo así.",
                               "¿Y las calles alrededor de la estación? Siguen llenas de baches desde hace años."]),
    "ru": ("Комментарии", ["Наконец-то хорошая новость для района, я ждал этого много лет подряд.",
                           "А дороги вокруг вокзала кто будет ремонтировать? Они в ужасном состоянии уже давно."]),
    "zh": ("网友评论", ["终于等到这个好消息了，我们这个街区等了很多年，希望图书馆早日开放。",
                        "钱应该先用来修车站周围的道路，那些路面坑坑洼洼已经很多年了。"]),
    "ar": ("التعليقات", ["أخيراً خبر جيد للحي، انتظرنا هذا المشروع لسنوات طويلة.",
                         "ماذا عن الطرق حول المحطة؟ إنها في حالة سيئة منذ سنوات."]),
}


def test_a_comments_heading_in_the_pages_language_ends_the_article(tmp_path: Path) -> None:
    """Reader comments inside the article's container, under a heading in the page's language
    (German, French, Spanish, Russian, Chinese, Arabic): the extractors keep them, the heading
    cuts them off; the article stays whole."""
    pages = {}
    for lang, (heading, comments) in READER_COMMENTS.items():
        html = (MULTILINGUAL / f"{lang}.html").read_text(encoding="utf-8")
        section = f"<h2>{heading}</h2>" + "".join(f"<p>{c}</p><p>12.03.2024 10:1{n}</p>" for n, c in enumerate(comments))
        pages[f"{lang}.html"] = html.replace("</article>", section + "</article>")
    records = _clean(tmp_path, pages)
    for lang, (heading, comments) in READER_COMMENTS.items():
        doc = records[f"{lang}.html"]
        assert all(p in doc["text"] for p in EXPECTED[lang]["paragraphs"]), lang
        assert not any(c in doc["text"] for c in comments) and heading not in doc["text"], lang


ZH_HEADLINE = EXPECTED["zh"]["title"]  # 旧铁路车库将改建为公共图书馆


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_pages_headline_is_the_title_when_it_restates_the_title_tag(tmp_path: Path, lang: str) -> None:
    """The <title> words the story differently from the headline above the article ("Railway
    depot to become library" for "Council turns old railway depot into a library"): the
    headline, which holds most of the title's words, is the title, and is not repeated in the
    text. A section's heading above an article without a headline does not restate the title:
    the <title> stays the title."""
    if lang == "en":
        title_tag = "Railway depot to become library | The Town Gazette"
        article = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
        pages = {"headline.html": _page(f"<article><h1>{HEADLINE}</h1>{article}</article>", title=title_tag),
                 "section.html": _page(f"<article><h2>Around the town</h2>{article}</article>", title=title_tag)}
        paragraphs, headline = ARTICLE_PARAGRAPHS, HEADLINE
    else:
        html = (MULTILINGUAL / "zh.html").read_text(encoding="utf-8")
        title_tag = "铁路车库改建图书馆 | 城市日报"
        headline, paragraphs = ZH_HEADLINE, EXPECTED["zh"]["paragraphs"]
        page = html.replace(f"<title>{ZH_HEADLINE} | 城市日报</title>", f"<title>{title_tag}</title>")
        pages = {"headline.html": page, "section.html": page.replace(f"<h1>{ZH_HEADLINE}</h1>", "<h2>本地新闻</h2>")}
    records = {}
    for name, html in pages.items():  # one run each: the same paragraphs twice in a run are duplicates
        (tmp_path / name).mkdir()
        records |= _clean(tmp_path / name, {name: html})
    doc = records["headline.html"]
    assert doc["title"] == headline
    assert headline not in doc["text"] and all(p in doc["text"] for p in paragraphs)
    assert records["section.html"]["title"] == title_tag


def test_a_chinese_article_with_reference_marks_is_not_code(tmp_path: Path) -> None:
    """A Chinese paragraph is one ``\\w+`` run per clause: counted so, three reference marks
    ("[1]", ASCII brackets) made it code, and the article was rejected empty. Counted a word
    per character, it is prose and kept whole."""
    html = (MULTILINGUAL / "zh.html").read_text(encoding="utf-8")
    paragraphs = EXPECTED["zh"]["paragraphs"]
    marked = [f"{p[:-1]}[{i + 1}]；{p[:-1]}[{i + 5}]。" for i, p in enumerate(paragraphs)]
    for plain, with_marks in zip(paragraphs, marked):
        html = html.replace(f"<p>{plain}</p>", f"<p>{with_marks}</p>")
    doc = _clean(tmp_path, {"zh.html": html})["zh.html"]
    assert doc.get("reason") is None, doc
    assert all(p in doc["text"] for p in marked)


ZH_STORIES = [  # three more stories of the Chinese fixture's site, two paragraphs each
    ["跨河新桥星期一正式通车，市长和数百名居民一起走过大桥，庆祝这项工程在拖延两年之后终于完工。",
     "新桥每天预计可以通行两万辆汽车，市政府希望它能缓解老城区早晚高峰时段的交通拥堵。"],
    ["市政府星期三公布了明年的预算草案，其中教育和公共交通的支出比今年增加了将近一成。",
     "反对党议员批评预算没有为老旧住宅的维修留出足够的资金，并表示将在下周的辩论中提出修正案。"],
    ["市游泳馆将从下个月起关闭，进行屋顶和供暖系统的全面翻修，预计要到明年夏天才能重新开放。",
     "在此期间，游泳俱乐部的训练将暂时转到邻近城镇的体育中心，市政府将提供免费的接送巴士。"],
]


def test_a_chinese_paragraph_that_recurs_as_a_teaser_link_stays(tmp_path: Path) -> None:
    """The first paragraph of a Chinese story is the teaser of its links on three other pages of
    the site. A recurring line goes only when it is short (under 15 words): counted by spaces,
    the paragraph was one word and left its own article; counted a word per character, it
    stays. The site's short recurring link (the newsletter prompt) still goes."""
    html = (MULTILINGUAL / "zh.html").read_text(encoding="utf-8")
    lead, newsletter = EXPECTED["zh"]["paragraphs"][0], "订阅城市日报每日新闻"
    canonical = '<head><link rel="canonical" href="https://ribao.example/{}">'
    story = html.replace("<head>", canonical.format("library"), 1).replace(
        "</article>", f'<p><a href="/newsletter">{newsletter}</a></p></article>')
    pages = {"library.html": story}
    for i, paragraphs in enumerate(ZH_STORIES):
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        pages[f"story-{i}.html"] = (
            f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>新闻 {i} | 城市日报</title></head>'
            f"<body><article><h1>新闻 {i}</h1>{body}<p><a href=\"/newsletter\">{newsletter}</a></p></article>"
            f'<aside><h3>相关阅读</h3><p><a href="/library">{lead}</a></p></aside></body></html>'
        ).replace("<head>", canonical.format(f"story-{i}"), 1)
    doc = _clean(tmp_path, pages)["library.html"]
    assert all(p in doc["text"] for p in EXPECTED["zh"]["paragraphs"])
    assert newsletter not in doc["text"]


STANDFIRST = ("The old depot will hold the city's collection of local history books and a small railway museum, "
              "and opens in two years.")


@pytest.mark.parametrize("under_headline, kept", [(STANDFIRST, True), ("Filed as News on November 6, 2012 11:56 am", False)])
def test_the_standfirst_under_the_headline_is_kept(tmp_path: Path, under_headline: str, kept: bool) -> None:
    """The sentence that sums the story up sits in the page's header, under the headline and
    apart from the body's container, and neither extractor keeps it: it is kept with the
    headline. A dateline there (mostly numbers) is not a standfirst."""
    body = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    story = (f'<div class="story"><header class="story-header"><h1>{HEADLINE}</h1>'
             f'<p class="standfirst">{under_headline}</p><p class="byline">By Anna Berg</p></header>'
             f'<div class="share"><a href="/share">Share</a></div><div class="story-body">{body}</div></div>')
    doc = _clean(tmp_path, {"story.html": _page(story)})["story.html"]
    assert doc["title"] == HEADLINE
    assert (under_headline in doc["text"]) == kept
    assert all(p in doc["text"] for p in ARTICLE_PARAGRAPHS)
    if kept:
        assert doc["text"].startswith(under_headline)


@pytest.mark.parametrize("separator", ["｜", "_", "——", " - "])
def test_a_chinese_title_loses_the_site_name_after_its_separator(tmp_path: Path, separator: str) -> None:
    """Chinese titles join the site's name with a full-width bar, an underscore or dashes, no
    spaces around them: with the page's headline in no h1-h3 and the site named (og:site_name),
    the title is the headline without the site's name."""
    html = (MULTILINGUAL / "zh.html").read_text(encoding="utf-8")
    page = html.replace(f"<title>{ZH_HEADLINE} | 城市日报</title>",
                        f'<title>{ZH_HEADLINE}{separator}城市日报</title><meta property="og:site_name" content="城市日报">')
    page = page.replace(f"<h1>{ZH_HEADLINE}</h1>", f'<div class="headline">{ZH_HEADLINE}</div>')
    doc = _clean(tmp_path, {"zh.html": page})["zh.html"]
    assert doc["title"] == ZH_HEADLINE
    assert all(p in doc["text"] for p in EXPECTED["zh"]["paragraphs"])


TAGLINE = "Notes from a small town by the river, where the trains stopped running long ago and the library is new."


def test_a_blogs_tagline_under_its_name_is_no_standfirst(tmp_path: Path) -> None:
    """A blog's page is titled with the blog's name, which is also its h1, and the tagline sits
    under it; the post has its own heading before its text. That heading, kept, tells the line
    under the h1 is the site's tagline, not a standfirst: it stays out."""
    body = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>The Town Diary</title></head><body>'
            f'<div id="header"><h1>The Town Diary</h1><p class="description">{TAGLINE}</p></div>'
            '<div class="main"><h2 class="date-header">Tuesday, October 23, 2012</h2>'
            f'<div class="post"><h3 class="post-title">{HEADLINE}</h3><div class="post-body">{body}</div></div></div>'
            '<div class="sidebar"><h2>Archive</h2><ul><li><a href="/2012/10">October (23)</a></li>'
            '<li><a href="/2012/09">September (17)</a></li></ul></div></body></html>')
    doc = _clean(tmp_path, {"post.html": page})["post.html"]
    assert TAGLINE not in doc["text"]
    assert all(p in doc["text"] for p in ARTICLE_PARAGRAPHS)


STORY_START = [
    ("The harbour authority closed the northern pier on Monday after divers found cracks in three of "
     "the concrete pillars that carry it, a week before the start of the sailing season in the bay."),
    ("Engineers said the damage was caused by the storms of the last two winters, which had washed "
     "away the stones that protect the foot of the pillars from the waves and the ice of the river."),
]
STORY_REST = [
    ("The pier will stay closed at least until the end of the summer, the authority said, while a "
     "team from the university measures how deep the cracks go and whether the pillars can be saved."),
    ("Fishermen who moor their boats along the pier will have to use the southern quay instead, "
     "where the water is shallower and the space for unloading their catch is much more limited."),
    ("The ferry to the islands is not affected, the authority added, because it leaves from a "
     "separate landing stage that was rebuilt with steel piles only four years ago by the same firm."),
    ("Repairs, if they are possible, are expected to cost several million, and the council has "
     "asked the regional government to share the bill, as it did after the floods of the last decade."),
]
AUTHOR_BOX = [
    ("Anna Berg has written about the harbour and the islands for the Gazette since 2009, and before "
     "that worked for ten years as a reporter for the regional radio station in the old town."),
    ("She lives on the largest of the islands with her family and two dogs, and takes the ferry to "
     "the office every morning, whatever the weather in the bay happens to be doing that day."),
]


@pytest.mark.parametrize("after_the_module", ["story", "author-box"])
def test_a_story_split_around_a_side_rail_is_kept_whole(tmp_path: Path, after_the_module: str) -> None:
    """A template cuts the story in two around an embedded module (comments link, teasers):
    ``div.article_body > article`` twice under one parent. The part after the module is the
    kept part's twin (same tag, a class in common, paragraphs of prose) and is kept too; an
    author's box there, a container of another kind, is not."""
    after = "".join(f"<p>{p}</p>" for p in STORY_REST)
    after = (f'<div class="article_body"><article>{after}</article></div>' if after_the_module == "story" else
             '<div class="author-box"><article>' + "".join(f"<p>{p}</p>" for p in AUTHOR_BOX) + "</article></div>")
    teasers = "".join(f'<h2><a href="/world/{i}">{r}</a></h2><p>{r}, and what the council plans to do about it '
                      "in the coming weeks, explained.</p>" for i, r in enumerate(RELATED))
    body = ('<div id="article_body"><h1>Northern pier closed after divers find cracks</h1>'
            '<div class="article_body entry-content"><article>' + "".join(f"<p>{p}</p>" for p in STORY_START)
            + '</article></div><div class="module article-side-rail"><p>Comments</p><ul><li><a href="#c">Weigh In'
            f'</a></li><li><a href="/corrections">Corrections?</a></li></ul>{teasers}</div>{after}'
            '<div class="clear"></div></div>')
    doc = _clean(tmp_path, {"page.html": _page(body, "Northern pier closed after divers find cracks")})["page.html"]
    assert doc["text"].startswith(STORY_START[0]) and all(p in doc["text"] for p in STORY_START)
    assert all(p in doc["text"] for p in STORY_REST) == (after_the_module == "story")
    assert not any(p in doc["text"] for p in AUTHOR_BOX)
    assert not any(r in doc["text"] for r in RELATED)


@pytest.mark.parametrize("lang, blog, post", [
    ("en", "The Riverside Naturalist's Quarterly Notebook", "Herons are back"),
    ("de", "Das Tagebuch vom Gemüsegarten am Fluss", "Die Tomaten blühen"),
])
def test_a_blogs_name_in_its_header_is_not_the_posts_title(tmp_path: Path, lang: str, blog: str, post: str) -> None:
    """A blog titles its pages "Blog name: Post title", puts its name in the site header's h1
    and the post's title over the post. Both headings are whole parts of the <title>; the
    blog's longer name covers more of it, but the post's title, next to the post, is the
    headline."""
    body = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    archive = "".join(f'<li><a href="/2012/{m:02d}">{m}/2012</a></li>' for m in range(12, 0, -1))
    page = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{blog}: {post}</title></head>'
            f'<body><div id="header"><h1><a href="/">{blog}</a></h1></div><ul class="archive">{archive}</ul>'
            f'<div class="main"><div class="post"><h3 class="post-title">{post}</h3>'
            f'<div class="post-body">{body}</div></div></div></body></html>')
    doc = _clean(tmp_path, {"post.html": page})["post.html"]
    assert doc["title"] == post
    assert blog not in doc["text"]
    assert all(p in doc["text"] for p in ARTICLE_PARAGRAPHS)


TRACKS = ["Morning on the Quay", "Nine Bridges", "The Lighthouse Keeper", "Salt", "Harbour Lights (Reprise)",
          "Last Ferry Home"]


@pytest.mark.parametrize("after_the_text", ["track-list", "two-labels"])
def test_a_list_of_short_lines_that_ends_the_article_is_kept(tmp_path: Path, after_the_text: str) -> None:
    """A post ends with a list of short lines in a container of its own (an album's track list):
    readability scores no paragraph that short and leaves the container out, so the text both
    extractors agree on ends before it. trafilatura's run of three or more such lines there is
    kept; two short labels are not a list, and the related headlines (links) stay out."""
    lines = (["Tracklist:"] + [f"{n}. {t}" for n, t in enumerate(TRACKS, 1)] if after_the_text == "track-list"
             else ["More soon", "Anna and Tom"])
    more = "".join(f"<p>{line}</p>" for line in lines)
    related = ('<div class="related"><h4>Recent related entries</h4><ul>'
               + "".join(f'<li><a href="/story/{i}">{r}</a></li>' for i, r in enumerate(RELATED)) + "</ul></div>")
    body = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    post = (f'<div class="post"><h1>{HEADLINE}</h1><div class="body">{body}</div><div id="more">{more}</div>'
            f"{related}</div>")
    doc = _clean(tmp_path, {"post.html": _page(post)})["post.html"]
    assert all(p in doc["text"] for p in ARTICLE_PARAGRAPHS)
    assert all(line in doc["text"] for line in lines) == (after_the_text == "track-list")
    if after_the_text == "track-list":
        assert doc["text"].endswith(f"6. {TRACKS[-1]}")
    assert not any(r in doc["text"] for r in RELATED)
