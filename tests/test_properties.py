"""Property-based tests (hypothesis): the audit trail is exact, cleaning is idempotent, output is
valid UTF-8 JSONL matching the schema, and the readers never crash on any bytes.

Every example any of these ever failed on is kept: as an ``@example`` here, or as a file in
``tests/data/fuzz-regressions/`` (its name's suffix picks the reader), replayed on every run.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.config import Config
from cleaner.parse.record import parse_record
from cleaner.engines.run import run
from cleaner.readers.walk import read_files

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schema" / "document.schema.json").read_text())
REGRESSIONS = ROOT / "tests" / "data" / "fuzz-regressions"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PROSE = ["The council approved the harbour plan after a long debate about its costs.",
         "Residents said the new breakwater would protect the fishing fleet in winter.",
         "Construction is expected to begin in the spring, the mayor told reporters."]
CHROME = ["Share this:", "• facebook", "Advertisement", "Sign up for our free weekly newsletter",
          "Leave a Reply", "Home | News | Sport", "Copyright 2024 All rights reserved", "Related stories"]
lines = st.one_of(st.sampled_from(PROSE), st.sampled_from(CHROME), st.just(""),
                  st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
pages = st.lists(lines, min_size=0, max_size=25).map("\n".join)


@FAST
@given(pages)
@example("Title line\n\n" + "\n".join(PROSE * 3) + "\n\nShare this:\n• facebook")
@example("\u2028\r\n\x00\ufeff a")
def test_removed_spans_and_kept_text_reconstruct_the_normalised_input(page):
    result = cleaner.clean_text(page)
    doc, normalised = result.document, result.normalised
    spans = sorted((r.start, r.end) for r in result.removed)
    for removal in result.removed:
        assert normalised[removal.start:removal.end] == removal.text
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert end <= start  # removals never overlap
    pieces, cursor = [], 0
    for start, end in spans:
        pieces.append(normalised[cursor:start])
        pieces.append(normalised[start:end])
        cursor = end
    pieces.append(normalised[cursor:])
    assert "".join(pieces) == normalised
    kept = "".join(normalised[s:e] for s, e in doc.kept_segments())
    assert len(kept) + sum(e - s for s, e in spans) == len(normalised)


@FAST
@given(pages)
@example("\n".join(PROSE * 4))
@example(f"{PROSE[0]}\n\u00c2\x1f\u00a1\n{PROSE[0]}")  # a control character splits a mojibake pair
def test_cleaning_is_idempotent(page):
    """Cleaning clean text removes nothing more: what cleaner writes is a fixed point."""
    keep_all = Config(min_words=0)
    once = cleaner.clean_text(page, config=keep_all)
    twice = cleaner.clean_text(once.text, config=keep_all)
    assert twice.text == once.text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([".txt", ".html", ".jsonl", ".bin"]),
                          st.one_of(pages.map(lambda p: p.encode("utf-8")), st.binary(max_size=300))),
                min_size=1, max_size=5))
def test_output_is_utf8_jsonl_matching_the_schema(tmp_path_factory, files):
    jsonschema = pytest.importorskip("jsonschema")
    folder = tmp_path_factory.mktemp("in")
    for i, (suffix, data) in enumerate(files):
        (folder / f"f{i}{suffix}").write_bytes(data)
    out = folder.parent / (folder.name + "-out")
    result = run([folder], out, Config(min_words=3, dedup=False, write_txt=False), jobs=1)
    lines = {name: (out / name).read_bytes().decode("utf-8").splitlines()
             for name in ("documents/documents.jsonl", "rejects.jsonl", "errors.jsonl")}
    for line in lines["documents/documents.jsonl"]:
        jsonschema.validate(json.loads(line), SCHEMA)
    for line in lines["rejects.jsonl"] + lines["errors.jsonl"]:
        assert isinstance(json.loads(line), dict)
    counts = result.counts
    assert counts["in"] == counts["kept"] + counts["rejected"] + counts["errored"]
    assert counts["kept"] == len(lines["documents/documents.jsonl"]) and counts["rejected"] == len(lines["rejects.jsonl"])


# -- fuzzing the readers ----------------------------------------------------------------------

SUFFIXES = [".txt", ".html", ".jsonl", ".jsonl.gz", ".jsonl.zst", ".warc", ".warc.gz", ".bin"]
SEEDS = [b"", b'{"text": "a"}\n', b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 5\r\n\r\nabc",
         b"\x1f\x8b\x08\x00", b"\x28\xb5\x2f\xfd", b"<html><body><p>x</p>", b"\xff\xfe<\x00h\x00"]


def read_everything(path: Path) -> list:
    """Every record of one file through the parser: must never raise, and every record is either
    data or an error with a message."""
    skipped: Counter = Counter()
    records = list(read_files([path], Config(), skipped))
    for record in records:
        assert (record.data is None) == (record.error is not None)
        assert record.error is None or len(record.error) > 20
        doc = parse_record(record)
        doc.text.encode("utf-8")
    return records


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SUFFIXES), st.one_of(st.binary(max_size=2000),
                                            st.tuples(st.sampled_from(SEEDS), st.binary(max_size=400))
                                            .map(lambda t: t[0] + t[1])))
def test_readers_never_crash_on_any_bytes(tmp_path_factory, suffix, data):
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    read_everything(path)


@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("*")), ids=lambda p: p.name)
def test_fuzz_regressions(path):
    read_everything(path)
