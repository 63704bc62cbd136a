"""Plain files, text or HTML: one record per file, read whole (a file of no known format too)."""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Iterator

from cleaner.readers.base import Reader, register_reader
from cleaner.readers.files import open_regular
from cleaner.readers.record import Record, error_record


def read_whole(path: Path, rel: str, kind: str, limit: int) -> Record:
    """The file as one record the parser reads as ``kind`` (text, html, or auto: by its content),
    reading at most ``limit + 1`` bytes whatever size it reports (files in /proc and /sys report 0).
    The size it reports, and one byte, are read first: ``read(limit + 1)`` allocates the whole
    limit (64 MB by default) for every file, 0.15 ms a file."""
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        data = f.read(size + 1) if size <= limit else b""
        if len(data) > size:  # more than it reports: the rest, up to the limit
            data += f.read(limit + 1 - len(data))
    if size > limit or len(data) > limit:
        shown = f"{size:,} bytes" if size > limit else f"more than {limit:,} bytes"
        return error_record(rel, "too-large", f"{rel} is {shown}, more than the {limit:,} a single document may "
                            "have (--max-document-bytes); split it, store it as JSON Lines or WARC, or raise the "
                            "limit")
    return Record(rel, data, kind)


def _whole_as(kind: str):
    def read(path: Path, rel: str, config, skipped: Counter) -> Iterator[Record]:
        yield read_whole(path, rel, kind, config.max_document_bytes)
    return read


register_reader(Reader("text", (".txt", ".text"), _whole_as("text")))
register_reader(Reader("html", (".html", ".htm", ".xhtml"), _whole_as("html")))
