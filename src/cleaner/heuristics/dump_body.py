"""Text in, blocks and decisions out: the body heuristics of a text dump as one call.

:func:`judge_dump` is what the heuristics step runs on a dump, and what other text (an HTML
extractor's output, markdown from trafilatura) can be run through: the style, the blocks
with their exact spans, and a keep/remove verdict for each.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from cleaner.document import Layout
from cleaner.heuristics.blocks import Block, dump_blocks
from cleaner.heuristics.body import BodyConfig, LineVerdict, locate_body
from cleaner.heuristics.lines import short_line_key
from cleaner.langid.detect import GUESS_TOKENS, guess_language

MARKUP_VERDICT = LineVerdict(False, "H-MARKUP", "markup", "markup without article text")
REFERENCES_VERDICT = LineVerdict(False, "H-REFERENCES", "navigation", "the dump's list of link targets")


# A list bullet at a block's start: inscriptis and lynx write nested menus with 'o' bullets.
_BULLET = re.compile(r"^(?:[-*+o•·▪◦#>]|\d{1,3}[.)])\s+")


def language_sample(texts: list[str]) -> list[str]:
    """The blocks' texts for the stoplist guess: most words first, list bullets left out, so
    that the article's paragraphs speak, not a menu whose 'o' bullets are Slovak stopwords.

    >>> language_sample(["o Board", "o Staff", "The trust has put its archive online."])
    ['The trust has put its archive online.', 'Board', 'Staff']
    """
    sample, words = [], 0
    for text in sorted(texts, key=lambda t: t.count(" "), reverse=True):
        if words >= 2 * GUESS_TOKENS:  # more than the guess reads (a word may be two of its tokens)
            break
        sample.append(_BULLET.sub("", text, count=1))
        words += text.count(" ") + 1
    return sample


def recurring_blocks(text: str, blocks: list[Block], recurring: frozenset[str]) -> list[bool]:
    """For each block, whether it recurs in other documents: every one of its physical lines is
    a recurring line (the count keys lines, :mod:`cleaner.heuristics.recurring`), so a promo
    hard-wrapped over two lines is found as a one-line one is.

    >>> dump = "Read the full story of the\\nharbour bridge\\nThe bridge opened."
    >>> blocks = [Block(0, 41, "Read the full story of the harbour bridge", lines=2), Block(42, 60, "The bridge opened.")]
    >>> recurring_blocks(dump, blocks, frozenset({"read the full story of the", "harbour bridge"}))
    [True, False]
    """
    if not recurring:
        return [False] * len(blocks)
    most = _most_words(recurring)  # a line of more words has no key in the set: it is not keyed

    def recurs(line: str) -> bool:
        key = short_line_key(line, most)
        return key is not None and key in recurring

    return [all(recurs(line) for s, e in b.spans for line in text[s:e].split("\n") if line.strip()) for b in blocks]


_MOST_WORDS: dict[int, tuple[frozenset[str], int]] = {}  # id(set) -> (set, most words of its keys): a site's
#                                                           set is the same object for all its documents


def _most_words(keys: frozenset[str]) -> int:
    """The most words any of ``keys`` has."""
    known = _MOST_WORDS.get(id(keys))
    if known is None or known[0] is not keys:
        if len(_MOST_WORDS) >= 256:
            _MOST_WORDS.clear()
        known = _MOST_WORDS[id(keys)] = (keys, max(len(key.split()) for key in keys))
    return known[1]


@dataclass(frozen=True, slots=True)
class DumpLayout:
    style: str  # see cleaner.heuristics.dump_style.STYLES
    blocks: list[Block]  # every block of the text, in order
    verdicts: list[LineVerdict]  # one per block
    title: int | None  # index into ``blocks`` of the headline, or None


def judge_dump(text: str, style: str | None = None, lang: str | None = None,
               recurring: frozenset[str] = frozenset(), config: BodyConfig = BodyConfig(),
               syntax: bool = False, layout: Layout = Layout()) -> DumpLayout:
    """Blocks of a normalised text and the body locator's verdict on each (``style`` None:
    detected; ``lang``: the stoplist's language, None: guessed from the blocks' text, not from
    the markup; ``recurring``: the line keys that recur in other documents, see
    :func:`recurring_blocks`; ``syntax``, ``layout``: see :func:`dump_blocks`).

    >>> layout = judge_dump("Home\\nNews\\n" + "The mayor said on Monday that the bridge would open in May, "
    ...                     "two months later than the council had planned." + "\\nContact us")
    >>> layout.style, [v.keep for v in layout.verdicts]
    ('one-line', [False, False, True, False])
    """
    style, blocks = dump_blocks(text, style, syntax, layout)
    judged = [i for i, b in enumerate(blocks) if b.kind not in ("markup", "reference")]
    texts = [blocks[i].text for i in judged]
    lang = lang or guess_language(language_sample(texts))
    body = locate_body(texts, lang=lang, config=config, linked=[blocks[i].linked for i in judged],
                       kinds=[blocks[i].kind for i in judged],
                       recurs=recurring_blocks(text, [blocks[i] for i in judged], recurring),
                       # markdown without a link: an extractor's article, not a page (see locate_body)
                       extracted=style == "markdown" and not any(b.links or b.markup for b in blocks))
    verdicts = [REFERENCES_VERDICT if b.kind == "reference" else MARKUP_VERDICT for b in blocks]
    for i, verdict in zip(judged, body.verdicts):
        verdicts[i] = verdict
    return DumpLayout(style, blocks, verdicts, None if body.title is None else judged[body.title])
