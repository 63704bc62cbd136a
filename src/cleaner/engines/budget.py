"""The per-document time budget: an alarm in the working process, and the messages of a timeout or crash."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

from cleaner.document import Document
from cleaner.parse.record import failed_document, is_html_page, where
from cleaner.readers.record import Record


# -- the time budget of one document ------------------------------------------------------------

class DocumentTimeout(BaseException):
    """Raised by the alarm in a document that overran its budget. A BaseException, like
    KeyboardInterrupt, so that the broad ``except Exception`` of extractors and steps cannot
    swallow it and carry on."""


def hard_limit(budget: float) -> float:
    """Seconds after which the watchdog kills a worker: the budget plus a grace period for the
    alarm to take effect, so only code that ignores the alarm (stuck in C) is killed."""
    return budget + max(1.0, budget / 2)


@contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Arm SIGALRM for the documents processed inside (the caller re-arms it per document with
    :func:`arm`). A no-op where signals cannot be used: no budget, no SIGALRM (Windows), or not
    the main thread (an API call from a thread) -- the watchdog still guards worker processes."""
    usable = seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise DocumentTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def arm(seconds: float) -> None:
    if seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        signal.setitimer(signal.ITIMER_REAL, seconds)


def timeout_message(record: Record, budget: float, killed: bool = False) -> str:
    if killed:
        what = (f"did not stop within {hard_limit(budget):g} s although its budget is {budget:g} s (stuck inside a "
                "C library, where the alarm cannot interrupt it), so its worker process was killed and replaced")
    else:
        what = f"took longer than its {budget:g} s budget and was stopped"
    return (f"{where(record)}: processing the document {what}; the run went on without it. Raise the budget "
            "with --doc-timeout SECONDS (0: no limit) if the input is merely large; otherwise the input is "
            "pathological (a page nested thousands of levels deep, a giant table): fix or remove it")


def crash_message(record: Record, exitcode: int | None) -> str:
    how = f"signal {signal.Signals(-exitcode).name}" if exitcode and exitcode < 0 and \
        -exitcode in signal.Signals._value2member_map_ else f"exit code {exitcode}"
    return (f"{where(record)}: the worker process died ({how}) while processing this document: out of memory, "
            "or a crash in a C library on this input; the run went on without it. Remove or fix the input "
            "(and report it if it is a crash)")


def warm_up(process: Callable[[Record], Document], kinds: Iterable[str] = ("text", "html")) -> None:
    """One small page or text of each of ``kinds`` through ``process`` before the first real
    document, outside the budget: the first document of a process pays for imports and lazily
    loaded models (seconds on a busy machine), which must not count as its own time. Only the
    kinds a chunk holds (:func:`record_kind`): a batch of HTML pages never loads the text dump
    heuristics' stoplists."""
    for kind in kinds:
        process(_WARM_UP[kind])


def record_kind(record: Record) -> str:
    """"html" for a record that is extracted as an HTML page, else "text" (what it warms up)."""
    return "html" if is_html_page(record) else "text"


def within_budget(records: list[Record], process: Callable[[Record], Document | None], budget: float,
                  poisoned: dict[int, tuple[str, str]], timeouts: list[int],
                  on_start: Callable[[int], None] | None = None,
                  on_stop: Callable[[], None] | None = None) -> Iterator[Document | None]:
    """Each record through ``process``, one at a time, each within ``budget`` seconds: one that
    overruns becomes a ``timeout`` error (its position appended to ``timeouts``), one that
    crashes a ``parse-crashed`` error. ``poisoned`` (position -> (reason, message)) are errors
    without being tried. Shared by the local workers and the Ray engine's tasks."""
    with alarm(budget):
        for position, record in enumerate(records):
            if position in poisoned:
                reason, message = poisoned[position]
                yield failed_document(record, reason, message)
                continue
            if on_start is not None:
                on_start(position)
            try:
                try:
                    arm(budget)
                    doc = process(record)
                finally:
                    arm(0)
            except DocumentTimeout:
                timeouts.append(position)
                doc = failed_document(record, "timeout", timeout_message(record, budget))
            except Exception as exc:  # noqa: BLE001 - parsing is not a step; its crash is one input's error
                doc = failed_document(record, "parse-crashed", f"{where(record)}: reading the document failed "
                                      f"({type(exc).__name__}: {exc}); the run went on without it. This is a "
                                      "bug in cleaner or a library it uses: please report it with the input")
            if on_stop is not None:
                on_stop()
            yield doc


_WARM_SENTENCE = ("The council met on Monday and approved the budget for the new school after a long debate "
                  "about its costs. ")
_WARM_UP = {"text": Record("<warm-up>", (_WARM_SENTENCE * 3).encode(), "text"),
            "html": Record("<warm-up>", (f"<html><head><title>Budget</title></head><body><article><h1>Budget</h1>"
                                         f"<p>{_WARM_SENTENCE * 3}</p><p>{_WARM_SENTENCE}</p></article></body></html>"
                                         ).encode(), "html")}
