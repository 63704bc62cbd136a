"""A worker warms up (loads lazy models outside the time budget) only for the kinds of record it gets."""
from __future__ import annotations

from cleaner.config import Config
from cleaner.engines.workers import CLEAN, ChunkWorker
from cleaner.readers.record import Record

PAGE = Record("a.html", b"<html><body><p>The council met on Monday.</p></body></html>", "html")
DUMP = Record("a.txt", b"The council met on Monday.", "text")


def test_a_chunk_warms_up_the_kinds_of_record_it_holds_once_each() -> None:
    worker, warmed = ChunkWorker(Config()), []
    warm = lambda record: warmed.append(record.kind)  # noqa: E731
    worker._warm_up(CLEAN, warm, [PAGE, PAGE])
    assert warmed == ["html"]  # an HTML batch never loads the text heuristics' stoplists
    worker._warm_up(CLEAN, warm, [PAGE, DUMP])
    assert warmed == ["html", "text"]
    worker._warm_up(CLEAN, warm, [DUMP, PAGE])
    assert warmed == ["html", "text"]
