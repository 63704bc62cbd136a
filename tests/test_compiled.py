"""The compiled modules (cleaner.compiled): built by this install, and the same results as the
pure-Python code they stand in for, function by function and for a whole ``cleaner clean`` run."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from cleaner import compiled
from cleaner.heuristics.lines import python_line_features, stoplist
from cleaner.langid.detect import N_TRIAL, _detector

ROOT = Path(__file__).resolve().parents[1]
DRAGNET = ROOT.parent / "shared" / "eval" / "dragnet-dev"  # optional, not in the repo
LINES = compiled.load("cleaner.heuristics._lines")
TRIALS = compiled.load("cleaner.langid._trials")
needs_compiled = pytest.mark.skipif(
    LINES is None or TRIALS is None,
    reason="compiled modules not in use (CLEANER_PURE_PYTHON set, or not built: test_compiled_modules_are_in_use says which)")

# Characters where a hand-written scan could part from re's \w, \d and \b or from str.isupper:
# casefolding that grows (ß, ﬁ, İ) or changes class (the combining iota), digits that are not
# decimals (², ½, ⅻ), decimals of other scripts, titlecase letters, marks, joiners, a lone
# surrogate, the closers, sentence ends and bullets line_features looks at, and Han and kana
# (a token each: the first and last of their ranges too, a kana middle dot that is no \w) with
# the clause marks that stand in for stopwords in their lines.
ODD = list("ßﬁİıǅ\u0345²½ⅻ٣５_\u200d\u00a0\u2009́👍Ωωσς\ud800\"'”’»)]*.!?…•·-–—►▶>›|+ \t"
           "北京ひカ・ー\u3040\u30ff\u3400\u9fff\uf900𠀀\U0003134f，、；。！？」』）】")
ODD_TEXT = st.text(alphabet=st.one_of(st.sampled_from(ODD), st.characters()), max_size=80)
LANGUAGES = ("en", "de", "ru", "el", "ar", "zh", "xx")


def _fixture_lines() -> list[str]:
    files = sorted((ROOT / "tests" / "data" / "dumps").glob("*")) + sorted((ROOT / "corpora" / "raw").glob("*.txt"))
    if DRAGNET.is_dir():
        files += sorted(DRAGNET.glob("*.dump.txt"))[:50]
    return [line.strip() for f in files for line in f.read_text(encoding="utf-8").split("\n") if line.strip()]


def test_compiled_modules_are_in_use():
    """A broken build falls back to pure Python without a word at install time: noticed here."""
    if compiled.pure_python():
        pytest.skip(f"{compiled.PURE_PYTHON_VARIABLE} is set: the pure-Python code was asked for")
    missing = [name for name, used in compiled.in_use().items() if not used]
    assert not missing, (f"{missing} not built by this install: reinstall with `pip install -v -e .` (or `pip "
                         "install -v .`) and read the line of hatch_build.py starting 'cleaner: compiled modules'")


def test_pure_python_switch(monkeypatch):
    monkeypatch.setenv(compiled.PURE_PYTHON_VARIABLE, "1")
    assert compiled.load("cleaner.heuristics._lines") is None and not any(compiled.in_use().values())
    monkeypatch.setenv(compiled.PURE_PYTHON_VARIABLE, "0")
    assert compiled.pure_python() is False
    with pytest.raises(ValueError, match="unknown compiled module"):
        compiled.load("cleaner.nothing")


@needs_compiled
@pytest.mark.parametrize("lang", LANGUAGES)
def test_line_features_equal_on_dump_lines(lang):
    stop = stoplist(lang)
    lines = _fixture_lines()
    assert len(lines) > 300
    assert [LINES.line_features(line, stop) for line in lines] == [python_line_features(line, stop) for line in lines]


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(line=ODD_TEXT, lang=st.sampled_from(LANGUAGES))
def test_line_features_equal_on_odd_unicode(line, lang):
    stop = stoplist(lang)
    compiled_features = LINES.line_features(line, stop)
    assert compiled_features == python_line_features(line, stop)
    assert type(compiled_features) is type(python_line_features(line, stop))


@needs_compiled
def test_line_features_with_a_stoplist_of_long_words():
    """Tokens longer than every stopword are not looked up: the bound is the stoplist's own."""
    stop = frozenset({"internationalisation", "a"})
    for line in ("Internationalisation is a word", "internationalisations", ""):
        assert LINES.line_features(line, stop) == python_line_features(line, stop)


def _both_trials(text: str):
    detector = _detector()
    ngrams = detector._extract(detector._prepare(text))
    if not ngrams:
        return None, None
    ref = detector.reference
    detector.random.seed(detector.seed)
    fast = TRIALS.run_trials(detector.profiles, ngrams, detector.random, N_TRIAL, ref.ALPHA_DEFAULT,
                             ref.ALPHA_WIDTH, ref.BASE_FREQ, ref.CONV_THRESHOLD, ref.ITERATION_LIMIT)
    detector.random.seed(detector.seed)
    return fast, detector.trials(ngrams, detector.random)


@needs_compiled
def test_language_trials_equal_on_texts():
    texts = [p.read_text(encoding="utf-8")[:2000] for p in sorted((ROOT / "corpora" / "raw").glob("*.txt"))]
    texts += [p.read_text(encoding="utf-8")[:2000] for p in sorted((ROOT / "tests" / "data" / "dumps").glob("*"))]
    texts += ["Президент заявил, что переговоры продолжатся.", "東京で新しい博物館が開館しました。", "a", "USA NATO"]
    for text in texts:
        fast, python = _both_trials(text)
        assert fast == python, text[:60]  # float lists: equal to the last bit


@needs_compiled
@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.one_of(st.sampled_from(ODD), st.characters(), st.sampled_from("etaoin shrdlu")),
                    min_size=1, max_size=300))
def test_language_trials_equal_on_odd_unicode(text):
    fast, python = _both_trials(text)
    assert fast == python


@needs_compiled
def test_clean_output_is_byte_identical_without_the_compiled_modules(tmp_path, mixed_inputs, clean_outputs):
    with_compiled = clean_outputs(mixed_inputs, tmp_path / "compiled", **{compiled.PURE_PYTHON_VARIABLE: "0"})
    pure = clean_outputs(mixed_inputs, tmp_path / "pure", **{compiled.PURE_PYTHON_VARIABLE: "1"})
    assert sorted(with_compiled) == sorted(pure)
    assert len(with_compiled["documents/documents.jsonl"].splitlines()) >= 15
    assert [name for name in with_compiled if with_compiled[name] != pure[name]] == []
