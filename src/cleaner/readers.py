"""Readers: find the inputs and yield raw records, in a deterministic order.

Readers only do I/O. Turning bytes into a :class:`~cleaner.document.Document` is the
parser's job (:mod:`cleaner.parse`), which can run in worker processes.

Three kinds of input, chosen per file by extension and then by content (``--input-format``
forces one for every file):

* plain files, ``.txt`` / ``.html`` and anything else: one record per file;
* JSON Lines (``.jsonl``, ``.ndjson``, gzip or zstd compressed): one record per line;
* WARC (``.warc``, ``.warc.gz``, WET ``.wet``/``.warc.wet.gz``): one record per HTML
  response or WET conversion record, parsed with FastWARC.

Every reader streams: memory is bounded by the largest single record
(:data:`MAX_RECORD_BYTES`), never by the size of a container file. A line or record that
cannot be read becomes an error :class:`Record` (file, position, what to do); what is not a
document at all (WARC request records, images, blank lines) is counted in ``skipped``.
"""
from __future__ import annotations

import errno
import io
import json
import os
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

from cleaner.config import Config

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
JSONL_SUFFIXES = tuple(f"{base}{comp}" for base in (".jsonl", ".ndjson") for comp in ("", ".gz", ".zst"))
WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz")
MAX_RECORD_BYTES = 64 << 20  # one JSONL line or WARC payload; larger ones are errors, not memory blow-ups
_GZIP_MAGIC, _ZSTD_MAGIC = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"
_SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Record:
    """One input unit: a file's bytes, one JSONL line's or WARC record's content, or why they
    could not be read."""

    path: str  # relative to the input root, '/'-separated (the root's own name for a single file)
    data: bytes | None
    kind: str  # "text", "html" or "auto" (decided by sniffing the content)
    url: str | None = None
    position: str | None = None  # JSONL line number / WARC byte offset inside ``path``
    error: str | None = None  # the full message: what went wrong, where, and what to do
    error_reason: str = "unreadable"  # stable code for errors.jsonl and the manifest
    container: str | None = None  # "jsonl" or "warc" when the record came out of a container file
    record_id: str | None = None  # the JSONL id field / WARC-Record-ID
    charset: str | None = None  # declared by the transport (HTTP Content-Type), a hint for decoding
    metadata: dict[str, Any] | None = None  # JSONL fields passed through to the document


def error_record(path: str, reason: str, message: str, position: int | str | None = None,
                 container: str | None = None) -> Record:
    return Record(path, None, "auto", position=None if position is None else str(position), error=message,
                  error_reason=reason, container=container)


# -- choosing a reader ------------------------------------------------------------------------

def kind_of(path: str, forced: str = "auto") -> str:
    """The reader for a file name: text, html, jsonl, warc, or auto (sniff the content).

    >>> kind_of("a/b.HTM"), kind_of("dump.jsonl.zst"), kind_of("CC-1.warc.wet.gz"), kind_of("x.bin")
    ('html', 'jsonl', 'warc', 'auto')
    """
    if forced != "auto":
        return forced
    lower = path.lower()
    for suffixes, kind in ((HTML_SUFFIXES, "html"), (TEXT_SUFFIXES, "text"), (JSONL_SUFFIXES, "jsonl"),
                           (WARC_SUFFIXES, "warc")):
        if lower.endswith(suffixes):
            return kind
    return "auto"


def sniff_container(head: bytes) -> str | None:
    """``warc`` or ``jsonl`` when the (decompressed) head of a file looks like one, else None.

    >>> sniff_container(b"WARC/1.0\\r\\nWARC-Type: warcinfo"), sniff_container(b'{"text": "a"}\\n{"te')
    ('warc', 'jsonl')
    >>> sniff_container(b"{ not json"), sniff_container(b"<html>") is None
    (None, True)
    """
    head = head.lstrip(b"\xef\xbb\xbf\r\n\t ")
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"{"):
        first, newline, _ = head.partition(b"\n")
        if not newline and len(head) >= _SNIFF_BYTES:
            return "jsonl"  # a first line longer than the sniffed head: `{` and no way to check
        try:
            return "jsonl" if isinstance(json.loads(first), dict) else None
        except ValueError:
            return None
    return None


def _head(path: Path) -> bytes:
    """The first bytes of a file, decompressed when it is gzip or zstd (a truncated or corrupt
    stream gives what could be read)."""
    with open(path, "rb") as f:
        raw = f.read(_SNIFF_BYTES)
        if not raw.startswith((_GZIP_MAGIC, _ZSTD_MAGIC)):
            return raw
        f.seek(0)
        try:
            return open_decompressed(f).read(_SNIFF_BYTES)
        except (OSError, EOFError, zlib.error):
            return b""


def display_name(name: str) -> str:
    r"""A file name as text that is always valid UTF-8: bytes that are not UTF-8 (which the OS
    hands over as lone surrogates) are shown as ``\xNN`` escapes, so errors, the manifest and
    the documents can name the file.

    >>> display_name("caf\udce9.txt"), display_name("café.txt")
    ('caf\\xe9.txt', 'café.txt')
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file found under an input root, or an entry that cannot be read as one (``problem``
    is then the error reason and ``message`` says what to do)."""

    path: Path
    rel: str  # relative to the root, '/'-separated, made printable by :func:`display_name`
    problem: str | None = None
    message: str | None = None


def walk_inputs(roots: Iterable[Path]) -> Iterator[InputFile]:
    """Every file under the roots, sorted by relative name per root, and every entry that was
    found but cannot be read (a folder that cannot be listed, a symlink loop), so nothing is
    left out without a word.

    Hidden files and folders (``.git``, ``.DS_Store``) are skipped: they are never corpus.
    Symlinked folders are followed, except one that leads back into a folder it sits in.
    """
    for root in roots:
        if not root.is_dir():
            yield InputFile(root, display_name(root.name))
            continue
        found: list[InputFile] = []
        stack = [(root, "", (_identity(root),))]
        while stack:
            folder, prefix, ancestors = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError as exc:
                rel = prefix.rstrip("/") or display_name(root.name)
                found.append(InputFile(folder, rel, "unreadable", f"{rel}: cannot list the folder "
                                       f"({exc.strerror or exc}); its files were not read. Check its permissions"))
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel, path = prefix + display_name(entry.name), Path(entry.path)
                try:
                    is_dir = entry.is_dir()  # follows symlinks; False for a broken one
                except OSError:
                    is_dir = False
                if not is_dir:
                    found.append(InputFile(path, rel))
                    continue
                identity = _identity(path)
                if identity in ancestors:
                    found.append(InputFile(path, rel, "symlink-loop", f"{rel} links back to a folder that "
                                           "contains it; it was not followed (the files were read once, "
                                           "through the real folder). Remove the link or point it elsewhere"))
                    continue
                stack.append((path, rel + "/", ancestors + (identity,)))
        yield from sorted(found, key=lambda f: f.rel)


def _identity(folder: Path) -> tuple[int, int]:
    st = folder.stat()
    return st.st_dev, st.st_ino


def list_inputs(roots: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """(file, relative name) for every entry :func:`walk_inputs` finds."""
    for found in walk_inputs(roots):
        yield found.path, found.rel


def read_files(roots: Iterable[Path], config: Config = Config(), skipped: Counter | None = None) -> Iterator[Record]:
    """Every record of every input under ``roots``, in a deterministic order.

    ``skipped`` (if given) counts what was read but is not a document, by reason
    (``warc-request``, ``non-html``, ``blank-line``, ...) and by file (``file:<path>``).
    """
    skipped = Counter() if skipped is None else skipped
    for found in walk_inputs(roots):
        yield from read_input(found, config, skipped)


def read_input(found: InputFile, config: Config = Config(), skipped: Counter | None = None) -> Iterator[Record]:
    """The records of one input file: the unit of reading, which a distributed executor
    (:mod:`cleaner.ray_engine`) hands to one worker."""
    skipped = Counter() if skipped is None else skipped
    path, rel = found.path, found.rel
    if found.problem is not None:
        yield error_record(rel, found.problem, found.message)
        return
    kind = kind_of(rel, config.input_format)
    try:
        if kind == "auto" or (kind in ("jsonl", "warc") and config.input_format == "auto"):
            kind = _sniffed_kind(path, rel, kind)
        if kind == "jsonl":
            yield from read_jsonl(path, rel, config, skipped)
        elif kind == "warc":
            yield from read_warc(path, rel, skipped)
        elif kind == "compressed":
            yield error_record(rel, "unknown-format", f"{rel}: a compressed file that holds neither JSON Lines "
                               "nor WARC; decompress it, or name it .jsonl.gz/.warc.gz if it is one")
        else:
            yield _read_whole(path, rel, kind)
    except OSError as exc:  # opening or reading the file itself failed
        yield _unreadable(path, rel, exc)


def _unreadable(path: Path, rel: str, exc: OSError) -> Record:
    """The error for a file that cannot be opened or read, saying which of the usual causes it is."""
    if path.is_symlink() and not path.exists():
        target = display_name(os.readlink(path)) if exc.errno != errno.ELOOP else "itself"
        reason, message = ("symlink-loop", f"{rel} is a symbolic link that leads back to itself") \
            if exc.errno == errno.ELOOP else ("broken-symlink", f"{rel} is a symbolic link to {target}, which "
                                              "does not exist")
        return error_record(rel, reason, f"{message}; fix or remove the link")
    return error_record(rel, "unreadable", f"{rel}: cannot read the file ({exc.strerror or exc}); check its "
                        "permissions, or whether the disk or network share holding it is still there")


def _sniffed_kind(path: Path, rel: str, by_name: str) -> str:
    head = _head(path)
    sniffed = sniff_container(head)
    if sniffed:
        return sniffed
    if by_name != "auto":  # named .jsonl/.warc but the head says otherwise: its reader reports why
        return by_name
    with open(path, "rb") as f:
        compressed = f.read(4).startswith((_GZIP_MAGIC, _ZSTD_MAGIC))
    return "compressed" if compressed else "auto"


def _read_whole(path: Path, rel: str, kind: str) -> Record:
    size = path.stat().st_size
    if size > MAX_RECORD_BYTES:
        return error_record(rel, "too-large", f"{rel} is {size:,} bytes, more than the {MAX_RECORD_BYTES:,} a "
                            "single document may have; split it, or store it as JSON Lines or WARC")
    return Record(rel, path.read_bytes(), kind)


# -- compressed streams -----------------------------------------------------------------------

class _Decompressing(io.RawIOBase):
    """Decompress every gzip member or zstd frame of a stream, handing out what was
    decompressed before a cut: a stream that ends inside a member/frame raises ``EOFError``
    only once the data before the cut has been read. (``gzip.GzipFile`` raises with up to a
    buffer of good data undelivered; zstandard's stream reader ends silently, losing the tail
    unseen.) Output per step is bounded: 1 MiB for gzip, one 16 KiB input chunk for zstd."""

    def __init__(self, raw: BinaryIO, codec: str):
        self._raw, self._codec = raw, codec
        if codec == "zstd":
            try:
                import zstandard
            except ImportError:
                raise ImportError("reading .zst files needs zstandard: pip install zstandard") from None
            self._new, self._errors = (lambda: zstandard.ZstdDecompressor().decompressobj()), (zstandard.ZstdError,)
        else:
            self._new, self._errors = (lambda: zlib.decompressobj(31)), (zlib.error,)
        self._dobj = None  # None between two members/frames
        self._input = b""
        self._pending, self._at = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._at >= len(self._pending):
            if not self._input:
                self._input = self._raw.read(1 << 14)
                if not self._input:
                    if self._dobj is not None:
                        raise EOFError(f"the {self._codec} stream ends inside a compressed block")
                    return 0
            if self._dobj is None:
                self._dobj = self._new()
            dobj = self._dobj
            try:
                if self._codec == "gzip":
                    out = dobj.decompress(self._input, 1 << 20)
                    rest = dobj.unused_data if dobj.eof else dobj.unconsumed_tail
                else:
                    out = dobj.decompress(self._input)
                    rest = dobj.unused_data if dobj.eof else b""
            except self._errors as exc:
                raise OSError(f"corrupt {self._codec} data: {exc}") from None
            self._input, self._pending, self._at = rest, out, 0
            if dobj.eof:
                self._dobj = None
        n = min(len(buffer), len(self._pending) - self._at)
        buffer[:n] = self._pending[self._at:self._at + n]
        self._at += n
        return n


def open_decompressed(f: BinaryIO) -> BinaryIO:
    """A buffered binary stream of ``f``'s content, decompressed by its magic bytes (not its
    name: files get renamed). Truncation raises ``EOFError``, corruption ``OSError``."""
    buffered = f if isinstance(f, io.BufferedReader) else io.BufferedReader(f)
    magic = buffered.peek(4)[:4]
    if magic.startswith(_GZIP_MAGIC):
        return io.BufferedReader(_Decompressing(buffered, "gzip"), 1 << 16)
    if magic.startswith(_ZSTD_MAGIC):
        return io.BufferedReader(_Decompressing(buffered, "zstd"), 1 << 16)
    return buffered


# -- JSON Lines -------------------------------------------------------------------------------

def read_jsonl(path: Path, rel: str, config: Config, skipped: Counter) -> Iterator[Record]:
    """One record per line that holds a JSON object with a string HTML or text field.

    The HTML field wins when a record has both (cleaner's extraction is the point of the run;
    the other one is not copied into metadata, which would double the output). The url and id
    fields go into provenance; every other field passes through into ``metadata``.
    """
    fields = (config.html_field, config.text_field, config.url_field, config.id_field)
    line_no = 0
    with open(path, "rb") as raw:
        stream = open_decompressed(raw)
        try:
            while True:
                line = stream.readline(MAX_RECORD_BYTES + 1)
                if not line:
                    break
                line_no += 1
                if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
                    while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                        pass  # the rest of the over-long line, read in bounded chunks
                    yield error_record(rel, "too-large", f"{rel} line {line_no} is longer than {MAX_RECORD_BYTES:,} "
                                       "bytes; split the record or raise cleaner.readers.MAX_RECORD_BYTES",
                                       line_no, "jsonl")
                    continue
                if not line.strip():
                    skipped["blank-line"] += 1
                    skipped[f"file:{rel}"] += 1
                    continue
                yield _jsonl_record(line, rel, line_no, fields)
            if line_no == 0:
                _count_empty(rel, skipped)
        except EOFError:
            yield error_record(rel, "truncated", f"{rel} ends in the middle of its compressed stream, at line "
                               f"{line_no + 1}; the {line_no} lines before it were read. Re-download or re-copy "
                               "the file to get the rest", line_no + 1, "jsonl")
        except (OSError, zlib.error) as exc:
            yield error_record(rel, "corrupt", f"{rel}: the compressed stream is corrupt at line {line_no + 1} "
                               f"({exc}); the {line_no} lines before it were read. Re-download or re-compress "
                               "the file", line_no + 1, "jsonl")


def _count_empty(rel: str, skipped: Counter) -> None:
    """A container file without a single record is not an error, but it is not left out either:
    it is counted as skipped, so the manifest lists it."""
    skipped["empty-file"] += 1
    skipped[f"file:{rel}"] += 1


def _jsonl_record(line: bytes, rel: str, line_no: int, fields: tuple[str, str, str, str]) -> Record:
    html_field, text_field, url_field, id_field = fields
    where = f"{rel} line {line_no}"

    def fail(reason: str, message: str) -> Record:
        return error_record(rel, reason, f"{where}: {message}", line_no, "jsonl")

    try:
        obj = json.loads(line.decode("utf-8-sig" if line_no == 1 else "utf-8"))
    except UnicodeDecodeError as exc:
        return fail("bad-encoding", f"not UTF-8 (byte {exc.start}); JSON Lines must be UTF-8: re-encode the file, "
                    "e.g. iconv -f cp1252 -t utf-8")
    except ValueError as exc:
        return fail("malformed-json", f"not valid JSON ({exc}); fix or remove the line: each line of a JSON "
                    "Lines file must be one JSON object")
    if not isinstance(obj, dict):
        return fail("not-an-object", f"{_json_type(obj)}, not a JSON object; each line must be one "
                    f'object such as {{"{text_field}": "..."}}')
    html, text = obj.get(html_field), obj.get(text_field)
    if isinstance(html, str):
        data, kind = html, "html"
    elif isinstance(text, str):
        data, kind = text, "text"
    else:
        found = ", ".join(f"{name!r} is {_json_type(obj[name])}" for name in (html_field, text_field) if name in obj)
        return fail("no-text-field", f"no string field {html_field!r} or {text_field!r}"
                    f"{' (' + found + ')' if found else ''}; fields present: {', '.join(map(repr, obj)) or 'none'}. "
                    "Name the fields with --html-field / --text-field")
    url, record_id = obj.get(url_field), obj.get(id_field)
    url = url if isinstance(url, str) else None
    record_id = str(record_id) if isinstance(record_id, (str, int)) and not isinstance(record_id, bool) else None
    used = {html_field, text_field} | ({url_field} if url is not None else set()) \
        | ({id_field} if record_id is not None else set())
    metadata = {k: v for k, v in obj.items() if k not in used}
    return Record(rel, data.encode("utf-8", "surrogatepass"), kind, url=url, position=str(line_no),
                  container="jsonl", record_id=record_id, metadata=metadata or None)


def _json_type(value: Any) -> str:
    """How JSON calls the value's type.

    >>> _json_type(None), _json_type([1]), _json_type(2.5), _json_type("s")
    ('null', 'an array', 'a number', 'a string')
    """
    return "null" if value is None else {dict: "an object", list: "an array", bool: "a boolean", str: "a string",
                                         int: "a number", float: "a number"}.get(type(value), "a value")


# -- WARC -------------------------------------------------------------------------------------

_HTML_TYPES = re.compile(r"^\s*(text/html|application/xhtml\+xml)\b", re.IGNORECASE)
_TEXT_TYPES = re.compile(r"^\s*text/plain\b", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def read_warc(path: Path, rel: str, skipped: Counter) -> Iterator[Record]:
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
    with open(path, "rb") as f:
        magic = f.read(4)
        f.seek(0)
        # zstd through cleaner's own frame reader, which raises at a cut-off frame (offsets are
        # then in the decompressed stream); gzip natively (offsets are member starts, as in CDX).
        stream = _ForwardOnly(open_decompressed(f)) if magic.startswith(_ZSTD_MAGIC) else f
        try:
            # auto_decode="all": payloads sent with Content-Encoding gzip/br or chunked come out as
            # the page; a truncated encoded payload then raises on read.
            seen = False
            for rec in ArchiveIterator(stream, parse_http=True, auto_decode="all", fsspec_args=False):
                offset, inside, seen = rec.stream_pos, True, True
                record = _warc_record(rec, rel, offset)
                if isinstance(record, str):  # not a document; consume it to check it is whole
                    skipped[record] += 1
                    skipped[f"file:{rel}"] += 1
                    if _is_identity(rec) and rec.reader.consume() < rec.content_length:
                        record = _warc_error(rel, offset, "truncated", _CUT_OFF)
                    else:
                        inside = False
                        continue
                yield record
                if record.error is not None and record.error_reason != "too-large":
                    return
                inside = False
            if not seen and not magic:
                _count_empty(rel, skipped)
            elif not seen:  # FastWARC finds no record in bytes that are not WARC, without a word
                yield _warc_error(rel, 0, "corrupt", "no WARC record found at the start of the file: it is not a "
                                  "WARC file, or its first record is damaged. Check the file, or read it with "
                                  "another --input-format")
                return
            if magic.startswith(_GZIP_MAGIC):
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


def _warc_record(rec, rel: str, offset: int) -> Record | str:
    """The record's document or error record, or the reason (a ``skipped`` key) it is none."""
    declared = rec.headers.get("Content-Length")
    if declared is None or not declared.strip().isdigit():
        return _warc_error(rel, offset, "truncated", "the record's headers are incomplete (no Content-Length): the "
                           "file is truncated or corrupt here; the records before it were read")
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
    if rec.content_length > MAX_RECORD_BYTES:
        rec.reader.consume()
        return _warc_error(rel, offset, "too-large", f"the payload has {rec.content_length:,} bytes, more than "
                           f"the {MAX_RECORD_BYTES:,} a single document may have; it was not read")
    data = rec.reader.read()
    if _is_identity(rec) and len(data) < rec.content_length:
        return _warc_error(rel, offset, "truncated", _CUT_OFF)
    match = _CHARSET.search(content_type)
    return Record(rel, data, doc_kind, url=rec.headers.get("WARC-Target-URI"), position=str(offset),
                  container="warc", record_id=rec.record_id, charset=match.group(1) if match else None)
