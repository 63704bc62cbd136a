"""Readers: plain folders, JSON Lines (plain, gzip, zstd), WARC/WET, encodings — through the
CLI (``cleaner.commands.cli.main``) and the API (``cleaner.run``, ``cleaner.readers.walk.read_files``)."""
from __future__ import annotations

import gzip
import json
import random
import uuid
from collections import Counter
from pathlib import Path

import pytest

import cleaner
from cleaner.commands.cli import main
from cleaner.config import Config
from cleaner.readers.record import Record
from cleaner.readers.walk import read_files

PROSE = ("The harbour authority said on Tuesday that the new breakwater would protect the fishing fleet "
         "from winter storms, and that construction would begin in the spring after a final survey. ")
PAGE = ("<html><head><title>Breakwater plan approved</title></head><body><nav><a href='/'>Home</a></nav>"
        "<article><h1>Breakwater plan approved</h1>" + "".join(f"<p>{PROSE}Paragraph {i}.</p>" for i in range(4))
        + "</article><footer>Copyright 2024</footer></body></html>")


def clean(tmp_path: Path, *args: str) -> tuple[int, dict, list[dict], list[dict]]:
    out = tmp_path / "out"
    code = main(["clean", *args, "-o", str(out), "-q", "--no-dedup", "--no-txt", "--min-words", "5"])
    manifest = json.loads((out / "manifest.json").read_text())
    docs = [json.loads(line) for line in (out / "documents" / "documents.jsonl").read_text().splitlines()]
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    return code, manifest, docs, errors


# -- folders ----------------------------------------------------------------------------------

def test_nested_folders_are_read_in_a_deterministic_order(tmp_path):
    root = tmp_path / "in"
    names = ["b/z.txt", "a/y/x.txt", "a/b.txt", "c.html", "a/y/a.htm", ".hidden/skip.txt", "b/.skip.txt"]
    for name in reversed(names):  # created in another order than they are read
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(PAGE if name.endswith(("html", "htm")) else f"{PROSE} {name}")
    order = [r.path for r in read_files([root])]
    assert order == ["a/b.txt", "a/y/a.htm", "a/y/x.txt", "b/z.txt", "c.html"]
    _, _, docs, _ = clean(tmp_path, str(root))
    assert [d["source"]["path"] for d in docs] == order
    assert [d["source"]["format"] for d in docs] == ["text", "html", "text", "text", "html"]


# -- encodings --------------------------------------------------------------------------------

def test_cp1252_and_utf16_text_files_are_decoded_and_the_encoding_recorded(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    text = ("Le café « Chez Hélène » a rouvert ses portes à Orléans – “c’est une fête”, dit-elle. "
            "Les habitués ont salué la décision du propriétaire, qui a rénové la façade et élargi la terrasse. ")
    (root / "cp1252.txt").write_bytes((text * 3).encode("cp1252"))
    (root / "utf16.txt").write_bytes((text * 3).encode("utf-16"))
    _, _, docs, errors = clean(tmp_path, str(root))
    assert errors == []
    by_path = {d["source"]["path"]: d for d in docs}
    assert by_path["cp1252.txt"]["source"]["encoding"] == "cp1252"
    assert by_path["utf16.txt"]["source"]["encoding"] == "utf-16"
    for doc in docs:
        assert "“c’est une fête”" in doc["text"] and "Hélène" in doc["text"]


# -- JSON Lines -------------------------------------------------------------------------------

def jsonl_lines() -> list[str]:
    return [json.dumps({"text": PROSE * 2, "url": "https://example.com/1", "id": "r-1", "crawl": "2024-10",
                        "score": 0.9, "tags": ["news", "local"]}),
            json.dumps({"html": PAGE, "url": "https://example.com/2", "id": 2}),
            json.dumps({"text": PROSE + "Third record.", "extra": None})]


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst"])
def test_jsonl_plain_gzip_and_zstd(tmp_path, suffix):
    raw = ("\n".join(jsonl_lines()) + "\n").encode()
    if suffix == ".jsonl.gz":
        raw = gzip.compress(raw)
    elif suffix == ".jsonl.zst":
        import zstandard

        raw = zstandard.ZstdCompressor().compress(raw)
    path = tmp_path / f"dump{suffix}"
    path.write_bytes(raw)
    code, manifest, docs, errors = clean(tmp_path, str(path))
    assert code == 0 and errors == []
    assert [d["source"]["position"] for d in docs] == ["1", "2", "3"]
    first, second, third = docs
    assert first["source"] == {"path": path.name, "url": "https://example.com/1", "sha256": first["source"]["sha256"],
                               "format": "jsonl", "position": "1", "encoding": "utf-8", "style": "one-line"}
    assert first["metadata"] == {"crawl": "2024-10", "score": 0.9, "tags": ["news", "local"]}
    assert first["text"].startswith("The harbour authority")
    # the HTML field went through extraction: the headline moved to title, nav and footer gone
    assert second["title"] == "Breakwater plan approved"
    assert "Copyright" not in second["text"] and "Home" not in second["text"]
    assert second["id"] == "2" and second["metadata"]["extractor"] != "none"
    assert third["metadata"] == {"extra": None}
    # the record's own id is the document id; one without an id gets a content-derived one
    assert first["id"] == "r-1" and third["id"] == third["source"]["sha256"][:16]
    assert manifest["files"][path.name]["kept"] == 3


def test_jsonl_custom_field_names(tmp_path):
    path = tmp_path / "scrape.jsonl"
    path.write_text(json.dumps({"content": PROSE * 2, "link": "https://example.org/a", "doc_key": "k1",
                                "text": "kept as metadata", "url": "not the url field"}) + "\n"
                    + json.dumps({"page_html": PAGE, "link": "https://example.org/b"}) + "\n")
    code, _, docs, errors = clean(tmp_path, str(path), "--text-field", "content", "--html-field", "page_html",
                                  "--url-field", "link", "--id-field", "doc_key")
    assert code == 0 and errors == []
    assert docs[0]["source"]["url"] == "https://example.org/a" and docs[0]["id"] == "k1"
    assert docs[0]["metadata"] == {"text": "kept as metadata", "url": "not the url field"}
    assert docs[0]["text"].startswith("The harbour authority")
    assert docs[1]["title"] == "Breakwater plan approved" and docs[1]["source"]["url"] == "https://example.org/b"


def test_jsonl_field_names_from_the_config_file(tmp_path):
    path = tmp_path / "scrape.jsonl"
    path.write_text(json.dumps({"body": PROSE * 2}) + "\n")
    config = tmp_path / "cleaner.toml"
    config.write_text('text_field = "body"\n')
    _, _, docs, errors = clean(tmp_path, str(path), "--config", str(config))
    assert errors == [] and len(docs) == 1


def test_malformed_jsonl_lines_are_errors_with_their_line_and_good_lines_are_kept(tmp_path):
    good = jsonl_lines()
    lines = [good[0], '{"text": "unterminated', "[1, 2, 3]", '"just a string"', json.dumps({"body": "x"}),
             json.dumps({"text": 42}), "", "   ", good[2]]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code, manifest, docs, errors = clean(tmp_path, str(path), "--strict")
    assert code == 1  # --strict: the run finished but inputs errored
    assert [d["source"]["position"] for d in docs] == ["1", "9"]
    assert [(e["position"], e["reason"]) for e in errors] == [
        ("2", "malformed-json"), ("3", "not-an-object"), ("4", "not-an-object"), ("5", "no-text-field"),
        ("6", "no-text-field")]
    assert all(e["path"] == "bad.jsonl" and e["message"].startswith(f"bad.jsonl line {e['position']}:")
               for e in errors)
    assert "fix or remove the line" in errors[0]["message"]
    assert "an array, not a JSON object" in errors[1]["message"]
    assert "'body'" in errors[3]["message"] and "--text-field" in errors[3]["message"]
    assert "'text' is a number" in errors[4]["message"]
    assert manifest["skipped"]["reasons"] == {"blank-line": 2}
    assert manifest["files"]["bad.jsonl"] == {"in": 7, "kept": 2, "rejected": 0, "errored": 5}


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst"])
def test_truncated_compressed_jsonl_keeps_what_was_read_and_ends_with_one_error(tmp_path, suffix):
    # zstd decodes whole blocks (up to 128 KiB of output): the records must span several
    rng = random.Random(5)
    texts = [" ".join("".join(rng.choices("abcdefghij", k=6)) for _ in range(200)) for _ in range(150)]
    lines = "".join(json.dumps({"text": text}) + "\n" for text in texts).encode()
    if suffix == ".jsonl.gz":
        raw = gzip.compress(lines)
    else:
        import zstandard

        raw = zstandard.ZstdCompressor().compress(lines)
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(raw[: len(raw) * 2 // 3])
    records = list(read_files([path]))
    *good, last = records
    assert good and all(r.error is None for r in good)
    assert [r.position for r in good] == [str(i) for i in range(1, len(good) + 1)]
    assert [r.data for r in good] == [text.encode() for text in texts[:len(good)]]
    assert last.error_reason == "truncated" and last.position == str(len(good) + 1)
    assert f"at line {len(good) + 1}" in last.error and "Re-download" in last.error
    if suffix == ".jsonl.gz":  # and through the CLI, with a small file (gzip recovers up to the cut)
        small = gzip.compress("".join(json.dumps({"text": " ".join(text.split()[:40])}) + "\n"
                                      for text in texts[:30]).encode())
        path.write_bytes(small[: len(small) // 2])
        _, manifest, docs, errors = clean(tmp_path, str(path))
        read = manifest["counts"]["in"] - 1  # kept or rejected (lines that recur across records are boilerplate)
        assert [e["reason"] for e in errors] == ["truncated"] and 0 < read < 30
        assert errors[0]["position"] == str(read + 1)


def test_corrupt_gzip_jsonl_is_one_error(tmp_path):
    raw = bytearray(gzip.compress(("\n".join(jsonl_lines()) + "\n").encode() * 50))
    raw[len(raw) // 2: len(raw) // 2 + 16] = b"\x00" * 16
    path = tmp_path / "corrupt.jsonl.gz"
    path.write_bytes(bytes(raw))
    records = list(read_files([path]))
    assert [r.error_reason for r in records if r.error] in (["corrupt"], ["truncated"])
    assert records[-1].error is not None


# -- WARC -------------------------------------------------------------------------------------

def warc_record(kind: str, uri: str | None, block: bytes, content_type: str | None = None) -> bytes:
    headers = [("WARC-Type", kind), ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, kind + str(uri))}>"),
               ("WARC-Date", "2024-05-01T10:00:00Z")]
    if uri:
        headers.append(("WARC-Target-URI", uri))
    if content_type:
        headers.append(("Content-Type", content_type))
    headers.append(("Content-Length", str(len(block))))
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def http_response(body: bytes, content_type: str, status: str = "200 OK") -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


CP1252_PAGE = PAGE.replace("Breakwater plan approved</h1>", "Breakwater plan approved</h1><p>Café owners "
                           "cheered: “it’s the right decision,” said Hélène Dubois, who runs the quay café "
                           "and has waited for the project for years.</p>").encode("cp1252")


def warc_records() -> list[bytes]:
    """A small crawl: warcinfo, request, HTML response, image, 404, WET conversion."""
    return [
        warc_record("warcinfo", None, b"software: test-crawler\r\n", "application/warc-fields"),
        warc_record("request", "https://example.com/news/1", b"GET /news/1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
                    "application/http; msgtype=request"),
        # the page declares no charset itself: only the HTTP header says cp1252
        warc_record("response", "https://example.com/news/1",
                    http_response(CP1252_PAGE, "text/html; charset=windows-1252"), "application/http; msgtype=response"),
        warc_record("response", "https://example.com/logo.png",
                    http_response(b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png"), "application/http; msgtype=response"),
        warc_record("response", "https://example.com/missing",
                    http_response(b"<html><body>Not found</body></html>", "text/html", "404 Not Found"),
                    "application/http; msgtype=response"),
        warc_record("conversion", "https://example.com/news/2", (PROSE * 2).encode(), "text/plain"),
    ]


def write_warc(path: Path, records: list[bytes], gz: bool) -> list[int]:
    """Write the records (one gzip member each when ``gz``) and return their byte offsets."""
    offsets, data = [], b""
    for record in records:
        offsets.append(len(data))
        data += gzip.compress(record) if gz else record
    path.write_bytes(data)
    return offsets


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_html_responses_and_wet_conversions_are_documents_the_rest_is_skipped(tmp_path, gz):
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    offsets = write_warc(path, warc_records(), gz)
    code, manifest, docs, errors = clean(tmp_path, str(path))
    assert code == 0 and errors == []
    page, wet = docs
    assert page["source"]["format"] == "warc" and page["source"]["url"] == "https://example.com/news/1"
    assert page["source"]["position"] == str(offsets[2])
    assert page["source"]["record_id"] == f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'responsehttps://example.com/news/1')}>"
    assert page["source"]["encoding"] == "cp1252"  # from the HTTP header
    assert page["title"] == "Breakwater plan approved"
    assert "“it’s the right decision,” said Hélène Dubois" in page["text"]
    assert wet["source"]["position"] == str(offsets[5]) and wet["text"].startswith("The harbour authority")
    assert wet["source"]["url"] == "https://example.com/news/2"
    assert manifest["skipped"] == {"total": 4, "reasons": {"http-status": 1, "non-html": 1, "warc-request": 1,
                                                           "warc-warcinfo": 1},
                                   "files": {path.name: 4}}
    assert manifest["counts"] == {"in": 2, "kept": 2, "rejected": 0, "errored": 0}


def test_warc_is_recognised_by_content_and_forced_with_input_format(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    write_warc(root / "crawl.dat", warc_records(), gz=True)
    (root / "notes.dat").write_text(PROSE * 2)
    _, _, docs, errors = clean(tmp_path, str(root))
    assert errors == [] and [d["source"]["format"] for d in docs] == ["warc", "warc", "text"]
    _, _, docs, errors = clean(tmp_path, str(root / "notes.dat"), "--input-format", "warc")
    assert docs == [] and [e["reason"] for e in errors] == ["corrupt"]
    assert "is it a WARC" in errors[0]["message"]


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_truncated_warc_keeps_earlier_records_and_reports_the_offset(tmp_path, gz):
    records = warc_records()
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    offsets = write_warc(path, records, gz)
    whole = path.read_bytes()
    path.write_bytes(whole[: offsets[5] + (len(whole) - offsets[5]) // 2])  # inside the WET record
    read = list(read_files([path]))
    assert [r.position for r in read if r.error is None] == [str(offsets[2])]
    assert read[-1].error_reason == "truncated" and read[-1].position == str(offsets[5])
    assert f"offset {offsets[5]}" in read[-1].error


@pytest.mark.parametrize("gz", [False, True], ids=["warc", "warc.gz"])
def test_warc_cut_anywhere_never_loses_a_record_silently(tmp_path, gz):
    """Every cut inside a record gives the records before it plus one error; only a cut between
    two records (or in the trailing CRLFs) reads as a shorter, whole file."""
    records = warc_records()
    path = tmp_path / "crawl.warc"
    offsets = write_warc(path, records, gz)
    whole = path.read_bytes()
    ends = [o + len(gzip.compress(r) if gz else r) for o, r in zip(offsets, records)]
    expected = [r for r in read_files([path])]
    for cut in range(1, len(whole), 3):
        path.write_bytes(whole[:cut])
        got = list(read_files([path]))
        good = [r for r in got if r.error is None]
        assert good == expected[:len(good)], cut
        errors = [r for r in got if r.error is not None]
        assert len(errors) <= 1 and (not errors or got[-1] is errors[0]), cut
        at_boundary = any(end - (0 if gz else 4) <= cut <= end for end in ends)
        assert errors or at_boundary, f"cut at {cut} lost records silently"


def test_corrupt_warc_record_is_an_error_and_earlier_records_are_kept(tmp_path):
    records = warc_records()
    records[4] = records[4].replace(b"WARC/1.0", b"GARBAGE!", 1)
    path = tmp_path / "bad.warc"
    offsets = write_warc(path, records, gz=False)
    got = list(read_files([path]))
    assert [r.position for r in got if r.error is None] == [str(offsets[2])]
    assert got[-1].error_reason == "corrupt" and f"offset {offsets[3]}" in got[-1].error


def test_warc_reader_counts_skips_through_the_api(tmp_path):
    path = tmp_path / "crawl.warc"
    write_warc(path, warc_records(), gz=False)
    skipped: Counter = Counter()
    records = list(read_files([path], Config(), skipped))
    assert [r.kind for r in records] == ["html", "text"] and all(isinstance(r, Record) for r in records)
    assert records[0].charset == "windows-1252"
    assert skipped == Counter({"warc-warcinfo": 1, "warc-request": 1, "non-html": 1, "http-status": 1,
                               f"file:{path.name}": 4})
    result = cleaner.run([path], tmp_path / "out", Config(min_words=5, dedup=False, write_txt=False))
    assert result.manifest["skipped"]["total"] == 4 and result.counts["kept"] == 2


def test_documents_validate_against_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    root = tmp_path / "in"
    root.mkdir()
    write_warc(root / "crawl.warc.gz", warc_records(), gz=True)
    (root / "dump.jsonl").write_text("\n".join(jsonl_lines()) + "\n")
    _, _, docs, _ = clean(tmp_path, str(root))
    schema = json.loads((Path(__file__).resolve().parents[1] / "schema" / "document.schema.json").read_text())
    assert len(docs) == 5
    for doc in docs:
        jsonschema.validate(doc, schema)


def test_a_url_root_is_walked_as_a_local_folder_is(tmp_path):
    """What the Ray engine lists under an fsspec URL: the names and order walk_inputs gives."""
    pytest.importorskip("fsspec")
    from cleaner.readers.walk import walk_inputs, walk_url

    for name in ("b/2.txt", "a.txt", "b/1.html", ".hidden/x.txt", "b/.DS_Store", "c/d/e.jsonl"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    local = [(f.rel, f.path) for f in walk_inputs([tmp_path])]
    remote = walk_url(f"file://{tmp_path}")
    assert [rel for rel, _ in remote] == [rel for rel, _ in local] == ["a.txt", "b/1.html", "b/2.txt", "c/d/e.jsonl"]
    assert [url for _, url in remote] == [f"file://{path}" for _, path in local]
    assert walk_url(f"file://{tmp_path}/a.txt") == [("a.txt", f"file://{tmp_path}/a.txt")]


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc")
def test_a_file_longer_than_its_reported_size_is_read_whole_up_to_the_limit():
    """Files in /proc report a size of 0: the reader reads the reported size first (not a buffer
    of the whole limit for every file), then what follows, up to the limit."""
    from cleaner.readers.plain import read_whole

    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    record = read_whole(status, "status", "text", 1 << 20)
    assert record.error is None and record.data.startswith(b"Name:") and b"\nPid:" in record.data
    assert read_whole(status, "status", "text", 10).error_reason == "too-large"


def test_files_are_read_whole_at_their_size_and_at_the_limit(tmp_path):
    from cleaner.readers.plain import read_whole

    path = tmp_path / "page.html"
    path.write_bytes(PAGE.encode())
    size = len(PAGE.encode())
    assert read_whole(path, "page.html", "html", size).data == PAGE.encode()
    assert read_whole(path, "page.html", "html", size - 1).error_reason == "too-large"
    assert read_whole(tmp_path / "page.html", "page.html", "html", 1 << 26).data == PAGE.encode()
