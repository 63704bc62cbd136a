"""Record shapes other projects read, chosen with ``--schema``: cleaner's own, dolma's, datatrove's.

A preset reshapes the cleaner record (:func:`document_json`'s dict) where the document is
encoded, so the writer, deduplication and both engines handle every preset alike: each keeps
``id`` first (rejects are spliced after it) and takes ``duplicates`` as a last top-level field
(datatrove's readers fold unknown fields into ``metadata``; dolma's ignore them).

* ``datatrove``: ``{"id", "text", "metadata"}`` as datatrove's ``JsonlReader`` reads it, with
  datatrove's metadata names for the language (``language``, ``language_score``) and ``url``;
* ``dolma``: ``{"id", "text", "source", "created", "metadata"}`` (dolma's document format):
  ``source`` is the input file, ``created`` the page's date when the extractor found one.
  dolma's optional ``added`` (when the data was acquired) is left out: a wall-clock date would
  make two runs differ.
"""
from __future__ import annotations

from cleaner.config import SCHEMAS


def shaped(record: dict, schema: str) -> dict:
    """``record`` (cleaner's shape) in the shape of ``schema``.

    >>> rec = {"id": "a", "title": "T", "text": "x", "lang": "en", "lang_prob": 0.9,
    ...        "source": {"path": "p.jsonl", "url": "u", "position": "3"}, "metadata": {"k": 1}}
    >>> shaped(rec, "datatrove")
    {'id': 'a', 'text': 'x', 'metadata': {'k': 1, 'title': 'T', 'language': 'en', 'language_score': 0.9, 'url': 'u', 'source': {'path': 'p.jsonl', 'position': '3'}}}
    >>> shaped(rec, "dolma")["source"]
    'p.jsonl'
    """
    if schema == "cleaner":
        return record
    source = dict(record["source"])
    url = source.pop("url", None)
    ours = {"title": record.get("title"), "language": record.get("lang"), "language_score": record.get("lang_prob"),
            "url": url, "source": source}
    metadata = {**record.get("metadata", {}), **{k: v for k, v in ours.items() if v is not None}}
    if schema == "datatrove":
        return {"id": record["id"], "text": record["text"], "metadata": metadata}
    if schema == "dolma":
        out = {"id": record["id"], "text": record["text"], "source": source["path"]}
        created = record.get("metadata", {}).get("date")
        if isinstance(created, str):
            out["created"] = created
        out["metadata"] = metadata
        return out
    raise ValueError(f"unknown schema {schema!r}; use one of {', '.join(SCHEMAS)}")

