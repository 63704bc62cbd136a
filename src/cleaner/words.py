"""Words of any script: scripts written without spaces between words count by character
(Chinese, Japanese: one word each, as word processors count them) or by letters (Thai, Lao,
Khmer, Myanmar, Tibetan: about three a word) instead of one word per sentence or phrase;
and the part of a text that is not words at all (runs of characters no script would write
without a space)."""
from __future__ import annotations

import re

__all__ = ["HAN_KANA_PER_WORD", "UNSPACED_CHAR", "UNSPACED_RANGES", "count_words", "tokens", "wordless_chars"]

# Han (with extensions and compatibility ideographs), Hiragana and Katakana
UNSPACED_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
_UNSPACED = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in UNSPACED_RANGES)
# Thai, Lao, Tibetan, Myanmar, Khmer: no spaces between words either (a space ends a phrase or a
# sentence), in letters that carry vowel and tone marks
_LETTERED = "\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
LETTERS_PER_WORD = 3
"""Their letters (vowel signs, tone marks and digits not counted) per word: 2.4-3.4 in
sentences of each script segmented by hand (docs/html.md, Languages)."""
HAN_KANA_PER_WORD = 2
"""Han and kana characters per word where a count is compared with thresholds set on the words
of spaced languages (the text path's line features: a headline's 25 words, a menu entry's
12): Chinese words average under two characters, Japanese ones with their particles about two.
``count_words`` counts one a character, as word processors count them (``min_words``)."""
_TOKEN = re.compile(rf"[{_UNSPACED}]|[^\W{_UNSPACED}]+")


def tokens(text: str) -> list[str]:
    """The lower-cased word tokens of ``text``: runs of word characters, each Han or kana
    character a token of its own.

    >>> tokens("Das Wetter, 2024: 北京今天下雨")
    ['das', 'wetter', '2024', '北', '京', '今', '天', '下', '雨']
    """
    return _TOKEN.findall(text.lower())


_UNSPACED_ANY = re.compile(f"[{_UNSPACED}{_LETTERED}]")
UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")  # a Han or kana character: a word of its own
_LETTERED_LETTER = re.compile(rf"(?=[^\W\d_])[{_LETTERED}]")
_OTHER_WORD_CHAR = re.compile(rf"[^\W{_UNSPACED}{_LETTERED}]")


def count_words(text: str) -> int:
    """The whitespace-separated words of ``text``, where each Han or kana character is a word,
    and each ``LETTERS_PER_WORD`` letters of Thai, Lao, Khmer, Myanmar or Tibetan (begun) one
    (with the rest of its token one more, if that has letters or digits).

    >>> count_words("Le maire a parlé."), count_words("北京今天下雨。"), count_words("iPhone在中国 sells")
    (4, 6, 5)
    >>> count_words("ประเทศไทยมีประชากรประมาณหกสิบหกล้านคน")  # 10 words, 34 letters
    12
    """
    if not _UNSPACED_ANY.search(text):
        return len(text.split())
    count = 0
    for token in text.split():
        letters = len(_LETTERED_LETTER.findall(token))
        unspaced = len(UNSPACED_CHAR.findall(token)) + -(-letters // LETTERS_PER_WORD)  # a word begun counts
        count += unspaced + (1 if not unspaced or _OTHER_WORD_CHAR.search(token) else 0)
    return count


# No word of a language written with spaces is this long. A run is found from its first character
# only (the look-behind): the same matches, without trying again at every character inside each word.
_LONG_RUN = re.compile(r"(?<!\S)\S{100,}")
_LINK = re.compile(r"://|\]\(")  # a URL, or a markdown link's '](' before its target
MAX_LINK = 4096  # a link target longer than this is a blob all the same (a data: URI)
# Scripts written without spaces between words, where a long run is prose, not a blob: Han and
# kana, then Thai, Lao, Tibetan, Myanmar, Khmer, CJK symbols and full-width forms.
_SPACELESS = re.compile(f"[{_UNSPACED}{_LETTERED}\u2e80-\u303f\uff00-\uffef]")


def wordless_chars(text: str) -> tuple[int, int]:
    """(characters in runs of 100+ non-space characters that are not in a script written
    without spaces, the longest such run): the part of a text that is not made of words.

    >>> wordless_chars("a short text " + "x" * 150 + " end"), wordless_chars("新华社北京电" * 40)
    ((150, 150), (0, 0))
    >>> wordless_chars("[Sports](https://example.org/sports;_ylt=" + "A2KLJde1mpp" * 20 + ")")
    (0, 0)
    """
    # Most texts hold no such run: str.split (whose whitespace is re's \s, str.isspace) shows it
    # in ~60% of the time of the scan, which tries the look-behind at every character.
    if max(map(len, text.split()), default=0) < 100:
        return 0, 0
    return _scan_runs(text)


def _scan_runs(text: str) -> tuple[int, int]:
    """:func:`wordless_chars` by a scan for the runs."""
    total = longest = 0
    for match in _LONG_RUN.finditer(text):
        start, end = match.span()
        sample = text[start:start + 200]  # a sample, not a copy of a run of megabytes
        if end - start <= MAX_LINK and _LINK.search(sample):
            continue  # a link target (markdown, lynx): markup the heuristics take out, not a blob
        if len(_SPACELESS.findall(sample)) * 3 < len(sample):
            total += end - start
            longest = max(longest, end - start)
    return total, longest
