"""A record as read from an input file (bytes plus where they came from), and a reader's error record."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any


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
    container: str | None = None  # "jsonl", "parquet" or "warc" when the record came out of a container file
    record_id: str | None = None  # the container's id of the record: JSONL/Parquet id field, WARC-Record-ID
    charset: str | None = None  # declared by the transport (HTTP Content-Type), a hint for decoding
    metadata: dict[str, Any] | None = None  # JSONL/Parquet fields passed through to the document
    own_id: bool = False  # ``record_id`` is the document's id: set for the records of a reader with own_ids


def error_record(path: str, reason: str, message: str, position: int | str | None = None,
                 container: str | None = None) -> Record:
    return Record(path, None, "auto", position=None if position is None else str(position), error=message,
                  error_reason=reason, container=container)


def count_empty(rel: str, skipped: Counter) -> None:
    """A container file without a single record is not an error, but it is not left out either:
    it is counted as skipped, so the manifest lists it."""
    skipped["empty-file"] += 1
    skipped[f"file:{rel}"] += 1
