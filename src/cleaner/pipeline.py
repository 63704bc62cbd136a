"""The pipeline: which steps run, in which order, and the local executor that runs them.

Per document: parse (decode, extract HTML, normalise) -> heuristics (body, title) -> rules ->
language ->
length filter. The executor only chains generators (in worker processes with ``jobs > 1``);
step code never knows where it runs. Output order is input order for any number of jobs.
"""
from __future__ import annotations

import multiprocessing
import platform
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Iterable, Iterator

from cleaner.config import Config
from cleaner.deduplicate import DedupStage
from cleaner.document import Document
from cleaner.filters import LanguageTagger, MinWordsFilter
from cleaner.parse import parse_record
from cleaner.readers import Record, read_files
from cleaner.rules import RuleSet
from cleaner.steps import Step, run_steps
from cleaner.recurring import RecurringLines
from cleaner.strippers import BodyStripper, RuleStripper, TitleFinder
from cleaner.writer import OutputWriter

CHUNK = 16  # records per task sent to a worker: amortises pickling, keeps memory bounded
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

    def stats(self) -> dict[str, dict[str, int]]:
        return {s.name: dict(sorted(s.stats.items())) for s in self.steps}


# -- local executor ---------------------------------------------------------------------------

_WORKER: Pipeline | None = None


def _init_worker(config: Config, recurring: RecurringLines | None) -> None:
    global _WORKER
    _WORKER = Pipeline(config, recurring=recurring)


def _run_chunk(records: list[Record]) -> tuple[list[Document], dict[str, Counter]]:
    for step in _WORKER.steps:
        step.stats.clear()
    docs = list(_WORKER.process(records))
    return docs, {s.name: Counter(s.stats) for s in _WORKER.steps}


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class RunResult:
    manifest: dict
    out_dir: Path

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


def count_recurring(inputs: list[Path], config: Config) -> RecurringLines:
    """First pass: which short lines recur across each site's documents."""
    recurring = RecurringLines()
    for record in read_files(inputs, config.input_format):
        doc = parse_record(record)
        if doc.outcome is None:
            recurring.count(doc)
    return recurring


def run(inputs: list[Path], out_dir: Path, config: Config = Config(), jobs: int = 1,
        progress: bool = False) -> RunResult:
    """Clean every input under ``inputs`` into ``out_dir``."""
    rules = load_rules(config)  # loaded before any work, so rule errors cost nothing
    recurring = count_recurring(inputs, config) if config.heuristics and config.recurring else None
    pipeline = Pipeline(config, rules=rules, recurring=recurring)
    records = read_files(inputs, config.input_format)
    writer = OutputWriter(out_dir, write_txt=config.write_txt)
    dedup = DedupStage(config, writer) if config.dedup else None
    totals: dict[str, Counter] = {s.name: Counter() for s in pipeline.steps}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="doc", desc="cleaning", leave=False)
    try:
        if jobs <= 1:
            results = ((list(pipeline.process(chunk)), None) for chunk in _chunks(records, CHUNK))
            pool = None
        else:
            pool = multiprocessing.get_context("spawn").Pool(jobs, _init_worker, (config, recurring))
            results = pool.imap(_run_chunk, _chunks(records, CHUNK))
        for docs, stats in results:
            for doc in docs:
                if dedup and doc.outcome is None:
                    dedup.add(doc)
                else:
                    writer.write(doc)
            if stats:
                for name, counter in stats.items():
                    totals[name].update(counter)
            if bar:
                bar.update(len(docs))
        if pool:
            pool.close()
            pool.join()
        dedup_report = dedup.finish() if dedup else None
    except BaseException:
        writer.abort()
        raise
    finally:
        if bar:
            bar.close()
    if jobs <= 1:
        totals = {s.name: Counter(s.stats) for s in pipeline.steps}
    manifest = writer.close({
        "steps": {name: dict(sorted(c.items())) for name, c in totals.items()},
        **({"dedup": dedup_report} if dedup else {}),
        "config": config.to_json(),
        "rules": {"count": len(pipeline.rules.rules), "sha256": pipeline.rules.digest},
        "versions": versions(),
    })
    return RunResult(manifest, Path(out_dir))
