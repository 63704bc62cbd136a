"""A cleaned document as the end of a run needs it, encoded where it was cleaned.

The process that cleans a chunk (a local worker, a Ray task) turns each :class:`Document`
into a :class:`Finished`: its output line already JSON-encoded, its warnings' error lines,
and the few values the writer, the deduplicator and the report need, so the main process
routes strings (docs/performance.md, Encoding in the workers).
"""
from __future__ import annotations

from typing import NamedTuple

from cleaner.config import Config
from cleaner.document import Document
from cleaner.parse.record import has_own_id
from cleaner.output.presets import shaped
from cleaner.output.records import document_json, dumps, error_json, reject_json, removed_json, text_file_name
from cleaner.output.report import RunReport


KEPT, REJECTED, ERRORED = "kept", "rejected", "errored"


class Finished(NamedTuple):
    """One input record at the end of the steps. A tuple: thousands cross a process boundary
    per chunk, and tuples pickle several times faster than dataclass instances."""

    path: str  # input file, for the manifest's per-file counts
    kind: str  # KEPT (passed every step; deduplication may still drop it), REJECTED or ERRORED
    reason: str | None  # why rejected or errored
    line: str  # documents.jsonl record / rejects.jsonl entry / errors.jsonl entry, no newline
    warnings: tuple[tuple[str, str], ...]  # (reason, errors.jsonl line) per warning
    id: str
    key: str = ""  # KEPT: the dedup key (record_key)
    provenance: str = ""  # KEPT: '{"id":...,"source":...}', what its duplicates' kept copy lists
    live: tuple[int, int, str] | None = None  # KEPT: RunReport.live_stats
    txt: tuple[str, str] | None = None  # KEPT and .txt files wanted: (file name, contents)
    own_id: bool = False  # KEPT: the id is the input record's own, checked unique when written
    removed: str = ""  # KEPT: its removed.jsonl line ("" at provenance none)


def record_key(doc: Document) -> str:
    """Unique per input record and stable across runs: content id plus where it came from."""
    position = f"#{doc.source.position}" if doc.source.position is not None else ""
    return f"{doc.id}:{doc.source.path}{position}"


def finish(doc: Document, config: Config) -> Finished:
    """Encode one document for the writer (see the module docstring), in the record shape
    (``config.schema``) and at the provenance level (``config.provenance``) of the run."""
    path = doc.source.path
    warnings = tuple((w.reason, dumps(error_json(doc, w))) for w in doc.warnings)
    outcome = doc.outcome
    if outcome is None:
        record = document_json(doc)
        txt = None
        if config.write_txt:
            title, text = record["title"], record["text"]
            txt = (text_file_name(path, doc.source.position), f"{title}\n\n{text}\n" if title else f"{text}\n")
        removed = removed_json(doc, config.provenance)
        return Finished(path, KEPT, None, dumps(shaped(record, config.schema)), warnings, doc.id, record_key(doc),
                        dumps({"id": doc.id, "source": record["source"]}), RunReport.live_stats(doc), txt,
                        has_own_id(doc), "" if removed is None else dumps(removed, plain=("removed",)))
    if outcome.kind == "rejected":
        return Finished(path, REJECTED, outcome.reason, dumps(reject_json(doc, config.provenance), plain=("removed",)), warnings, doc.id)
    return Finished(path, ERRORED, outcome.reason, dumps(error_json(doc)), warnings, doc.id)


def finish_chunk(docs: list[Document], config: Config) -> tuple[list[Finished], RunReport]:
    """A chunk's documents encoded for the writer, and the chunk's part of the run report:
    what the workers of every engine hand to the main process."""
    report = RunReport()
    for doc in docs:
        report.observe(doc)
    return [finish(doc, config) for doc in docs], report
