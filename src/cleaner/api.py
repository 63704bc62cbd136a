"""The Python API for single texts: ``clean_text`` and ``clean_html``."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cleaner.config import Config
from cleaner.document import Document, Removal
from cleaner.pipeline import Pipeline
from cleaner.readers.record import Record


@dataclass(frozen=True, slots=True)
class CleanResult:
    text: str
    title: str | None
    lang: str | None
    lang_prob: float | None
    removed: tuple[Removal, ...]
    normalised: str  # the normalised input the removal spans point into
    rejected: str | None  # reason code when the pipeline would drop the document
    document: Document


@lru_cache(maxsize=8)
def _pipeline(config: Config) -> Pipeline:
    return Pipeline(config)


def _clean(data: bytes, kind: str, url: str | None, config: Config) -> CleanResult:
    pipeline = _pipeline(config)
    (doc,) = pipeline.process([Record(path="<text>", data=data, kind=kind, url=url)])
    outcome = doc.outcome
    return CleanResult(text=doc.text, title=doc.title, lang=doc.lang, lang_prob=doc.lang_prob,
                       removed=tuple(sorted(doc.removals)), normalised=doc.normalised,
                       rejected=outcome.reason if outcome else None, document=doc)


def clean_text(text: str, *, url: str | None = None, config: Config = Config()) -> CleanResult:
    """Clean one plain-text page dump (or an already extracted article)."""
    return _clean(text.encode("utf-8"), "text", url, config)


def clean_html(html: str | bytes, *, url: str | None = None, config: Config = Config()) -> CleanResult:
    """Extract the main text of one HTML page and clean it."""
    data = html.encode("utf-8") if isinstance(html, str) else html
    return _clean(data, "html", url, config)
