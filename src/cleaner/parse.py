"""Parsing: raw record bytes -> normalised :class:`Document` (HTML goes through extraction)."""
from __future__ import annotations

import codecs
import hashlib

from cleaner.document import Document, Source
from cleaner.normalize import normalize
from cleaner.readers import Record

BINARY_SNIFF_BYTES = 4096
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
# UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def sniff_kind(data: bytes) -> str:
    head = data[:BINARY_SNIFF_BYTES].lstrip().lower()
    return "html" if head.startswith(_HTML_MARKERS) or b"<html" in head[:1024] else "text"


def looks_binary(data: bytes) -> bool:
    """NUL bytes in the head of a file that is not UTF-16/32 mean an image, PDF or executable."""
    head = data[:BINARY_SNIFF_BYTES]
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding): by BOM, else UTF-8, else the ``declared`` charset (HTTP Content-Type),
    else the best guess of charset-normalizer.

    Strict UTF-8 comes before a declared label: valid multi-byte UTF-8 is almost never
    anything else, and labels are often wrong.

    >>> decode_text("naïve".encode("utf-16"))
    ('naïve', 'utf-16')
    >>> decode_text("naïve café".encode("cp1252"), declared="windows-1252")
    ('naïve café', 'cp1252')
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace"), encoding.replace("-le", "").replace("-be", "")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            encoding = codecs.lookup(declared).name
            return data.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return data.decode("utf-8", errors="replace"), "utf-8-replace"
    return str(best), best.encoding


def document_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def parse_record(record: Record) -> Document:
    """A Document for the record; failures become a Document with an error outcome."""
    data = record.data or b""
    sha = hashlib.sha256(data).hexdigest()
    source = Source(path=record.path, sha256=sha, format=record.container or record.kind, url=record.url,
                    position=record.position, record_id=record.record_id)
    doc = Document(id=sha[:16], normalised="", source=source)
    if record.error is not None:
        doc.fail(record.error_reason, record.error)
        return doc
    if looks_binary(data):
        doc.fail("binary", "the file holds binary data (NUL bytes), not text; remove it from the input "
                 "or check its extension")
        return doc
    kind = record.kind if record.kind in ("text", "html") else sniff_kind(data)
    metadata: dict = {}
    if kind == "html":
        from cleaner.html_extract import extract_html

        extraction = extract_html(data, url=record.url, http_charset=record.charset)
        doc.normalised = normalize(extraction.text)
        doc.title = normalize(extraction.title) if extraction.title else None
        metadata = {**dict(sorted(extraction.metadata.items())), "extractor": extraction.extractor}
        encoding = extraction.metadata.get("encoding")
    else:
        text, encoding = decode_text(data, record.charset)
        doc.normalised = normalize(text)
    url = record.url or metadata.get("url")
    # A JSONL record's own fields are the user's data: they win over the extractor's guesses.
    doc.metadata = {**metadata, **(record.metadata or {})}
    doc.source = Source(path=record.path, sha256=sha, format=record.container or kind, url=url,
                        position=record.position, encoding=encoding, record_id=record.record_id)
    return doc
