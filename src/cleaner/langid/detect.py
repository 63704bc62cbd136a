"""Language identification: langdetect's algorithm and profiles, made deterministic and fast.

langdetect draws random numbers unless ``DetectorFactory.seed`` is set before first use;
the seed is set once here, and every detection is serialised through a lock (threads may
share a process).

langdetect itself stays the reference, but its pure-Python loops cost ~10 ms per document
(character-by-character n-gram extraction, then ~300 probability updates over 55 languages,
each a Python loop). :class:`_FastDetector` runs the *same* computation: the same text
preparation, the same n-grams in the same order (extracted per distinct word and cached, since
a word's n-grams never depend on its neighbours), the same random stream (``random.Random``
seeded with ``DetectorFactory.seed``) and the same float operations in the same order, on numpy
rows instead of Python lists. Results are identical to ``langdetect.detect_langs`` to the last
bit (``tests/test_langid.py`` checks it on every text it has), at a fifth of the cost. Where the
compiled modules are built (:mod:`cleaner.compiled`), the trials run in C with the same draws
and roundings (``cleaner.langid._trials``).
"""
from __future__ import annotations

import json
import math
import os
import random
import re
import threading
from array import array
from functools import lru_cache

from cleaner.compiled import load
from cleaner.langid.base import DEFAULT_IDENTIFIER, register_identifier


_LOCK = threading.Lock()
SAMPLE_CHARS = 2000  # langdetect's accuracy saturates long before this; keeps cost flat
_TOKEN = re.compile(r"\w+")
_DETECTOR: "_FastDetector | None" = None
N_TRIAL = 7  # langdetect's Detector.n_trial
_TRIALS = load("cleaner.langid._trials")  # the trial loop compiled, same results (docs/performance.md)


def _detector() -> "_FastDetector":
    global _DETECTOR
    if _DETECTOR is None:
        from langdetect import DetectorFactory
        from langdetect.detector_factory import PROFILES_DIRECTORY

        DetectorFactory.seed = 0
        _DETECTOR = _FastDetector(PROFILES_DIRECTORY, DetectorFactory.seed)
    return _DETECTOR


class _NormalisedChars(dict):
    """str.translate table: every character through langdetect's ``NGram.normalize``, cached."""

    def __missing__(self, code: int) -> str:
        from langdetect.utils.ngram import NGram

        self[code] = NGram.normalize(chr(code))
        return self[code]


class _FastDetector:
    """``langdetect.detector.Detector`` for one text at a time, same results, numpy inside."""

    WORD_CACHE_LIMIT = 200_000  # distinct words remembered; cleared when full (bounded memory)

    def __init__(self, profile_dir: str, seed: int):
        import numpy as np
        from langdetect.detector import Detector

        self.np = np
        self.seed = seed
        self._load_profiles(profile_dir)
        self.reference = Detector  # constants and regexes, so they can never drift apart
        self.table = _NormalisedChars()
        self.word_ngrams: dict[str, tuple[int, ...]] = {}
        self.random = random.Random()
        # Detector.cleaning_text: 'A' <= ch <= 'z' is Latin; ch >= U+0300 outside Latin
        # Extended Additional (U+1E00-U+1EFF) is not.
        self.latin = re.compile("[A-z]")
        self.non_latin = re.compile("[\u0300-\u1dff\u1f00-\U0010ffff]")
        self.latin_run = re.compile("[A-z]+")

    def _load_profiles(self, profile_dir: str) -> None:
        """The profiles as one matrix (n-gram x language), from the cache of derived data
        (:mod:`cleaner.derived`: a memory-mapped file, shared by every process of the machine)
        or read from langdetect's files (:func:`read_profiles`), keyed by those files' bytes
        and this module's source."""
        from cleaner import derived

        np = self.np
        names = [name for name in os.listdir(profile_dir)
                 if not name.startswith(".") and os.path.isfile(os.path.join(profile_dir, name))]
        contents = []
        for name in names:  # os.listdir's order: it fixes the columns' order, so it is in the key
            with open(os.path.join(profile_dir, name), "rb") as f:
                contents += [name, f.read()]
        path = derived.entry("langdetect-profiles", derived.digest(derived.source_of(__file__), *contents))

        def build():
            return read_profiles([part.decode("utf-8") for part in contents[1::2]], np)

        self.langlist, ngrams, self.profiles = derived.load_or_build(path, build, _read_matrix, _write_matrix)
        self.ngram_index = dict(zip(ngrams, range(len(ngrams))))

    def _prepare(self, text: str) -> str:
        """Detector.append then Detector.cleaning_text."""
        from langdetect.utils.ngram import NGram

        text = self.reference.URL_RE.sub(" ", text)
        text = self.reference.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        text = re.sub(" {2,}", " ", text[:10000])  # Detector.max_text_length, then space runs
        if len(self.latin.findall(text)) * 2 < len(self.non_latin.findall(text)):
            text = self.latin_run.sub("", text)  # drop Latin from a non-Latin text
        return text

    def _ngrams_of(self, word: str, followed_by_space: bool) -> tuple[int, ...]:
        """NGram.add_char over one word (the buffer always restarts at a space)."""
        if word.islower() or not any(map(str.isupper, word)):
            return self._plain_ngrams_of(word, followed_by_space)
        return self._cased_ngrams_of(word, followed_by_space)

    def _cased_ngrams_of(self, word: str, followed_by_space: bool) -> tuple[int, ...]:
        """NGram.add_char over one word, character by character, as langdetect does it."""
        index, out = self.ngram_index, []
        grams, capitalword = " ", False
        for ch in word + (" " if followed_by_space else ""):
            last = grams[-1]
            if last == " ":
                grams, capitalword = " ", False
                if ch == " ":
                    continue
            elif len(grams) >= 3:
                grams = grams[1:]
            grams += ch
            if ch.isupper():
                if last.isupper():
                    capitalword = True
            else:
                capitalword = False
            if capitalword:
                continue
            for n in (1, 2, 3):
                if len(grams) < n:
                    break
                w = grams[-n:]
                if w != " " and w in index:
                    out.append(index[w])
        return tuple(out)

    def _plain_ngrams_of(self, word: str, followed_by_space: bool) -> tuple[int, ...]:
        """``_ngrams_of`` for a word without an upper-case character (most words): no n-gram
        is then skipped as part of a capitalised word, and the buffer after each character is
        the last three characters of " word ": its 1-, 2- and 3-grams by slicing (a fifth
        faster: docs/performance.md). ``tests/test_langid.py`` compares it with
        ``_cased_ngrams_of``."""
        index, out = self.ngram_index, []
        chars = " " + word + " " if followed_by_space else " " + word
        for end in range(2, len(chars) + 1):
            gram = chars[end - 1]
            if gram != " " and gram in index:
                out.append(index[gram])
            gram = chars[end - 2:end]
            if gram in index:
                out.append(index[gram])
            if end >= 3:
                gram = chars[end - 3:end]
                if gram in index:
                    out.append(index[gram])
        return tuple(out)

    def _extract(self, text: str) -> list[int]:
        """Detector._extract_ngrams, as row indexes into the profile matrix."""
        normalised = text.translate(self.table)
        words = normalised.split(" ")
        cache = self.word_ngrams
        if len(cache) > self.WORD_CACHE_LIMIT:
            cache.clear()
        out: list[int] = []
        last = len(words) - 1
        for i, word in enumerate(words):
            if not word:
                continue
            key = word if i == last else word + " "
            grams = cache.get(key)
            if grams is None:
                grams = cache[key] = self._ngrams_of(word, i != last)
            out.extend(grams)
        return out

    def probabilities(self, text: str) -> list:
        """Detector.get_probabilities (raises LangDetectException without features)."""
        from langdetect.lang_detect_exception import ErrorCode, LangDetectException
        from langdetect.language import Language

        ref = self.reference
        ngrams = self._extract(self._prepare(text))
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        rng = self.random
        rng.seed(self.seed)
        if _TRIALS is not None:
            langprob = _TRIALS.run_trials(self.profiles, ngrams, rng, N_TRIAL, ref.ALPHA_DEFAULT, ref.ALPHA_WIDTH,
                                          ref.BASE_FREQ, ref.CONV_THRESHOLD, ref.ITERATION_LIMIT)
        else:
            langprob = self.trials(ngrams, rng)
        result = [Language(lang, p) for lang, p in zip(self.langlist, langprob)
                  if p > ref.PROB_THRESHOLD]
        result.sort(reverse=True)
        return result

    def trials(self, ngrams: list[int], rng: random.Random) -> list[float]:
        """Detector._detect_block's trials (``rng`` seeded): the summed language probabilities,
        in the profiles' column order. Compiled twin: cleaner.langid._trials.run_trials."""
        np, ref, profiles = self.np, self.reference, self.profiles
        n_lang = len(self.langlist)
        langprob = np.zeros(n_lang)
        for _ in range(N_TRIAL):
            prob = np.full(n_lang, 1.0 / n_lang)
            alpha = ref.ALPHA_DEFAULT + rng.gauss(0.0, 1.0) * ref.ALPHA_WIDTH
            weight = alpha / ref.BASE_FREQ
            i = 0
            while True:
                # weight + lang_prob_map[i], as langdetect adds, for the drawn n-gram's row only:
                # a trial draws a few dozen of a page's thousand-odd n-grams.
                prob *= profiles[rng.choice(ngrams)] + weight
                if i % 5 == 0:
                    # Python's sum of floats, exactly as Detector._normalize_prob does it.
                    values = prob.tolist()
                    total = sum(values)
                    prob /= total
                    # Rounded division by a positive total keeps the order: the largest value
                    # divided is the largest quotient, without a numpy reduction per check.
                    if max(values) / total > ref.CONV_THRESHOLD or i >= ref.ITERATION_LIMIT:
                        break
                i += 1
            langprob += prob / N_TRIAL
        return langprob.tolist()


def read_profiles(profiles: list[str], np) -> tuple[list[str], list[str], "np.ndarray"]:
    """DetectorFactory.load_profile, straight into one matrix: (languages, n-grams, matrix of
    n-gram x language), from the profiles' JSON texts in langdetect's (os.listdir) order,
    which fixes the language order, the order langdetect sums probabilities in.

    langdetect keeps a list of 55 Python floats per n-gram (~60 MB per process); the matrix
    holds the same float64 values in ~40 MB.
    """
    langlist: list[str] = []
    index: dict[str, int] = {}
    rows, cols, values = array("q"), array("q"), array("d")
    for text in profiles:
        profile = json.loads(text)
        column = len(langlist)
        langlist.append(profile["name"])
        n_words = profile["n_words"]
        for word, count in profile["freq"].items():
            if 1 <= len(word) <= 3:  # longer keys are never looked up
                rows.append(index.setdefault(word, len(index)))
                cols.append(column)
                values.append(1.0 * count / n_words[len(word) - 1])
    matrix = np.zeros((len(index), len(langlist)), dtype=np.float64)
    matrix[np.frombuffer(rows, dtype=np.int64), np.frombuffer(cols, dtype=np.int64)] = \
        np.frombuffer(values, dtype=np.float64)
    return langlist, list(index), matrix


def _write_matrix(value, path) -> None:
    """A cache entry: the matrix as .npy, then the languages and n-grams as JSON after it."""
    import numpy as np

    langlist, ngrams, matrix = value
    with open(path, "wb") as f:
        np.save(f, matrix, allow_pickle=False)
        f.write(json.dumps([langlist, ngrams], ensure_ascii=False).encode("utf-8"))


def _read_matrix(path):
    """:func:`_write_matrix`'s entry back: the matrix memory-mapped (read-only), the names read."""
    import numpy as np

    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        offset = f.tell()
        f.seek(offset + int(np.prod(shape)) * dtype.itemsize)
        langlist, ngrams = json.loads(f.read().decode("utf-8"))
    if fortran or dtype != np.float64 or shape != (len(ngrams), len(langlist)):
        raise ValueError("not a profile matrix")
    matrix = np.memmap(path, dtype=np.float64, mode="r", offset=offset, shape=shape)
    return langlist, ngrams, matrix


def language_codes() -> list[str]:
    """The codes :func:`detect_language` can return: one per langdetect profile.

    >>> "en" in language_codes() and "zh-cn" in language_codes() and "english" not in language_codes()
    True
    """
    from langdetect.detector_factory import PROFILES_DIRECTORY

    return sorted(name for name in os.listdir(PROFILES_DIRECTORY) if not name.startswith("."))


def detect_language(text: str) -> tuple[str | None, float | None]:
    """ISO 639-1 code (langdetect's, e.g. 'en', 'zh-cn') and its probability, or (None, None).

    >>> detect_language("The Kremlin said on Thursday that talks remain possible.")[0]
    'en'
    """
    sample = text[:SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None, None
    from langdetect.lang_detect_exception import LangDetectException

    with _LOCK:
        try:
            found = _detector().probabilities(sample)
        except LangDetectException:
            return None, None
    if not found:  # langdetect's detect_langs()[0] would raise IndexError here
        return None, None
    best = found[0]
    return best.lang, round(best.prob, 4)


GUESS_TOKENS = 400  # enough words to tell stoplists apart; keeps the guess O(1) per document


def guess_language(lines: list[str]) -> str | None:
    """The language whose stopwords cover most of the text's words, each list's count divided by
    the log of its size (Finnish's 6,800 words hold English and Spanish ones too, English's are
    453): a cheap guess (~0.1 ms) that picks the stoplist for the line heuristics before the real
    language id runs on the clean text. None when nothing matches (the heuristics then use English).

    >>> guess_language(["Der Kanzler sagte am Montag, dass die Regierung nicht zurücktreten werde."])
    'de'
    """
    tokens: list[str] = []
    for line in lines:
        tokens += _TOKEN.findall(line.casefold())
        if len(tokens) >= GUESS_TOKENS:
            break
    row, codes, masks, shifts, logs = _vote_table()
    rows = [r for r in map(row.get, tokens[:GUESS_TOKENS]) if r is not None]
    if not rows:
        return None
    # every stopword's lists at once: the votes of each language, then each divided by its log size
    votes = ((masks[rows][:, None] >> shifts) & 1).sum(axis=0)
    return codes[int((votes / logs).argmax())]


@lru_cache(maxsize=1)
def _vote_table():
    """(stopword -> row, language codes in sorted order, for each stopword a bit mask of the lists
    that hold it, the bit shifts, the log of each list's size): the guess's votes as one sum over
    the sample's words, not a count per word and list (docs/performance.md). Read from the cache
    of derived data (:mod:`cleaner.derived`) where it holds them: built from the ~110,000 words of
    54 stoplists, they were ~0.3 s of every run's start-up."""
    import numpy as np

    from cleaner import derived
    from cleaner.heuristics import lines

    path = derived.entry("stopword-votes", derived.digest(derived.source_of(__file__),
                                                          derived.source_of(lines.__file__), *lines.stoplist_sources()))
    table = derived.load_or_build(path, _vote_lists, derived.read_json, derived.write_json)
    codes = table["codes"]
    return (dict(zip(table["words"], range(len(table["words"])))), codes,
            np.array(table["masks"], dtype=np.uint64), np.arange(len(codes), dtype=np.uint64),
            np.array([math.log(size) for size in table["sizes"]]))


def _vote_lists() -> dict[str, list]:
    """What :func:`_vote_table` is made of, as JSON: the codes, the stopwords, each stopword's bit
    mask of the lists that hold it (bit i: ``codes[i]``), and each list's size."""
    from cleaner.heuristics.lines import stoplist_sizes, stopword_index

    index = stopword_index()
    codes = sorted({code for held in index.values() for code in held})  # 55: one 64-bit mask a word
    bit = {code: 1 << i for i, code in enumerate(codes)}
    sizes = stoplist_sizes()
    return {"codes": codes, "words": list(index), "masks": [sum(bit[code] for code in held) for held in index.values()],
            "sizes": [sizes[code] for code in codes]}


register_identifier(DEFAULT_IDENTIFIER, detect_language)
