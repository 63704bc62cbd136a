"""Inputs as other tools write them: dotted field paths into nested records, their other fields
passed through as ``metadata``, the record's own id kept as the document id (unique-checked),
Parquet files and standard input -- through the CLI (``cleaner.cli.main``)."""
from __future__ import annotations

import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cleaner.commands.cli import main

PROSE = ("The harbour authority said on Tuesday that the new breakwater would protect the fishing fleet "
         "from winter storms, and that construction would begin in the spring after a final survey. ")
THIRD = ("Farmers in the northern valley began the apple harvest early this year after a warm and dry "
         "summer, and the cooperative expects its best prices since the new cold store was built. ")
FOURTH = ("The city library will stay open until midnight during the exam weeks, the council decided, "
          "after students asked for a quiet place to work when the university halls are full. ")
OTHER = ("A small museum in the hills reopened its doors after three years of repairs, with a new roof, "
         "a cafe and a room for the village school's paintings of the valley in every season. ")


def run(tmp_path: Path, *args: str, dedup: bool = False) -> tuple[int, Path]:
    out = tmp_path / "out"
    flags = ["-q", "--min-words", "5"] + ([] if dedup else ["--no-dedup"])
    return main(["clean", *args, "-o", str(out), *flags]), out


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_datatrove_records_keep_their_id_and_url_and_metadata_is_not_nested_twice(tmp_path):
    path = tmp_path / "dt.jsonl"
    path.write_text(json.dumps({"text": PROSE, "id": "cc-0001", "metadata": {
        "url": "https://example.com/a", "dump": "CC-MAIN-2024-10", "score": 0.93}}) + "\n", encoding="utf-8")
    code, out = run(tmp_path, str(path), "--url-field", "metadata.url")
    assert code == 0
    (doc,) = lines(out / "documents" / "documents.jsonl")
    assert doc["id"] == "cc-0001" and "record_id" not in doc["source"]
    assert doc["source"]["url"] == "https://example.com/a"
    # the rest of the user's metadata object is the document's metadata, without the url taken out of it
    assert doc["metadata"] == {"dump": "CC-MAIN-2024-10", "score": 0.93}


def test_dotted_paths_name_text_and_id_fields_too_and_a_literal_dotted_key_wins(tmp_path):
    path = tmp_path / "nested.jsonl"
    path.write_text(json.dumps({"body": {"text": PROSE, "lang": "en"}, "meta.id": "literal", "meta": {"id": "nested"},
                                "crawl": 7}) + "\n", encoding="utf-8")
    code, out = run(tmp_path, str(path), "--text-field", "body.text", "--id-field", "meta.id")
    assert code == 0
    (doc,) = lines(out / "documents" / "documents.jsonl")
    assert doc["text"].startswith("The harbour authority") and doc["id"] == "literal"
    assert doc["metadata"] == {"body": {"lang": "en"}, "meta": {"id": "nested"}, "crawl": 7}


def test_a_nested_metadata_object_whose_names_clash_with_top_level_fields_stays_nested(tmp_path):
    path = tmp_path / "clash.jsonl"
    path.write_text(json.dumps({"text": PROSE, "source": "web", "metadata": {"source": "cc", "year": 2024}}) + "\n",
                    encoding="utf-8")
    code, out = run(tmp_path, str(path))
    assert code == 0
    (doc,) = lines(out / "documents" / "documents.jsonl")
    assert doc["metadata"] == {"source": "web", "metadata": {"source": "cc", "year": 2024}}  # nothing lost


def test_a_missing_dotted_text_field_is_an_error_naming_the_path(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"body": {"html": 3}}) + "\n", encoding="utf-8")
    code, out = run(tmp_path, str(path), "--text-field", "body.text")
    assert code == 0
    (error,) = lines(out / "errors.jsonl")
    assert error["reason"] == "no-text-field" and "'body.text'" in error["message"] and error["position"] == "1"


@pytest.mark.parametrize("dedup", [False, True], ids=["no-dedup", "dedup"])
def test_a_second_document_with_an_id_already_written_is_rejected_as_duplicate_id(tmp_path, dedup):
    path = tmp_path / "ids.jsonl"
    records = [{"text": PROSE, "id": "a"}, {"text": OTHER, "id": "a"}, {"text": THIRD, "id": 7},
               {"text": FOURTH}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code, out = run(tmp_path, str(path), "--txt", dedup=dedup)
    assert code == 0
    docs, rejects = lines(out / "documents" / "documents.jsonl"), lines(out / "rejects.jsonl")
    assert [d["id"] for d in docs][:2] == ["a", "7"] and len({d["id"] for d in docs}) == len(docs)
    clash = [r for r in rejects if r["reason"] == "duplicate-id"]
    assert len(clash) == 1 and clash[0]["id"] == "a" and clash[0]["text"].startswith("A small museum")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reasons"]["duplicate-id"] == 1
    assert manifest["counts"]["in"] == manifest["counts"]["kept"] + manifest["counts"]["rejected"] == 4
    report = json.loads((out / "report.json").read_text())
    assert report["reasons"]["duplicate-id"] == 1 and report["documents"]["kept"] == len(docs)
    # the rejected document's .txt file is not in texts/
    assert len(list((out / "texts").iterdir())) == len(docs)


def test_an_id_that_is_a_path_never_escapes_the_texts_folder(tmp_path):
    path = tmp_path / "evil.jsonl"
    path.write_text(json.dumps({"text": PROSE, "id": "x"}) + "\n" + json.dumps({"text": OTHER, "id": "../../boom"})
                    + "\n", encoding="utf-8")
    (tmp_path / "evil.txt").write_text(PROSE + OTHER, encoding="utf-8")  # same .txt stem: the id names the file
    code, out = run(tmp_path, str(path), str(tmp_path / "evil.txt"), "--txt")
    assert code == 0
    names = sorted(p.name for p in (out / "texts").iterdir())
    assert all("/" not in n and ".." not in n.replace("..txt", "") for n in names)
    assert not (tmp_path / "boom.txt").exists() and not (out / "boom.txt").exists()


# -- Parquet ----------------------------------------------------------------------------------

def test_parquet_rows_are_records_with_struct_paths_nulls_binary_and_timestamps(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({
        "id": ["p1", "p2", None],
        "text": [PROSE, None, OTHER],
        "html": [None, f"<html><body><article><h1>Museum</h1><p>{OTHER}</p><p>{PROSE}</p></article></body></html>", None],
        "metadata": [{"url": "https://example.com/p1", "lang": "en"}, {"url": None, "lang": "de"}, None],
        "raw": [b"bytes", None, None],
        "fetched": [datetime(2024, 5, 1, tzinfo=timezone.utc)] * 3,
    })
    path = tmp_path / "part-0.parquet"
    pq.write_table(table, path)
    code, out = run(tmp_path, str(path), "--url-field", "metadata.url")
    assert code == 0 and lines(out / "errors.jsonl") == []
    first, second, third = lines(out / "documents" / "documents.jsonl")
    assert first["id"] == "p1" and first["source"]["url"] == "https://example.com/p1"
    assert first["source"]["format"] == "parquet" and first["source"]["position"] == "1"
    assert first["metadata"] == {"lang": "en", "raw": "bytes", "fetched": "2024-05-01T00:00:00+00:00"}
    assert second["id"] == "p2" and second["title"] == "Museum" and second["metadata"]["lang"] == "de"
    assert third["id"] == third["source"]["sha256"][:16] and "raw" not in third["metadata"]


def test_cleaners_own_parquet_output_can_be_cleaned_again(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"text": PROSE, "id": "k", "crawl": {"n": 1}}) + "\n", encoding="utf-8")
    first = tmp_path / "first"
    assert main(["clean", str(path), "-o", str(first), "-q", "--min-words", "5", "--output-format", "parquet"]) == 0
    code, out = run(tmp_path, str(first / "documents"))
    assert code == 0
    (doc,) = lines(out / "documents" / "documents.jsonl")
    # the id is kept, and the {key, value, json} metadata list reads back as the object it encodes
    assert doc["id"] == "k" and doc["metadata"]["crawl"] == {"n": 1}


def test_a_file_named_parquet_that_is_not_is_one_error(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    code, out = run(tmp_path, str(path))
    assert code == 0
    (error,) = lines(out / "errors.jsonl")
    assert error["reason"] == "corrupt" and "broken.parquet" in error["message"]


# -- standard input ---------------------------------------------------------------------------

def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_dash_reads_json_lines_from_standard_input(tmp_path, monkeypatch):
    _stdin(monkeypatch, "".join(json.dumps({"text": t, "id": i}) + "\n" for i, t in (("s1", PROSE), ("s2", OTHER)))
           .encode("utf-8"))
    code, out = run(tmp_path, "-")
    assert code == 0
    docs = lines(out / "documents" / "documents.jsonl")
    assert [(d["id"], d["source"]["path"], d["source"]["position"]) for d in docs] == [("s1", "stdin", "1"),
                                                                                        ("s2", "stdin", "2")]
    assert json.loads((out / "manifest.json").read_text())["files"]["stdin"]["kept"] == 2


def test_dash_reads_one_text_document_from_standard_input_beside_other_inputs(tmp_path, monkeypatch):
    (tmp_path / "file.txt").write_text(OTHER, encoding="utf-8")
    _stdin(monkeypatch, PROSE.encode("utf-8"))
    code, out = run(tmp_path, str(tmp_path / "file.txt"), "-")
    assert code == 0
    docs = lines(out / "documents" / "documents.jsonl")
    assert sorted(d["source"]["path"] for d in docs) == ["file.txt", "stdin"]


def test_dash_given_twice_is_a_usage_error(tmp_path, capsys):
    assert main(["clean", "-", "-", "-o", str(tmp_path / "out")]) == 2
    assert "once" in capsys.readouterr().err
