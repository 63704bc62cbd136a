"""Per-line features of a plain-text page dump, as small pure functions.

A dump holds one visible text block per line. Whether a line is article text or page chrome
is decided later, from these features *and* the line's neighbours (see :mod:`cleaner.heuristics.body`);
nothing here looks beyond a single line, so every function is cheap and testable alone.

The features follow the boilerplate literature: length and stopword density (jusText), a
sentence ending (C4), the share of interface words (link density's text-only stand-in),
bullets, capitalisation (headlines and menus are Title Case) and digits (dates, counters).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from cleaner import words as script_words
from cleaner.compiled import load


_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d+")
_DIGIT_CHAR = re.compile(r"\d")
_LONG_WORD_INITIAL = re.compile(r"\b([^\W\d_])\w{3}")  # first letter of each word of 4+ chars

# Closing quotes and brackets may follow the full stop: 'he said."' and '(AP).' both end
# sentences.
_CLOSERS = "\"'”’»)]*」』）】"
_SENTENCE_END = (".", "!", "?", "…", "。", "！", "？")
# Chinese and Japanese have no stoplist (jusText has none; a stopword is no token of its own
# there): a line mostly of Han or kana is running text when it has the punctuation of one
# (its stopword density is 1.0, else 0.0), jusText's language-independent mode plus that.
# Its words: two Han or kana characters a word (words.HAN_KANA_PER_WORD).
CLAUSE_MARKS = "，、；。！？"
# w3m's bullets by list depth after •: □ ☆ (and ○ ● ◎ ■ ◦ ▪ of pages' own list styles)
BROWSER_BULLETS = "□○●◎■☆◦▪"
_BULLETS = ("•", "·", "*", "-", "–", "—", "►", "▶", "»", ">", "›", "|", "+", *BROWSER_BULLETS)

# Words that name interface actions or page furniture rather than say anything. English
# only: for other languages this feature stays near zero and the others carry the decision.
UI_WORDS = frozenset("""
share shares shared tweet tweets retweet facebook twitter linkedin pinterest reddit whatsapp
email e mail print comment comments reply replies login logout log sign signin register
subscribe subscribed subscription newsletter follow like likes pin menu home search next
previous prev older newer more read click here view gallery photos video videos advertisement
advertise related tags tag posted copyright rights reserved privacy policy terms cookie cookies
contact rss feed skip navigation top back loading permalink trackback archive archives
categories category login username password forgot submit cancel sitemap faq help
""".split())

# ISO 639-1 code -> jusText stoplist name (the languages jusText ships a list for that
# cleaner is likely to see; anything else falls back to English, see ``stoplist``).
_STOPLIST_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "eo": "Esperanto", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician", "he": "Hebrew",
    "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian",
    "is": "Icelandic", "it": "Italian", "ka": "Georgian", "ko": "Korean", "la": "Latin",
    "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "ms": "Malay", "nl": "Dutch",
    "nn": "Norwegian_Nynorsk", "no": "Norwegian_Bokmal", "nb": "Norwegian_Bokmal",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili",
    "ta": "Tamil", "te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
}


@lru_cache(maxsize=64)
def stoplist(lang: str | None) -> frozenset[str]:
    """jusText's stopword list for an ISO 639-1 code, casefolded; English when unknown.

    >>> "the" in stoplist("en") and "der" in stoplist("de")
    True
    >>> stoplist("xx") == stoplist(None) == stoplist("en")
    True
    """
    import justext  # optional dependency, needed only by the heuristic extractor

    name = _STOPLIST_NAMES.get((lang or "en").lower().split("-")[0], "English")
    try:
        words = justext.get_stoplist(name)
    except ValueError:  # a jusText build without this language
        words = justext.get_stoplist("English")
    return frozenset(w.casefold() for w in words)


@lru_cache(maxsize=1)
def stopword_index() -> dict[str, tuple[str, ...]]:
    """Stopword -> the ISO codes whose jusText stoplist holds it (built once, ~50 lists)."""
    index: dict[str, list[str]] = {}
    for code in sorted(_STOPLIST_NAMES):
        if code == "nb":  # same list as 'no'
            continue
        for word in stoplist(code):
            index.setdefault(word, []).append(code)
    return {w: tuple(codes) for w, codes in index.items()}


def stoplist_sources() -> list[bytes]:
    """What the stoplists of :func:`stopword_index` are read from (each code, its jusText list's
    name and file, and jusText's reading code): the key of data derived from them (cleaner.derived)."""
    import justext.utils

    folder = Path(justext.utils.__file__).parent / "stoplists"  # where justext.get_stoplist reads them
    parts = [Path(justext.utils.__file__).read_bytes()]
    for code in sorted(_STOPLIST_NAMES):
        try:
            data = (folder / f"{_STOPLIST_NAMES[code]}.txt").read_bytes()
        except OSError:  # a jusText build without this language: stoplist() falls back to English
            data = b""
        parts += [code.encode(), _STOPLIST_NAMES[code].encode(), data]
    return parts


@lru_cache(maxsize=1)
def stoplist_sizes() -> dict[str, int]:
    """ISO code -> the number of words in its stoplist."""
    return {code: len(stoplist(code)) for code in _STOPLIST_NAMES}


def words(line: str) -> list[str]:
    r"""The \w+ tokens of a line, casefolded (the same tokens the shingle metric counts).

    >>> words("Don't panic, it's 42!")
    ['don', 't', 'panic', 'it', 's', '42']
    """
    return _WORD.findall(line.casefold())


def stopword_density(tokens: list[str], stopwords: frozenset[str]) -> float:
    """Share of tokens that are stopwords; running text sits around 0.4-0.6, menus near 0.

    >>> stopword_density(["the", "cat", "sat", "on", "the", "mat"], frozenset({"the", "on"}))
    0.5
    >>> stopword_density([], frozenset({"the"}))
    0.0
    """
    return sum(map(stopwords.__contains__, tokens)) / len(tokens) if tokens else 0.0


def ends_sentence(line: str) -> bool:
    """True if the line ends like a sentence (full stop, ! ? …), after closing quotes.

    >>> ends_sentence('He said: "No."'), ends_sentence("Read more"), ends_sentence("(AP).")
    (True, False, True)
    """
    return line.rstrip(_CLOSERS).endswith(_SENTENCE_END)


def starts_with_bullet(line: str) -> bool:
    """True for list-item lines ('• Live', '- Home', '» Next'); menus are built of them.

    >>> starts_with_bullet("• Live"), starts_with_bullet("-5 degrees"), starts_with_bullet("Live")
    (True, False, False)
    """
    return line[:1] in _BULLETS and not line[1:2].isdigit()


def capitalised_share(line: str) -> float:
    """Share of words of 4+ letters that start upper-case; Title Case headlines score ~1.

    Short words are skipped because title case leaves 'to', 'of', 'the' in lower case.

    >>> capitalised_share("Open to Talks With Ukraine, Russia Sees No Prospect Near Future")
    1.0
    >>> capitalised_share("Gladkov said no one had been hurt.")
    0.25
    """
    initials = _LONG_WORD_INITIAL.findall(line)
    return sum(map(str.isupper, initials)) / len(initials) if initials else 0.0


def digit_share(line: str) -> float:
    """Share of non-space characters that are digits (dates, counters, scores, prices).

    >>> digit_share("2022-09-23")
    0.8
    """
    chars = len(line) - line.count(" ")
    return len(_DIGIT_CHAR.findall(line)) / chars if chars else 0.0


def ui_share(tokens: list[str]) -> float:
    """Share of tokens that are interface words (share, reply, login, more...).

    >>> ui_share(words("Share on Facebook")), ui_share(words("The vote was close."))
    (0.6666666666666666, 0.0)
    """
    return sum(map(UI_WORDS.__contains__, tokens)) / len(tokens) if tokens else 0.0


def line_key(line: str) -> str:
    """Normalised form of a line for counting recurrences across documents.

    Casefolded, digit runs collapsed to '0', whitespace collapsed: '12 Comments' and
    '3  comments' are the same widget.

    >>> line_key("  12 Comments ") == line_key("3  comments")
    True
    """
    # str.split() splits on exactly the characters \s matches: the same as a \s+ -> ' '
    # substitution and strip(), at half the cost (this runs on every line, twice).
    return " ".join(_DIGIT.sub("0", line.casefold()).split())


def short_line_key(line: str, most_words: int) -> str | None:
    """:func:`line_key` of a line of at most ``most_words`` words, None for a longer one, which is
    never split whole nor casefolded (a paragraph, where only short lines are keyed).

    >>> short_line_key("  12 Comments ", 3) == line_key("12 Comments"), short_line_key("a b c d", 3)
    (True, None)
    """
    # The words of the casefolded line are the line's words casefolded (casefolding keeps every
    # whitespace character and makes none), and a digit run never crosses a space: so this is
    # line_key's text. split(None, n) with fewer than n + 1 parts has split the line whole.
    words = line.split(None, most_words)
    return None if len(words) > most_words else _DIGIT.sub("0", " ".join(words).casefold())


class LineFeatures(NamedTuple):
    """Everything :mod:`cleaner.heuristics.body` needs to know about one line in isolation.

    A NamedTuple rather than a frozen dataclass: it is built once per input line, and a
    frozen dataclass's ``__init__`` costs three times as much.
    """

    n_words: int
    stopword_density: float
    ends_sentence: bool
    bullet: bool
    capitalised: float
    digits: float
    ui: float


def line_features(line: str, stopwords: frozenset[str]) -> LineFeatures:
    """All features of one (stripped, non-blank) line.

    >>> f = line_features("Gladkov said no one had been hurt.", stoplist("en"))
    >>> f.n_words, f.ends_sentence, f.stopword_density > 0.4
    (7, True, True)
    """
    # The feature functions above, inlined: this runs once per input line, and the calls
    # were a third of its cost. Where the compiled modules are built (cleaner.compiled),
    # ``line_features`` is cleaner.heuristics._lines' twin of this function.
    folded = line.casefold()
    tokens = _WORD.findall(folded)
    unspaced = 0
    if script_words.UNSPACED_CHAR.search(line):  # Han or kana: a character a token, as words.tokens
        tokens = script_words.tokens(folded)
        unspaced = len(script_words.UNSPACED_CHAR.findall(line))
    n = len(tokens)
    initials = _LONG_WORD_INITIAL.findall(line)
    chars = len(line) - line.count(" ")
    if n and 2 * unspaced >= n:
        stop_share = 1.0 if any(mark in line for mark in CLAUSE_MARKS) else 0.0
    else:
        stop_share = sum(map(stopwords.__contains__, tokens)) / n if n else 0.0
    return LineFeatures(
        n - unspaced + -(-unspaced // script_words.HAN_KANA_PER_WORD),  # a word begun counts
        stop_share,
        line.rstrip(_CLOSERS).endswith(_SENTENCE_END),
        line[:1] in _BULLETS and not line[1:2].isdigit(),
        sum(map(str.isupper, initials)) / len(initials) if initials else 0.0,
        len(_DIGIT_CHAR.findall(line)) / chars if chars else 0.0,
        sum(map(UI_WORDS.__contains__, tokens)) / n if n else 0.0,
    )


python_line_features = line_features  # the reference the compiled twin is tested against
_compiled = load("cleaner.heuristics._lines")  # needs the names above: it imports them
if _compiled is not None:
    line_features = _compiled.line_features  # noqa: F811  same results, ~4x faster (docs/performance.md)


class LineMemo(dict):
    """Pure per-line results keyed by the line's text, in bounded memory.

    Holds at most ``max_lines`` lines and ``max_chars`` characters of them (longer lines are
    not remembered) and starts afresh when either would be exceeded: a site's chrome lines
    come back within a few pages, and clearing keeps it as simple as a dict. The rule engine's
    and the body locator's memos took ~270 bytes per remembered dump line each (measured;
    lines of ~50 characters), so ~2.7 MB each when full. On the 200 dragnet-dev dumps (25,000
    distinct lines) they missed 54,000 of 96,000 lookups, against 50,000 without a bound.
    A dict itself, so that ``get``, asked once per line by every user, is the dict's own
    (a method around it cost as much as the lookup). Add values with ``put`` only.

    >>> memo = LineMemo(max_lines=2)
    >>> memo.put("Home", 1); memo.put("Share", 2); memo.put("Reply", 3)
    >>> memo.get("Home"), memo.get("Reply"), len(memo)
    (None, 3, 1)
    """

    __slots__ = ("max_lines", "max_chars", "_chars")

    def __init__(self, max_lines: int = 10_000, max_chars: int = 1_000_000):
        super().__init__()
        self.max_lines, self.max_chars = max_lines, max_chars
        self._chars = 0

    def put(self, line: str, value) -> None:
        if line not in self:
            if len(line) > self.max_chars:
                return
            if len(self) >= self.max_lines or self._chars + len(line) > self.max_chars:
                self.clear()
                self._chars = 0
            self._chars += len(line)
        self[line] = value
