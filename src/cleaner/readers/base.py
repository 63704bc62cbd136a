"""The input formats, registered by name: which reader reads a file is looked up, not branched on.

A :class:`Reader` yields the records of one file. A file is matched to a reader by its name's
suffix (in registration order), and a container format (one with a ``sniff``) is confirmed by
its head; a file no suffix claims goes to the first reader whose ``sniff`` accepts its head,
else it is read whole as a text-or-HTML document. Another format is one module that calls
:func:`register_reader` (the built-in ones are imported in ``cleaner/readers/__init__.py``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from cleaner.readers.record import Record

SNIFF_BYTES = 4096  # of a file's (decompressed) head, what a ``sniff`` sees


@dataclass(frozen=True, slots=True)
class Reader:
    """An input format. ``read(path, rel, config, skipped)`` yields the records of one file
    (a problem as an error record, what is not a document counted in ``skipped``). With
    ``own_ids`` a record's id becomes the document's id (pipelines join on it; a run checks it
    is unique); otherwise the document id is derived from the content and the record's id
    is kept as ``source.record_id``."""

    name: str  # the --input-format value
    suffixes: tuple[str, ...]  # lower-case file name endings, compressed forms included
    read: Callable[[Path, str, Any, Counter], Iterator[Record]]
    sniff: Callable[[bytes], bool] | None = None  # a container: recognised by its (decompressed) head
    own_ids: bool = False  # a record's ``record_id`` is the user's id of the document (kept as its id)


READERS: dict[str, Reader] = {}


def register_reader(reader: Reader) -> Reader:
    """Make ``reader`` the reader of its name (a later registration replaces an earlier one)."""
    READERS[reader.name] = reader
    return reader


def input_formats() -> tuple[str, ...]:
    """The ``input_format`` values: ``auto`` and every registered format."""
    return ("auto", *READERS)


def format_by_name(path: str) -> str:
    """The format whose suffix ends ``path`` (case-insensitive), else ``auto``."""
    lower = path.lower()
    for reader in READERS.values():
        if lower.endswith(reader.suffixes):
            return reader.name
    return "auto"


def format_by_content(head: bytes) -> str | None:
    """The first container format whose ``sniff`` accepts the head of a file, else None."""
    for reader in READERS.values():
        if reader.sniff is not None and reader.sniff(head):
            return reader.name
    return None
