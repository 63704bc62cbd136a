"""The document record, written once: its fields' names, order, types, nullability and descriptions.

The JSON record (:func:`cleaner.output.records.document_json` and ``source_json``), the Parquet
schema (:mod:`cleaner.output.sinks`) and ``schema/document.schema.json`` are all derived from
:data:`DOCUMENT`. The committed file is generated from it (tests/test_schema.py fails when it is stale and
prints the command that rewrites it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from cleaner.heuristics.dump_style import STYLES


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a record. ``kind``: string, number, struct (``fields``), list (of a struct:
    ``fields``) or object (free-form JSON; a key/value list in Parquet). ``required``: every
    record has it (possibly null when ``nullable``); an optional field is left out when absent.
    ``constraints``: further JSON Schema keywords (pattern, enum, bounds)."""

    name: str
    kind: str
    description: str = ""
    required: bool = False
    nullable: bool = False
    fields: tuple[Field, ...] = ()
    constraints: dict = field(default_factory=dict)
    ref: str | None = None  # JSON Schema: the same struct defined at this pointer

    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


SOURCE = Field("source", "struct", required=True, fields=(
    Field("path", "string", "Input file, relative to the input root given on the command line.", required=True),
    Field("url", "string", "The page URL: a JSON Lines field (--url-field), the WARC-Target-URI, or what the "
                           "HTML extractor found."),
    Field("sha256", "string", "Of the raw input bytes.", required=True, constraints={"pattern": "^[0-9a-f]{64}$"}),
    Field("format", "string", "How the input was read: text, html, ...", required=True),
    Field("position", "string", "Inside a container file: the line number (JSONL, from 1) or the record's byte "
                                "offset (WARC; the gzip member's start for .warc.gz)."),
    Field("record_id", "string", "The WARC-Record-ID of a WARC record (a JSON Lines or Parquet record's own id "
                                 "is the document id instead)."),
    Field("encoding", "string", "Character encoding the input was decoded from."),
    Field("style", "string", "A text dump's style: found per document, or given with --dump-style.",
          constraints={"enum": list(STYLES)}),
))

DUPLICATE = Field("duplicates", "list", (
    "Documents dropped as duplicates of this one (deduplication runs after cleaning): their id and source, "
    "the estimated Jaccard similarity of their clean text to this one, and whether the texts were exactly "
    "equal after normalisation."), fields=(
    Field("id", "string", required=True),
    Field("source", "struct", required=True, fields=SOURCE.fields, ref="#/properties/source"),
    Field("similarity", "number", required=True, constraints={"minimum": 0, "maximum": 1}),
    Field("kind", "string", required=True, constraints={"enum": ["exact", "near"]}),
))

DOCUMENT = Field("document", "struct", "One line of documents/*.jsonl (--schema cleaner). Its removals are a "
                                       "line of removed.jsonl: schema/removed.schema.json.", fields=(
    Field("id", "string", "The input record's own id (the JSON Lines field / Parquet column named by id_field), "
                          "unique in a run; without one, the first 16 hex digits of the sha256 of the raw input "
                          "bytes: stable and content-derived.", required=True, constraints={"minLength": 1}),
    Field("title", "string", "The headline, moved out of the text.", required=True, nullable=True),
    Field("text", "string", "The clean article text; paragraphs separated by a blank line.", required=True),
    Field("lang", "string", "Language code of title and text, as the language identifier names it "
                            "(langdetect: e.g. en, de, zh-cn).", required=True, nullable=True),
    Field("lang_prob", "number", "The language identifier's probability for lang.", required=True, nullable=True,
          constraints={"minimum": 0, "maximum": 1}),
    SOURCE,
    Field("metadata", "object", "Extractor metadata for HTML inputs (date, author, url, sitename, encoding, "
                                "extractor: strings) and, for JSON Lines, the record's other fields with their "
                                "JSON values (they win over the extractor's keys of the same name)."),
    DUPLICATE,
))

DOCUMENT_FIELDS = DOCUMENT.names()
SOURCE_FIELDS = SOURCE.names()
DUPLICATE_FIELDS = DUPLICATE.names()

_JSON_TYPES = {"string": "string", "number": "number", "struct": "object", "list": "array", "object": "object"}


def json_schema() -> dict:
    """``schema/document.schema.json``: the JSON Schema (draft 2020-12) of a documents.jsonl line."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "cleaner/document.schema.json",
            "title": "cleaner document (one line of documents.jsonl)",
            **_json_field(DOCUMENT)}


def _json_field(f: Field) -> dict:
    if f.ref:
        return {"$ref": f.ref}
    kind = _JSON_TYPES[f.kind]
    out: dict = {"type": [kind, "null"] if f.nullable else kind}
    if f.description:
        out["description"] = f.description
    out.update(f.constraints)
    if f.kind in ("struct", "list"):
        struct = {"type": "object",
                  "required": [g.name for g in f.fields if g.required],
                  "additionalProperties": False,
                  "properties": {g.name: _json_field(g) for g in f.fields}}
        if f.kind == "struct":
            out.update({k: v for k, v in struct.items() if k != "type"})
        else:
            out["items"] = struct
    return out


def parquet_schema(pa):
    """The Arrow schema of the Parquet documents file: every field nullable (a field a JSON line
    leaves out is null); ``metadata`` a list of ``{key, value, json}`` (see ``ParquetSink``)."""
    return pa.schema([(f.name, _arrow_type(pa, f)) for f in DOCUMENT.fields])


def _arrow_type(pa, f: Field):
    if f.kind == "string":
        return pa.string()
    if f.kind == "number":
        return pa.float64()
    if f.kind == "object":
        return pa.list_(pa.struct([("key", pa.string()), ("value", pa.string()), ("json", pa.bool_())]))
    struct = pa.struct([(g.name, _arrow_type(pa, g)) for g in f.fields])
    return struct if f.kind == "struct" else pa.list_(struct)


def json_schema_text() -> str:
    """The committed file's exact text."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"

