"""The output folder: documents, rejects, errors and the run manifest, written atomically.

Everything goes to a staging folder inside the output first and is moved into place with
``os.replace`` at the end, so a reader never sees a half-written file under its final name.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import BinaryIO, Callable, TYPE_CHECKING

from cleaner.config import Config

from cleaner.output.records import reject_line, safe_name, with_removed
from cleaner.output.sinks import (DocumentSink, StreamSink, SUFFIXES, TextOut, documents_extensions,
                                  make_document_sink)


if TYPE_CHECKING:
    from cleaner.output.finished import Finished


DOCUMENTS, REJECTS, ERRORS, REMOVED, MANIFEST, TEXTS = (
    "documents", "rejects.jsonl", "errors.jsonl", "removed.jsonl", "manifest.json", "texts")
COUNT_KEYS = ("in", "kept", "rejected", "errored")  # of the manifest's counts, overall and per file
# side files of an earlier run that this run's would mix with (another compression)
_OWN_SIDE_FILE = re.compile(r"(rejects|removed)\.jsonl(\.gz|\.zst)?")
_SHARD = re.compile(r"documents(-\d{5,})?")


def _own_output(name: str) -> bool:
    """Whether ``name`` is a file an earlier run wrote here: a side file, or a documents file of
    any registered format (older versions wrote those beside the side files)."""
    if _OWN_SIDE_FILE.fullmatch(name):
        return True
    return any(name.endswith(ext) and _SHARD.fullmatch(name[:-len(ext)]) for ext in documents_extensions())


class ForeignFiles(RuntimeError):
    """The output's ``texts/`` folder, which every run replaces, holds files cleaner did not write."""


def check_texts_folder(out_dir: Path) -> None:
    """Refuse, before any work, to replace (``--txt``) or remove an ``OUT/texts`` that holds what
    a user put there: a folder, a file not named ``*.txt``, or more ``.txt`` files than the last
    run wrote (its manifest's kept count, when it wrote texts). Cleaner writes nothing else
    there, so nothing of the user's is lost."""
    texts = Path(out_dir) / TEXTS
    if not texts.is_dir():
        return
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
        wrote_texts = manifest.get("outputs", {}).get("texts", TEXTS) == TEXTS  # older versions always did
        kept = manifest["counts"]["kept"] if wrote_texts else 0
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        kept = 0
    foreign, txt_files = [], 0
    with os.scandir(texts) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and entry.name.endswith(".txt"):
                txt_files += 1
            else:
                foreign.append(entry.name)
    if not foreign and txt_files <= kept:
        return
    what = (f"{', '.join(sorted(foreign)[:3])}{' ...' if len(foreign) > 3 else ''}" if foreign
            else f"{txt_files:,} .txt files where the last run wrote {kept:,}")
    raise ForeignFiles(f"{texts} holds files cleaner did not write ({what}); every run replaces that folder. "
                       "Move them out of the output folder and run again")


class OutputWriter:
    """The output folder, laid out for loaders: the documents alone in ``documents/`` (a sink of
    the chosen layout, :mod:`cleaner.output.sinks`: JSONL or Parquet, sharded or not,
    compressed or not), so ``pd.read_parquet``, ``datasets.load_dataset`` or duckdb read that
    folder and nothing else; beside it the side files: removed.jsonl (the provenance of every
    kept document, one line each in document order), rejects and errors (JSONL; rejects and
    removed compressed like the documents, errors plain: they are read by people), the manifest,
    the report and, asked for, ``texts/``."""

    def __init__(self, out_dir: Path, config: Config = Config(),
                 make_sink: Callable[[Path], DocumentSink] | None = None, stream: BinaryIO | None = None):
        """``make_sink(documents folder)``: who writes the document files, if not this process
        (the Ray engine's tasks); it must leave them in the folder under the names its ``close``
        returns. ``stream``: write the documents there as JSON Lines instead (``-o -``: standard
        output); ``out_dir`` then holds the side files only."""
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=".cleaner-stage-", dir=self.out_dir))
        self.write_txt = write_txt = config.write_txt
        self.output_format, self.compression = config.output_format, config.compression
        compression = config.compression
        self.names = {REJECTS: REJECTS + SUFFIXES[compression], ERRORS: ERRORS}
        if config.provenance != "none":
            self.names[REMOVED] = REMOVED + SUFFIXES[compression]
        self.files = {name: TextOut(self.stage / file, compression if name != ERRORS else "none")
                      for name, file in self.names.items()}
        self.streaming = stream is not None
        if stream is not None:
            self.documents = StreamSink(stream, compression)
        else:
            (self.stage / DOCUMENTS).mkdir()
            self.documents = make_sink(self.stage / DOCUMENTS) if make_sink else \
                make_document_sink(self.stage / DOCUMENTS, config.output_format, config.shard_size, compression)
        if write_txt:
            (self.stage / TEXTS).mkdir()
        self.counts = Counter()
        # in, kept, rejected, errored per input file: a list, not a Counter, since a folder of
        # pages has an entry per document (a Counter costs about five times as much memory)
        self.per_file: dict[str, list[int]] = {}
        self.reasons = Counter()
        self.warnings = Counter()  # by reason: problems that did not stop a document
        self.extra_files: list[str] = []  # other files steps put in the stage (dedup index)
        self._freed_names: set[str] = set()  # .txt names a withdrawn duplicate gave back
        self._own_ids: set[int] = set()  # 64-bit hashes of the input records' own ids written so far

    def claim_id(self, doc_id: str) -> bool:
        """Whether ``doc_id``, an input record's own id, is still free in this run (it is then
        taken). Kept as 64-bit hashes: about 70 bytes a document, and a false clash needs
        billions of ids."""
        digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        value = int.from_bytes(digest, "big")
        if value in self._own_ids:
            return False
        self._own_ids.add(value)
        return True

    def reject_id_clash(self, path: str, line: str, doc_id: str, removed: str) -> None:
        """Reject a document whose own id an earlier document of the run has (``duplicate-id``):
        whole in rejects.jsonl (with its removals), so nothing is lost, and never two documents
        with one id."""
        line = reject_line(doc_id, line, {
            "reason": "duplicate-id", "message": f"an earlier document of this run has the id {doc_id!r}; "
            "document ids must be unique: fix the input's ids, or name another field with --id-field"})
        self.emit_reject(path, "duplicate-id", with_removed(line, removed) if removed else line)

    def write(self, item: "Finished") -> bool:
        """Route one finished document by its outcome; its warnings go to errors.jsonl whatever
        the outcome. True when it was written as a document."""
        self.write_warnings(item)
        if item.kind == "kept":
            if item.own_id and not self.claim_id(item.id):
                self.reject_id_clash(item.path, item.line, item.id, item.removed)
                return False
            self.emit_document(item.path, item.line, item.txt, item.id, item.removed)
            return True
        elif item.kind == "rejected":
            self.emit_reject(item.path, item.reason, item.line)
        else:
            self._count(item.path, "errored", item.reason)
            self.files[ERRORS].write(item.line + "\n")
        return False

    def write_warnings(self, item: "Finished") -> None:
        for reason, line in item.warnings:
            self.warnings[reason] += 1
            self.files[ERRORS].write(line + "\n")

    def emit_document(self, path: str, line: str, txt: tuple[str, str] | None, doc_id: str,
                      removed: str = "") -> None:
        """A documents.jsonl ``line`` (JSON, no newline); ``txt``: its .txt file (name, contents);
        ``removed``: its removed.jsonl line (none at provenance ``none``)."""
        self._count(path, "kept")
        self.documents.write(line)
        if REMOVED in self.files:
            self.files[REMOVED].write(removed + "\n")
        if self.write_txt and txt is not None:
            self.put_txt(*txt, doc_id)

    def emit_reject(self, path: str, reason: str, line: str) -> None:
        self._count(path, "rejected", reason)
        self.files[REJECTS].write(line + "\n")

    def _count(self, path: str, kind: str, reason: str | None = None) -> None:
        self.counts["in"] += 1
        self.counts[kind] += 1
        counts = self.per_file.get(path) or self.per_file.setdefault(path, [0, 0, 0, 0])
        counts[0] += 1
        counts[COUNT_KEYS.index(kind)] += 1
        if reason:
            self.reasons[reason] += 1

    def put_txt(self, name: str, contents: str, doc_id: str) -> str:
        """Write a document's .txt file as ``name``, or, when an earlier document of this run took
        that name (two inputs with one stem), as ``<stem>_<id>.txt``, then ``<stem>_<id>_2.txt``, ...
        (identical inputs share an id); returns the name taken, which no other document holds."""
        # The stage's folder is new, so a name taken is one this run wrote. Asking the file
        # system keeps no set of every name.
        wanted, copy = name, 1
        while True:
            try:
                f = open(self.stage / TEXTS / name, "x", encoding="utf-8", newline="\n")
                break
            except FileExistsError:
                copy += 1
                name = f"{wanted[:-4]}_{safe_name(doc_id)[:64]}{f'_{copy - 1}' if copy > 2 else ''}.txt"
        with f:
            f.write(contents)
        return name

    def withdraw_txt(self, taken: str, name: str) -> None:
        """Delete a .txt file written ahead (see :meth:`put_txt`) for a document that turned out
        a duplicate. The name it was given, if it took it, goes to the next kept document of that
        stem (:meth:`confirm_txt`), as if the duplicate's file had never been written."""
        (self.stage / TEXTS / taken).unlink()
        if taken == name:
            self._freed_names.add(name)

    def confirm_txt(self, taken: str, name: str) -> None:
        """Keep a .txt file written ahead for a document that stays: under ``name`` if a withdrawn
        duplicate had held it, so the names are those of writing the kept documents' files alone."""
        if taken != name and name in self._freed_names:
            os.replace(self.stage / TEXTS / taken, self.stage / TEXTS / name)
            self._freed_names.remove(name)

    def close(self, manifest: dict) -> dict:
        shards = self.documents.close()
        for f in self.files.values():
            f.close()
        # Files that held no document (a WARC of requests only, an empty JSON Lines file) are
        # listed too, with zeros: every input file is in the manifest.
        for path in manifest.get("skipped", {}).get("files", {}):
            self.per_file.setdefault(path, [0, 0, 0, 0])
        manifest = {
            "counts": {k: self.counts[k] for k in COUNT_KEYS},
            "reasons": dict(sorted(self.reasons.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "files": {path: dict(zip(COUNT_KEYS, counts)) for path, counts in sorted(self.per_file.items())},
            "outputs": {"format": self.output_format, "compression": self.compression,
                        "documents": [{"file": name if self.streaming else f"{DOCUMENTS}/{name}", "documents": n}
                                      for name, n in shards],
                        "rejects": self.names[REJECTS], "errors": self.names[ERRORS],
                        "removed": self.names.get(REMOVED), "texts": TEXTS if self.write_txt else None},
            **manifest,
        }
        (self.stage / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
        written = [*self.names.values(), MANIFEST, *self.extra_files]
        for name in written:
            os.replace(self.stage / name, self.out_dir / name)
        self._remove_stale(set(written))
        # Folders are swapped whole: no file of an earlier run stays among this run's.
        for folder, wanted in ((DOCUMENTS, not self.streaming), (TEXTS, self.write_txt)):
            old = self.out_dir / folder
            if old.exists() or old.is_symlink():
                os.replace(old, self.stage / f"old-{folder}")
            if wanted:
                os.replace(self.stage / folder, old)
        shutil.rmtree(self.stage, ignore_errors=True)
        return manifest

    def _remove_stale(self, written: set[str]) -> None:
        """Document and reject files of an earlier run with another layout (more shards,
        another format or compression) would mix with this run's: they go, after this run's
        files are in place."""
        for entry in self.out_dir.iterdir():
            if entry.name not in written and _own_output(entry.name) and entry.is_file():
                entry.unlink()

    def abort(self) -> None:
        try:
            self.documents.close()
        except Exception:  # noqa: BLE001 - the stage is deleted anyway; the first error matters
            pass
        for f in self.files.values():
            f.close()
        shutil.rmtree(self.stage, ignore_errors=True)
