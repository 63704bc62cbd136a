"""Steps that tag documents or reject them with a reason."""
from __future__ import annotations

from cleaner.document import Document
from cleaner.langid.base import DEFAULT_IDENTIFIER, identifier
from cleaner.steps.base import Step
from cleaner.words import count_words, wordless_chars


class LanguageTagger(Step):
    """Sets ``lang``/``lang_prob`` with the registered identifier ``identify`` (a name, see
    :mod:`cleaner.langid.base`); with ``keep`` languages given, rejects the others."""

    name = "language"

    def __init__(self, keep: tuple[str, ...] = (), min_prob: float = 0.0, identify: str = DEFAULT_IDENTIFIER):
        super().__init__()
        self.identify = identifier(identify)
        self.keep, self.min_prob = tuple(keep), min_prob

    def process(self, doc: Document) -> None:
        doc.lang, doc.lang_prob = self.identify(((doc.title or "") + "\n" + doc.text).strip())
        self.stats[f"lang_{doc.lang}"] += 1
        if self.keep and (doc.lang not in self.keep or (doc.lang_prob or 0) < self.min_prob):
            doc.reject("language", f"language {doc.lang} (p={doc.lang_prob}) is not in {list(self.keep)}",
                       lang=doc.lang, lang_prob=doc.lang_prob)


class MinWordsFilter(Step):
    """Rejects documents whose clean text is too short to be an article (``count_words``: in
    Chinese or Japanese a character is a word)."""

    name = "length"

    def __init__(self, min_words: int):
        super().__init__()
        self.min_words = min_words

    def process(self, doc: Document) -> None:
        words = count_words(doc.text)
        if words == 0:
            doc.reject("empty", "nothing left after cleaning: the input was all boilerplate or empty")
        elif words < self.min_words:
            doc.reject("too-short", f"{words} words after cleaning, fewer than min_words={self.min_words}",
                       words=words)


class WordStructureFilter(Step):
    """Rejects texts that are mostly not words (a megabyte of one "word": a base64 blob, a
    minified script, a run of one letter) before the line heuristics, whose memory per line
    would be tens of times the text's size, and language id, which calls any of them a language."""

    name = "words"

    def process(self, doc: Document) -> None:
        text = doc.normalised
        wordless, longest = wordless_chars(text)
        letters = len(text) - text.count(" ") - text.count("\n")
        if wordless and wordless > 0.5 * letters:
            doc.reject("no-words", f"{wordless:,} of its {letters:,} characters are runs of 100 or more without a "
                       f"space (the longest {longest:,}): not text made of words (a blob, a script, a run of one "
                       "letter)", wordless_chars=wordless)
