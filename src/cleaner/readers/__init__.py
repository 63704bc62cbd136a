"""Readers: find the inputs (:mod:`~cleaner.readers.walk`) and read each by its registered format
(:mod:`~cleaner.readers.base`)."""
from cleaner.readers import plain, jsonl, warc, parquet  # noqa: F401, I001 - registered on import, in this order
