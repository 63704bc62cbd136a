"""Readers: find the inputs and yield raw records, in a deterministic order.

Readers only do I/O. Turning bytes into a :class:`~cleaner.document.Document` is the
parser's job (:mod:`cleaner.parse.decode`), which can run in worker processes.

The formats are registered readers (:mod:`cleaner.readers.base`), chosen per file by
extension and then by content (``--input-format`` forces one for every file). The built-in ones:

* plain files, ``.txt`` / ``.html`` and anything else: one record per file;
* JSON Lines (``.jsonl``, ``.ndjson``, gzip or zstd compressed): one record per line;
* WARC (``.warc``, ``.warc.gz``, WET ``.wet``/``.warc.wet.gz``): one record per HTML
  response or WET conversion record, parsed with FastWARC;
* Parquet (``.parquet``, or a file starting ``PAR1``): one record per row, its columns
  read like a JSON Lines object's fields (needs pyarrow, the ``parquet`` extra).

Every read is bounded: a file, JSONL line or WARC payload is read up to
``config.max_document_bytes`` (``--max-document-bytes``), never by trusting a size the file
system reports. Special files (FIFOs, sockets, devices) are never opened for reading
(:mod:`cleaner.readers.files`): found in a folder they are counted in ``skipped``; named as
an input they are an error. A line or record that cannot be read becomes an error
:class:`Record` (file, position, what to do); what is not a document at all (WARC request
records, images, blank lines) is counted in ``skipped``.
"""
from __future__ import annotations

import errno
import json
import os
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

from cleaner.config import Config
from cleaner.readers.compression import GZIP_MAGIC, ZSTD_MAGIC, open_decompressed
from cleaner.readers.base import READERS, SNIFF_BYTES, format_by_content, format_by_name
from cleaner.readers.files import SpecialFile, open_regular, special_file_message, special_kind
from cleaner.readers.plain import read_whole
from cleaner.readers.record import Record, error_record


# -- choosing a reader ------------------------------------------------------------------------

def kind_of(path: str, forced: str = "auto") -> str:
    """The format of a file by its name (a registered reader's, :mod:`cleaner.readers.base`), or
    auto (sniff the content).

    >>> kind_of("a/b.HTM"), kind_of("dump.jsonl.zst"), kind_of("CC-1.warc.wet.gz"), kind_of("x.bin")
    ('html', 'jsonl', 'warc', 'auto')
    >>> kind_of("part-0.parquet")
    'parquet'
    """
    return forced if forced != "auto" else format_by_name(path)


def _head(path: Path) -> bytes:
    """The first bytes of a file, decompressed when it is gzip or zstd (a truncated or corrupt
    stream gives what could be read)."""
    with open_regular(path) as f:
        raw = f.read(SNIFF_BYTES)
        if not raw.startswith((GZIP_MAGIC, ZSTD_MAGIC)):
            return raw
        f.seek(0)
        try:
            return open_decompressed(f).read(SNIFF_BYTES)
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
    skip: str | None = None  # a ``skipped`` reason: found, listed, never read (cleaner's own output folder)


def walk_inputs(roots: Iterable[Path]) -> Iterator[InputFile]:
    """Every file under the roots, sorted by relative name per root, and every entry that was
    found but cannot be read (a folder that cannot be listed, a symlink loop), so nothing is
    left out without a word.

    Hidden files and folders (``.git``, ``.DS_Store``) are skipped: they are never corpus.
    Symlinked folders are followed, except one that leads back into a folder it sits in.
    An output folder of cleaner inside a root (``cleaner clean in -o in/clean``) is skipped,
    not re-ingested: it is one entry with ``skip="cleaner-output"``. A root that is a special file (FIFO, device) is an error entry; special files inside a
    folder are skipped by :func:`read_input`, with a count.
    """
    for root in roots:
        if not root.is_dir():
            rel, kind = display_name(root.name), special_kind(root)
            yield InputFile(root, rel, "special-file", special_file_message(rel, kind)) if kind else InputFile(root, rel)
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
                if is_hidden(entry.name):
                    continue
                rel, path = prefix + display_name(entry.name), Path(entry.path)
                try:
                    is_dir = entry.is_dir()  # follows symlinks; False for a broken one
                except OSError:
                    is_dir = False
                if not is_dir:
                    found.append(InputFile(path, rel))
                    continue
                if is_cleaner_output(path):
                    found.append(InputFile(path, rel, skip="cleaner-output"))
                    continue
                identity = _identity(path)
                if identity in ancestors:
                    found.append(InputFile(path, rel, "symlink-loop", f"{rel} links back to a folder that "
                                           "contains it; it was not followed (the files were read once, "
                                           "through the real folder). Remove the link or point it elsewhere"))
                    continue
                stack.append((path, rel + "/", ancestors + (identity,)))
        yield from sorted(found, key=lambda f: f.rel)


def is_hidden(name: str) -> bool:
    """Hidden files and folders (``.git``, ``.DS_Store``) are never corpus."""
    return name.startswith(".")


def walk_url(root: str) -> list[tuple[str, str]]:
    """(relative name, URL) of every file under a URL (any fsspec file system, ``s3://...``),
    named and ordered as :func:`walk_inputs` names and orders local files; a file's URL gives itself."""
    import fsspec

    fs, base = fsspec.core.url_to_fs(root)
    protocol = root.split("://", 1)[0]
    if not fs.isdir(base):
        return [(display_name(base.rstrip("/").rsplit("/", 1)[-1]), root)]
    found = []
    for name in fs.find(base):
        parts = name[len(base.rstrip("/")) + 1:].split("/")
        if not any(is_hidden(part) for part in parts):
            found.append(("/".join(display_name(part) for part in parts), f"{protocol}://{name}"))
    return sorted(found)


def is_cleaner_output(folder: Path) -> bool:
    """Whether a folder is an output folder of cleaner: it holds a run's state or a manifest
    with the run counts and outputs cleaner writes."""
    if (folder / ".cleaner-state").is_dir():
        return True
    try:
        with open_regular(folder / "manifest.json") as f:
            manifest = json.loads(f.read(1 << 26))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and {"counts", "outputs", "config"} <= manifest.keys()


def _identity(folder: Path) -> tuple[int, int]:
    st = folder.stat()
    return st.st_dev, st.st_ino


def list_inputs(roots: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """(file, relative name) for every entry :func:`walk_inputs` finds that may be read (not a
    skipped output folder of cleaner, which changes as it is written)."""
    for found in walk_inputs(roots):
        if found.skip is None:
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
    (:mod:`cleaner.engines.ray_engine`) hands to one worker."""
    skipped = Counter() if skipped is None else skipped
    path, rel = found.path, found.rel
    if found.problem is not None:
        yield error_record(rel, found.problem, found.message)
        return
    skip = found.skip or special_kind(path)  # a FIFO, socket or device found in a folder: never opened
    if skip is not None:
        skipped[skip] += 1
        skipped[f"file:{rel}"] += 1
        return
    kind = kind_of(rel, config.input_format)
    try:
        reader = READERS.get(kind)
        if reader is None or (reader.sniff is not None and config.input_format == "auto"):
            kind = _sniffed_kind(path, rel, kind)
            reader = READERS.get(kind)
        if reader is not None:
            records = reader.read(path, rel, config, skipped)
            yield from (_with_own_ids(records) if reader.own_ids else records)
        elif kind == "compressed":
            yield error_record(rel, "unknown-format", f"{rel}: a compressed file that holds neither JSON Lines "
                               "nor WARC; decompress it, or name it .jsonl.gz/.warc.gz if it is one")
        else:
            yield read_whole(path, rel, kind, config.max_document_bytes)
    except SpecialFile as exc:  # became a FIFO or device after the check above
        yield error_record(rel, "special-file", special_file_message(rel, exc.kind))
    except OSError as exc:  # opening or reading the file itself failed
        yield _unreadable(path, rel, exc)


def _with_own_ids(records: Iterator[Record]) -> Iterator[Record]:
    """The records of a reader whose ids are its documents' ids (:attr:`Reader.own_ids`), marked so."""
    for record in records:
        yield replace(record, own_id=True) if record.record_id is not None else record


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
    sniffed = format_by_content(_head(path))
    if sniffed:
        return sniffed
    if by_name != "auto":  # named .jsonl/.warc but the head says otherwise: its reader reports why
        return by_name
    with open_regular(path) as f:
        compressed = f.read(4).startswith((GZIP_MAGIC, ZSTD_MAGIC))
    return "compressed" if compressed else "auto"
