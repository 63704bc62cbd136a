# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled twin of :func:`cleaner.heuristics.lines.line_features` (see cleaner.compiled).

The same features from one pass over the line's characters instead of three regex ``findall``
calls: ``\\w`` is ``str.isalnum()`` or ``_`` and ``\\d`` is ``str.isdecimal()``, as in ``re``'s
Unicode mode, so the tokens, initials and digit counts are the regexes' own.
"""
from cpython.unicode cimport (Py_UNICODE_ISALNUM, Py_UNICODE_ISDECIMAL, Py_UNICODE_ISDIGIT,
                              Py_UNICODE_ISUPPER)

from cleaner.heuristics.lines import _BULLETS, _CLOSERS, _SENTENCE_END, CLAUSE_MARKS, UI_WORDS, LineFeatures
from cleaner.words import HAN_KANA_PER_WORD, UNSPACED_RANGES

cdef extern from "Python.h":
    int PyUnicode_KIND(object text)
    void* PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil
    str PyUnicode_Substring(object text, Py_ssize_t start, Py_ssize_t end)

cdef frozenset UI = frozenset(UI_WORDS)
cdef Py_ssize_t UI_LONGEST = max(map(len, UI_WORDS))
cdef str CLOSERS = _CLOSERS
cdef str ENDS = "".join(_SENTENCE_END)
cdef str BULLETS = "".join(_BULLETS)
cdef str CLAUSES = CLAUSE_MARKS
cdef Py_UCS4 CLAUSES_FROM = min(map(ord, CLAUSE_MARKS))  # every other character skips the lookup
# Han and kana (cleaner.words.UNSPACED_RANGES) as C bounds
cdef Py_UCS4 UNSPACED_LO[8], UNSPACED_HI[8]
cdef int N_UNSPACED = len(UNSPACED_RANGES)
assert N_UNSPACED <= 8
for _k, (_lo, _hi) in enumerate(UNSPACED_RANGES):
    UNSPACED_LO[_k], UNSPACED_HI[_k] = _lo, _hi
cdef Py_UCS4 UNSPACED_FROM = min(lo for lo, _ in UNSPACED_RANGES)
cdef Py_ssize_t PER_WORD = HAN_KANA_PER_WORD
assert all(len(end) == 1 for end in _SENTENCE_END) and all(len(b) == 1 for b in _BULLETS)
cdef dict LONGEST = {}  # id(stoplist) -> (stoplist, its longest word): longer tokens are in neither set
_new_tuple = tuple.__new__  # LineFeatures(...) without its Python-level __new__


# ASCII characters' classes, from the same predicates, looked up without a call per character
cdef unsigned char WORD = 1, DECIMAL = 2
cdef unsigned char ASCII_CLASS[128]
for _code in range(128):
    ASCII_CLASS[_code] = (WORD if Py_UNICODE_ISALNUM(_code) or _code == 95 else 0) | (
        DECIMAL if Py_UNICODE_ISDECIMAL(_code) else 0)


cdef inline bint is_word(Py_UCS4 ch) noexcept:
    if ch < 128:
        return ASCII_CLASS[ch] & WORD
    return Py_UNICODE_ISALNUM(ch) or ch == u'_'


cdef inline bint is_decimal(Py_UCS4 ch) noexcept:
    if ch < 128:
        return ASCII_CLASS[ch] & DECIMAL
    return Py_UNICODE_ISDECIMAL(ch)


cdef inline bint is_unspaced(Py_UCS4 ch) noexcept:
    """A Han or kana character (cleaner.words.UNSPACED_RANGES): a token of its own."""
    cdef int k
    if ch < UNSPACED_FROM:
        return False
    for k in range(N_UNSPACED):
        if UNSPACED_LO[k] <= ch <= UNSPACED_HI[k]:
            return True
    return False


cdef Py_ssize_t longest_word(frozenset stopwords) except -1:
    cached = LONGEST.get(id(stopwords))
    if cached is None or cached[0] is not stopwords:
        if len(LONGEST) > 256:
            LONGEST.clear()
        cached = LONGEST[id(stopwords)] = (stopwords, max(map(len, stopwords), default=0))
    return cached[1]


def line_features(str line not None, frozenset stopwords not None):
    """:func:`cleaner.heuristics.lines.line_features`, compiled: the same LineFeatures."""
    cdef str folded = line.casefold()
    cdef int kind = PyUnicode_KIND(folded)
    cdef void* data = PyUnicode_DATA(folded)
    cdef Py_ssize_t length = len(line), flen = len(folded), i, start
    cdef Py_ssize_t longest = max(longest_word(stopwords), UI_LONGEST)
    cdef Py_ssize_t n = 0, stop_hits = 0, ui_hits = 0, initials = 0, upper = 0, digits = 0, spaces = 0
    cdef Py_ssize_t unspaced = 0
    cdef Py_UCS4 ch
    cdef bint in_word = False, clauses = False
    cdef str token
    # \w+ over the casefolded line: the tokens, and which are stopwords or interface words; a
    # Han or kana character is a token of its own (cleaner.words.tokens)
    i = 0
    while i < flen:
        ch = PyUnicode_READ(kind, data, i)
        if is_unspaced(ch) or is_word(ch):
            start = i
            i += 1
            if is_unspaced(ch):
                unspaced += 1
            else:
                while i < flen and is_word(PyUnicode_READ(kind, data, i)) and not is_unspaced(PyUnicode_READ(kind, data, i)):
                    i += 1
            n += 1
            if i - start <= longest:
                token = PyUnicode_Substring(folded, start, i)
                if token in stopwords:
                    stop_hits += 1
                if token in UI:
                    ui_hits += 1
        else:
            i += 1
    # \b([^\W\d_])\w{3} over the line: the first character of each word run of 4+ characters
    # (a match can only start where a run starts), and the line's \d and space counts
    kind, data = PyUnicode_KIND(line), PyUnicode_DATA(line)
    for i in range(length):
        ch = PyUnicode_READ(kind, data, i)
        if ch == u' ':
            spaces += 1
        elif ch >= CLAUSES_FROM and ch in CLAUSES:
            clauses = True
        if is_decimal(ch):
            digits += 1
        if is_word(ch):
            if not in_word:
                in_word = True
                if (not is_decimal(ch) and ch != u'_' and i + 3 < length
                        and is_word(PyUnicode_READ(kind, data, i + 1))
                        and is_word(PyUnicode_READ(kind, data, i + 2))
                        and is_word(PyUnicode_READ(kind, data, i + 3))):
                    initials += 1
                    if Py_UNICODE_ISUPPER(ch):
                        upper += 1
        else:
            in_word = False
    # ends_sentence: the last character past closing quotes and brackets
    i = length - 1
    while i >= 0 and PyUnicode_READ(kind, data, i) in CLOSERS:
        i -= 1
    cdef bint ends = i >= 0 and PyUnicode_READ(kind, data, i) in ENDS
    cdef bint bullet = (length > 0 and PyUnicode_READ(kind, data, 0) in BULLETS
                        and not (length > 1 and Py_UNICODE_ISDIGIT(PyUnicode_READ(kind, data, 1))))
    cdef Py_ssize_t chars = length - spaces
    cdef double stop_share = stop_hits / <double>n if n else 0.0
    if n and 2 * unspaced >= n:
        stop_share = 1.0 if clauses else 0.0
    return _new_tuple(LineFeatures, (
        n - unspaced + (unspaced + PER_WORD - 1) // PER_WORD,  # a word begun counts
        stop_share,
        ends,
        bullet,
        upper / <double>initials if initials else 0.0,
        digits / <double>chars if chars else 0.0,
        ui_hits / <double>n if n else 0.0,
    ))
