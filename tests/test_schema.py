"""The output records are written once (cleaner.output.schema): the JSON records, the Parquet
schema and the committed JSON Schema files all follow them."""
import json
from pathlib import Path

import pytest

from cleaner.commands.cli import main
from cleaner.output.schema import (DOCUMENT, DOCUMENT_FIELDS, DUPLICATE_FIELDS, REMOVAL, REMOVAL_FIELDS, SCHEMAS,
                                   SOURCE_FIELDS, json_schema_text)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_committed_json_schemas_are_generated_from_the_definitions(name):
    regenerate = (f"python -c \"from cleaner.output.schema import json_schema_text; "
                  f"print(json_schema_text('{name}'), end='')\" > schema/{name}.schema.json")
    assert (ROOT / "schema" / f"{name}.schema.json").read_text(encoding="utf-8") == json_schema_text(name), \
        f"schema/{name}.schema.json is stale: regenerate it with {regenerate}"


def _in_order(keys, order) -> bool:
    """Whether ``keys`` are some of ``order``'s names, in its order."""
    positions = [order.index(k) for k in keys]
    return positions == sorted(positions)


ARTICLE = ("The city opened a new public library on Monday, the first in the district for forty years. "
           "It has room for 80,000 books and a children's wing, and officials said the building cost "
           "12 million dollars, paid for by a bond that the voters approved last spring.")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """corpora/raw (text dumps with near-duplicates) and a JSON Lines file whose records carry a
    URL and fields of their own (metadata)."""
    folder = tmp_path_factory.mktemp("schema") / "in"
    folder.mkdir()
    for path in sorted((ROOT / "corpora" / "raw").iterdir()):
        (folder / path.name).write_bytes(path.read_bytes())
    records = [{"id": f"lib-{i}", "text": f"Library {i}\n\n{ARTICLE} Opening number {i}.", "url": f"https://x.test/{i}",
                "section": "city", "rank": i} for i in range(3)]
    (folder / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def cleaned(corpus):
    out = corpus.parent / "out"
    assert main(["clean", str(corpus), "-o", str(out), "-q", "-j", "1"]) == 0
    return [json.loads(line) for line in (out / "documents" / "documents.jsonl").read_text("utf-8").splitlines()]


def test_json_records_have_the_definitions_field_order(cleaned):
    assert any(doc.get("duplicates") for doc in cleaned) and any(doc.get("metadata") for doc in cleaned)
    required = [f.name for f in DOCUMENT.fields if f.required]
    for doc in cleaned:
        assert _in_order(list(doc), DOCUMENT_FIELDS) and set(required) <= set(doc)
        assert _in_order(list(doc["source"]), SOURCE_FIELDS)
        for duplicate in doc.get("duplicates", ()):
            assert list(duplicate) == list(DUPLICATE_FIELDS) and _in_order(list(duplicate["source"]), SOURCE_FIELDS)


def test_parquet_columns_follow_the_definition(corpus, cleaned, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    from cleaner.output.sinks import parquet_record

    out = tmp_path / "pq"
    assert main(["clean", str(corpus), "-o", str(out), "-q", "-j", "1", "--output-format", "parquet"]) == 0
    table = pq.read_table(out / "documents" / "documents.parquet")
    assert table.schema.names == list(DOCUMENT_FIELDS)
    source = table.schema.field("source").type
    assert [source.field(i).name for i in range(source.num_fields)] == list(SOURCE_FIELDS)
    duplicate = table.schema.field("duplicates").type.value_type
    assert [duplicate.field(i).name for i in range(duplicate.num_fields)] == list(DUPLICATE_FIELDS)
    records = [parquet_record(row) for row in table.to_pylist()]
    assert records == cleaned  # metadata keys come back sorted: Parquet keeps them as a sorted list
    assert [(list(r), list(r["source"])) for r in records] == [(list(r), list(r["source"])) for r in cleaned]


@pytest.mark.parametrize("provenance", ["full", "spans"])
def test_removed_lines_have_the_definitions_field_order(corpus, tmp_path, provenance):
    out = tmp_path / provenance
    assert main(["clean", str(corpus), "-o", str(out), "-q", "-j", "1", "--provenance", provenance]) == 0
    lines = [json.loads(line) for line in (out / "removed.jsonl").read_text("utf-8").splitlines()]
    removals = [r for line in lines for r in line["removed"]]
    assert lines and removals and all(list(line) == ["id", "removed"] for line in lines)
    required = {f.name for f in REMOVAL.fields if f.required}
    for removal in removals:
        assert _in_order(list(removal), REMOVAL_FIELDS) and required <= set(removal)
    assert any("text" in r for r in removals) == (provenance == "full")
