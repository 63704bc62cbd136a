"""Text dumps in the styles scrapers write them, through the CLI: fixtures of our own making
(tests/data/dumps) for a markdown recipe, a code tutorial, a table page, a lynx dump, a w3m
dump and a hard-wrapped newswire story with '<' paragraph markers."""
import json
import textwrap
from pathlib import Path

import pytest

from cleaner.commands.cli import main
from cleaner.heuristics.dump_body import judge_dump
from cleaner.parse.normalize import normalize_with_layout

DUMPS = Path(__file__).parent / "data" / "dumps"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _clean(tmp_path: Path, name: str, *flags: str) -> dict:
    """The one document of a run over the fixture, with its removals (``--provenance full``)."""
    inp = tmp_path / "in"
    inp.mkdir(parents=True, exist_ok=True)
    (inp / name).write_bytes((DUMPS / name).read_bytes())
    out = tmp_path / "out"
    assert main(["clean", str(inp / name), "-o", str(out), "-q", "--provenance", "full", *flags]) == 0
    (doc,) = _jsonl(out / "documents" / "documents.jsonl")
    (removed,) = _jsonl(out / "removed.jsonl")
    assert removed["id"] == doc["id"]
    return {**doc, "removed": removed["removed"]}


def _removed(doc: dict, rule: str) -> list[str]:
    return [r["text"] for r in doc["removed"] if r["rule"] == rule]


def test_recipe_keeps_its_ingredients_and_its_real_title(tmp_path):
    doc = _clean(tmp_path, "recipe.md")
    assert doc["source"]["style"] == "markdown"
    assert doc["title"] == "Grandmother's Lemon Drizzle Cake"
    text = doc["text"]
    for ingredient in ("225 g unsalted butter, softened", "4 large eggs", "juice of 1½ lemons", "salt and pepper"):
        assert ingredient in text
    assert text.startswith("This is the cake my grandmother baked")
    assert "5. Mix the icing sugar with the lemon juice" in text and "crunchy crust" in text
    # its own subheadings stay with what they introduce; the related recipes' heading does not
    assert "## Ingredients\n\n* 225 g unsalted butter" in text and "## Method\n\n1. Heat the oven" in text
    assert "You might also like" not in text
    # the menu, the related recipes (lists of links) and the footer are not the article
    for chrome in ("Newsletter", "Chocolate Fudge Brownies", "Banana Bread", "All rights reserved", "Skip to content"):
        assert chrome not in text


def test_markdown_link_targets_and_badges_are_markup_not_text(tmp_path):
    doc = _clean(tmp_path, "tutorial.md")
    text = doc["text"]
    assert doc["title"] == "Reading large CSV files in chunks with Python"
    assert "http" not in text and "](" not in text
    markup = _removed(doc, "H-MARKUP")
    assert any(m.startswith("[![build]") for m in markup)  # the badge, whole
    assert any("https://tools.example.org/docs/csv" in m for m in markup)  # the reference definition
    for related in ("Parsing JSON lines", "Faster pandas joins", "Edit this page", "Sign in"):
        assert related not in text


def test_code_tutorial_keeps_its_code_and_numbered_steps(tmp_path):
    text = _clean(tmp_path, "tutorial.md")["text"]
    for step in ("1. Open the file with the `csv` module", "2. Read a fixed number of rows", "3. Process the list"):
        assert step in text
    code = text[text.index("```python"):]
    for line in ("import csv", "def chunks(path, size=10000):", "yield rows", "```"):
        assert line in code
    assert "many gigabytes." in text


def test_table_page_keeps_its_table_rows(tmp_path):
    doc = _clean(tmp_path, "table.md")
    text = doc["text"]
    assert doc["title"] == "Winter timetable for the coast line"
    assert "Station | First train | Last train | Change" in text and "---|---|---|---" in text
    for row in ("Northport | 05:42 | 23:15", "Harbour Street | 06:03 | 23:36", "Southend Pier | 06:22 | 23:55"):
        assert row in text
    assert "Tickets bought before 10 December" in text and "machines in every station." in text
    for chrome in ("Timetables", "Lost property", "Accessibility"):
        assert chrome not in text


def test_lynx_dump_loses_link_numbers_and_references(tmp_path):
    doc = _clean(tmp_path, "lynx.txt")
    text = doc["text"]
    assert doc["source"]["style"] == "link-numbered"
    assert doc["title"] == "Council approves new footbridge over the river"
    assert "paid by a\ngovernment grant for walking" in text  # '[10]' removed from inside the sentence
    assert "[10]" not in text and "References" not in text and "https://" not in text
    assert "in the town centre." in text and text.startswith("The town council on Wednesday")
    assert len(_removed(doc, "H-REFERENCES")) >= 2
    assert main(["rules", "list", "--disable", "H-REFERENCES"]) == 0  # a known id, listed like the rest
    (tmp_path / "markup-kept").mkdir()
    kept = _clean(tmp_path / "markup-kept", "lynx.txt", "--disable", "markup")  # a known category
    assert "[10]" in kept["text"] and not _removed(kept, "H-MARKUP")
    for chrome in ("Station car park to close", "Share on Facebook", "Subscribe"):
        assert chrome not in text


def test_w3m_dump_keeps_hard_wrapped_paragraphs_whole(tmp_path):
    doc = _clean(tmp_path, "w3m.txt")
    text = doc["text"]
    assert doc["source"]["style"] == "hard-wrapped"
    assert doc["title"] == "Deep-sea survey finds dozens of unknown species"
    assert text.startswith("A survey of the seabed off the coast of Chile")
    assert "taxonomists will now describe the species formally" in text
    for chrome in ("Podcasts", "Why bees dance", "Cookie settings"):
        assert chrome not in text


def test_newswire_story_with_feed_markers_is_kept_whole(tmp_path):
    doc = _clean(tmp_path, "newswire.txt")
    text = doc["text"]
    assert doc["source"]["style"] == "feed-marked"
    assert "<" not in text and not any(ord(c) < 32 and c != "\n" for c in text)  # markers and control chars gone
    assert text.startswith("PORTSMOUTH, England (Wire) -- Dockworkers")
    for paragraph_end in ("the port authority said.", "unsafe for crane operators.", "Isle of Wight.",
                          "watching the talks\nclosely."):
        assert paragraph_end in text


def test_a_long_menu_of_o_bullets_does_not_set_the_stoplist(tmp_path):
    # inscriptis writes nested menus with 'o' bullets: a Slovak stopword, and the first words
    # of the page; the article's paragraphs, not the menu, tell the stoplist's language.
    text = _clean(tmp_path, "menu_bullets.txt")["text"]
    for paragraph in ("The harbour trust has put", "Volunteers spent four years", "Historians say", "Family historians"):
        assert paragraph in text
    assert "Lighthouses" not in text and "Copyright" not in text


def test_long_link_targets_are_not_a_blob(tmp_path):
    # A portal's markdown: every menu link carries a tracking target of 150+ characters, more
    # than half the page's letters; the targets are markup, and the article is not 'no-words'.
    track = ";_ylt=" + "A2KLJde1mppQ2gQAqQGm7" * 8
    menu = "\n".join(f"* [{name}](https://sports.example.com/{name.lower()}{track})"
                     for name in ("Home", "Football", "Tennis", "Golf", "Cycling", "Rugby", "Boxing", "Sailing"))
    story = ("The new stadium in the north of the city will be inspected again after engineers found cracks in "
             "two of the stands, the sports ministry said on Tuesday. ")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "portal.md").write_text(f"{menu}\n\n# Stadium to be inspected again\n\n{story * 2}\n\n{story}\n")
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    assert doc["title"] == "Stadium to be inspected again" and doc["text"].startswith("The new stadium")
    assert "_ylt" not in doc["text"] and "Cycling" not in doc["text"]


def test_newswire_story_with_long_paragraphs_is_still_feed_marked(tmp_path):
    # Paragraphs of ten lines and routing lines around them: a '<' on one line in five; the
    # story must not fall apart into wrapped blocks that 'end' in '<' (no sentence end).
    doc = _clean(tmp_path, "newswire_long.txt")
    text = doc["text"]
    assert doc["source"]["style"] == "feed-marked"
    assert doc["title"] == "Forty countries agree on fund to repair river dams"
    assert text.startswith("GENEVA (Wire) - Delegates from forty countries")
    for paragraph_end in ("it wants to repair.", "to make a difference.", "every dam\nthey visit."):
        assert paragraph_end in text
    assert "<" not in text and "ZCZC" not in text and "NNNN" not in text


def test_markdown_output_plain_removes_the_structure_syntax(tmp_path):
    recipe = _clean(tmp_path / "a", "recipe.md", "--markdown-output", "plain")["text"]
    assert "\n225 g unsalted butter, softened\n" in recipe and "* " not in recipe  # bullets go ...
    assert "\n2. Beat the butter and sugar" in recipe  # ... an ordered item keeps its number
    tutorial = _clean(tmp_path / "b", "tutorial.md", "--markdown-output", "plain")["text"]
    assert "\nSteps\n" in tutorial and "#" not in tutorial  # the heading, without its marks
    assert "```" not in tutorial and "import csv" in tutorial and "yield rows" in tutorial
    assert "`csv`" not in tutorial and "with the csv module" in tutorial  # inline code delimiters
    table = _clean(tmp_path / "c", "table.md", "--markdown-output", "plain")
    assert "|" not in table["text"] and "---" not in table["text"]
    assert "Station First train Last train Change\nNorthport 05:42 23:15" in table["text"]
    assert any(r["reason"].startswith("markdown structure") for r in table["removed"])
    default = _clean(tmp_path / "d", "table.md")["text"]  # markdown stays markdown by default
    assert "Station | First train | Last train | Change" in default


def test_markdown_output_is_a_config_key_and_is_checked(tmp_path):
    (tmp_path / "cleaner.toml").write_text('markdown_output = "plain"\n')
    text = _clean(tmp_path, "recipe.md", "--config", str(tmp_path / "cleaner.toml"))["text"]
    assert "* " not in text and "225 g caster sugar" in text
    (tmp_path / "bad.toml").write_text('markdown_output = "html"\n')
    assert main(["clean", str(DUMPS / "recipe.md"), "-o", str(tmp_path / "bad"), "-q",
                 "--config", str(tmp_path / "bad.toml")]) == 2


@pytest.mark.parametrize("name, style", [("interview.txt", "one-line"), ("interview_w3m.txt", "hard-wrapped"),
                                         ("interview.md", "markdown")])
def test_questions_answers_and_verse_inside_the_article_are_kept(tmp_path, name, style):
    doc = _clean(tmp_path, name)
    text = doc["text"]
    assert doc["source"]["style"] == style
    for line in ("Why the lighthouse?", "Lonely?", "Less than I expected.", "And the poems?"):
        assert line in text
    verse = ("Salt on the window", "Salt on the stair", "The lamp keeps turning", "And nobody there.")
    assert all(line in text for line in verse)  # short Title-less lines, not a list of links
    assert text.rstrip().endswith("at the city library next month.")
    # the same shapes after the article are the site's: its FAQ and its 'poem of the week'
    for chrome in ("How do I subscribe?", "Can I cancel?", "Roses are red", "newsletter is new"):
        assert chrome not in text


def test_dump_style_flag_overrides_the_detection(tmp_path):
    doc = _clean(tmp_path, "w3m.txt", "--dump-style", "one-line")
    assert doc["source"]["style"] == "one-line"


def test_one_line_dump_is_judged_line_by_line(tmp_path):
    story = ("The harbour master said on Monday that the new quay would open in May, two months later "
             "than planned, because of the storms in the winter.")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.txt").write_text("\n".join(["Home", "News", "Sport", "Harbour quay delayed",
                                                          story, story.replace("May", "June"), "Contact us"]))
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--min-words", "5"]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    assert doc["source"]["style"] == "one-line" and doc["title"] == "Harbour quay delayed"
    assert doc["text"].count("harbour master") == 2 and "Contact us" not in doc["text"]


@pytest.mark.parametrize("name", ["recipe.md", "tutorial.md", "table.md", "lynx.txt", "w3m.txt", "newswire.txt",
                                  "newswire_long.txt", "menu_bullets.txt", "interview.txt", "interview.md"])
def test_explain_shows_the_style_and_the_blocks(tmp_path, capsys, name):
    assert main(["explain", str(DUMPS / name), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "text dump style:" in out and " blocks from " in out


def test_w3m_paragraph_wider_than_indented_comments_is_one_block(tmp_path, capsys):
    # Most lines are nested comments, indented (normalisation strips the indentation), so the
    # column limit found is the comments'; a paragraph the full width of the page still wraps.
    assert main(["explain", str(DUMPS / "w3m_comments.txt"), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "text dump style: hard-wrapped" in out
    about = out[out.index("- Style diary is written in Lisbon"):].split("\n")
    assert about[1].endswith("# ┆ same block") and about[2].endswith("# ┆ same block")
    doc = _clean(tmp_path, "w3m_comments.txt")
    assert doc["title"] == "IN THE OLD TOWN – LISBON"
    assert doc["text"] == ("I am completely taken by the autumn collection of a small Lisbon label, my\n"
                           "favourite. The coat is vintage, the wool trousers are from a flea market, and\n"
                           "the boots are by a local cobbler.")


@pytest.mark.parametrize("labels, trailer, style", [
    ("[12][image] [13][avatar] [14][image] [15][mp3]", ["References", "", "12. https://example.org/a.jpg"],
     "link-numbered"),
    ("[post][post][post][post][post]", [], "hard-wrapped")])
def test_browser_image_labels_are_not_markdown_links(tmp_path, labels, trailer, style):
    # lynx writes '[12][image]', w3m '[post][post]' for pictures: '][' is a markdown reference
    # link only where its '[ref]:' is defined, so these dumps stay what they are.
    story = ("The harbour trust has put its whole archive of ship plans online, more than four thousand "
             "drawings, and the volunteers who scanned them say the work took them nearly four years.")
    lines = textwrap.wrap(story, 78) + [""] + textwrap.wrap(story.replace("four years", "five winters"), 78)
    dump = "\n".join(["Harbour archive goes online", "", labels, ""] + lines + ["", labels, "", labels, ""] + trailer)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.txt").write_text(dump)
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    assert doc["source"]["style"] == style
    assert doc["text"].startswith("The harbour trust") and "five winters." in doc["text"]


def test_markdown_dump_with_page_script_keeps_its_article(tmp_path):
    # html2text lets a page's script through as text; its '<!--' is no HTML block running to
    # the end of the dump (CommonMark ends a comment block only at '-->'), the article after it stays.
    story = ("The council has approved the plans for a new footbridge over the river, which will link the "
             "station with the market square and should open in the spring of next year.")
    dump = "\n".join(["# [Town News](/)", "", "* [Home](/)", "* [Sport](/sport/)", "",
                      "<!-- var ord = Math.random(); document.write('<iframe src=\"x\">');", "",
                      "## New footbridge approved", "", story, "", story.replace("spring", "summer"), "",
                      "* [Contact](/contact/)"])
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.md").write_text(dump)
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    assert doc["source"]["style"] == "markdown"
    assert doc["text"].startswith("The council has approved") and "in the summer of next year." in doc["text"]
    assert "Math.random" not in doc["text"]


def test_english_page_with_spanish_comments_gets_the_english_stoplist(tmp_path, capsys):
    # Finnish's stoplist (6,800 words) holds English and Spanish words alike; counted raw, it
    # won the stoplist guess for English pages with Spanish comments. Each list's votes are
    # weighed by its size, so the English list judges the page (explain shows its densities).
    lines = ["Home", "Blog", "A letter to my readers",
             "I am the one who is in love with a life in the city, and I do it all for the love of a city on a river.",
             "It is a long way from the house I grew up in to the city, and in all my life I did not think I would "
             "live in it.",
             "Comments",
             "Qué bonito lo que escribes, me has hecho llorar con esta historia de amor y de la vida en la ciudad.",
             "Me encanta la forma en que lo cuentas, y en mi casa lo leemos todos los días con los niños y la abuela.",
             "© 2012 Letters"]
    (tmp_path / "letter.txt").write_text("\n".join(lines) + "\n")
    assert main(["explain", str(tmp_path / "letter.txt"), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "- Home  # " in out and "stopwords 1.00)" in out.split("\n")[0]  # 'home' is an English stopword
    spanish = [line for line in out.split("\n") if line.startswith("- Me encanta")]
    assert spanish and float(spanish[0].rsplit("stopwords ", 1)[1].rstrip(")")) < 0.2

@pytest.mark.parametrize("bullet", ["*", "□", "○"])  # inscriptis and lynx; w3m's second level; a page's own
def test_a_list_of_recent_comments_before_the_article_does_not_win_the_body(tmp_path, bullet):
    # A sidebar of recent comments is a run of sentences as long as an article's paragraphs, but
    # list items: in the body search an item counts half its words, and the article wins.
    comments = ["* Anna on Harbour bridge: I walked across it yesterday with the children and the view was lovely.",
                "* Tom on Ferry strike: the boats were late again this morning and nobody told us why at all.",
                "* Mia on School fete: thank you to all of the parents who baked for the stall on Saturday.",
                "* Joe on Harbour bridge: it is about time the council did something for the people in the east.",
                "* Sam on Market day: the new stalls by the river are a great idea and I hope that they stay.",
                "* Liz on Ferry strike: my son missed his exam because of it and the school did not help him."]
    story = ("The harbour master said on Monday that the new quay would open in May, two months later than "
             "planned, because the storms of the winter damaged the piles that were driven in the autumn.")
    more = ("Fishing boats will use the old slipway until then, and the council has promised that the car park "
            "by the market will stay open to the crews and their customers for the whole of the summer.")
    comments = [bullet + comment[1:] for comment in comments]
    dump = "\n".join(["Town News", "Recent comments", *comments, "Categories", "* Harbour", "* Schools", "* Sport",
                      "* Weather", "Harbour quay delayed until May", story, more, "* Share", "Contact us"])
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.txt").write_text(dump + "\n")
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    assert doc["title"] == "Harbour quay delayed until May"
    assert doc["text"].startswith("The harbour master said") and doc["text"].endswith("the whole of the summer.")
    assert "walked across it" not in doc["text"]


def test_a_hard_wrapped_recurring_promo_between_paragraphs_is_removed(tmp_path):
    # The recurring-line count keys physical lines; a promo w3m wrapped over two lines recurs
    # as a block whose every line recurs, and goes from each story like a one-line one.
    promo = ("Our reporters are on the coast every day of the year, and you can support their work "
             "with a gift to the Riverton Courier trust")
    stories = [("Harbour quay delayed until May", "The harbour master said on Monday that the new quay would open "
                "in May, two months later than planned, because the storms of the winter damaged the piles."),
               ("School fete raises record sum", "Parents and teachers at the primary school raised more money "
                "at the summer fete than ever before, and the head said it would pay for a new library."),
               ("Ferry crews return to work", "The ferry crews went back to work on Thursday after the union and "
                "the operator agreed on a new rota, ending a strike that had lasted for nearly two weeks.")]
    (tmp_path / "in").mkdir()
    for i, (title, story) in enumerate(stories):
        paragraphs = [story, story.replace("the", "that"), story.replace("and", "while")]
        lines = [title, ""] + textwrap.wrap(paragraphs[0], 78) + [""] + textwrap.wrap(promo, 78) + [""]
        for paragraph in paragraphs[1:]:
            lines += textwrap.wrap(paragraph, 78) + [""]
        (tmp_path / "in" / f"story-{i}.txt").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert main(["clean", str(tmp_path / "in"), "-o", str(out), "-q", "--no-dedup", "--provenance", "full"]) == 0
    docs = _jsonl(out / "documents" / "documents.jsonl")
    removed = _jsonl(out / "removed.jsonl")
    assert len(docs) == 3
    for doc, spans in zip(docs, removed):
        assert doc["source"]["style"] == "hard-wrapped"
        assert "reporters" not in doc["text"] and doc["text"].count("\n\n") == 2  # the story's three paragraphs
        (recurring,) = [r["text"] for r in spans["removed"] if r["rule"] == "H-RECURRING"]
        assert " ".join(recurring.split()) == promo


def _markdown_story(tmp_path: Path, name: str, title: str, first: str, last: str) -> dict:
    """The cleaned document of a markdown fixture, checked for its style, title and story's ends."""
    doc = _clean(tmp_path, name)
    assert doc["source"]["style"] == "markdown"
    assert doc["title"] == title
    assert doc["text"].startswith(first) and doc["text"].endswith(last)
    return doc


def test_html2text_dump_keeps_its_story_whole(tmp_path, capsys):
    # html2text wraps at 78 columns: the headline's link is cut over two lines, the story's last
    # paragraph runs straight into its share links, and the page's <abbr> titles come as a
    # paragraph of '*[...]: ...' definitions after everything.
    doc = _markdown_story(tmp_path, "html2text.md",
                          "Harbour trust puts four thousand ship plans from the river yards online",
                          "The harbour trust has put", "any ledger.")
    text = doc["text"]
    assert "Twitter" not in text and "2012-11" not in text and "https://" not in text
    assert any(r.startswith("*[November 2, 2012") for r in _removed(doc, "H-MARKUP"))
    assert main(["explain", str(DUMPS / "html2text.md"), "--color", "never"]) == 0
    out = capsys.readouterr().out.split("\n")
    headline = next(i for i, line in enumerate(out) if line.startswith("- ## [Harbour trust"))
    assert "H-TITLE" in out[headline + 1]  # the heading's second line is the heading, not a paragraph
    share = next(line for line in out if line.startswith("- [Twitter]"))
    assert "H-TAIL" in share and "same block" not in share  # its own block, not the story's last paragraph


def test_markdown_paragraph_is_not_cut_where_it_was_wrapped(tmp_path):
    # A paragraph wrapped at the column limit stays one block; only a line the next word would
    # have fitted on ends one.
    story = ("The harbour trust has put its whole archive of ship plans online, more than four thousand "
             "drawings, and the volunteers who scanned them say the work took them nearly four years.")
    paragraphs = [textwrap.fill(story.replace("four years", span), 78)
                  for span in ("four years", "five winters", "six summers", "two decades")]
    dump = "\n\n".join(["# Harbour archive goes online", *paragraphs, "[Home](https://example.org/) | "
                        "[News](https://example.org/news)", "## More", "[Tides](https://example.org/tides)"])
    layout = judge_dump(dump)
    story_blocks = [b for b in layout.blocks if b.text.startswith("The harbour trust")]
    assert [b.lines for b in story_blocks] == [3, 3, 3, 3]
    assert [dump[b.start:b.end] for b in story_blocks] == paragraphs
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.md").write_text(dump + "\n")
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q"]) == 0
    (doc,) = _jsonl(tmp_path / "out" / "documents" / "documents.jsonl")
    assert doc["text"] == "\n\n".join(paragraphs)


def test_html2text_link_targets_wrapped_at_a_hyphen_are_links(tmp_path):
    # html2text wraps a long URL after a hyphen ('.../ferry-crews-learn-to-' / 'read-the-river-again/)'):
    # the parser must still see the link, or its syntax is read as text (a headline keeping its '## ',
    # a paragraph starting '**' taken for a list item, its link words for prose).
    text = _markdown_story(tmp_path, "html2text_wrapped_targets.md",
                           "Ferry crews learn to read the lower river again after the dredging of the old channel",
                           "**The ferry crews** on the lower river", "begin again.")["text"]
    assert "](" not in text and "ends/)" not in text and "edition/)" not in text
    dump = (DUMPS / "html2text_wrapped_targets.md").read_text()
    story = next(b for b in judge_dump(dump).blocks if "ferry crews" in b.text)
    assert story.text.startswith("The ferry crews on the lower river") and story.links == 1
    assert story.text.endswith("knew by heart.")


@pytest.mark.parametrize("fixture, style, teaser_date", [
    ("w3m_teasers.txt", "hard-wrapped", "2 days ago"),
    ("lynx_teasers.txt", "link-numbered", "3 hrs ago"),
])
def test_teasers_under_their_bullets_do_not_win_the_body(tmp_path, fixture, style, teaser_date):
    # w3m writes a list item whose content starts with a block as a bullet alone on its line, the
    # teaser's headline and date wrapped below it; lynx indents every line of an item under its
    # bullet. Those lines are the item's: at half value in the body search, the sidebar above
    # 'Add a Comment' no longer outweighs the article after it.
    doc = _clean(tmp_path, fixture)
    assert doc["source"]["style"] == style
    assert doc["title"] == "Harbour quay delayed until May"
    assert doc["text"].startswith("The harbour master said on Monday")
    assert doc["text"].endswith("allowed the divers to start.")
    assert "ferry pier" not in doc["text"] and teaser_date not in doc["text"]


def test_a_long_comment_of_a_thread_does_not_outweigh_a_short_story(tmp_path):
    # Slashdot-like: a one-paragraph story, then comments whose headers carry a clock that runs
    # into 'PM' ('@08:31PM'). The headers are comment walls, and a comment framed by them (after
    # a segment framed so too) is no measure of the article: the longest comment is longer
    # than the story but does not take the body.
    doc = _clean(tmp_path, "comment_thread.txt", "--dump-style", "one-line")
    assert doc["title"] == "Harbour Quay Delayed Until May"
    assert doc["text"].startswith("The harbour master said on Monday") and doc["text"].endswith("whatever the traders say.")
    assert "grandfather" not in doc["text"] and "tidewatcher" not in doc["text"]


def test_an_extractors_markdown_with_one_heading_is_markdown(tmp_path):
    # trafilatura's markdown: blank-line paragraphs, a heading and bold text, no links. One
    # heading is too little markdown for a page dump, but a dump of a page's lines is not
    # written in blank-line paragraphs; read as one-line, the title kept its '## '.
    doc = _clean(tmp_path, "extracted_comments.md")
    assert doc["source"]["style"] == "markdown"
    assert doc["title"] == "Harbour quay delayed until May"


def test_comments_after_an_extracted_article_do_not_outweigh_it(tmp_path):
    # trafilatura appends the page's comments after the article; where a comments header
    # survives ('{ 11 comments… read them below or add one }', braces and all), the short story
    # before it is the body even though the thread after it is worth more than three times as much.
    doc = _clean(tmp_path, "extracted_comments.md", "--dump-style", "markdown")
    assert doc["text"].startswith("The harbour master said on Monday")
    assert doc["text"].endswith("in this paper on Monday morning.**")
    assert "read them below" not in doc["text"] and "grandfather" not in doc["text"]


def test_a_comment_button_above_an_extracted_article_does_not_end_it(tmp_path):
    # 'Comment' in a share bar above the story is a comments header too; the one sentence
    # before it is no article, so the story after it stays the body.
    text = _clean(tmp_path, "extracted_share_bar.md")["text"]
    assert text.startswith("The harbour master said on Monday")
    assert "in this paper on Monday morning.**" in text


@pytest.mark.parametrize("name, title, article, chrome", [
    ("zh_news.txt", "市议会投票通过老火车站改建方案 全市首座铁路主题公共图书馆明年动工",
     ["市议会周二投票决定，将闲置多年的老火车站改建为一座公共图书馆", "老车站还将设立一个小型铁路历史博物馆。"],
     ["首页", "登录", "相关新闻", "市长为跨河新桥剪彩", "分享到微信", "版权所有"]),
    ("ja_news.txt", "北の桟橋、橋脚にひび割れ 当面閉鎖へ",
     ["港湾局は月曜日、北側の桟橋を支える", "南側の岸壁を当面使うことになる。"],
     ["ホーム", "ログイン", "関連記事", "市長、新しい橋の開通式に出席", "シェア", "会社概要", "Copyright"]),
])
def test_a_chinese_or_japanese_dump_keeps_its_article_and_drops_the_chrome(tmp_path, name, title, article, chrome):
    """Chinese and Japanese write no spaces between words: a paragraph was one 'word' and had
    no stopwords, so the whole dump looked like a menu and was rejected empty. Two Han or kana
    characters count as a word (a Chinese headline of 31 characters is no 31-word line, too long
    for a headline), and the clause marks (，、。) tell running text from a menu entry or a
    headline."""
    doc = _clean(tmp_path, name)
    assert doc["title"] == title
    assert all(part in doc["text"] for part in article)
    assert not any(part in doc["text"] for part in chrome)


def test_relative_link_lines_do_not_widen_the_column_limit(tmp_path):
    # html2text wraps at 78 columns but never inside a link target: a menu line of relative links
    # ('* [Ferry Timetables](/travel/...)') runs past the limit. Counted as text, it set the limit
    # at 82, so a full line of 76 (the next word, 'KBKW', would have made it 81) looked like
    # a line the page broke, and the paragraph's first line was cut off as a lone headline.
    doc = _clean(tmp_path, "html2text_relative_links.md")
    assert "Of Riverton tells\nKBKW that the damage" in doc["text"]
    assert "Ferry Timetables" not in doc["text"]


def test_a_link_target_wrapped_at_a_hyphen_does_not_widen_the_column_limit(tmp_path):
    # html2text breaks a long link target after a hyphen; the rest of the target ('delayed-until-
    # may-...#ixzz2):', 81 columns) is as long as the URL is. Counted as a wrapped line, it set the
    # limit at 81: the full line before 'Ltd [said](...)' looked like one the page broke, 'Ltd said:'
    # became a block of its own, a comment's 'X said:' header, and the story after it was lost.
    text = _clean(tmp_path, "html2text_wrapped_target_width.md")["text"]
    assert "a spokesman for Keel\nLtd said:" in text
    assert text.endswith("for the\nweekend.")


def test_markdown_layout_table_keeps_the_article_in_a_cell_beyond_the_header(tmp_path):
    # markdownify writes a page laid out in a table as one row, its cells' paragraphs joined by
    # runs of spaces; the row has more cells than the header, and CommonMark drops the excess
    doc = _clean(tmp_path, "layout_table.md")
    text = doc["text"]
    assert doc["title"] == "Night trains return to the valley line"
    for sentence in ("ten years after the last one was cut to save money.", "Tickets will cost the same",
                     "from people working late shifts", "back to its restaurants and theatre."):
        assert sentence in text
    for chrome in ("Transport", "Most read", "Bridge repairs delayed", "Privacy", "|"):
        assert chrome not in text


def test_an_aligned_data_table_stays_table_rows(tmp_path):
    text = _clean(tmp_path, "aligned_table.md")["text"]
    assert "| Train | Leaves the city | Reaches the terminus |" in text
    assert "| First | 00:30 | 01:52 |" in text and "| Second | 02:00 | 03:22 |" in text
    assert "calling at every station up to the terminus in the hills:" in text
    assert "Bridge repairs delayed" not in text


def test_w3m_columns_side_by_side_are_read_one_at_a_time(tmp_path):
    # w3m sets a layout table's columns next to each other: the article's lines share physical
    # lines with a sidebar's; the article's own double spaces after full stops are no gutter
    doc = _clean(tmp_path, "w3m_columns.txt")
    text = doc["text"]
    assert doc["title"] == "Rebuilding of the north pier to start in March"
    for line in ("The harbour board agreed on Tuesday to rebuild the\nold north pier",
                 "winters ago. The work will start in March and\nshould take eighteen months.",
                 "coastal towns. Local businesses have welcomed the\ndecision"):
        assert line in text
    for chrome in ("Most read", "Ferry fares", "in the new year", "Sunny", "Sign up", "Facebook", "Cookie settings"):
        assert chrome not in text
    removed = " ".join(r["text"] for r in doc["removed"])
    assert "• Ferry fares to rise" in removed and "in the new year" in removed


def test_html2text_story_in_a_layout_cell_is_one_block_that_outweighs_the_sidebar(tmp_path, capsys):
    # html2text writes a table cell's paragraphs as one paragraph, wrapped at 78 columns: the whole
    # story is one block of 700 words. A wrapped line that happens to start with a dash ('- men
    # who had built ...') and a line full only with the page's double space after a full stop
    # ('done.  The first problem ...') do not cut it; and a block of many paragraphs run together
    # is worth more in the body search than the sidebar's 130-word bio before it.
    doc = _markdown_story(tmp_path, "html2text_layout_cell.md", "The tide mill turns again",
                          "On\nSaturday the old tide mill", "creaking exactly as the carpenter had promised it would.")
    text = doc["text"]
    assert "engineers\n- men who had built bridges" in text and "it is done. The first problem" in text
    for chrome in ("harbour pilot", "Select Month", "eel traps", "Tags:", "grandfather", "Leave a Reply"):
        assert chrome not in text
    dump, layout = normalize_with_layout((DUMPS / "html2text_layout_cell.md").read_text())
    story = next(b for b in judge_dump(dump, layout=layout).blocks if b.text.startswith("On Saturday"))
    assert story.kind == "text" and story.text.endswith("promised it would.") and len(story.text.split()) > 700


def test_comments_whose_header_opens_their_list_item_are_not_the_article(tmp_path):
    # html2text writes a WordPress comment as one list item, its header and its text together
    # ('Devin says: [ November 5, 2012 at 2:40 pm](...) Good news at last. ...'): with no comments
    # header before the thread, the items ran on from the story as more of its prose. A block that
    # opens with a comment's header (a name, 'says:', a date and a time) is a comment's wall.
    doc = _markdown_story(tmp_path, "html2text_comment_items.md", "Orchard plot opens to members on the waiting list",
                          "The allotment society met", "is filed\nunder News.")
    assert "long grass on Saturday morning." in doc["text"]
    for comment in ("Good news at last", "Maggie Rowe", "the shed on that", "Sharing the trees", "walk my dog"):
        assert comment not in doc["text"]


def test_a_last_paragraph_that_introduces_a_list_is_kept(tmp_path):
    # The story's last paragraph ends in a colon before the list it introduces: no full stop, but
    # a finished paragraph of the article, not a blurb trailing off into link text.
    doc = _clean(tmp_path, "intro_to_a_list.txt")
    assert doc["title"] == "Ferry timetable changes for the winter"
    assert doc["text"].startswith("The harbour board has agreed")
    assert doc["text"].endswith("which the board will also print on the notices at each quay, are:")
    assert "Share this article" not in doc["text"] and "Copyright" not in doc["text"]
