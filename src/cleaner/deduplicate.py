"""The dedup stage of a run: clean documents wait in a staging file until every fingerprint
is in, then each is written as kept (listing its duplicates) or rejected as a duplicate.

Memory holds only the compact fingerprints (one uint32 signature per document), never the
documents themselves, so it grows with the number of documents, not with their size.
"""
from __future__ import annotations

import json
from pathlib import Path

from cleaner.config import Config
from cleaner.dedup import DedupConfig, Deduplicator
from cleaner.document import Document
from cleaner.writer import OutputWriter, document_json, dumps

INDEX = "dedup-index.npz"


def dedup_config(config: Config) -> DedupConfig:
    return DedupConfig(threshold=config.dedup_threshold, ngram=config.dedup_ngram,
                       num_perm=config.dedup_num_perm)


def record_key(doc: Document) -> str:
    """Unique per input record and stable across runs: content id plus where it came from."""
    position = f"#{doc.source.position}" if doc.source.position is not None else ""
    return f"{doc.id}:{doc.source.path}{position}"


class DedupStage:
    def __init__(self, config: Config, writer: OutputWriter, dedup: Deduplicator | None = None):
        """``dedup``: what decides the duplicates; by default a :class:`Deduplicator` that
        fingerprints every added document here. An engine that fingerprinted and clustered
        elsewhere passes an object with the same ``add``/``result``/``save_index``/``config``
        and ``in`` (:class:`cleaner.ray_engine.DecidedDuplicates`)."""
        self.writer = writer
        self.dedup = dedup if dedup is not None else self._load(config)
        self.pending_path = writer.stage / "pending.jsonl"
        self.pending = open(self.pending_path, "w", encoding="utf-8", newline="\n")
        self.sources: dict[str, dict] = {}  # key -> id and source, for the provenance of kept docs
        self.republished: dict[str, str] = {}  # key already in a loaded index -> that key

    @staticmethod
    def _load(config: Config) -> Deduplicator:
        wanted = dedup_config(config)
        if not config.dedup_against:
            return Deduplicator(wanted)
        indexes = [Path(d) / INDEX for d in config.dedup_against]
        for index in indexes:
            if not index.is_file():
                raise FileNotFoundError(f"{index} not found: --dedup-against takes an output folder "
                                        "of an earlier `cleaner clean` run (with deduplication on)")
        dedup = Deduplicator.load_index(indexes[0], wanted)
        for extra in indexes[1:]:  # later folders join the first as already-published documents
            dedup.absorb_index(Deduplicator.load_index(extra, wanted))
        return dedup

    def add(self, doc: Document) -> None:
        key = record_key(doc)
        record = document_json(doc)
        if key in self.dedup:  # the very same record is already in the published corpus
            self.republished[key] = key
        else:
            self.dedup.add(key, doc.text, path=doc.source.path)
        self.sources[key] = {"id": doc.id, "source": record["source"]}
        self.pending.write(dumps({"key": key, "doc": record}) + "\n")

    def finish(self) -> dict:
        """Route every pending document; returns the dedup section of the manifest."""
        self.pending.close()
        result = self.result = self.dedup.result()  # kept for the run report
        with open(self.pending_path, encoding="utf-8") as pending:
            for line in pending:
                item = json.loads(line)
                key, record = item["key"], item["doc"]
                path = record["source"]["path"]
                if key in self.republished:
                    self.writer.emit_reject(path, {"id": record["id"], "reason": "duplicate",
                                                   "message": "already in the --dedup-against corpus",
                                                   "duplicate_of": key, "similarity": 1.0,
                                                   "duplicate_kind": "exact", **_without_id(record)})
                    continue
                decision = result.decisions[key]
                if decision.kept:
                    record["duplicates"] = [{**self.sources[d.key], "similarity": round(d.similarity, 4),
                                             "kind": d.reason} for d in decision.duplicates]
                    self.writer.emit_document(path, record)
                else:
                    kept = self.sources.get(decision.duplicate_of, {"id": decision.duplicate_of})
                    self.writer.emit_reject(path, {
                        "id": record["id"], "reason": "duplicate",
                        "message": f"{decision.reason} duplicate of {kept['id']}",
                        "duplicate_of": kept["id"], "duplicate_of_source": kept.get("source"),
                        "similarity": round(decision.similarity, 4), "duplicate_kind": decision.reason,
                        **_without_id(record)})
        self.pending_path.unlink()
        self.dedup.save_index(self.writer.stage / INDEX)
        self.writer.extra_files.append(INDEX)
        return {"config": self.dedup.config.to_dict(), **result.counts,
                "republished": len(self.republished), **result.stats,
                "clusters": len(result.clusters)}


def _without_id(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "id"}
