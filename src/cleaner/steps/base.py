"""The step contract: documents in, documents out.

Every step between reading and writing is a :class:`Step`. The base class owns the loop and
the counters; a concrete step writes one method, :meth:`Step.process`, for one document.
Documents that an earlier step rejected or failed flow through untouched, so the writer sees
every input in input order and nothing vanishes. Steps never know which executor runs them.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Iterator

from cleaner.document import Document


class Step:
    name = "step"

    def __init__(self) -> None:
        self.stats: Counter[str] = Counter()

    def process(self, doc: Document) -> None:
        """Work on one live document in place: add removals, set fields, or reject it."""
        raise NotImplementedError

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            if doc.outcome is None:
                self.stats["total"] += 1
                try:
                    self.process(doc)
                except Exception as exc:  # a crashing step is a reported problem, not a dead run
                    doc.fail(f"{self.name}-crashed", f"step {self.name} failed: {type(exc).__name__}: {exc}. "
                             "This is a bug in cleaner or a rule; please report it with the input.")
                if doc.outcome is None:
                    self.stats["forwarded"] += 1
                else:
                    self.stats[f"{'dropped' if doc.outcome.kind == 'rejected' else 'errored'}_{doc.outcome.reason}"] += 1
            yield doc


def run_steps(steps: Iterable[Step], docs: Iterable[Document]) -> Iterator[Document]:
    """Chain the steps' generators."""
    for step in steps:
        docs = step.run(docs)
    return iter(docs)
