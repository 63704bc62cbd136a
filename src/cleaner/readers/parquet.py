"""Parquet input: one record per row, its columns read as a JSON Lines record's fields."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from cleaner.readers.fields import object_record
from cleaner.readers.base import Reader, register_reader
from cleaner.readers.record import Record, count_empty, error_record

if TYPE_CHECKING:
    from cleaner.config import Config

PARQUET_BATCH_ROWS = 64  # rows decoded at a time: memory is a few rows, not a row group


def read_parquet(path: Path, rel: str, config: Config, skipped: Counter) -> Iterator[Record]:
    """One record per row, read :data:`PARQUET_BATCH_ROWS` rows at a time. Columns are fields as
    in JSON Lines (the same field options and dotted paths into struct columns); nulls are
    absent fields; binary values are read as UTF-8 and other non-JSON values (timestamps,
    decimals) as their text. A ``metadata`` column of ``{key, value, json}`` items (cleaner's own
    Parquet output) is read back as the object it stands for."""
    fields = (config.html_field, config.text_field, config.url_field, config.id_field)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield error_record(rel, "missing-dependency", f"{rel}: reading Parquet needs pyarrow: "
                           "pip install 'cleaner[parquet]'")
        return
    row_no = 0
    try:
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            for row in batch.to_pylist():
                row_no += 1
                where = f"{rel} row {row_no}"
                obj = _cleaner_metadata(_json_value(row))

                def fail(reason: str, message: str, where=where, row_no=row_no) -> Record:
                    return error_record(rel, reason, f"{where}: {message}", row_no, "parquet")

                yield object_record(obj, rel, str(row_no), "parquet", fields, fail)
    except (OSError, ValueError, ImportError) as exc:  # pyarrow's ArrowInvalid/ArrowIOError are these
        yield error_record(rel, "corrupt", f"{rel}: the Parquet file cannot be read after row {row_no} ({exc}); "
                           f"the {row_no} rows before were read. Check the file, or re-write it", row_no + 1,
                           "parquet")
        return
    if row_no == 0:
        count_empty(rel, skipped)


def _json_value(value: Any) -> Any:
    """A Parquet value as JSON: nulls in objects left out, bytes as UTF-8, anything else that
    JSON has no type for (timestamps, decimals) as its text.

    >>> _json_value({"a": None, "b": [b"x", 1.5], "c": {"d": None}})
    {'b': ['x', 1.5], 'c': {}}
    """
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _cleaner_metadata(row: dict) -> dict:
    """The row with a ``metadata`` list of ``{key, value, json}`` (cleaner's Parquet layout of an
    object) turned back into the object."""
    items = row.get("metadata")
    if isinstance(items, list) and items and all(isinstance(i, dict) and set(i) <= {"key", "value", "json"}
                                                 and "key" in i for i in items):
        row = dict(row)
        row["metadata"] = {i["key"]: json.loads(i["value"]) if i.get("json") else i.get("value")
                           for i in items}
    return row


register_reader(Reader("parquet", (".parquet",), read_parquet, lambda head: head.startswith(b"PAR1"),
                       own_ids=True))
