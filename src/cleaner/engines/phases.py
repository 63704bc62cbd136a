"""The phases of a run, written once for every engine: counting a chunk's recurring lines,
cleaning a chunk, and the end (route the cleaned documents through deduplication into the
output folder, the report and the manifest). An engine only decides where each runs; it hands
in how its workers run one function over a chunk's records within the time budget."""
from __future__ import annotations

import platform
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from cleaner.config import Config
from cleaner.dedup.fingerprint import DedupConfig, Fingerprint
from cleaner.dedup.stage import DedupStage, document_fingerprint
from cleaner.document import Document
from cleaner.engines.progress import Progress, Summary
from cleaner.heuristics.recurring import RecurringLines, parse_for_counts
from cleaner.output.finished import Finished, KEPT, finish_chunk
from cleaner.output.folder import OutputWriter
from cleaner.output.report import RunReport
from cleaner.output.report_page import write_report
from cleaner.output.sinks import DocumentSink
from cleaner.pipeline import Pipeline
from cleaner.readers.record import Record


VERSIONED = ("cleaner", "trafilatura", "justext", "langdetect", "ftfy", "regex", "PyYAML")



# How an engine runs a per-record function over one chunk's records: within the time budget,
# with the engine's own bookkeeping (heartbeats, poisoned documents), in order.
RunRecords = Callable[[Callable[[Record], Document | None]], Iterable[Document | None]]


def count_chunk(run_records: RunRecords) -> tuple[dict, dict]:
    """The recurring-line phase on one chunk: its part of the counts (summed by
    :meth:`RecurringLines.merged`)."""
    return RecurringLines().count_all(run_records(parse_for_counts)).part()


@dataclass
class CleanChunk:
    """The clean phase's result for one chunk, as every engine hands it to the end phase."""

    docs: list[Document]
    finished: list[Finished]  # encoded for the writer
    stats: dict[str, Counter]  # the steps' counters
    report: RunReport  # the chunk's part of the run report
    fingerprints: list[Fingerprint | None] | None  # of the clean documents (None: dedup is off)


def clean_chunk(pipeline: Pipeline, run_records: RunRecords, dedup: DedupConfig | None, config: Config) -> CleanChunk:
    """The clean phase on one chunk: every record through the pipeline, each clean document
    fingerprinted for deduplication, every document encoded for the writer."""
    for step in pipeline.steps:
        step.stats.clear()
    docs = list(run_records(pipeline.process_one))
    fingerprints = [document_fingerprint(d, dedup) if d.outcome is None else None for d in docs] \
        if dedup is not None else None
    finished, report = finish_chunk(docs, config)
    return CleanChunk(docs, finished, {s.name: Counter(s.stats) for s in pipeline.steps}, report, fingerprints)

@dataclass
class RunResult:
    manifest: dict
    out_dir: Path
    report: dict | None = None  # what report.json holds

    @property
    def counts(self) -> dict[str, int]:
        return self.manifest["counts"]


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def skipped_json(skipped: Counter) -> dict:
    """The manifest's count of records that were read but are not documents (not errors)."""
    files = {k[5:]: n for k, n in skipped.items() if k.startswith("file:")}
    reasons = {k: n for k, n in skipped.items() if not k.startswith("file:")}
    return {"total": sum(reasons.values()), "reasons": dict(sorted(reasons.items())), "files": dict(sorted(files.items()))}


def write_outputs(out_dir: Path, config: Config,
                  results: Iterable[tuple[list[Finished], dict, RunReport, list[Fingerprint | None] | None]],
                  pipeline: Pipeline, skipped: Counter, config_file: str | None, bar: Progress,
                  record_count: int | None = None,
                  make_dedup: Callable[[Config, OutputWriter], DedupStage] = DedupStage,
                  make_sink: Callable[[Path], DocumentSink] | None = None,
                  stream: BinaryIO | None = None) -> RunResult:
    """The global end of a run, shared by every engine: route the cleaned documents (batches of
    ``(finished documents, step counters, their report, fingerprints of the kept ones or None)``
    in input order, see :mod:`cleaner.output.finished`) through deduplication into the output files,
    the report and the manifest. ``make_dedup`` lets an engine that decided the duplicates
    elsewhere (:mod:`cleaner.engines.ray_engine`) hand in its decisions, ``make_sink`` one that writes
    the document files elsewhere its sink, ``stream`` where the documents go instead of
    ``out_dir/documents`` (see :class:`OutputWriter`)."""
    writer = OutputWriter(out_dir, config, make_sink=make_sink, stream=stream)
    totals: dict[str, Counter] = {s.name: Counter() for s in pipeline.steps}
    report = RunReport()
    bar.start("writing", total=record_count)
    try:
        dedup = make_dedup(config, writer) if config.dedup else None
        for items, stats, part, fingerprints in results:
            report.merge(part)
            for position, item in enumerate(items):
                if dedup and item.kind == KEPT:
                    writer.write_warnings(item)  # dedup routes the document later; its warnings go now
                    dedup.add(item, fingerprints[position] if fingerprints else None)
                elif writer.write(item):
                    report.kept(*item.live)
                elif item.kind == KEPT:
                    report.rejected_late("duplicate-id")
            for name, counter in stats.items():
                totals[name].update(counter)
            bar.update(Summary(len(items), 0), resumed=True)
        dedup_report = dedup.finish(report) if dedup else None
        summary = report.finish(dedup.result.cluster_sizes() if dedup else None)
        writer.extra_files += write_report(summary, writer.stage)
        manifest = writer.close({
            "steps": {name: dict(sorted(c.items())) for name, c in totals.items()},
            **({"dedup": dedup_report} if dedup else {}),
            "config": config.to_json(),
            "config_file": config_file,
            "rules": {"count": len(pipeline.rules.rules), "sha256": pipeline.rules.digest},
            "versions": versions(),
            "skipped": skipped_json(skipped),
        })
    except BaseException:
        writer.abort()
        raise
    finally:
        bar.close()
    return RunResult(manifest, Path(out_dir), summary)
