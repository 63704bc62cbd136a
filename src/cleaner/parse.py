"""Parsing: raw record bytes -> normalised :class:`Document` (HTML goes through extraction)."""
from __future__ import annotations

import hashlib

from cleaner.document import Document, Source
from cleaner.normalize import normalize
from cleaner.readers import Record

BINARY_SNIFF_BYTES = 4096
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")


def sniff_kind(data: bytes) -> str:
    head = data[:BINARY_SNIFF_BYTES].lstrip().lower()
    return "html" if head.startswith(_HTML_MARKERS) or b"<html" in head[:1024] else "text"


def looks_binary(data: bytes) -> bool:
    """NUL bytes in the head of a file that is not UTF-16 mean an image, PDF or executable."""
    head = data[:BINARY_SNIFF_BYTES]
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (BOM-aware) first, else the best guess of charset-normalizer."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
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
    source = Source(path=record.path, sha256=sha, format=record.kind, url=record.url, position=record.position)
    doc = Document(id=sha[:16], normalised="", source=source)
    if record.error is not None:
        doc.fail("unreadable", f"{record.error}; check the file's permissions and path")
        return doc
    if looks_binary(data):
        doc.fail("binary", "the file holds binary data (NUL bytes), not text; remove it from the input "
                 "or check its extension")
        return doc
    kind = record.kind if record.kind != "auto" else sniff_kind(data)
    if kind == "html":
        from cleaner.html_extract import extract_html

        extraction = extract_html(data, url=record.url)
        doc.normalised = normalize(extraction.text)
        doc.title = normalize(extraction.title) if extraction.title else None
        doc.metadata = {k: v for k, v in sorted(extraction.metadata.items())}
        doc.metadata["extractor"] = extraction.extractor
        encoding = extraction.metadata.get("encoding")
    else:
        text, encoding = decode_text(data)
        doc.normalised = normalize(text)
    doc.source = Source(path=record.path, sha256=sha, format=kind, url=record.url or doc.metadata.get("url"),
                        position=record.position, encoding=encoding)
    return doc
