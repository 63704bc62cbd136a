"""Cross-document evidence: short lines that recur across many documents of one site.

A line like "Sign in", "Most popular" or "© 2012 Example Media" repeats on every page of a
site; cc_net removes such lines corpus-wide. Only *short* lines count: a quotation that
several outlets carry repeats too, and it is content. Counting happens in a first pass over
the batch (:meth:`RecurringLines.count`), before the per-document pipeline runs.

Text dumps are counted by their lines. HTML pages are not extracted for the count (a batch
would be extracted twice): their link texts are counted instead (:func:`parse_for_counts`),
read from the markup -- the chrome that leaks into an extracted article is mostly links
(related headlines, menu entries, "read more" and newsletter links) -- and a short line of
an extracted text that recurs so is dropped (:meth:`RecurringLines.for_page`).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from cleaner.config import Config
from cleaner.document import Document, Source
from cleaner.heuristics.lines import short_line_key
from cleaner.parse.decode import binary_kind, decode_html, decode_text
from cleaner.parse.normalize import normalize, normalize_words
from cleaner.parse.record import is_html_page
from cleaner.readers.record import Record
from cleaner.readers.walk import read_files


MAX_WORDS = 15  # longer lines are never counted: repeated prose is quotation, not chrome
MIN_DOCS = 3  # a line must recur in at least this many documents of the site ...
MIN_SHARE = 0.1  # ... and in at least this share of them
LINKS = "html-links"  # the format of a page's links as counted: a group of their own per site


def parse_for_counts(record: Record) -> Document | None:
    """The record as the counting pass sees it. A text dump: decoded, with the lines and words of
    :func:`cleaner.parse.record.parse_record`'s text (:func:`normalize_words`: a line's key ignores
    its spaces and the blank lines, so they are left as they are, and no content hash is made);
    None when parse_record would fail on it (nothing to count). An HTML page: its link texts one
    a line (``parse.html.lines.link_texts``, not extracted here), under the record's own URL (an
    extracted page may name another: see :meth:`RecurringLines.for_page`)."""
    data = record.data or b""
    if not is_html_page(record):
        if record.error is not None or binary_kind(data) is not None:
            return None
        text, _ = decode_text(data, record.charset)
        return Document(id="", normalised=normalize_words(text),
                        source=Source(path=record.path, sha256="", format=record.container or "text", url=record.url))
    from cleaner.parse.html.lines import link_texts

    page, _ = decode_html(data, record.charset)
    return Document(id="", normalised=normalize("\n".join(link_texts(page))),
                    source=Source(path=record.path, sha256="", format=LINKS, url=record.url))


def site_of(doc: Document) -> str:
    """The recurrence group: the URL's host when known, else the input's top-level folder."""
    host = urlsplit(doc.source.url or "").hostname
    if host:
        return host.lower().removeprefix("www.")
    return folder_of(doc)


def _links(site: str) -> str:
    return f"links:{site}"


def folder_of(doc: Document) -> str:
    """The recurrence group of a document without a URL: the input's top-level folder."""
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
        site = site_of(doc) if doc.source.format != LINKS else _links(site_of(doc))
        self.docs[site] += 1
        # short_line_key neither splits nor keys a long line whole; a blank line's key is ''
        keys = {key for line in doc.normalised.split("\n") if (key := short_line_key(line, self.max_words))}
        self.lines[site].update(keys)

    def count_all(self, docs: Iterable[Document | None]) -> RecurringLines:
        """Count every document among ``docs`` (:func:`parse_for_counts`' results; None or a
        failed document has nothing to count). The one counting loop of clean, check and both engines."""
        for doc in docs:
            if doc is not None and doc.outcome is None:
                self.count(doc)
        return self

    def needed(self, site_docs: int) -> float:
        """How many of a site's ``site_docs`` documents a line must be in to be recurring."""
        return max(self.min_docs, self.min_share * site_docs)

    def for_document(self, doc: Document) -> frozenset[str]:
        return self._recurring(site_of(doc))

    def for_page(self, doc: Document) -> frozenset[str]:
        """The recurring link texts for an extracted HTML page (counted apart from the site's
        dumps: a share of the pages, not of the dumps and pages). Its URL may be the page's own
        (canonical link), which the count never saw: it counted a page without a record URL
        under its folder, so the folder's lines count too."""
        site, folder = _links(site_of(doc)), _links(folder_of(doc))
        return self._recurring(site) if site == folder else self._recurring(site) | self._recurring(folder)

    def _recurring(self, site: str) -> frozenset[str]:
        if site not in self._frozen:
            need = self.needed(self.docs[site])
            self._frozen[site] = frozenset(k for k, n in self.lines.get(site, {}).items() if n >= need)
        return self._frozen[site]

    def part(self) -> tuple[dict, dict]:
        """The counts as plain dicts, to be summed with :meth:`merged` (a chunk's share of the pass)."""
        return dict(self.docs), {site: dict(lines) for site, lines in self.lines.items()}

    def recurring_only(self) -> RecurringLines:
        """The same :meth:`for_document` and :meth:`for_page` answers from the lines that recur
        only: what the clean pass needs (every worker loads it), where the whole count grows
        with the input."""
        kept = RecurringLines(self.max_words, self.min_docs, self.min_share, Counter(self.docs))
        for site, counts in self.lines.items():
            recurring = self._recurring(site)
            kept.lines[site] = Counter({key: n for key, n in counts.items() if key in recurring})
        return kept

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
