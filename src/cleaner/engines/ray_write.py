"""Writing on Ray: document shards written by Ray tasks with the local sink, and uploads to URL outputs."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from cleaner.config import Config


# -- phase 5: writing -------------------------------------------------------------------------------
def _write_shard(folder: str, output_format: str, shard_size: int, compression: str, index: int,
                 lines: list[str]) -> list[tuple[str, int]]:
    """One shard of the documents, written by a Ray task with the local engine's sink: into a
    private folder first, then renamed into ``folder``, so only whole shards appear there."""
    from cleaner.output.sinks import make_document_sink

    scratch = Path(tempfile.mkdtemp(prefix=".shard-", dir=folder))
    try:
        sink = make_document_sink(scratch, output_format, shard_size, compression, first_shard=index)
        for line in lines:
            sink.write(line)
        files = sink.close()
        for name, _ in files:
            os.replace(scratch / name, Path(folder) / name)
        return files
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class ShardTasks:
    """The document sink of a sharded run on Ray: the driver routes documents in input order
    (so shard boundaries are the local engine's) and hands each full shard to a Ray task,
    which compresses and writes it. At most ``window`` shards are in flight, so the driver
    holds at most that many shards of documents."""

    def __init__(self, ray, folder: Path, config: Config, window: int):
        self.ray, self.folder, self.config, self.window = ray, folder, config, window
        self.lines: list[str] = []
        self.shards: list = []  # one task per shard, in order
        self._write = ray.remote(num_cpus=1)(_write_shard)

    def write(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) == self.config.shard_size:
            self._submit()

    def _submit(self) -> None:
        while True:
            _, running = self.ray.wait(self.shards, num_returns=len(self.shards), timeout=0)
            if len(running) < self.window:
                break
            self.ray.wait(running, num_returns=1)
        self.shards.append(self._write.remote(str(self.folder), self.config.output_format, self.config.shard_size,
                                              self.config.compression, len(self.shards), self.lines))
        self.lines = []

    def close(self) -> list[tuple[str, int]]:
        if self.lines or not self.shards:  # a last, partly filled shard; or the empty first one
            self._submit()
        return [tuple(entry) for files in self.ray.get(self.shards) for entry in files]


def upload(local: Path, url: str) -> None:
    import fsspec

    fs, base = fsspec.core.url_to_fs(url)
    for folder, _, names in os.walk(local):
        for name in names:
            path = Path(folder, name)
            target = f"{base.rstrip('/')}/{path.relative_to(local).as_posix()}"
            fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            fs.put_file(str(path), target)
