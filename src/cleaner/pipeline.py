"""The pipeline: which steps run, in which order, and :func:`run`, a whole batch.

Per document: parse (decode, extract HTML, normalise) -> heuristics (body, title) -> rules ->
language -> length filter. The local executor (:mod:`cleaner.executor`) runs them over
chunks of records in worker processes and keeps each finished chunk (:mod:`cleaner.state`);
step code never knows where it runs. Output order is input order for any number of jobs.
"""
from __future__ import annotations

import platform
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable, Iterator

from cleaner.config import Config
from cleaner.dedup import Fingerprint
from cleaner.deduplicate import DedupStage
from cleaner.document import Document
from cleaner.filters import LanguageTagger, MinWordsFilter
from cleaner.finished import KEPT, Finished
from cleaner.parse import parse_record
from cleaner.executor import ChunkRunner, Progress, Summary, available_cores, run_phases
from cleaner.outputs import DocumentSink, check_available
from cleaner.readers import Record, list_inputs, read_files
from cleaner.report import RunReport, write_report
from cleaner.rules import RuleSet
from cleaner.steps import Step, run_steps
from cleaner.recurring import RecurringLines
from cleaner.strippers import BodyStripper, RuleStripper, TitleFinder
from cleaner.state import CHUNK, CHUNK_BYTES, RunState, input_listing
from cleaner.writer import OutputWriter

VERSIONED = ("cleaner", "trafilatura", "justext", "langdetect", "ftfy", "regex", "PyYAML")


def load_rules(config: Config) -> RuleSet:
    rules = RuleSet.load([Path(d) for d in config.rules], builtin=not config.no_builtin_rules)
    return rules.select(safety=config.safety, only=config.select, disable=config.disable)


class Pipeline:
    """Everything between the reader and the writer, for one configuration."""

    def __init__(self, config: Config = Config(), rules: RuleSet | None = None,
                 recurring: RecurringLines | None = None):
        self.config = config
        self.rules = rules if rules is not None else load_rules(config)
        # Heuristics first: the body locator was designed and tuned on whole pages, whose menus
        # and comment walls are its evidence (rules first cost 0.014 F1 on dragnet-dev); the
        # rules then remove what sits inside the article: prompts, share labels, ad markers.
        self.steps: list[Step] = [
            BodyStripper(recurring=recurring) if config.heuristics else RuleStripper(self.rules),
            RuleStripper(self.rules) if config.heuristics else TitleFinder(),
            LanguageTagger(config.languages, config.min_lang_prob),
            MinWordsFilter(config.min_words),
        ]

    def process(self, records: Iterable[Record]) -> Iterator[Document]:
        return run_steps(self.steps, (parse_record(r) for r in records))

    def process_one(self, record: Record) -> Document:
        """One record through every step (what the engines' per-document time budget wraps)."""
        return next(self.process([record]))

    def stats(self) -> dict[str, dict[str, int]]:
        return {s.name: dict(sorted(s.stats.items())) for s in self.steps}


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


def count_recurring(inputs: list[Path], config: Config) -> RecurringLines:
    """First pass: which short lines recur across each site's documents."""
    recurring = RecurringLines()
    for record in read_files(inputs, config):
        doc = parse_record(record)
        if doc.outcome is None:
            recurring.count(doc)
    return recurring


def run(inputs: list[Path], out_dir: Path, config: Config = Config(), jobs: int | None = None,
        progress: bool = False, config_file: str | None = None,
        log: Callable[[str], None] | None = None) -> RunResult:
    """Clean every input under ``inputs`` into ``out_dir``.

    ``jobs`` (default ``config.jobs``; 0 = one per available core) worker processes do the
    per-document work chunk by chunk (:mod:`cleaner.executor`); every finished chunk is kept
    in ``out_dir/.cleaner-state`` until the run succeeds, so the same call after an
    interruption resumes where it stopped. ``log`` receives notices (resuming, starting fresh);
    ``config_file`` is recorded in the manifest.
    """
    if config.engine == "ray":  # the same steps and output, on a Ray cluster (docs/ray.md)
        from cleaner.ray_engine import run_on_ray

        return run_on_ray(inputs, out_dir, config, progress=progress, config_file=config_file, log=log)
    rules = load_rules(config)  # loaded before any work, so rule errors cost nothing
    check_available(config.output_format, config.compression)  # a missing pyarrow costs nothing either
    jobs = jobs if jobs is not None else config.jobs
    jobs = jobs or available_cores()
    identity = {"versions": versions(), "config": config.to_json(), "rules": rules.digest, "chunk": [CHUNK, CHUNK_BYTES],
                "inputs": [str(Path(p).resolve()) for p in inputs]}
    state = RunState(out_dir, identity, input_listing(list_inputs(inputs)), log,
                     note={"config_file": config_file})
    runner = ChunkRunner(config, jobs, state, Progress(progress), rules)
    skipped: Counter = Counter()  # read but not documents: WARC requests, images, blank lines
    payloads = run_phases(config, lambda sink=None: read_files(inputs, config, sink), state, runner, skipped)
    pipeline = Pipeline(config, rules)  # the step names, in order, and the rules, for the manifest
    try:
        # The main process writes each chunk as soon as it and the ones before it are clean,
        # while the workers go on (the cleaning bar shows both). Routing in chunk order is input
        # order: the output does not depend on -j or on which chunks an earlier, interrupted
        # run finished.
        result = write_outputs(out_dir, config, payloads, pipeline, skipped, config_file, Progress(False))
    except BaseException:
        runner.close(failed=True)
        state.close(success=False)
        raise
    runner.close()
    if state.resumed and log:
        log(f"resumed {runner.reused} finished chunk(s) of {out_dir}'s interrupted run")
    state.close(success=True)
    return result


def write_outputs(out_dir: Path, config: Config,
                  results: Iterable[tuple[list[Finished], dict, RunReport, list[Fingerprint | None] | None]],
                  pipeline: Pipeline, skipped: Counter, config_file: str | None, bar: Progress,
                  record_count: int | None = None,
                  make_dedup: Callable[[Config, OutputWriter], DedupStage] = DedupStage,
                  make_sink: Callable[[Path], DocumentSink] | None = None) -> RunResult:
    """The global end of a run, shared by every engine: route the cleaned documents (batches of
    ``(finished documents, step counters, their report, fingerprints of the kept ones or None)``
    in input order, see :mod:`cleaner.finished`) through deduplication into the output files,
    the report and the manifest. ``make_dedup`` lets an engine that decided the duplicates
    elsewhere (:mod:`cleaner.ray_engine`) hand in its decisions, ``make_sink`` one that writes
    the document files elsewhere its sink (see :class:`OutputWriter`)."""
    writer = OutputWriter(out_dir, write_txt=config.write_txt, output_format=config.output_format,
                          shard_size=config.shard_size, compression=config.compression, make_sink=make_sink)
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
                else:
                    writer.write(item)
                    if item.kind == KEPT:
                        report.kept(*item.live)
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
