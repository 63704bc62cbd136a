"""WARC and WET input: response, resource and conversion records with HTML or text payloads."""
from __future__ import annotations

import io
import re
import zlib
from collections import Counter
from pathlib import Path
from typing import BinaryIO, Iterator

from cleaner.readers.compression import GZIP_MAGIC, ZSTD_MAGIC, open_decompressed
from cleaner.readers.base import Reader, register_reader
from cleaner.readers.files import open_regular
from cleaner.readers.record import Record, count_empty, error_record


# -- WARC -------------------------------------------------------------------------------------

_HTML_TYPES = re.compile(r"^\s*(text/html|application/xhtml\+xml)\b", re.IGNORECASE)
_TEXT_TYPES = re.compile(r"^\s*text/plain\b", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def read_warc(path: Path, rel: str, skipped: Counter, limit: int) -> Iterator[Record]:
    """HTML responses (and HTML/text resource records) and WET conversion records as records;
    everything else is counted in ``skipped``. Offsets are of the record in the file as stored
    (the gzip member's start for ``.warc.gz``), as in CDX indexes.

    FastWARC (and warcio) end silently at a truncated record; cleaner checks every record it
    reads or skips against its Content-Length, so a cut-off file ends with an error record.
    """
    try:
        from fastwarc.warc import ArchiveIterator
    except ImportError:
        raise ImportError("reading WARC files needs FastWARC: pip install fastwarc") from None

    offset, inside = None, False  # inside: the failure is in the current record, not between two
    with open_regular(path) as f:
        magic = f.read(4)
        f.seek(0)
        # zstd through cleaner's own frame reader, which raises at a cut-off frame (offsets are
        # then in the decompressed stream); gzip natively (offsets are member starts, as in CDX).
        stream = _ForwardOnly(open_decompressed(f)) if magic.startswith(ZSTD_MAGIC) else f
        try:
            # auto_decode="all": payloads sent with Content-Encoding gzip/br or chunked come out as
            # the page; a truncated encoded payload then raises on read.
            seen = False
            for rec in ArchiveIterator(stream, parse_http=True, auto_decode="all", fsspec_args=False):
                offset, inside, seen = rec.stream_pos, True, True
                record = _warc_record(rec, rel, offset, limit)
                if isinstance(record, str):  # not a document; consume it to check it is whole
                    if _is_identity(rec) and rec.reader.consume() < rec.content_length:
                        record = _warc_error(rel, offset, "truncated", _CUT_OFF)  # an error, not also skipped
                    else:
                        skipped[record] += 1
                        skipped[f"file:{rel}"] += 1
                        inside = False
                        continue
                yield record
                if record.error is not None and record.error_reason != "too-large":
                    return
                inside = False
            if not seen and not magic:
                count_empty(rel, skipped)
            elif not seen:  # FastWARC finds no record in bytes that are not WARC, without a word
                yield _warc_error(rel, 0, "corrupt", "no WARC record found at the start of the file: it is not a "
                                  "WARC file, or its first record is damaged. Check the file, or read it with "
                                  "another --input-format")
                return
            if magic.startswith(GZIP_MAGIC):
                cut = _incomplete_gzip_member(f, offset or 0)
                if cut is not None:
                    yield _warc_error(rel, cut, "truncated", "the file ends inside the gzip member that starts "
                                      "here (FastWARC stops there without a word); the records before it were "
                                      "read. Re-download or re-copy the file to get the rest")
        except (GeneratorExit, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - any parser failure ends this file, never the batch
            # (BaseException: FastWARC's Rust panics are a pyo3 PanicException, which is not an Exception)
            where = ("in the record at offset" if inside else "after the record at offset") if offset is not None \
                else "at its start"
            yield _warc_error(rel, offset or 0, "corrupt", f"the WARC stream cannot be parsed {where} {offset} "
                              f"({type(exc).__name__}: {exc}); the records before it were read. Check the file: "
                              "is it a WARC, was it copied whole?")


class _ForwardOnly:
    """A decompressed stream as FastWARC wants it: it asks for ``tell()`` (and panics on a stream
    that has none, as a decompressing one); seeks forward are reads, backward ones are refused."""

    def __init__(self, stream: BinaryIO):
        self._stream, self._pos = stream, 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._pos += len(data)
        return data

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = offset if whence == io.SEEK_SET else self._pos + offset if whence == io.SEEK_CUR else -1
        if target < self._pos:
            raise io.UnsupportedOperation("a decompressed stream cannot seek backwards or from its end")
        while self._pos < target and self.read(min(1 << 16, target - self._pos)):
            pass
        return self._pos

    def close(self) -> None:
        self._stream.close()


_CUT_OFF = ("the record ends before its Content-Length: the file is truncated or corrupt here; the records "
            "before it were read. Re-download or re-copy the file to get the rest")
_DOCUMENT_TYPES = ("response", "resource", "conversion")


def _incomplete_gzip_member(f: BinaryIO, start: int) -> int | None:
    """Offset of a gzip member at or after ``start`` that the file ends inside of, or None.

    Reads from ``start`` (the last record FastWARC returned) to the end, discarding the output
    in bounded pieces: the cost is about one record.
    """
    f.seek(start)
    member, consumed, dobj = start, 0, zlib.decompressobj(31)
    try:
        while chunk := f.read(1 << 16):
            while chunk:
                dobj.decompress(chunk, 1 << 20)
                left = dobj.unused_data if dobj.eof else dobj.unconsumed_tail
                consumed += len(chunk) - len(left)
                chunk = left
                if dobj.eof:
                    member, consumed, dobj = member + consumed, 0, zlib.decompressobj(31)
    except zlib.error:
        return member
    return member if consumed else None


def _warc_error(rel: str, offset: int, reason: str, message: str) -> Record:
    return error_record(rel, reason, f"{rel} offset {offset}: {message}", offset, "warc")


def _is_identity(rec) -> bool:
    """True when the payload is stored as sent, so its length must equal the Content-Length."""
    return not rec.is_http or not (rec.http_headers.get("Content-Encoding") or rec.http_headers.get("Transfer-Encoding"))


def _warc_record(rec, rel: str, offset: int, limit: int) -> Record | str:
    """The record's document or error record, or the reason (a ``skipped`` key) it is none."""
    declared = rec.headers.get("Content-Length")
    if declared is None:
        return _warc_error(rel, offset, "truncated", "the record's headers are incomplete (no Content-Length): the "
                           "file is truncated or corrupt here; the records before it were read")
    if not declared.strip().isdigit():
        return _warc_error(rel, offset, "corrupt", f"the record's Content-Length {declared.strip()!r} is not a "
                           "length (a number of bytes): the file is corrupt here; the records before it were read")
    kind = str(rec.record_type)  # "response", "request", ...
    if kind not in _DOCUMENT_TYPES:
        return f"warc-{kind}"  # warcinfo, request, metadata, revisit, ...
    if kind == "response":
        if not rec.is_http:
            return "non-http"
        status = rec.http_headers.status_code
        if status is None or not 200 <= status < 300:
            return "http-status"  # redirects, 404 and 500 pages are not articles
        content_type = rec.http_headers.get("Content-Type") or ""
    else:
        content_type = rec.headers.get("Content-Type") or ""
    if kind == "conversion" or (kind == "resource" and _TEXT_TYPES.match(content_type)):
        doc_kind = "text"
    elif _HTML_TYPES.match(content_type):
        doc_kind = "html"
    elif not content_type.strip():
        doc_kind = "auto"  # no declared type: the parser sniffs the bytes
    else:
        return "non-html"  # images, PDFs, scripts, JSON
    if rec.content_length > limit:
        rec.reader.consume()
        return _warc_error(rel, offset, "too-large", f"the payload has {rec.content_length:,} bytes, more than "
                           f"the {limit:,} a single document may have (--max-document-bytes); it was not read")
    data = rec.reader.read(limit + 1)  # bounded: a decoded (gzip, brotli) payload can outgrow its length
    if len(data) > limit:
        rec.reader.consume()
        return _warc_error(rel, offset, "too-large", f"the decoded payload has more than the {limit:,} bytes a "
                           "single document may have (--max-document-bytes); it was not read")
    if _is_identity(rec) and len(data) < rec.content_length:
        return _warc_error(rel, offset, "truncated", _CUT_OFF)
    match = _CHARSET.search(content_type)
    return Record(rel, data, doc_kind, url=rec.headers.get("WARC-Target-URI"), position=str(offset),
                  container="warc", record_id=rec.record_id, charset=match.group(1) if match else None)


register_reader(Reader("warc", (".warc", ".warc.gz", ".wet", ".wet.gz"),
                       lambda path, rel, config, skipped: read_warc(path, rel, skipped, config.max_document_bytes),
                       lambda head: head.lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"WARC/")))
