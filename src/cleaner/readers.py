"""Readers: find the inputs and yield raw records, in a deterministic order.

Readers only do I/O. Turning bytes into a :class:`~cleaner.document.Document` is the
parser's job (:mod:`cleaner.parse`), which can run in worker processes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

TEXT_SUFFIXES = (".txt", ".text")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass(frozen=True, slots=True)
class Record:
    """One input unit: a file's bytes, or why they could not be read."""

    path: str  # relative to the input root, '/'-separated (the root's own name for a single file)
    data: bytes | None
    kind: str  # "text", "html" or "auto" (decided by sniffing the content)
    url: str | None = None
    position: str | None = None
    error: str | None = None


def kind_of(path: str, forced: str = "auto") -> str:
    if forced != "auto":
        return forced
    lower = path.lower()
    if lower.endswith(HTML_SUFFIXES):
        return "html"
    if lower.endswith(TEXT_SUFFIXES):
        return "text"
    return "auto"


def list_inputs(roots: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """(file, relative name) for every file under the roots, sorted by relative name per root.

    Hidden files and folders (``.git``, ``.DS_Store``) are skipped: they are never corpus.
    """
    for root in roots:
        if root.is_file():
            yield root, root.name
            continue
        found = []
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if not name.startswith("."):
                    path = Path(folder, name)
                    found.append((path.relative_to(root).as_posix(), path))
        for rel, path in sorted(found):
            yield path, rel


def read_files(roots: Iterable[Path], forced_kind: str = "auto") -> Iterator[Record]:
    for path, rel in list_inputs(roots):
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield Record(rel, None, "auto", error=f"cannot read file: {exc.strerror or exc}")
            continue
        yield Record(rel, data, kind_of(rel, forced_kind))
