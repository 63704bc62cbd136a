"""cleaner as a datatrove pipeline step: :class:`CleanerFilter`.

datatrove users keep their readers, writers and executor (local, Slurm, Ray) and put
cleaner's stripping where they would put an extractor or a filter::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from cleaner.integrations.datatrove import CleanerFilter

    LocalPipelineExecutor([JsonlReader("raw/"), CleanerFilter(), JsonlWriter("clean/")]).run()

Each document's text (or HTML, with ``input_format="html"``) goes through the same steps as
one record of ``cleaner clean`` (parse, heuristics, rules, language, length filter); what runs
across documents -- recurring-line counts and deduplication -- is left to the pipeline
(datatrove has its own MinHash steps). A document cleaner would reject is dropped with the
reason counted as ``dropped_<reason>`` (and written by ``exclusion_writer`` if one is given).
Needs the ``datatrove`` extra: ``pip install 'cleaner[datatrove]'``.
"""
from __future__ import annotations

try:
    from datatrove.data import Document as DatatroveDocument
    from datatrove.pipeline.filters.base_filter import BaseFilter
except ImportError:  # the block is only usable with datatrove; the message says how to get it
    raise ImportError("cleaner.integrations.datatrove needs datatrove: pip install 'cleaner[datatrove]'") from None

from cleaner.config import PROVENANCE_LEVELS, Config
from cleaner.output.records import removals_json

INPUT_FORMATS = ("text", "html", "auto")


class CleanerFilter(BaseFilter):
    """Strip boilerplate from every document; drop the ones cleaner rejects.

    The clean text replaces ``doc.text``; ``doc.metadata["cleaner"]`` records the title, the
    language and (``provenance``) the removals as ``removed.jsonl`` holds them: ``spans`` gives
    rule, category and offsets into the normalised input, ``full`` also the removed text,
    ``none`` nothing.
    """

    name = "🧹 cleaner"

    def __init__(self, config: Config | None = None, input_format: str = "text", provenance: str = "spans",
                 exclusion_writer=None):
        super().__init__(exclusion_writer)
        if input_format not in INPUT_FORMATS:
            raise ValueError(f"input_format must be one of {', '.join(INPUT_FORMATS)}, not {input_format!r}")
        if provenance not in PROVENANCE_LEVELS:
            raise ValueError(f"provenance must be one of {', '.join(PROVENANCE_LEVELS)}, not {provenance!r}")
        self.config = config or Config()
        self.input_format, self.provenance = input_format, provenance
        self._pipeline = None  # built in the worker that runs the step (rules and models load once there)

    def filter(self, doc: DatatroveDocument) -> bool | tuple[bool, str]:
        from cleaner.pipeline import Pipeline
        from cleaner.readers.record import Record

        if self._pipeline is None:
            self._pipeline = Pipeline(self.config)
        url = doc.metadata.get("url")
        record = Record(path=str(doc.metadata.get("file_path", doc.id)), data=doc.text.encode("utf-8", "surrogatepass"),
                        kind=self.input_format, url=url if isinstance(url, str) else None)
        cleaned = self._pipeline.process_one(record)
        if cleaned.outcome is not None:
            self.stat_update(f"cleaner_{cleaned.outcome.kind}")
            return False, cleaned.outcome.reason
        self.stat_update("cleaner_removed_spans", value=len(cleaned.removals))
        doc.text = cleaned.text
        info = {"title": cleaned.title, "lang": cleaned.lang, "lang_prob": cleaned.lang_prob}
        removed = removals_json(cleaned, self.provenance)  # as in removed.jsonl at that level
        if removed is not None:
            info["removed"] = removed
        doc.metadata["cleaner"] = info
        return True
