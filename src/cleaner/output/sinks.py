"""Document files of a run: JSONL (optionally gzip/zstd-compressed) or Parquet, optionally sharded.

A *sink* takes one document record at a time, as its ``documents.jsonl`` line (JSON text, no
newline: encoded where the document was cleaned, see :mod:`cleaner.output.finished`), and writes the
files of one output layout into the writer's staging folder:

* ``shard_size = 0``: one file, ``documents.jsonl`` (``.gz``/``.zst``) or ``documents.parquet``;
* ``shard_size = N``: ``documents-00000.jsonl``, ``documents-00001.jsonl``, ... with N documents
  each (the last one fewer; at least one file even for an empty run, so readers find a schema).

Bytes are deterministic: gzip members carry no file name and mtime 0, zstd frames are written
by one single-threaded compressor, Parquet files by pyarrow with a fixed schema and row-group
size. Heavy libraries (pyarrow, zstandard) are imported only when their format is asked for.
"""
from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from cleaner.output.schema import DOCUMENT_FIELDS, DUPLICATE_FIELDS, SOURCE_FIELDS, parquet_schema


class MissingDependency(ImportError):
    """The chosen output needs a library that is not installed (the message says which)."""


SUFFIXES = {"none": "", "gz": ".gz", "zst": ".zst"}
PARQUET_CODECS = {"none": "snappy", "gz": "gzip", "zst": "zstd"}  # "none": pyarrow's default codec
PARQUET_ROW_GROUP = 1000  # documents per row group: bounded memory, and a unit datasets streams
GZIP_LEVEL = 6  # gzip's own default: level 9 is ~3x slower for ~1 % smaller files
ZSTD_LEVEL = 3  # zstd's default


class TextOut:
    """A UTF-8 text file, plain or compressed, with ``\\n`` line ends; close() closes every layer."""

    def __init__(self, path: Path, compression: str = "none"):
        self.path = Path(path)
        self._raw = open(self.path, "wb")
        self._binary: BinaryIO = self._raw
        if compression == "gz":
            # No file name and mtime 0 in the header: the same text always gives the same bytes.
            self._binary = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0,
                                         compresslevel=GZIP_LEVEL)
        elif compression == "zst":
            zstandard = import_zstandard()
            self._binary = zstandard.ZstdCompressor(level=ZSTD_LEVEL).stream_writer(self._raw, closefd=False)
        elif compression != "none":
            raise ValueError(f"unknown compression {compression!r}; use one of {', '.join(SUFFIXES)}")
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8", newline="\n", write_through=False)

    def write(self, text: str) -> None:
        self._text.write(text)

    def close(self) -> None:
        if self._raw.closed:
            return
        self._text.close()  # flushes and closes the compressor, which ends its frame/member
        if not self._raw.closed:
            self._raw.close()


def import_zstandard():
    try:
        import zstandard
    except ImportError:
        raise MissingDependency("--compression zst needs the zstandard package: pip install zstandard "
                          "(it is a dependency of cleaner; was cleaner installed with --no-deps?)") from None
    return zstandard


def import_pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401 - the submodule is what the sink uses
    except ImportError:
        raise MissingDependency("--output-format parquet needs pyarrow: pip install 'cleaner[parquet]'") from None
    return pyarrow


def check_available(output_format: str, compression: str) -> None:
    """Fail before any work when the chosen output needs a library that is not installed."""
    needs = OUTPUT_FORMATS[output_format].check
    if needs is not None:
        needs()
    if compression == "zst":
        import_zstandard()


def shard_name(stem: str, extension: str, shard: int | None) -> str:
    """File name of one shard (``None``: the run is not sharded).

    >>> shard_name("documents", ".jsonl.gz", 3), shard_name("documents", ".parquet", None)
    ('documents-00003.jsonl.gz', 'documents.parquet')
    """
    return f"{stem}{'' if shard is None else f'-{shard:05d}'}{extension}"


class DocumentSink:
    """Writes document records into ``folder``; :meth:`close` returns ``[(file name, documents)]``.
    ``first_shard``: the number of the first shard (a Ray task writes one shard of a run)."""

    extension = ""

    def __init__(self, folder: Path, shard_size: int = 0, stem: str = "documents", first_shard: int = 0):
        self.folder, self.shard_size, self.stem, self.first_shard = Path(folder), shard_size, stem, first_shard
        self.files: list[list] = []  # [name, documents] per file, in order
        self._open_next()

    def _open_next(self) -> None:
        name = shard_name(self.stem, self.extension, len(self.files) + self.first_shard if self.shard_size else None)
        self.files.append([name, 0])
        self._open(self.folder / name)

    def write(self, line: str) -> None:
        if self.shard_size and self.files[-1][1] == self.shard_size:
            self._close_current()
            self._open_next()
        self._write(line)
        self.files[-1][1] += 1

    def close(self) -> list[tuple[str, int]]:
        self._close_current()
        return [(name, n) for name, n in self.files]

    def _open(self, path: Path) -> None:
        raise NotImplementedError

    def _write(self, line: str) -> None:
        raise NotImplementedError

    def _close_current(self) -> None:
        raise NotImplementedError


class StreamSink:
    """JSON Lines documents into an open binary stream (standard output for ``-o -``), compressed
    like a file would be; the stream is flushed, never closed. ``close`` returns ``[("-", n)]``."""

    def __init__(self, stream: BinaryIO, compression: str = "none"):
        self.stream, self.count = stream, 0
        self._binary: BinaryIO = stream
        if compression == "gz":
            self._binary = gzip.GzipFile(filename="", mode="wb", fileobj=stream, mtime=0, compresslevel=GZIP_LEVEL)
        elif compression == "zst":
            self._binary = import_zstandard().ZstdCompressor(level=ZSTD_LEVEL).stream_writer(stream, closefd=False)

    def write(self, line: str) -> None:
        self._binary.write(line.encode("utf-8") + b"\n")
        self.count += 1

    def close(self) -> list[tuple[str, int]]:
        if self._binary is not self.stream and not self._binary.closed:
            self._binary.close()  # ends the gzip member / zstd frame
        self.stream.flush()
        return [("-", self.count)]


class JsonlSink(DocumentSink):
    def __init__(self, folder: Path, shard_size: int = 0, compression: str = "none", stem: str = "documents",
                 first_shard: int = 0):
        self.compression = compression
        self.extension = ".jsonl" + SUFFIXES[compression]
        self._out: TextOut | None = None
        super().__init__(folder, shard_size, stem, first_shard)

    def _open(self, path: Path) -> None:
        self._out = TextOut(path, self.compression)

    def _write(self, line: str) -> None:
        self._out.write(line + "\n")

    def _close_current(self) -> None:
        self._out.close()


class ParquetSink(DocumentSink):
    """The JSONL schema as Arrow types: ``source`` and ``duplicates`` stay nested.

    ``metadata`` (an object whose keys depend on the extractor and the JSONL input) becomes a
    list of ``{key, value, json}`` structs sorted by key: an Arrow map would be the literal
    translation, but ``datasets`` cannot load map columns. ``value`` is the string itself, or
    for a non-string value passed through from a JSONL record its JSON text (``json`` true).
    Fields a JSONL line leaves out are null here.
    """

    extension = ".parquet"

    def __init__(self, folder: Path, shard_size: int = 0, compression: str = "none", stem: str = "documents",
                 first_shard: int = 0):
        self.pa = import_pyarrow()
        self.schema = parquet_schema(self.pa)
        self.codec = PARQUET_CODECS[compression]
        self._rows: list[dict] = []
        self._writer = None
        super().__init__(folder, shard_size, stem, first_shard)

    def _open(self, path: Path) -> None:
        self._writer = self.pa.parquet.ParquetWriter(path, self.schema, compression=self.codec)

    def _write(self, line: str) -> None:
        self._rows.append(parquet_row(json.loads(line)))
        if len(self._rows) == PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            table = self.pa.Table.from_pylist(self._rows, schema=self.schema)
            self._writer.write_table(table, row_group_size=PARQUET_ROW_GROUP)
            self._rows = []

    def _close_current(self) -> None:
        self._flush()
        self._writer.close()


# -- the output formats, registered by name ----------------------------------------------------

@dataclass(frozen=True, slots=True)
class OutputFormat:
    """A documents file format. ``make(folder, shard_size, compression, first_shard)`` builds its
    :class:`DocumentSink`; ``extensions`` are the file endings it writes (so a later run knows
    its files); ``check`` fails early when a library it needs is missing."""

    name: str  # the --output-format value
    extensions: tuple[str, ...]
    make: Callable[[Path, int, str, int], DocumentSink]
    check: Callable[[], object] | None = None


OUTPUT_FORMATS: dict[str, OutputFormat] = {}


def register_output_format(output: OutputFormat) -> OutputFormat:
    """Make ``output`` the format of its name: another format is one module and this call."""
    OUTPUT_FORMATS[output.name] = output
    return output


def make_document_sink(folder: Path, output_format: str, shard_size: int, compression: str,
                       first_shard: int = 0) -> DocumentSink:
    return OUTPUT_FORMATS[output_format].make(folder, shard_size, compression, first_shard)


def documents_extensions() -> tuple[str, ...]:
    """Every file ending a registered format writes (of the documents files)."""
    return tuple(ext for output in OUTPUT_FORMATS.values() for ext in output.extensions)


register_output_format(OutputFormat(
    "jsonl", tuple(".jsonl" + suffix for suffix in SUFFIXES.values()),
    lambda folder, shard_size, compression, first_shard: JsonlSink(folder, shard_size, compression,
                                                                   first_shard=first_shard)))
register_output_format(OutputFormat(
    "parquet", (".parquet",),
    lambda folder, shard_size, compression, first_shard: ParquetSink(folder, shard_size, compression,
                                                                     first_shard=first_shard),
    import_pyarrow))


# -- Parquet rows (the schema: cleaner.output.schema) -------------------------------------------

def parquet_row(record: dict) -> dict:
    """One document record as a Parquet row. A field the schema does not know is an error, not
    a silent loss: the schema above has to learn it first.

    >>> parquet_row({"id": "a", "text": "t", "source": {"path": "p"}, "metadata": {"b": "2", "a": "1"}})["metadata"]
    [{'key': 'a', 'value': '1', 'json': False}, {'key': 'b', 'value': '2', 'json': False}]
    """
    _known(record, DOCUMENT_FIELDS, "document")
    _known(record.get("source", {}), SOURCE_FIELDS, "source")
    for duplicate in record.get("duplicates", ()):
        _known(duplicate, DUPLICATE_FIELDS, "duplicates[]")
        _known(duplicate.get("source", {}), SOURCE_FIELDS, "duplicates[].source")
    row = dict(record)
    if "metadata" in row:
        row["metadata"] = [{"key": k, "value": v, "json": False} if isinstance(v, str) else
                           {"key": k, "value": json.dumps(v, ensure_ascii=False, sort_keys=True), "json": True}
                           for k, v in sorted(row["metadata"].items())]
    return row


def parquet_record(row: dict) -> dict:
    """The inverse of :func:`parquet_row` for a row read back with pyarrow: the JSONL record.

    >>> parquet_record({"id": "a", "title": None, "source": {"path": "p", "url": None}, "duplicates": None,
    ...                 "metadata": [{"key": "k", "value": "v", "json": False}, {"key": "n", "value": "3", "json": True}]})
    {'id': 'a', 'title': None, 'source': {'path': 'p'}, 'metadata': {'k': 'v', 'n': 3}}
    """
    out = {}
    for name, value in row.items():
        if name == "metadata":
            if value is not None:
                out[name] = {item["key"]: json.loads(item["value"]) if item["json"] else item["value"]
                             for item in value}
        elif name == "source":
            out[name] = _drop_nulls(value)
        elif name == "duplicates":
            if value is not None:
                out[name] = [{**d, "source": _drop_nulls(d["source"])} for d in value]
        else:
            out[name] = value  # title, lang, lang_prob are null in JSONL too
    return out


def _drop_nulls(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def _known(values: dict, allowed, where: str) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"Parquet output: {where} field(s) {', '.join(sorted(unknown))} are not in the "
                         "schema (cleaner/output/schema.py); this is a bug in cleaner")
