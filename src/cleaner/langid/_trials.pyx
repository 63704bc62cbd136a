# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled twin of the trial loop of :meth:`cleaner.langid.detect._FastDetector.probabilities`
(see cleaner.compiled).

The same random draws (the ``random.Random`` passed in), the same float operations in the same
order on plain C doubles instead of numpy rows, and the convergence check's total summed as this
Python's built-in ``sum`` sums a list of floats (left to right; with Neumaier's compensation from
Python 3.12 on). Built with ``-ffp-contract=off``: no fused multiply-add may change a rounding.
"""
from libc.math cimport fabs, isfinite
from libc.stdlib cimport free, malloc

cdef extern from "Python.h":
    int PY_VERSION_HEX


cdef double builtin_sum(const double* values, Py_ssize_t n) noexcept nogil:
    """``sum(values)`` of Python floats, as builtins.sum computes it (start 0, so the first
    value is taken as it is)."""
    cdef double total = values[0], compensation = 0.0, x, t
    cdef Py_ssize_t i
    if PY_VERSION_HEX < 0x030C0000:
        for i in range(1, n):
            total += values[i]
        return total
    for i in range(1, n):
        x = values[i]
        t = total + x
        if fabs(total) >= fabs(x):
            compensation += (total - t) + x
        else:
            compensation += (x - t) + total
        total = t
    if compensation != 0.0 and isfinite(compensation):
        total += compensation
    return total


def run_trials(const double[:, ::1] profiles, list ngrams, object rng, int n_trial,
               double alpha_default, double alpha_width, double base_freq,
               double conv_threshold, long iteration_limit):
    """The summed language probabilities of ``n_trial`` trials (``rng`` already seeded), as a
    list in the profiles' column order; ``ngrams`` holds row indexes into ``profiles``."""
    cdef Py_ssize_t n_lang = profiles.shape[1], j, row
    cdef double* prob = <double*> malloc(n_lang * sizeof(double))
    cdef double* langprob = <double*> malloc(n_lang * sizeof(double))
    cdef double alpha, weight, total, largest
    cdef long i
    cdef int trial
    if prob == NULL or langprob == NULL:
        free(prob)
        free(langprob)
        raise MemoryError()
    choice, gauss = rng.choice, rng.gauss
    try:
        for j in range(n_lang):
            langprob[j] = 0.0
        for trial in range(n_trial):
            for j in range(n_lang):
                prob[j] = 1.0 / n_lang
            alpha = alpha_default + <double>gauss(0.0, 1.0) * alpha_width
            weight = alpha / base_freq
            i = 0
            while True:
                row = choice(ngrams)
                for j in range(n_lang):
                    prob[j] *= profiles[row, j] + weight
                if i % 5 == 0:
                    total = builtin_sum(prob, n_lang)
                    if total == 0.0:  # where Python's division raises, so does this
                        raise ZeroDivisionError("float division by zero")
                    largest = prob[0]
                    for j in range(n_lang):
                        if prob[j] > largest:
                            largest = prob[j]
                        prob[j] /= total
                    if largest / total > conv_threshold or i >= iteration_limit:
                        break
                i += 1
            for j in range(n_lang):
                langprob[j] += prob[j] / n_trial
        return [langprob[j] for j in range(n_lang)]
    finally:
        free(prob)
        free(langprob)
