"""Language identification with langdetect, made deterministic.

langdetect draws random numbers unless ``DetectorFactory.seed`` is set before first use;
the factory is a process-global singleton, so the seed is set once under a lock here and
every detection is serialised through the same lock (threads may share a process).
"""
from __future__ import annotations

import re
import threading

_LOCK = threading.Lock()
_READY = False
SAMPLE_CHARS = 2000  # langdetect's accuracy saturates long before this; keeps cost flat
_TOKEN = re.compile(r"\w+")


def _init() -> None:
    global _READY
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
    _READY = True


def detect_language(text: str) -> tuple[str | None, float | None]:
    """ISO 639-1 code (langdetect's, e.g. 'en', 'zh-cn') and its probability, or (None, None).

    >>> detect_language("The Kremlin said on Thursday that talks remain possible.")[0]
    'en'
    """
    sample = text[:SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None, None
    from langdetect import detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    with _LOCK:
        if not _READY:
            _init()
        try:
            best = detect_langs(sample)[0]
        except LangDetectException:
            return None, None
    return best.lang, round(best.prob, 4)


GUESS_TOKENS = 400  # enough words to tell stoplists apart; keeps the guess O(1) per document


def guess_language(lines: list[str]) -> str | None:
    """The language whose stopwords cover most of the text's words: a cheap guess (~0.1 ms)
    that picks the stoplist for the line heuristics before the real language id runs on the
    clean text. None when nothing matches (the heuristics then use English).

    >>> guess_language(["Der Kanzler sagte am Montag, dass die Regierung nicht zurücktreten werde."])
    'de'
    """
    from cleaner.lines import _stopword_index

    index = _stopword_index()
    votes: dict[str, int] = {}
    seen = 0
    for line in lines:
        for token in _TOKEN.findall(line.casefold()):
            for code in index.get(token, ()):
                votes[code] = votes.get(code, 0) + 1
            seen += 1
            if seen >= GUESS_TOKENS:
                break
        if seen >= GUESS_TOKENS:
            break
    if not votes:
        return None
    return max(sorted(votes), key=lambda code: votes[code])
