"""Standard input as an input: ``cleaner clean -``."""
from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

STDIN = "-"  # the input name that means standard input
STDIN_NAME = "stdin"  # its name in the output (source.path, the manifest)


@contextmanager
def stdin_spooled(inputs: list, stream: BinaryIO | None = None) -> Iterator[list]:
    """The inputs with ``-`` replaced by a temporary file holding standard input (JSON Lines,
    or one text or HTML document), named ``stdin``. Spooled because a run reads its inputs
    twice (the recurring-lines pass, then cleaning) and workers read them by name; the file is
    deleted when the block ends."""
    if not any(str(p) == STDIN for p in inputs):
        yield inputs
        return
    with tempfile.TemporaryDirectory(prefix="cleaner-stdin-") as folder:
        spool = Path(folder) / STDIN_NAME
        with open(spool, "wb") as out:
            shutil.copyfileobj(stream or sys.stdin.buffer, out, 1 << 20)
        yield [spool if str(p) == STDIN else p for p in inputs]
