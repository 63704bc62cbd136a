"""A record parsed into a Document: decoded, HTML extracted, normalised; or a failed document saying why."""
from __future__ import annotations

import hashlib

from cleaner.document import Document, Source
from cleaner.parse.decode import BINARY_SNIFF_BYTES, binary_kind, decode_text, sniff_kind, wide_encoding
from cleaner.parse.normalize import normalize, normalize_with_layout
from cleaner.readers.record import Record


def document_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def where(record: Record) -> str:
    """The record's place for a message: ``dump.jsonl line 12``, ``crawl.warc offset 3120``, ``a.txt``."""
    if record.position is None:
        return record.path
    unit = {"jsonl": "line", "parquet": "row"}.get(record.container or "", "offset")
    return f"{record.path} {unit} {record.position}"


def id_and_record_id(record: Record, sha: str) -> tuple[str, str | None]:
    """(document id, ``source.record_id``): the record's own id is the document's id when its
    reader says so (``Reader.own_ids``: JSON Lines, Parquet; pipelines join on it); otherwise,
    or when the record has none, the id is derived from the content (the first 16 hex digits
    of its sha256) and the record's id (a WARC-Record-ID) is kept in ``source``."""
    if record.own_id:
        return record.record_id, None
    return sha[:16], record.record_id


def has_own_id(doc: Document) -> bool:
    """Whether the document's id is the user's (so the run checks it is unique), not derived."""
    return doc.id != doc.source.sha256[:16]


def failed_document(record: Record, reason: str, message: str, **detail) -> Document:
    """The Document that stands for a record that could not be processed (an errors.jsonl entry)."""
    sha = hashlib.sha256(record.data or b"").hexdigest()
    doc_id, record_id = id_and_record_id(record, sha)
    source = Source(path=record.path, sha256=sha, format=record.container or record.kind, url=record.url,
                    position=record.position, record_id=record_id)
    doc = Document(id=doc_id, normalised="", source=source)
    doc.fail(reason, message, **detail)
    return doc


def _content_kind(record: Record, data: bytes, wide: str | None) -> str:
    if record.kind in ("text", "html"):
        return record.kind
    return sniff_kind(data.decode(wide, "replace").encode("utf-8", "replace") if wide else data)


def is_html_page(record: Record) -> bool:
    """Whether :func:`parse_record` would run HTML extraction on the record (found without
    running it: the recurring-lines pass counts text dumps only, and skips HTML at no cost)."""
    if record.kind == "text":  # read as a text dump whatever its bytes are (asked ~3 times a record)
        return False
    data = record.data or b""
    if record.error is not None or binary_kind(data) is not None:
        return False
    return _content_kind(record, data, wide_encoding(data[:BINARY_SNIFF_BYTES])) == "html"


def parse_record(record: Record) -> Document:
    """A Document for the record; failures become a Document with an error outcome."""
    if record.error is not None:
        return failed_document(record, record.error_reason, record.error)
    data = record.data or b""
    binary = binary_kind(data)
    if binary is not None:
        return failed_document(record, "binary", f"{where(record)} holds {binary}, not text (found by its first "
                               "bytes); remove it from the input, or convert it to text first")
    sha = hashlib.sha256(data).hexdigest()
    doc_id, record_id = id_and_record_id(record, sha)
    doc = Document(id=doc_id, normalised="", source=Source(path=record.path, sha256=sha, format=record.kind))
    wide = wide_encoding(data[:BINARY_SNIFF_BYTES])  # the HTML decoder knows BOMs, not BOM-less UTF-16
    content: bytes | str = data.decode(wide, "replace") if wide else data
    kind = _content_kind(record, data, wide)
    metadata: dict = {}
    if kind == "html":
        from cleaner.parse.html.extract import extract_html

        extraction = extract_html(content, url=record.url, http_charset=record.charset)
        doc.normalised = normalize(extraction.text)
        doc.title = normalize(extraction.title) if extraction.title else None
        metadata = {**dict(sorted(extraction.metadata.items())), "extractor": extraction.extractor}
        for problem in extraction.problems:
            doc.warn("extractor-failed", f"{problem}; the text comes from the other extractors")
        encoding = wide or extraction.metadata.get("encoding")
    else:
        text, encoding = decode_text(data, record.charset)
        doc.normalised, doc.layout = normalize_with_layout(text)
    url = record.url or metadata.get("url")
    # A JSONL record's own fields are the user's data: they win over the extractor's guesses.
    doc.metadata = {**metadata, **(record.metadata or {})}
    doc.source = Source(path=record.path, sha256=sha, format=record.container or kind, url=url,
                        position=record.position, encoding=encoding, record_id=record_id)
    return doc
