"""The HTML extractor's options and its result."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class HtmlConfig:
    """Tunables of the HTML extractor. Defaults are the ones measured on dragnet-dev."""

    max_chars: int = 1_000_000
    """Pages longer than this (decoded characters) are cut at a tag boundary before parsing:
    bounds parse and extraction time on huge pages."""
    max_elements: int = 30_000
    """Above this many elements only trafilatura runs (no readability vote). Work is bounded by
    the page's size, never by the clock, so the output does not depend on the machine's load;
    the pipeline's ``--doc-timeout`` is the guard against a page that still takes too long."""
    favor_precision: bool = True
    """trafilatura's precision mode (measured better than balanced, alone and in the vote)."""
    use_readability: bool = True
    """Let readability vote on trafilatura's blocks (see ``vote_on_solid``): trafilatura's fork
    of readability, ~3 ms a page; readability-lxml is the last resort for pages where every
    other path found junk. Off, the text is trafilatura's own (full mode)."""
    vote_on_solid: bool = True
    """readability votes on every page. False: not where trafilatura's text is *solid*
    (``solid_min_words``), whose blocks are then the text: the fork's time saved on those
    pages, for F1 -0.004 on dragnet-dev and -0.002 on -train, and more on held-out news pages
    (docs/html.md)."""
    solid_min_words: int | None = 100
    """trafilatura's text is *solid* when it covers at least this many words of the page's
    blocks and the long blocks it left out between its first and last hold under
    ``solid_max_gap`` of that (``_is_solid``). Where trafilatura and readability agree on
    (almost) nothing, a solid text of trafilatura's is kept. ``None``: never solid."""
    solid_max_gap: float = 0.1
    """See ``solid_min_words``."""
    core_min_words: int = 10
    """Below this many words of agreement the two picked different containers: choose one."""
    block_coverage: float = 0.5
    """Share of a block's 4-word shingles an extractor's output must contain to vote for it."""
    min_text_chars: int = 100
    """Below this the next path is tried (vote -> trafilatura's own text -> readability's ->
    jusText's -> readability-lxml's)."""
    max_code_share: float = 0.5
    """A text more than this share code (``junk.looks_like_code``) is junk too: the next path
    is tried."""
    drop_comments: bool = True
    """Drop blocks from a reader-comments heading ("Comments", "12 Responses", ...) onwards."""
    drop_link_islands: bool = True
    """Drop kept blocks that are short, all link text and lead to the site's own pages, two or
    more in a row or one after the article (related headlines; ``junk.link_islands``)."""
    extensive_date_search: bool = False
    """htmldate's extensive search: slower, and rarely finds a date the fast one misses."""
    justext_stoplist: str | None = None
    """jusText stoplist language ("English"); ``None`` = all languages merged."""

    def __post_init__(self) -> None:
        if self.max_chars < 1000 or self.max_elements < 100:
            raise ValueError("HtmlConfig: max_chars must be >= 1000 and max_elements >= 100")
        if not 0 < self.block_coverage <= 1:
            raise ValueError(f"HtmlConfig.block_coverage must be in (0, 1], got {self.block_coverage}")
        if self.solid_max_gap < 0 or (self.solid_min_words is not None and self.solid_min_words < 1):
            raise ValueError("HtmlConfig: solid_max_gap must be >= 0 and solid_min_words >= 1 (or None)")
        if not 0 <= self.max_code_share <= 1:
            raise ValueError(f"HtmlConfig.max_code_share must be in [0, 1], got {self.max_code_share}")
        if self.core_min_words < 0 or self.min_text_chars < 0:
            raise ValueError("HtmlConfig: core_min_words and min_text_chars must be >= 0")


@dataclass(frozen=True, slots=True)
class Extraction:
    title: str | None
    text: str  # paragraphs separated by blank lines; the headline is in ``title``, not here
    # only keys that are known: trafilatura's (author, date, url, hostname, sitename, ...) and
    # "encoding" when the page came as bytes
    metadata: dict[str, str] = field(default_factory=dict)
    # "vote:trafilatura+readability", "trafilatura-blocks", "readability-blocks", "trafilatura",
    # "justext", "none"
    extractor: str = "none"
    # what went wrong in an extractor on this page ("readability: ValueError: ..."), the page's
    # text coming from the others; the pipeline records each as a warning of the document
    problems: tuple[str, ...] = ()
