"""Language id: cleaner's fast detector must give langdetect's own answers, bit for bit.

``cleaner.langid.detect`` re-implements langdetect's detector (same profiles, same random stream,
same float operations) to cut its cost ~5x; langdetect itself stays the reference here.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from cleaner.langid.detect import _detector, detect_language, SAMPLE_CHARS

ROOT = Path(__file__).resolve().parents[1]
DRAGNET = ROOT.parent / "shared" / "eval" / "dragnet-dev"  # optional, not in the repo

WRITTEN = [
    "Der Kanzler sagte am Montag, dass die Regierung nicht zurücktreten werde.",
    "Le gouvernement a annoncé mardi une nouvelle réforme des retraites, très contestée.",
    "El presidente dijo que las negociaciones continuarán la próxima semana en Madrid.",
    "Il ministro ha detto che il governo non si dimetterà prima delle elezioni.",
    "Президент заявил, что переговоры продолжатся на следующей неделе в Москве.",
    "Президент Reuters заявил AP, что NATO и EU обсудят переговоры на следующей неделе.",
    "東京で新しい博物館が開館しました。多くの人が訪れています。",
    "北京今天天气很好，很多人去公园散步。",
    "서울에서 새로운 박물관이 문을 열었습니다.",
    "Tiếng Việt là ngôn ngữ chính thức của Việt Nam.",
    "مرحبا بكم في موقعنا الجديد، نتمنى لكم قراءة ممتعة",
    "हिंदी भारत की राजभाषा है और करोड़ों लोग इसे बोलते हैं।",
    "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία.",
    "Rząd ogłosił w poniedziałek nowe przepisy dotyczące podatków.",
    "USA NATO UN EU IMF WHO",
    "Write to foo.bar@example.com or see https://example.com/a?b=c for the full story.",
    "Ümit   ßtraße   Øresund   Ærø   İstanbul   ıI",
    "a",
]


def _corpus_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpora" / "raw").glob("*.txt"))]
    if DRAGNET.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(DRAGNET.glob("*.gold.txt"))[:60]]
    return texts


def _reference(text: str):
    DetectorFactory.seed = 0
    try:
        return [(lang.lang, lang.prob) for lang in detect_langs(text)]
    except LangDetectException:
        return "no features"


def _fast(text: str):
    try:
        return [(lang.lang, lang.prob) for lang in _detector().probabilities(text)]
    except LangDetectException:
        return "no features"


@pytest.mark.parametrize("text", WRITTEN, ids=[f"written-{i}" for i in range(len(WRITTEN))])
def test_fast_detector_equals_langdetect_on_written_texts(text):
    assert _fast(text) == _reference(text)


def test_fast_detector_equals_langdetect_on_corpus_texts():
    texts = _corpus_texts()
    assert texts, "corpora/raw is part of the repo"
    mismatches = [i for i, text in enumerate(texts)
                  if _fast(text[:SAMPLE_CHARS]) != _reference(text[:SAMPLE_CHARS])]
    assert mismatches == []


def test_word_cache_does_not_change_results():
    text = WRITTEN[0] + " " + WRITTEN[1]
    first = _fast(text)
    assert _fast(text) == first == _reference(text)


def test_words_without_capitals_take_the_sliced_ngrams_with_the_same_result():
    """``_plain_ngrams_of`` (words without an upper-case character) gives what langdetect's
    character-by-character buffer (``_cased_ngrams_of``) gives, on every word of the written and
    corpus texts, and on words of scripts without case, digits and one-character words."""
    detector = _detector()
    words = {word for text in WRITTEN + _corpus_texts() for word in text.translate(detector.table).split(" ")}
    words |= {"a", "é", "ß", "ı", "ǆ", "2024", "中文", "東京で", "ー", "x1y", "'s", "naïve", "ﬁnance"}
    plain = [word for word in words if word and not any(map(str.isupper, word))]
    assert len(plain) > 500
    for word in plain:
        for followed_by_space in (True, False):
            assert detector._plain_ngrams_of(word, followed_by_space) == \
                detector._cased_ngrams_of(word, followed_by_space), word
    assert detector._ngrams_of("Kanzler", True) == detector._cased_ngrams_of("Kanzler", True)


def test_detect_language_edges():
    assert detect_language("12 345 -- 678") == (None, None)
    assert detect_language("") == (None, None)
    lang, prob = detect_language(WRITTEN[0])
    assert lang == "de" and 0.9 < prob <= 1.0
