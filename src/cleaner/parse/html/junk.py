"""Text of a page that is not prose, told by characters, not by the words of one language:
source code that leaked out of broken markup.

A page whose ``<script>`` or ``<style>`` markup is broken (an unescaped ``</script>`` inside a
string, an unclosed tag) shows its source as text, and an extractor may take it for the
article: the rules then strip it and the page comes out empty, or it is kept as the text.
Prose in any language has few of ``{ } ; = [ ]`` and ``":``; code has about one per word.
"""
from __future__ import annotations

import re

__all__ = ["code_share", "drop_leaked_code", "looks_like_code"]

_CODE_MARKS = re.compile(r'[{};=\[\]]|":|\$\(|=>|&&|\|\|')
_WORD = re.compile(r"\w+")
# Of the 12,780 paragraphs (10+ words) of dragnet-dev and -train's gold, 99.9% have under 0.16
# and 4 reach 0.25 (a shell command, bracketed link lists); see docs/html.md
CODE_MARKS_PER_WORD = 0.25
LEAK_MIN_CHARS = 200  # a leaked script is long; a short code-like phrase in a paragraph stays


def looks_like_code(text: str) -> bool:
    """Whether a block of text reads as program source or data (JS, CSS, JSON).

    >>> looks_like_code('var cfg = {"a": [1, 2]}; function f(x) { return x; }')
    True
    >>> looks_like_code("Il a dit : « Nous reprendrons les travaux ; rien n'est perdu » (lundi).")
    False
    """
    words = len(_WORD.findall(text))
    return words > 0 and len(_CODE_MARKS.findall(text)) >= CODE_MARKS_PER_WORD * words


# Text nodes of the page outside elements whose text is code or data by design
_LONG_TEXT = ("//text()[string-length() >= $n and not(ancestor::pre or ancestor::code or ancestor::script"
              " or ancestor::style or ancestor::textarea or ancestor::template or ancestor::noscript)]")


def drop_leaked_code(tree) -> int:
    """Blank the long text nodes of an lxml page tree that read as code (``looks_like_code``):
    script source that broken markup let out into the page, which every extractor would
    otherwise weigh as text. Code inside ``<pre>`` or ``<code>`` is content and stays.
    Returns how many were blanked."""
    dropped = 0
    for text in tree.xpath(_LONG_TEXT, n=LEAK_MIN_CHARS):
        if looks_like_code(text):
            parent = text.getparent()
            if text.is_tail:
                parent.tail = None
            else:
                parent.text = None
            dropped += 1
    return dropped


def code_share(paragraphs: list[str]) -> float:
    """The share of the characters of ``paragraphs`` that are in code-like ones.

    >>> round(code_share(["function f(a) { return a; }", "A sentence of ordinary prose, long enough."]), 2)
    0.39
    """
    total = sum(len(p) for p in paragraphs)
    return sum(len(p) for p in paragraphs if looks_like_code(p)) / total if total else 0.0
