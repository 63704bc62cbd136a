"""The dedup stage of a run: clean documents wait in a staging file until every fingerprint
is in, then each is written as kept (listing its duplicates) or rejected as a duplicate.

Memory holds no object per document: the documents wait on disk, their provenance (for the
duplicate lists) in an sqlite table, their keys and signatures in the spill folder of the
:class:`~cleaner.dedup.deduplicator.Deduplicator`; what stays in memory is the compact fingerprint columns
(about 60 bytes of arrays per document).
"""
from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from pathlib import Path

from cleaner.config import Config
from cleaner.dedup.deduplicator import Deduplicator
from cleaner.dedup.fingerprint import DedupConfig, Fingerprint, fingerprint
from cleaner.document import Document
from cleaner.output.finished import Finished, record_key
from cleaner.output.folder import OutputWriter
from cleaner.output.records import dumps, reject_line, with_duplicates, with_removed
from cleaner.output.report import RunReport


INDEX = "dedup-index.npz"


def dedup_config(config: Config) -> DedupConfig:
    return DedupConfig(threshold=config.dedup_threshold, ngram=config.dedup_ngram,
                       num_perm=config.dedup_num_perm)


def document_fingerprint(doc: Document, config: DedupConfig) -> Fingerprint:
    """What the stage needs of a clean document, computed where the document is (a worker)."""
    return fingerprint(record_key(doc), doc.text, config, doc.source.path)


class Sources:
    """key -> ``{"id", "source"}`` of every staged document, in an sqlite table: the provenance
    that kept documents list for their duplicates, with no dict entry per document in memory."""

    BATCH = 2048

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=OFF")  # scratch data: a failed run starts it again
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE sources (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        self.batch: list[tuple[str, str]] = []
        self.cached = lru_cache(maxsize=4096)(self.get)  # a cluster's kept document, asked by each member

    def put(self, key: str, value: str) -> None:
        """``value``: the JSON text of ``{"id", "source"}``."""
        self.batch.append((key, value))
        if len(self.batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?)", self.batch)
        self.batch.clear()

    def get(self, key: str) -> dict | None:
        if self.batch:
            self._flush()
        row = self.db.execute("SELECT value FROM sources WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def close(self) -> None:
        self.db.close()


def load_deduplicator(config: Config, spill: Path | None = None) -> Deduplicator:
    """The run's Deduplicator, with the ``--dedup-against`` indexes loaded (both engines start here)."""
    wanted = dedup_config(config)
    if not config.dedup_against:
        return Deduplicator(wanted, spill=spill)
    indexes = [Path(d) / INDEX for d in config.dedup_against]
    for index in indexes:
        if not index.is_file():
            raise FileNotFoundError(f"{index} not found: --dedup-against takes an output folder "
                                    "of an earlier `cleaner clean` run (with deduplication on)")
    dedup = Deduplicator.load_index(indexes[0], wanted, spill=spill)
    for extra in indexes[1:]:  # later folders join the first as already-published documents
        dedup.absorb_index(Deduplicator.load_index(extra, wanted))
    return dedup


class DedupStage:
    def __init__(self, config: Config, writer: OutputWriter, dedup: Deduplicator | None = None):
        """``dedup``: what decides the duplicates; by default a :class:`Deduplicator` (signatures
        spilled to the stage folder) that takes the workers' fingerprints. An engine that
        fingerprinted and clustered elsewhere passes an object with the same ``result``/
        ``save_index``/``close``/``config`` and ``in`` (:class:`cleaner.engines.ray_dedup.DecidedDuplicates`)."""
        self.writer = writer
        # a dropped duplicate is logged with its text (and removals) only at provenance "full";
        # otherwise by id and source beside the kept document's id and the similarity
        self.copies = config.provenance == "full"
        self.dedup = dedup if dedup is not None else load_deduplicator(config, spill=writer.stage / "dedup")
        self.pending_path = writer.stage / "pending.jsonl"
        self.pending = open(self.pending_path, "w", encoding="utf-8", newline="\n")
        self.sources = Sources(writer.stage / "sources.sqlite")
        self.republished: dict[str, str] = {}  # key already in a loaded index -> that key
        self.added = 0  # documents handed to the deduplicator: the position of the next one

    def add(self, item: Finished, fp: Fingerprint | None) -> None:
        """Stage a clean document; ``fp``: its :func:`document_fingerprint`, made by the worker
        (None: the engine's deduplicator decided already)."""
        added = -1
        if item.key in self.dedup:  # the very same record is already in the published corpus
            self.republished[item.key] = item.key
        else:
            if fp is not None:
                self.dedup.add_fingerprint(fp)
            added, self.added = self.added, self.added + 1
        self.sources.put(item.key, item.provenance)
        # The .txt file is written now, while the workers still clean, not in the serial end;
        # the few that belong to duplicates are withdrawn there.
        txt = None
        if self.writer.write_txt and item.txt is not None:
            txt = (self.writer.put_txt(*item.txt, item.id), item.txt[0])
        # One line per document: a small JSON head, its removed.jsonl line and the document's line
        # as the worker encoded them, which are written out again without decoding; tabs between
        # (JSON text has none unescaped).
        head = dumps([item.key, added, item.id, item.path, item.live, txt, item.own_id])
        self.pending.write(f"{head}\t{item.removed}\t{item.line}\n")

    def finish(self, report: RunReport) -> dict:
        """Route every pending document (counting it in ``report``); returns the dedup section
        of the manifest."""
        self.pending.close()
        result = self.result = self.dedup.result()  # kept for the run report
        with open(self.pending_path, encoding="utf-8", newline="\n") as pending:
            for entry in pending:
                head, removed, line = entry[:-1].split("\t", 2)
                key, added, doc_id, path, live, txt, own_id = json.loads(head)

                def dropped(fields: dict) -> str:  # the rejects.jsonl entry of a duplicate
                    if not self.copies:
                        return reject_line(doc_id, dumps(self.sources.get(key)), fields)
                    entry = reject_line(doc_id, line, fields)
                    return with_removed(entry, removed) if removed else entry

                decision = None if key in self.republished else result.decision(key, added)
                clash = decision is not None and decision.kept and own_id and not self.writer.claim_id(doc_id)
                if txt is not None:  # (name taken, name wanted) of its .txt file, written ahead
                    if decision is not None and decision.kept and not clash:
                        self.writer.confirm_txt(*txt)
                    else:
                        self.writer.withdraw_txt(*txt)
                if decision is None:  # the very same record is in the --dedup-against corpus
                    self.writer.emit_reject(path, "duplicate", dropped({
                        "reason": "duplicate", "message": "already in the --dedup-against corpus",
                        "duplicate_of": key, "similarity": 1.0, "duplicate_kind": "exact"}))
                    report.duplicate()
                    continue
                if clash:
                    self.writer.reject_id_clash(path, line, doc_id, removed)
                    report.rejected_late("duplicate-id")
                elif decision.kept:
                    duplicates = [{**self.sources.get(d.key), "similarity": round(d.similarity, 4), "kind": d.reason}
                                  for d in decision.duplicates]
                    self.writer.emit_document(path, with_duplicates(line, duplicates), None, doc_id, removed)
                    report.kept(*live)
                else:
                    report.duplicate()
                    kept = self.sources.cached(decision.duplicate_of) or {"id": decision.duplicate_of}
                    self.writer.emit_reject(path, "duplicate", dropped({
                        "reason": "duplicate", "message": f"{decision.reason} duplicate of {kept['id']}",
                        "duplicate_of": kept["id"], "duplicate_of_source": kept.get("source"),
                        "similarity": round(decision.similarity, 4), "duplicate_kind": decision.reason}))
        self.pending_path.unlink()
        self.sources.close()
        self.dedup.save_index(self.writer.stage / INDEX)
        self.dedup.close()
        self.writer.extra_files.append(INDEX)
        return {"config": self.dedup.config.to_dict(), **result.counts,
                "republished": len(self.republished), **result.stats,
                "clusters": sum(result.cluster_sizes().values())}
