"""JSON Lines input (optionally .gz or .zst): one record per line, bad lines become error records."""
from __future__ import annotations

import json
import zlib
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from cleaner.readers.compression import open_decompressed
from cleaner.readers.fields import json_type, object_record
from cleaner.readers.base import SNIFF_BYTES, Reader, register_reader
from cleaner.readers.files import open_regular
from cleaner.readers.record import Record, count_empty, error_record

if TYPE_CHECKING:
    from cleaner.config import Config


# -- JSON Lines -------------------------------------------------------------------------------

def read_jsonl(path: Path, rel: str, config: Config, skipped: Counter) -> Iterator[Record]:
    """One record per line that holds a JSON object with a string HTML or text field.

    The fields are read by :func:`~cleaner.readers.fields.object_record`: the HTML field wins
    when a record has both (cleaner's extraction is the point of the run; the other one is not
    copied into metadata, which would double the output), the url goes into provenance, the id
    names the document, every other field passes through into ``metadata``.
    """
    fields = (config.html_field, config.text_field, config.url_field, config.id_field)
    limit = config.max_document_bytes
    line_no = 0
    with open_regular(path) as raw:
        stream = open_decompressed(raw)
        try:
            while True:
                line = stream.readline(limit + 1)
                if not line:
                    break
                line_no += 1
                if len(line) > limit and not line.endswith(b"\n"):
                    while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                        pass  # the rest of the over-long line, read in bounded chunks
                    yield error_record(rel, "too-large", f"{rel} line {line_no} is longer than {limit:,} "
                                       "bytes; split the record or raise --max-document-bytes",
                                       line_no, "jsonl")
                    continue
                if not line.strip():
                    skipped["blank-line"] += 1
                    skipped[f"file:{rel}"] += 1
                    continue
                yield _jsonl_record(line, rel, line_no, fields)
            if line_no == 0:
                count_empty(rel, skipped)
        except EOFError:
            yield error_record(rel, "truncated", f"{rel} ends in the middle of its compressed stream, at line "
                               f"{line_no + 1}; the {line_no} lines before it were read. Re-download or re-copy "
                               "the file to get the rest", line_no + 1, "jsonl")
        except (OSError, zlib.error) as exc:
            yield error_record(rel, "corrupt", f"{rel}: the compressed stream is corrupt at line {line_no + 1} "
                               f"({exc}); the {line_no} lines before it were read. Re-download or re-compress "
                               "the file", line_no + 1, "jsonl")


def _jsonl_record(line: bytes, rel: str, line_no: int, fields: tuple[str, str, str, str]) -> Record:
    text_field = fields[1]
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
        return fail("not-an-object", f"{json_type(obj)}, not a JSON object; each line must be one "
                    f'object such as {{"{text_field}": "..."}}')
    return object_record(obj, rel, str(line_no), "jsonl", fields, fail)


def looks_like_jsonl(head: bytes) -> bool:
    """Whether a file's head starts with a JSON object on its first line.

    >>> looks_like_jsonl(b'{"text": "a"}\\n{"te'), looks_like_jsonl(b"{ not json"), looks_like_jsonl(b"<html>")
    (True, False, False)
    """
    head = head.lstrip(b"\xef\xbb\xbf\r\n\t ")
    if not head.startswith(b"{"):
        return False
    first, newline, _ = head.partition(b"\n")
    if not newline and len(head) >= SNIFF_BYTES:
        return True  # a first line longer than the sniffed head: `{` and no way to check
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


JSONL_SUFFIXES = tuple(f"{base}{comp}" for base in (".jsonl", ".ndjson") for comp in ("", ".gz", ".zst"))
register_reader(Reader("jsonl", JSONL_SUFFIXES, read_jsonl, looks_like_jsonl, own_ids=True))
