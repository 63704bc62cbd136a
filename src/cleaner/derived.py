"""An on-disk cache of data derived from files that do not change between runs (langdetect's
profile matrix, the rules' literal analysis), so a run loads it instead of computing it again.

Every entry is named by a digest of everything it is derived from, the code that derives it
included: a changed input gets a new name, never a stale value. Entries are written to a
temporary file and renamed into place, so a reader (another worker starting at the same
moment) sees a whole file or none; an unreadable entry is computed again and rewritten. The
cache only saves time: where it cannot be read or written the value is computed as without it.

``CLEANER_CACHE_DIR`` names the folder (set but empty: no cache); by default
``$XDG_CACHE_HOME/cleaner`` or ``~/.cache/cleaner``. Measurements: docs/performance.md.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable, TypeVar

CACHE_VARIABLE = "CLEANER_CACHE_DIR"
LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
MISSING = object()  # no answer in a Memo


def cache_dir() -> Path | None:
    """The cache folder, or None when ``CLEANER_CACHE_DIR`` is set but empty (no cache)."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home == "~":  # no home directory known: no cache rather than a folder named "~" here
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "cleaner"


def digest(*parts: bytes | str | None) -> str | None:
    """sha256 over ``parts``, each length-prefixed (so no two different lists give one digest),
    with the Python version the derived data may depend on; None when a part is unknown (None)."""
    if any(part is None for part in parts):
        return None
    h = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def source_of(module_file: str | None) -> bytes | None:
    """The bytes of a module's source file, part of the key of the data that module derives;
    None where it cannot be read (a module inside a zip file): then nothing is cached."""
    try:
        return Path(module_file).read_bytes()
    except (OSError, TypeError):
        return None


def entry(name: str, key: str | None) -> Path | None:
    """Where the entry ``name`` derived from ``key`` (a :func:`digest`) lives, or None without a
    cache or a key."""
    folder = cache_dir()
    return None if folder is None or key is None else folder / f"{name}-{key[:40]}"


def load(path: Path | None, read: Callable[[Path], T]) -> T | None:
    """The value ``read`` from the entry at ``path``, or None when it is missing or unreadable."""
    if path is None or not path.is_file():
        return None
    try:
        return read(path)
    except Exception as exc:  # noqa: BLE001 - a damaged entry is computed again
        LOGGER.debug("cache entry %s unreadable (%s): computing it again", path, exc)
        return None


def load_or_build(path: Path | None, build: Callable[[], T], read: Callable[[Path], T],
                  write: Callable[[T, Path], None]) -> T:
    """The value cached at ``path`` (``read``), or ``build()`` stored there (``write`` into a
    temporary file renamed into place) when it is missing or unreadable."""
    value = load(path, read)
    if value is None:
        value = build()
        if path is not None:
            store(path, value, write)
    return value


def store(path: Path, value: T, write: Callable[[T, Path], None]) -> None:
    """Write ``value`` to ``path`` atomically (a temporary file in the same folder, renamed);
    failures (read-only home, full disk, a value ``write`` cannot take) leave no file and are
    not errors."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        write(value, Path(tmp))
        os.replace(tmp, path)
        tmp = None
    except Exception as exc:  # noqa: BLE001 - the cache only saves time: no run fails for it
        LOGGER.debug("cache entry %s not written (%s)", path, exc)
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


class Memo:
    """A pure function's answers kept in one entry: read once a process, written back by
    :meth:`save` when the process computed an answer the entry did not hold (merged with what
    another process may have added since). Keys are strings, values JSON."""

    def __init__(self, name: str, *key: bytes | str):
        self.name, self.key = name, key
        self._lock = threading.Lock()
        self._known: dict | None = None
        self._added = False

    def _path(self) -> Path | None:
        return entry(self.name, digest(*self.key))

    def _entries(self) -> dict:
        if self._known is None:
            self._known = load(self._path(), read_json) or {}
        return self._known

    def get(self, key: str, compute: Callable[[], T]) -> T:
        """The answer for ``key``: the entry's, or ``compute()`` (JSON-able) remembered."""
        value = self.lookup(key)
        if value is MISSING:
            value = compute()
            self.put(key, value)
        return value

    def lookup(self, key: str):
        """The entry's answer for ``key``, or :data:`MISSING`."""
        with self._lock:
            return self._entries().get(key, MISSING)

    def put(self, key: str, value) -> None:
        with self._lock:
            self._entries()[key] = value
            self._added = True

    def save(self) -> None:
        with self._lock:
            if not self._added:
                return
            path = self._path()
            if path is not None:
                store(path, {**(load(path, read_json) or {}), **self._known}, write_json)
            self._added = False

    def forget(self) -> None:
        """Read the entry again at the next question (tests; a changed cache folder)."""
        with self._lock:
            self._known, self._added = None, False


def read_checked(path: Path) -> bytes:
    """The text of an entry written by :func:`write_checked`; ValueError where its checksum differs."""
    check, _, text = path.read_bytes().partition(b"\n")
    if hashlib.sha256(text).hexdigest().encode() != check:
        raise ValueError("checksum differs")
    return text


def write_checked(text: bytes, path: Path) -> None:
    """An entry: the sha256 of ``text`` on the first line, then the text."""
    path.write_bytes(hashlib.sha256(text).hexdigest().encode() + b"\n" + text)


def read_json(path: Path) -> dict:
    """A :class:`Memo` entry (or another dict kept as JSON), as :func:`write_json` wrote it."""
    value = json.loads(read_checked(path).decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("not a memo entry")
    return value


def write_json(value: dict, path: Path) -> None:
    write_checked(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"), path)
