"""Resumable runs: what a run has finished, kept under ``OUT/.cleaner-state/`` until it succeeds.

The record stream is cut into chunks of :data:`CHUNK` records (fewer when they are large, see
:func:`chunks`) in input order. Each finished chunk of a phase is one file, written to a temporary name and renamed into place, so a file
under its final name is always complete, and a run killed at any moment (SIGKILL, power cut
after the fsync) loses at most the chunks in flight. ``manifest.json`` holds what the files
depend on -- the configuration, the rule set, cleaner and library versions, the chunk size and
the input listing (names, sizes, mtimes) -- as two digests; a restart with the same digests
reuses the finished chunks, a restart with different ones discards them and says why.

State files are pickles: they are written and read only by the same cleaner version (the
version is part of the digest), never exchanged.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator


STATE_DIR = ".cleaner-state"
STATE_FORMAT = 3  # 2: clean chunks carry the dedup fingerprints; 3: documents encoded (cleaner.output.finished)
CHUNK = 64  # records per chunk: one unit of work for a worker and of resume state
# ... or fewer, once their input holds this many bytes: a worker holds a chunk's documents with
# every removal (~20x the input) and the main process its encoded output, so a run of large
# pages (64 copies of a 180 KB page peaked at 440 MB in a worker) must not take 64 of them.
CHUNK_BYTES = 2_000_000



def chunks(records: Iterable, size: int = CHUNK, max_bytes: int = CHUNK_BYTES) -> Iterator[list]:
    """Cut the record stream into chunks of ``size`` records, or fewer once they hold
    ``max_bytes`` bytes of input (at least one record each), in input order.

    >>> from cleaner.readers.walk import Record
    >>> [len(c) for c in chunks([Record("a", b"x" * 10, "text")] * 5, size=2, max_bytes=25)]
    [2, 2, 1]
    >>> [len(c) for c in chunks([Record("a", b"x" * 10, "text")] * 5, size=9, max_bytes=15)]
    [2, 2, 1]
    """
    chunk: list = []
    held = 0
    for record in records:
        chunk.append(record)
        held += len(record.data or b"")
        if len(chunk) == size or held >= max_bytes:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk

class OutputBusy(RuntimeError):
    """Another run holds the output folder."""


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def input_listing(files: Iterable[tuple[Path, str]]) -> list[list]:
    """[relative name, size, mtime_ns] of every input file: cheap to take, and any edit,
    replacement or touch of an input changes it."""
    from cleaner.readers.walk import display_name

    listing = []
    for path, rel in files:
        # display_name: a file name that is not UTF-8 must still go into the JSON of the digest
        try:
            st = path.stat()
            listing.append([rel, display_name(os.path.realpath(path)), st.st_size, st.st_mtime_ns])
        except OSError as exc:  # unreadable now (broken link, loop); the reader reports it as an error record
            listing.append([rel, display_name(str(path)), None, exc.strerror or type(exc).__name__])
    return listing


def chunk_path(root: Path, phase: str, index: int) -> Path:
    return Path(root) / phase / f"{index:07d}.pkl"


def save_atomic(path: Path, *objects: Any) -> None:
    """Pickle ``objects`` into ``path``: temp file, fsync, rename. Several processes may write
    the same chunk (an orphaned worker of a killed run); each uses its own temp name and the
    contents are identical, so the last rename wins harmlessly."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            for obj in objects:
                pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # a full disk or a kill: no half-written temp file is left to fill it further
        tmp.unlink(missing_ok=True)
        raise


def load_first(path: Path) -> Any:
    """The first pickled object of a state file (a chunk's small summary)."""
    with open(path, "rb") as f:
        return pickle.load(f)


def load_all(path: Path, count: int) -> list[Any]:
    with open(path, "rb") as f:
        return [pickle.load(f) for _ in range(count)]


class RunState:
    """The state folder of one output folder, opened for one configuration and input listing.

    Holds an exclusive lock while open (released by the OS even on SIGKILL), so two runs can
    never write the same output folder at once.
    """

    def __init__(self, out_dir: Path, identity: dict, inputs: list[list],
                 log: Callable[[str], None] | None = None, note: dict | None = None):
        self.out_dir = Path(out_dir)
        self.root = self.out_dir / STATE_DIR
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.root / "lock")
        self.log = log or (lambda message: None)
        self.manifest = {"format": STATE_FORMAT, "config_digest": _digest(identity),
                         "inputs_digest": _digest(inputs), "inputs": {"files": len(inputs),
                         "bytes": sum(entry[2] or 0 for entry in inputs)}, "identity": identity,
                         **(note or {})}  # the note (which config file) does not decide resuming
        self.resumed = self._open()

    def _open(self) -> bool:
        manifest_path = self.root / "manifest.json"
        old = None
        if manifest_path.is_file():
            try:
                old = json.loads(manifest_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = None
        if old is not None and old.get("format") == STATE_FORMAT and \
                old.get("config_digest") == self.manifest["config_digest"] and \
                old.get("inputs_digest") == self.manifest["inputs_digest"]:
            self._remove_stale_stages()
            return True
        if old is not None:
            changed = [what for what, key in (("configuration, rules or versions", "config_digest"),
                                              ("inputs", "inputs_digest"))
                       if old.get(key) != self.manifest[key]]
            self.log(f"the {' and '.join(changed) or 'state format'} changed since the interrupted run "
                     f"in {self.out_dir}; starting fresh")
        self._clear()
        tmp = manifest_path.with_name(".manifest.json.tmp")
        tmp.write_text(json.dumps(self.manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, manifest_path)
        return False

    def _clear(self) -> None:
        for entry in self.root.iterdir():
            if entry.name == "lock":
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        self._remove_stale_stages()

    def _remove_stale_stages(self) -> None:
        """Staging folders of a run killed while it wrote the final files (we hold the lock, so
        no live run owns them)."""
        for entry in self.out_dir.glob(".cleaner-stage-*"):
            shutil.rmtree(entry, ignore_errors=True)

    def path(self, phase: str, index: int) -> Path:
        return chunk_path(self.root, phase, index)

    def done(self, phase: str, index: int) -> bool:
        return self.path(phase, index).is_file()

    def drop_phase(self, phase: str) -> None:
        shutil.rmtree(self.root / phase, ignore_errors=True)

    def mark(self, name: str, value: Any) -> None:
        save_atomic(self.root / f"{name}.pkl", value)

    def marked(self, name: str) -> Any | None:
        path = self.root / f"{name}.pkl"
        return load_first(path) if path.is_file() else None

    def close(self, success: bool) -> None:
        """After success the state is removed; otherwise it stays for the next run to resume."""
        if success:
            shutil.rmtree(self.root, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _lock(path: Path):
    handle = open(path, "a+")
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; one run per folder is up to the user
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise OutputBusy(f"another cleaner run is writing to {path.parent.parent}; wait for it to "
                           "finish or choose another output folder") from None
    return handle
