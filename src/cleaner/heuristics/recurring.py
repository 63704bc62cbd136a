"""Cross-document evidence: short lines that recur across many documents of one site.

A line like "Sign in", "Most popular" or "© 2012 Example Media" repeats on every page of a
site; cc_net removes such lines corpus-wide. Only *short* lines count: a quotation that
several outlets carry repeats too, and it is content. Counting happens in a first pass over
the batch (:meth:`RecurringLines.count`), before the per-document pipeline runs.

Only text dumps are counted (:func:`parse_for_counts`): the counts serve the dump body
locator, which extracted HTML never goes through, and the extractor already left the chrome
behind -- so a batch of HTML pages is not extracted twice.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from cleaner.config import Config
from cleaner.document import Document
from cleaner.heuristics.lines import line_key
from cleaner.parse.record import is_html_page, parse_record
from cleaner.readers.record import Record
from cleaner.readers.walk import read_files


MAX_WORDS = 15  # longer lines are never counted: repeated prose is quotation, not chrome
MIN_DOCS = 3  # a line must recur in at least this many documents of the site ...
MIN_SHARE = 0.1  # ... and in at least this share of them


def parse_for_counts(record: Record) -> Document | None:
    """The record as the counting pass sees it: parsed when it is a text dump, None for an
    HTML page (not extracted here)."""
    return None if is_html_page(record) else parse_record(record)


def site_of(doc: Document) -> str:
    """The recurrence group: the URL's host when known, else the input's top-level folder."""
    host = urlsplit(doc.source.url or "").hostname
    if host:
        return host.lower().removeprefix("www.")
    head, sep, _ = doc.source.path.partition("/")
    return f"path:{head}" if sep else "path:"


@dataclass
class RecurringLines:
    max_words: int = MAX_WORDS
    min_docs: int = MIN_DOCS
    min_share: float = MIN_SHARE
    docs: Counter = field(default_factory=Counter)
    lines: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    _frozen: dict[str, frozenset[str]] = field(default_factory=dict)

    def count(self, doc: Document) -> None:
        site = site_of(doc)
        self.docs[site] += 1
        keys = {line_key(line) for line in doc.normalised.split("\n")
                if line.strip() and len(line.split()) <= self.max_words}
        self.lines[site].update(keys)

    def count_all(self, docs: Iterable[Document | None]) -> RecurringLines:
        """Count every clean text dump among ``docs`` (:func:`parse_for_counts`' results: None
        for an HTML page). The one counting loop of clean, check and both engines."""
        for doc in docs:
            if doc is not None and doc.outcome is None:
                self.count(doc)
        return self

    def needed(self, site_docs: int) -> float:
        """How many of a site's ``site_docs`` documents a line must be in to be recurring."""
        return max(self.min_docs, self.min_share * site_docs)

    def for_document(self, doc: Document) -> frozenset[str]:
        site = site_of(doc)
        if site not in self._frozen:
            need = self.needed(self.docs[site])
            self._frozen[site] = frozenset(k for k, n in self.lines.get(site, {}).items() if n >= need)
        return self._frozen[site]

    def part(self) -> tuple[dict, dict]:
        """The counts as plain dicts, to be summed with :meth:`merged` (a chunk's share of the pass)."""
        return dict(self.docs), {site: dict(lines) for site, lines in self.lines.items()}

    @classmethod
    def merged(cls, parts: Iterable[tuple[dict, dict]]) -> RecurringLines:
        """Sum the per-chunk counts (addition: the order of the chunks does not matter)."""
        recurring = cls()
        for docs, lines in parts:
            recurring.docs.update(docs)
            for site, counts in lines.items():
                recurring.lines[site].update(counts)
        return recurring


def count_recurring(inputs: list[Path], config: Config) -> RecurringLines:
    """The first pass over ``inputs`` in this process (what ``cleaner check`` runs): the same
    count as the engines' recurring phase, so a check reports what a clean removes."""
    return RecurringLines().count_all(parse_for_counts(record) for record in read_files(inputs, config))
