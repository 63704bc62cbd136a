"""Extraction quality metric: shingle precision/recall/F1 against gold text.

The Scrapinghub article-extraction-benchmark metric: 4-word shingles of ``\\w+`` tokens,
per-document precision and recall, averaged over documents; F1 of the two averages.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


_TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4


def shingles(text: str, n: int = SHINGLE) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float
    n: int

    def __str__(self) -> str:
        return f"n={self.n} precision={self.precision:.3f} recall={self.recall:.3f} f1={self.f1:.3f}"


def _fractions(gold: str, pred: str) -> tuple[float, float, float]:
    a, b = shingles(gold), shingles(pred)
    tp, fp, fn = sum((a & b).values()), sum((b - a).values()), sum((a - b).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(pairs: list[tuple[str, str]]) -> Score:
    """Score (gold, predicted) text pairs.

    >>> score([("the cat sat on the mat", "the cat sat on the mat")]).f1
    1.0
    """
    fractions = [_fractions(g, p) for g, p in pairs]
    precisions = [1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))
                  for tp, fp, fn in fractions if tp + fp > 0]
    recalls = [1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))
               for tp, fp, fn in fractions if tp + fn > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return Score(p, r, 2 * p * r / (p + r) if p + r else 0.0, len(pairs))


def pair_files(pred: Path, gold: Path, pred_suffix: str = ".txt",
               gold_suffix: str = ".txt") -> list[tuple[str, str, bool]]:
    """(gold, pred, whether the prediction exists) texts: two files, or two folders matched by
    name (a missing prediction scores empty)."""
    if gold.is_file():
        found = pred.is_file()
        return [(gold.read_text(encoding="utf-8"), pred.read_text(encoding="utf-8") if found else "", found)]
    pairs = []
    for g in sorted(gold.glob(f"*{gold_suffix}")):
        p = pred / (g.name[: -len(gold_suffix)] + pred_suffix)
        found = p.is_file()
        pairs.append((g.read_text(encoding="utf-8"), p.read_text(encoding="utf-8") if found else "", found))
    return pairs
