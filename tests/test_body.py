"""Tests of the heuristic body locator on hand-written, realistic page dumps."""
from __future__ import annotations

import pytest

from cleaner.heuristics.body import BodyConfig, locate_body
from cleaner.heuristics.lines import line_key

MENU = """Home
News
World
Politics
Business
Sport
Log in
Subscribe
Search""".split("\n")

ARTICLE = [
    "City council approves new bicycle lanes after heated debate",
    "By Jane Porter, 12 March 2023",
    "The city council voted on Tuesday to build twelve kilometres of protected bicycle lanes "
    "across the centre, ending a debate that has divided residents for more than two years.",
    "Supporters said the lanes would make the streets safer for children and older people, "
    "while shop owners warned that the loss of parking spaces could hurt their business.",
    "The vote was close.",
    "Mayor Elena Ruiz said the council had listened to both sides and that the plan included "
    "new loading zones for deliveries and a review of the lanes after one year.",
    "Construction is expected to begin in the spring and to last about eighteen months, "
    "according to the city's transport department.",
]

COMMENTS = [
    "3 Comments",
    "bikefan88 March 12, 2023 at 4:15 pm",
    "Finally! I have been waiting for this for years and I am so glad the council listened to us.",
    "Reply",
    "shopkeeper March 12, 2023 at 6:02 pm",
    "This will be the end of small shops in the centre, mark my words, nobody will come anymore.",
    "Reply",
    "Leave a Reply",
    "Your email address will not be published.",
]

FOOTER = ["About us", "Contact", "Privacy policy", "Terms of use", "© 2023 City Times"]


def kept(lines: list[str], **kwargs) -> list[str]:
    layout = locate_body(lines, **kwargs)
    return [line for line, v in zip(lines, layout.verdicts) if v.keep]


def test_menu_article_comments_footer():
    lines = MENU + ARTICLE + COMMENTS + FOOTER
    layout = locate_body(lines, lang="en")
    assert len(layout.verdicts) == len(lines)
    assert layout.title == len(MENU)  # the headline
    body = [line for line, v in zip(lines, layout.verdicts) if v.keep]
    assert body == [ARTICLE[0]] + ARTICLE[2:]
    by_line = dict(zip(lines, layout.verdicts))
    assert all(not by_line[m].keep and by_line[m].rule == "H-HEAD" for m in MENU)
    comment = by_line[COMMENTS[2]]
    assert not comment.keep and comment.category == "comments" and comment.rule == "H-TAIL"
    assert by_line["The vote was close."].keep  # a short sentence inside the body


# Negative set: clean articles with no boilerplate at all; every line must be kept.
CLEAN_ARTICLES = [
    [
        "Drought forces farmers to rethink what they grow",
        "Across the south of the country, farmers are replacing thirsty crops such as maize with "
        "sorghum and millet, which need far less water and survive long dry spells.",
        "The change is slow, because buyers and mills are set up for maize, but agronomists say it "
        "is the only way to keep farms running if the rains keep failing.",
        "Some have not waited.",
        "Peter Mwangi planted sorghum on half of his land last year and says the harvest paid for "
        "itself, even though the price per tonne was lower than for maize.",
    ],
    [
        "Kremlin talks up dialogue, to achieve goals in Ukraine",
        "Kremlin spokesman Dmitry Peskov says Russia remains \"open to negotiations\".",
        "The Kremlin has been quoted as saying that the goals of its military operation in Ukraine "
        "are unchanged but that they may be achieved through negotiations.",
        "Vyacheslav Gladkov said a school had been damaged in a village close to the border and "
        "that the top floor of an apartment block had been struck in the city of Belgorod.",
        "Gladkov said no one had been hurt.",
        "He said that there had been no casualties in either strike.",
    ],
    [
        "How to keep sourdough starter alive over the holidays",
        "A sourdough starter is a living culture of yeast and bacteria, and like any pet it needs "
        "feeding, but it is far more forgiving than most bakers think.",
        "Before you leave",
        "Feed the starter as usual, let it rise for an hour, then put it in the fridge with the lid "
        "closed. The cold slows the yeast down so much that it can wait for two weeks.",
        "When you come back",
        "Take it out, discard half, feed it with equal weights of flour and water and leave it "
        "somewhere warm. After two or three feeds it will be as lively as before.",
    ],
    [
        "Museum returns bronze statues to their country of origin",
        "The museum said on Friday that it would return four bronze statues that were taken during "
        "a colonial expedition more than a century ago.",
        "\"This is the right thing to do, and it is long overdue,\" the director told reporters at "
        "a press conference in the main hall, where the statues have stood since 1902.",
        "The statues will travel next month and will be shown in the national museum, which is "
        "building a new wing for them with money from both governments.",
    ],
    [
        "Why the night sky is dark",
        "If the universe were infinite, eternal and filled evenly with stars, every line of sight "
        "would end on the surface of a star and the night sky would be as bright as the sun.",
        "It is not, and the reason tells us something deep about the cosmos: it had a beginning, "
        "and light from the most distant stars has not had time to reach us.",
        "Astronomers call this Olbers' paradox.",
        "The expansion of space helps too, because it stretches the light of distant galaxies to "
        "longer wavelengths that our eyes cannot see.",
    ],
]


@pytest.mark.parametrize("article", CLEAN_ARTICLES, ids=lambda a: a[0][:30])
def test_clean_article_comes_out_unchanged(article):
    layout = locate_body(article, lang="en")
    dropped = [(line, v.rule, v.reason) for line, v in zip(article, layout.verdicts) if not v.keep]
    assert dropped == []
    assert layout.title == 0


def test_lone_related_headline_inside_body_is_removed_but_subheadings_kept():
    related = "Donetsk, Lugansk, Kherson, Zaporozhie Hold Referendums"
    lines = ARTICLE[:3] + [related] + ARTICLE[3:]  # between two paragraphs
    layout = locate_body(lines, lang="en")
    verdict = layout.verdicts[lines.index(related)]
    assert not verdict.keep and verdict.rule == "H-HEADLINE" and verdict.category == "related"
    # With two Title Case subheadings the article is structured by them: both are kept.
    sub1, sub2 = "What the New Lanes Will Look Like", "When Construction Work Will Start"
    lines = ARTICLE[:3] + [sub1] + ARTICLE[3:5] + [sub2] + ARTICLE[5:]
    assert kept(lines, lang="en") == [ARTICLE[0]] + lines[2:]


def test_link_run_inside_body_is_removed():
    related = ["Related stories", "Council budget row deepens", "New tram line opens",
               "Parking fees to rise"]
    lines = ARTICLE[:4] + related + ARTICLE[4:]
    layout = locate_body(lines, lang="en")
    assert [v.keep for v in layout.verdicts[4:8]] == [False] * 4


def test_recurring_short_lines_removed_but_repeated_long_quotation_kept():
    quotation = ("\"We have repeatedly reiterated that we remain open to negotiations to achieve "
                 "our objectives,\" the spokesman said.")
    site_chrome = "Stay informed, daily"
    lines = ARTICLE[:3] + [quotation, site_chrome] + ARTICLE[3:]
    recurring = frozenset({line_key(quotation), line_key(site_chrome)})
    layout = locate_body(lines, lang="en", recurs=[line_key(line) in recurring for line in lines])
    verdicts = dict(zip(lines, layout.verdicts))
    assert verdicts[quotation].keep
    assert not verdicts[site_chrome].keep and verdicts[site_chrome].rule == "H-RECURRING"
    # Without the cross-document evidence the short line would have stayed (a subheading).
    assert locate_body(lines, lang="en").verdicts[lines.index(site_chrome)].keep


def test_the_recurring_lines_alone_give_the_clean_pass_the_same_answers():
    """The local engine hands its workers only the lines that recur (the whole count grows
    with the input): every document's recurring set is the same."""
    from cleaner.document import Document, Source
    from cleaner.heuristics.recurring import RecurringLines

    counts, docs = RecurringLines(), []
    for i in range(12):  # two sites; chrome in every page, a tagline in some, a unique line in each
        site = f"site-{i % 2}"
        lines = ["Home | News | Sport", f"Page {i} of the archive", "Subscribe today"] + \
            (["Read the tagline"] if i % 3 == 0 else []) + ARTICLE
        doc = Document(str(i), "\n".join(lines), Source(f"{site}/{i}.txt", "", "text"))
        counts.count(doc)
        docs.append(doc)
    pruned = counts.recurring_only()
    assert sum(map(len, pruned.lines.values())) < sum(map(len, counts.lines.values()))
    assert all(pruned.for_document(doc) == counts.for_document(doc) for doc in docs)
    assert line_key("Subscribe today") in pruned.for_document(docs[0])


def test_author_box_after_article_is_not_absorbed():
    lines = ARTICLE + ["Author: Dave Smith",
                       "Dave Smith is the city editor of the Times, follow him on Twitter."]
    assert kept(lines, lang="en") == [ARTICLE[0]] + ARTICLE[2:]


def test_no_prose_means_nothing_kept():
    layout = locate_body(MENU + FOOTER)
    assert layout.title is None and not any(v.keep for v in layout.verdicts)
    assert locate_body([]).verdicts == []


def test_other_language_uses_its_stoplist():
    german = [
        "Stadtrat beschließt neue Radwege",
        "Der Stadtrat hat am Dienstag beschlossen, zwölf Kilometer geschützte Radwege durch die "
        "Innenstadt zu bauen, nachdem die Bürger mehr als zwei Jahre darüber gestritten hatten.",
        "Die Befürworter sagen, dass die Wege die Straßen für Kinder und ältere Menschen sicherer "
        "machen, während die Händler vor dem Verlust von Parkplätzen warnen.",
    ]
    assert kept(["Startseite", "Politik", "Sport"] + german, lang="de") == german


def test_line_key_collapses_case_digits_and_space():
    assert line_key("  12 Comments ") == line_key("3 comments") == "0 comments"


def test_config_rejects_negative_values():
    with pytest.raises(ValueError, match="max_gap"):
        BodyConfig(max_gap=-1)
