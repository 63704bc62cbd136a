"""The JSON records of the output files: a document, a reject, an error entry, and text file names."""
from __future__ import annotations

import json
import math
import re

import orjson

from cleaner.document import Document, Source
from cleaner.output.schema import DOCUMENT, DOCUMENT_FIELDS, SOURCE_FIELDS


_UNSAFE_NAME = re.compile(r"[^\w.\-]+")


def document_json(doc: Document) -> dict:
    """A kept document's record (cleaner's shape, fields in :data:`~cleaner.output.schema.DOCUMENT`'s
    order; ``duplicates`` is added last by deduplication, its removals go to removed.jsonl, see
    :func:`removed_json`). Optional fields are left out when empty."""
    out = {}
    for name in _RECORD_FIELDS:
        value = source_json(doc.source) if name == "source" else getattr(doc, name)
        if value or name in _REQUIRED:
            out[name] = value
    return out


def source_json(source: Source) -> dict:
    """A document's ``source`` record: its fields in the schema's order, those without a value left out."""
    return {name: value for name in SOURCE_FIELDS if (value := getattr(source, name)) is not None}


_RECORD_FIELDS = tuple(name for name in DOCUMENT_FIELDS if name != "duplicates")
_REQUIRED = frozenset(f.name for f in DOCUMENT.fields if f.required)


def removals_json(doc: Document, provenance: str) -> list[dict] | None:
    """The document's removals at a provenance level: ``full``, every removal with its text (and
    a heuristic's evidence); ``spans``, rule, category and offsets, one span for a run of
    removals by one rule with only whitespace between them; ``none``, None."""
    removals = sorted(doc.removals, key=lambda r: (r.start, r.end))
    if provenance == "full":
        return [r.to_json() for r in removals]
    if provenance == "none":
        return None
    runs: list[dict] = []
    for r in removals:
        last = runs[-1] if runs else None
        if last and (last["rule"], last["category"]) == (r.rule, r.category) and last["end"] <= r.start \
                and not doc.normalised[last["end"]:r.start].strip():
            last["end"] = r.end
        else:
            runs.append({"rule": r.rule, "category": r.category, "start": r.start, "end": r.end})
    return runs


def removed_json(doc: Document, provenance: str) -> dict | None:
    """A kept document's removed.jsonl line (None at provenance ``none``)."""
    removed = removals_json(doc, provenance)
    return None if removed is None else {"id": doc.id, "removed": removed}


def reject_json(doc: Document, provenance: str = "full") -> dict:
    """A rejects.jsonl entry: the reason, the record and its removals at the provenance level."""
    outcome = doc.outcome
    out = {"id": doc.id, "reason": outcome.reason, "message": outcome.message, **outcome.detail,
           **{k: v for k, v in document_json(doc).items() if k != "id"}}
    removed = removals_json(doc, provenance)
    if removed is not None:
        out["removed"] = removed
    return out


def error_json(doc: Document, outcome=None) -> dict:
    """An errors.jsonl entry: the document's error, or ``outcome``, one of its warnings."""
    outcome = outcome or doc.outcome
    return {"path": doc.source.path, "position": doc.source.position, "severity": outcome.kind,
            "reason": outcome.reason, "message": outcome.message, **outcome.detail}


def dumps(obj, plain: tuple[str, ...] = ()) -> str:
    """Compact JSON, UTF-8 kept as is: ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))``.

    orjson writes the same bytes about five times faster, except for what it writes otherwise
    or refuses: floats below 1e-4 (``1e-05`` is ``0.00001`` there), NaN and infinities
    (``null``), integers beyond 64 bits, keys that are not strings, lone surrogates. A value
    holding one of those is encoded by the standard library, so the output never depends on
    which encoder ran. ``plain``: keys of ``obj`` whose values hold no float by construction
    (a record's removals), which the look for floats skips.

    >>> dumps({"p": 0.25, "q": 1e-05, "t": "é"})
    '{"p":0.25,"q":1e-05,"t":"é"}'
    """
    try:
        if _orjson_writes_alike({k: v for k, v in obj.items() if k not in plain} if plain else obj):
            return orjson.dumps(obj).decode("utf-8")
    except (TypeError, RecursionError):  # orjson.JSONEncodeError is a TypeError; nesting deeper than both go
        pass
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _orjson_writes_alike(obj) -> bool:
    """Whether every float in ``obj`` is one orjson writes as ``repr`` does (see :func:`dumps`)."""
    kind = type(obj)
    if kind is dict:
        return all(type(v) in _SCALARS or _orjson_writes_alike(v) for v in obj.values())
    if kind is list or kind is tuple:
        return all(type(v) in _SCALARS or _orjson_writes_alike(v) for v in obj)
    if kind is float:
        return obj == 0.0 or (math.isfinite(obj) and abs(obj) >= 1e-4)
    return kind in _SCALARS  # a subclass or another type: the standard library decides what it makes of it


_SCALARS = frozenset((str, int, bool, type(None)))


def with_duplicates(line: str, duplicates: list[dict]) -> str:
    """A kept document's line with ``duplicates`` as its last field, as if it had been encoded so.

    >>> with_duplicates('{"id":"a","text":"t"}', [])
    '{"id":"a","text":"t","duplicates":[]}'
    """
    return f'{line[:-1]},"duplicates":{dumps(duplicates)}}}'


def reject_line(doc_id: str, line: str, fields: dict) -> str:
    """The rejects.jsonl entry of a kept document dropped later: ``id``, then ``fields``, then the
    record's own fields, as ``dumps({"id": ..., **fields, **record-without-id})`` would give.

    >>> reject_line("a", '{"id":"a","text":"t"}', {"reason": "duplicate"})
    '{"id":"a","reason":"duplicate","text":"t"}'
    """
    head = f'{{"id":{dumps(doc_id)},'
    if not line.startswith(head):
        raise ValueError(f"document line does not start with its id {doc_id!r}")
    return f"{dumps({'id': doc_id, **fields})[:-1]},{line[len(head):]}"


def with_removed(line: str, removed_line: str) -> str:
    """A record's line with the ``removed`` field of its removed.jsonl line appended.

    >>> with_removed('{"id":"a","text":"t"}', '{"id":"a","removed":[]}')
    '{"id":"a","text":"t","removed":[]}'
    """
    field = removed_line[removed_line.index(',"removed":') + 1:]  # an id's own quotes are escaped
    return f"{line[:-1]},{field}"


def safe_name(text: str) -> str:
    """``text`` as a piece of a file name: runs of anything but word characters, dots and dashes
    become ``_``.

    >>> safe_name("../../etc/x y")
    '.._.._etc_x_y'
    """
    return _UNSAFE_NAME.sub("_", text)


def text_file_name(path: str, position: str | None = None) -> str:
    """A safe file name mirroring the input name: separators and dots can never escape the
    output folder.

    >>> text_file_name("../../etc/passwd"), text_file_name("dump.jsonl", "12")
    ('passwd.txt', 'dump_12.txt')
    """
    stem = path.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    stem = _UNSAFE_NAME.sub("_", stem).strip("._") or "document"
    if position is not None:
        stem = f"{stem}_{_UNSAFE_NAME.sub('_', position)}"
    return f"{stem[:120]}.txt"
