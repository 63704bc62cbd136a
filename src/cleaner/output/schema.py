"""The output records, written once: their fields' names, order, types, nullability and descriptions.

The JSON record (:func:`cleaner.output.records.document_json` and ``source_json``), the Parquet
schema (:mod:`cleaner.output.sinks`) and ``schema/document.schema.json`` are all derived from
:data:`DOCUMENT`; ``schema/removed.schema.json`` from :data:`REMOVED`. The committed files are
generated from them (tests/test_schema.py fails when one is stale and prints the command that
rewrites it).
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

REMOVAL = Field("removal", "struct", fields=(
    Field("rule", "string", "Rule id (AD001) or heuristic id (H-...); TITLE for the headline.", required=True),
    Field("category", "string", "ads, donation, newsletter, ...; title for the headline.", required=True),
    Field("start", "integer", "Character offset in the normalised input.", required=True, constraints={"minimum": 0}),
    Field("end", "integer", required=True, constraints={"minimum": 0}),
    Field("text", "string", "The removed text itself (--provenance full only)."),
    Field("reason", "string", "Why a heuristic removed it, its evidence (--provenance full only)."),
))

REMOVED = Field("removed_line", "struct", (
    "The removals of one kept document, in the order of documents/*.jsonl (--provenance full or spans). At "
    "spans, a run of removals by one rule with only whitespace between them is one span, without text or "
    "reason."), fields=(
    Field("id", "string", "The document's id.", required=True),
    Field("removed", "list", "Every span of the normalised input that is not in the document's text, in input "
                             "order.", required=True, fields=REMOVAL.fields),
))

DOCUMENT_FIELDS = DOCUMENT.names()
REMOVAL_FIELDS = REMOVAL.names()
SOURCE_FIELDS = SOURCE.names()
DUPLICATE_FIELDS = DUPLICATE.names()

_JSON_TYPES = {"string": "string", "number": "number", "integer": "integer", "struct": "object", "list": "array", "object": "object"}


# The committed schema files: name -> (record, title).
SCHEMAS = {"document": (DOCUMENT, "cleaner document (one line of documents.jsonl)"),
           "removed": (REMOVED, "cleaner removed.jsonl line")}


def json_schema(name: str = "document") -> dict:
    """``schema/<name>.schema.json``: the JSON Schema (draft 2020-12) of one line of that output file."""
    record, title = SCHEMAS[name]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"cleaner/{name}.schema.json",
            "title": title,
            **_json_field(record)}


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
    if f.kind == "integer":
        return pa.int64()
    if f.kind == "object":
        return pa.list_(pa.struct([("key", pa.string()), ("value", pa.string()), ("json", pa.bool_())]))
    struct = pa.struct([(g.name, _arrow_type(pa, g)) for g in f.fields])
    return struct if f.kind == "struct" else pa.list_(struct)


def json_schema_text(name: str = "document") -> str:
    """The committed file's exact text."""
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"

