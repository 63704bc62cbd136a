"""Document span bookkeeping against a brute-force model (one flag per character).

``Document.remove`` has a fast path for spans past everything removed so far (the common,
top-down case) and a general one; both must record exactly what the model says.
"""
from __future__ import annotations

import random

import pytest

from cleaner.document import Document, Source

SOURCE = Source(path="x.txt", sha256="", format="text")


def _model(text: str, requests: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each request claims its maximal runs of not yet removed characters that are not blank."""
    taken = [False] * len(text)
    claimed = []
    for start, end in requests:
        i = start
        while i < end:
            if taken[i]:
                i += 1
                continue
            j = i
            while j < end and not taken[j]:
                j += 1
            if text[i:j].strip():
                claimed.append((i, j))
                taken[i:j] = [True] * (j - i)
            i = j
    return claimed


@pytest.mark.parametrize("seed", range(40))
def test_remove_matches_the_character_model(seed):
    rng = random.Random(seed)
    text = "".join(rng.choice("ab \n") for _ in range(rng.randrange(1, 120)))
    requests = []
    cursor = 0
    for _ in range(rng.randrange(1, 25)):
        if rng.random() < 0.6:  # mostly top-down, like the line heuristics
            start = min(len(text), cursor + rng.randrange(0, 6))
        else:
            start = rng.randrange(0, len(text) + 1)
        end = min(len(text), start + rng.randrange(0, 15))
        cursor = end
        requests.append((start, end))
    doc = Document(id="x", normalised=text, source=SOURCE)
    for start, end in requests:
        doc.remove(start, end, "R", "boilerplate")
    assert [(r.start, r.end) for r in doc.removals] == _model(text, requests)
    kept = "".join(text[s:e] for s, e in doc.kept_segments())
    assert len(kept) + sum(r.end - r.start for r in doc.removals) == len(text)
