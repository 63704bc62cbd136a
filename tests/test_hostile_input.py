"""Hostile input: every kind of broken file in one batch, and the accounting invariant over it.

For every run: documents in = kept + rejected + errored, per input file, in manifest.json; every
input file is listed there; every error has an errors.jsonl entry with file, position, reason and
a message saying what to do; nothing is written outside the output folder. The heavy cases (a
100 MB line, a 50 MB page, a worker stuck in C, a full disk) are @pytest.mark.slow.
"""
from __future__ import annotations

import errno
import gzip
import json
import os
import socket
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from cleaner.commands.cli import main
from cleaner.readers.walk import walk_inputs

from test_readers import PAGE, PROSE, http_response, warc_record, write_warc

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schema" / "document.schema.json").read_text())
ARTICLE = (PROSE * 3).strip()
CATASTROPHIC_RULE = """\
rules:
  - id: BAD001
    name: catastrophic-backtracking
    category: ads
    description: A user rule whose nested repeat backtracks without end on a line of a's ending in b.
    scope: line
    match: search
    regex: '(a+)+$'
    strip: [aaaa]
    keep: [The council met on Monday.]
  - id: BAD002
    name: exponential-alternation
    category: ads
    description: The same with an alternation; the regex engine tames (a+)+ above, not this one.
    scope: line
    match: search
    regex: '(a|aa)+$'
    strip: [aaaa]
    keep: [The council met on Monday.]
"""


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().decode("utf-8").splitlines()]


def make_hostile(root: Path) -> dict[str, tuple[str, str | None]]:
    """A folder of bad inputs; returns {file: (route, reason)} for the single-document files."""
    root.mkdir(parents=True)
    expect: dict[str, tuple[str, str | None]] = {}

    def put(name: str | bytes, data: bytes, route: str, reason: str | None = None) -> None:
        path = os.path.join(os.fsencode(root), os.fsencode(name))
        with open(path, "wb") as f:
            f.write(data)
        display = name if isinstance(name, str) else name.decode("utf-8", "backslashreplace")
        expect[display] = (route, reason)

    text = ("Le café « Chez Hélène » a rouvert ses portes à Orléans, dit-elle. Les habitués ont salué la décision "
            "du propriétaire, qui a rénové la façade et élargi la terrasse au bord du fleuve. ") * 3
    put("empty.txt", b"", "rejected", "empty")
    put("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "errored", "binary")
    put("report.pdf.txt", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" * 30,
        "errored", "binary")
    put("program.html", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "errored", "binary")
    put("invalid-utf8.txt", ARTICLE.encode() + b" \xff\xfe\xc3 broken bytes. " + ARTICLE.encode(), "kept")
    put("utf16-bom.txt", text.encode("utf-16"), "kept")
    put("utf16le-nobom.txt", text.encode("utf-16-le"), "kept")
    put("utf16be-nobom.html", PAGE.encode("utf-16-be"), "kept")
    put("cp1252.txt", (text + "“quoted” – dash").encode("cp1252"), "kept")
    put("latin1.txt", text.encode("latin-1"), "kept")
    put("mixed.txt", text.encode("utf-8") + "Résumé of the “façade” works, naïve café owners said. ".encode(
        "cp1252") + text.encode("utf-8"), "kept")
    put("nul-bytes.txt", ARTICLE.encode().replace(b". ", b".\x00 "), "kept")
    put("deep.html", b"<html><body>" + b"<div>" * 100_000 + b"<p>Lost in the depths.</p>" + b"</div>" * 100_000
        + b"</body></html>", "rejected", "empty")
    put("xxe.html", ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
                     '<!ENTITY remote SYSTEM "http://127.0.0.1:9/dtd">]><html><body><article><p>&xxe;&remote;'
                     + ARTICLE + "</p></article></body></html>").encode(), "kept")
    put("name with spaces.txt", ARTICLE.encode(), "kept")
    put("new\nline.txt", ARTICLE.encode(), "kept")
    put(b"not-utf8-\xff\xfe.txt", ARTICLE.encode(), "kept")
    put("backtracking.txt", (ARTICLE + "\n\n" + PROSE + "a" * 40 + "b " + PROSE + "\n\n" + ARTICLE).encode(), "kept")
    os.symlink("does-not-exist.txt", root / "broken-link.txt")
    expect["broken-link.txt"] = ("errored", "broken-symlink")
    os.symlink("self-loop.txt", root / "self-loop.txt")
    expect["self-loop.txt"] = ("errored", "symlink-loop")
    (root / "sub").mkdir()
    (root / "sub" / "inner.txt").write_text(ARTICLE + " Inner.")
    expect["sub/inner.txt"] = ("kept", None)
    os.symlink("..", root / "sub" / "up")
    expect["sub/up"] = ("errored", "symlink-loop")

    # containers: several records per file, checked by their own tests below
    lines = [json.dumps({"text": ARTICLE + " One.", "id": "../../etc/x"}), '{"text": "unterminated', "[1, 2]",
             '"a string"', json.dumps({"body": "no text field"}), json.dumps({"text": 42}), "",
             json.dumps({"text": ARTICLE + " Two.", "id": "/abs/../../y"})]
    (root / "malformed.jsonl").write_text("\n".join(lines) + "\n")
    (root / "empty.jsonl").write_bytes(b"")
    cut = gzip.compress("".join(json.dumps({"text": f"{ARTICLE} Record {i}."}) + "\n" for i in range(20)).encode())
    (root / "truncated.jsonl.gz").write_bytes(cut[: len(cut) * 2 // 3])
    import zstandard

    cut = zstandard.ZstdCompressor().compress("".join(json.dumps({"text": f"{ARTICLE} Z {i}."}) + "\n"
                                                      for i in range(20)).encode())
    (root / "truncated.jsonl.zst").write_bytes(cut[: len(cut) * 2 // 3])
    good = warc_record("response", "https://example.com/a", http_response(PAGE.encode(), "text/html"),
                       "application/http; msgtype=response")
    dns = warc_record("response", "dns:example.com", b"20240501100000\nexample.com. 300 IN A 93.184.216.34\n",
                      "text/dns")
    wrong_length = good.replace(b"Content-Length: ", b"Content-Length: 9", 1)  # claims ~10x its size
    write_warc(root / "wrong-length.warc", [good, dns, wrong_length], gz=False)
    whole = good + good
    (root / "truncated.warc").write_bytes(whole[: len(good) + len(good) // 2])
    return expect


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    root = base / "in"
    expect = make_hostile(root)
    rules = base / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text(CATASTROPHIC_RULE)
    out = base / "out"
    connects = []

    def no_network(self, address):  # parsing must never resolve an entity or fetch a DTD
        connects.append(address)
        raise OSError("network disabled in this test")

    real = socket.socket.connect
    socket.socket.connect = no_network
    try:
        code = main(["clean", str(root), "-o", str(out), "-q", "--no-dedup", "--min-words", "10", "--rules",
                     str(rules), "--strict", "-j", "1", "--txt"])
    finally:
        socket.socket.connect = real
    return {"root": root, "out": out, "code": code, "expect": expect, "connects": connects,
            "manifest": json.loads((out / "manifest.json").read_text()),
            "docs": _jsonl(out / "documents" / "documents.jsonl"), "rejects": _jsonl(out / "rejects.jsonl"),
            "errors": _jsonl(out / "errors.jsonl")}


def check_accounting(out: Path, inputs: list[Path]) -> dict:
    """The invariant, from the output files alone; returns the manifest."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    docs, rejects = _jsonl(next((out / "documents").glob("documents*.jsonl"))), _jsonl(out / "rejects.jsonl")
    errors = [e for e in _jsonl(out / "errors.jsonl") if e["severity"] == "error"]
    seen = {kind: Counter(r["source"]["path"] if kind != "errored" else r["path"] for r in rows)
            for kind, rows in (("kept", docs), ("rejected", rejects), ("errored", errors))}
    files = manifest["files"]
    assert set(files) == {f.rel for f in walk_inputs(inputs)}, "every input file is in the manifest"
    for path, counts in files.items():
        assert counts["in"] == counts["kept"] + counts["rejected"] + counts["errored"], path
        for kind in ("kept", "rejected", "errored"):
            assert counts[kind] == seen[kind][path], (path, kind)
    totals = manifest["counts"]
    assert totals["in"] == totals["kept"] + totals["rejected"] + totals["errored"]
    assert totals == {k: sum(c[k] for c in files.values()) for k in ("in", "kept", "rejected", "errored")}
    for entry in _jsonl(out / "errors.jsonl"):
        assert set(entry) >= {"path", "position", "severity", "reason", "message"}
        assert entry["path"] in files and entry["reason"] and len(entry["message"]) > 30
    return manifest


def test_the_accounting_invariant_holds_over_every_bad_input(hostile):
    check_accounting(hostile["out"], [hostile["root"]])
    assert hostile["code"] == 1  # --strict: the run finished, but inputs errored


def test_each_bad_file_takes_its_route_with_a_reason(hostile):
    files = hostile["manifest"]["files"]
    routes = {path: next(k for k in ("kept", "rejected", "errored") if c[k]) for path, c in files.items() if c["in"]}
    reasons = {e["path"]: e["reason"] for e in hostile["errors"] if e["severity"] == "error"}
    reasons |= {r["source"]["path"]: r["reason"] for r in hostile["rejects"]}
    for name, (route, reason) in hostile["expect"].items():
        assert routes.get(name) == route, (name, routes.get(name))
        assert reasons.get(name) == reason, name


def test_encodings_are_decoded_and_recorded(hostile):
    by_path = {d["source"]["path"]: d for d in hostile["docs"]}
    assert by_path["utf16le-nobom.txt"]["source"]["encoding"] == "utf-16-le"
    assert by_path["utf16be-nobom.html"]["source"]["encoding"] == "utf-16-be"
    assert by_path["utf16be-nobom.html"]["title"] == "Breakwater plan approved"
    assert by_path["utf16-bom.txt"]["source"]["encoding"] == "utf-16"
    assert "Hélène" in by_path["cp1252.txt"]["text"] and "“quoted” – dash" in by_path["cp1252.txt"]["text"]
    assert by_path["mixed.txt"]["source"]["encoding"] == "utf-8+cp1252"
    assert "Hélène" in by_path["mixed.txt"]["text"] and "Résumé of the “façade”" in by_path["mixed.txt"]["text"]
    for name in ("utf16-bom.txt", "utf16le-nobom.txt", "latin1.txt"):
        assert "Chez Hélène" in by_path[name]["text"], name
    assert "\x00" not in by_path["nul-bytes.txt"]["text"]
    assert by_path["not-utf8-\\xff\\xfe.txt"]["text"].startswith("The harbour authority")


def test_error_entries_say_where_and_what_to_do(hostile):
    errors = {(e["path"], e["position"]): e for e in hostile["errors"] if e["severity"] == "error"}
    assert "a PDF document" in errors[("report.pdf.txt", None)]["message"]
    assert "does-not-exist.txt, which does not exist" in errors[("broken-link.txt", None)]["message"]
    assert "not followed" in errors[("sub/up", None)]["message"]
    jsonl = {pos: e["reason"] for (path, pos), e in errors.items() if path == "malformed.jsonl"}
    assert jsonl == {"2": "malformed-json", "3": "not-an-object", "4": "not-an-object", "5": "no-text-field",
                     "6": "no-text-field"}
    for name in ("truncated.jsonl.gz", "truncated.jsonl.zst"):
        (entry,) = [e for (path, _), e in errors.items() if path == name]
        assert entry["reason"] == "truncated" and "Re-download" in entry["message"], name
    assert hostile["manifest"]["files"]["truncated.jsonl.gz"]["kept"] >= 1  # the records before the cut
    warc = [e for (path, _), e in errors.items() if path == "wrong-length.warc"]
    assert [e["reason"] for e in warc] in (["truncated"], ["corrupt"])
    (cut,) = [e for (path, _), e in errors.items() if path == "truncated.warc"]
    assert cut["reason"] == "truncated" and cut["position"] is not None
    manifest = hostile["manifest"]
    assert manifest["skipped"]["files"]["empty.jsonl"] == 1 and manifest["files"]["empty.jsonl"]["in"] == 0
    assert manifest["skipped"]["reasons"]["non-http"] == 1  # the dns: record of wrong-length.warc


def test_entities_are_never_resolved_and_the_network_is_never_touched(hostile):
    assert hostile["connects"] == []
    everything = b"".join(p.read_bytes() for p in hostile["out"].rglob("*") if p.is_file())
    assert b"root:x:0:0" not in everything
    (doc,) = [d for d in hostile["docs"] if d["source"]["path"] == "xxe.html"]
    assert "The harbour authority" in doc["text"]  # an undefined entity stays as its literal text


def test_rule_timeout_is_a_warning_naming_the_rule(hostile):
    (warning,) = [e for e in hostile["errors"] if e["severity"] == "warning"]
    assert warning["path"] == "backtracking.txt" and warning["reason"] == "rule-timeout"
    assert warning["rule"] == "BAD002" and "BAD002" in warning["message"] and "--disable BAD002" in warning["message"]
    assert hostile["manifest"]["warnings"] == {"rule-timeout": 1}
    assert hostile["manifest"]["steps"]["rules"]["rule_timeout_BAD002"] == 1
    assert "rule_timeout_BAD001" not in hostile["manifest"]["steps"]["rules"]  # finished in time
    assert hostile["manifest"]["files"]["backtracking.txt"]["kept"] == 1  # the document itself went on


def test_output_is_utf8_schema_valid_and_stays_inside_the_output_folder(hostile):
    jsonschema = pytest.importorskip("jsonschema")
    out = hostile["out"]
    for doc in hostile["docs"]:
        jsonschema.validate(doc, SCHEMA)
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())
        path.name.encode("utf-8")  # every output name is valid UTF-8
    texts = sorted(p.name for p in (out / "texts").iterdir())
    assert all("/" not in name and not name.startswith(".") for name in texts)
    ids = {d["id"] for d in hostile["docs"]}
    assert {"../../etc/x", "/abs/../../y"} <= ids  # kept as data, never used as a path
    assert not (out.parent / "etc").exists() and not Path("/abs").exists()


def test_without_strict_the_same_run_exits_0(hostile, tmp_path):
    assert main(["clean", str(hostile["root"]), "-o", str(tmp_path / "out"), "-q", "--no-dedup", "--no-txt"]) == 0


def test_an_unreadable_file_is_an_error_entry(tmp_path, monkeypatch):
    root = tmp_path / "in"
    root.mkdir()
    (root / "locked.txt").write_text(ARTICLE)
    (root / "open.txt").write_text(ARTICLE + " Open.")
    os.chmod(root / "locked.txt", 0)
    if os.access(root / "locked.txt", os.R_OK):  # root reads anything: fail the read the way the OS would
        import cleaner.readers.plain

        real = cleaner.readers.plain.open_regular

        def open_regular(path):
            if Path(path).name == "locked.txt":
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(cleaner.readers.plain, "open_regular", open_regular)  # the text reader
    out = tmp_path / "out"
    assert main(["clean", str(root), "-o", str(out), "-q", "--no-dedup", "--min-words", "5"]) == 0
    (error,) = _jsonl(out / "errors.jsonl")
    assert error["path"] == "locked.txt" and error["reason"] == "unreadable"
    assert "Permission denied" in error["message"] and "permissions" in error["message"]
    check_accounting(out, [root])


def test_a_document_over_its_time_budget_is_an_error_and_the_run_goes_on(tmp_path, monkeypatch):
    import cleaner.parse.html.extract

    real = cleaner.parse.html.extract.extract_html

    def slow_extractor(html, *args, **kwargs):
        if b"HANG-HERE" in (html if isinstance(html, bytes) else html.encode()):
            while True:  # a pathological page: pure Python that never returns
                pass
        return real(html, *args, **kwargs)

    monkeypatch.setattr(cleaner.parse.html.extract, "extract_html", slow_extractor)
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.html").write_text(PAGE)
    (root / "b.html").write_text(PAGE.replace("</article>", "<p>HANG-HERE</p></article>"))
    (root / "c.txt").write_text(ARTICLE)
    out = tmp_path / "out"
    assert main(["clean", str(root), "-o", str(out), "-q", "--no-dedup", "--doc-timeout", "0.5",
                 "--min-words", "5"]) == 0
    (error,) = _jsonl(out / "errors.jsonl")
    assert error["path"] == "b.html" and error["reason"] == "timeout"
    assert "0.5 s budget" in error["message"] and "--doc-timeout" in error["message"]
    manifest = check_accounting(out, [root])
    assert manifest["counts"]["kept"] == 2 and manifest["config"]["doc_timeout"] == 0.5


# -- the heavy cases ------------------------------------------------------------------------------

# Installed through PYTHONPATH, so it also runs in the spawned worker processes.
HOOK = textwrap.dedent("""
    import os, signal, time
    import cleaner.parse.html.extract as extract

    real = extract.extract_html

    def hostile_extractor(html, *args, **kwargs):
        data = html if isinstance(html, bytes) else html.encode()
        if b"STUCK-IN-C" in data:
            # a C library that never returns to the interpreter: the alarm cannot be delivered
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(3600)
        if b"CRASH-IN-C" in data:
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(html, *args, **kwargs)

    extract.extract_html = hostile_extractor
""")


def _cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys; from cleaner.commands.cli import main; sys.exit(main())", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.slow
def test_a_worker_stuck_in_c_is_killed_and_replaced_and_a_crash_is_reported(tmp_path):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOOK)
    root = tmp_path / "in"
    root.mkdir()
    for i in range(150):  # three chunks: worker processes and the watchdog
        (root / f"page-{i:03d}.txt").write_text(f"{ARTICLE} Page {i}.")
    (root / "page-070.html").write_text(PAGE.replace("</article>", "<p>STUCK-IN-C</p></article>"))
    (root / "page-140.html").write_text(PAGE.replace("</article>", "<p>CRASH-IN-C</p></article>"))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")])}
    result = _cli("clean", str(root), "-o", str(out), "-q", "--no-dedup", "--no-txt", "-j", "2",
                  "--doc-timeout", "1", "--min-words", "5", env=env)
    assert result.returncode == 0, result.stderr
    errors = {e["path"]: e for e in _jsonl(out / "errors.jsonl")}
    assert errors["page-070.html"]["reason"] == "timeout" and "killed and replaced" in errors["page-070.html"]["message"]
    assert errors["page-140.html"]["reason"] == "worker-crashed" and "SIGSEGV" in errors["page-140.html"]["message"]
    manifest = check_accounting(out, [root])
    assert manifest["counts"] == {"in": 152, "kept": 150, "rejected": 0, "errored": 2}


ENOSPC_RUN = textwrap.dedent("""
    import errno, sys
    import cleaner.output.sinks as outputs
    from cleaner.commands.cli import main

    written = [0]
    real = outputs.TextOut.write

    def write(self, text):
        written[0] += len(text)
        if written[0] > 20_000:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path))
        real(self, text)

    outputs.TextOut.write = write
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.slow
def test_a_full_disk_leaves_no_partial_file_and_a_rerun_completes(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    for i in range(100):
        (root / f"page-{i:03d}.txt").write_text(f"{ARTICLE} Page {i} of the dump.")
    flags = ["-q", "--shard-size", "30", "-j", "1"]
    reference = tmp_path / "reference"
    assert main(["clean", str(root), "-o", str(reference), *flags]) == 0
    out = tmp_path / "out"
    full = subprocess.run([sys.executable, "-c", ENOSPC_RUN, "clean", str(root), "-o", str(out), *flags],
                          capture_output=True, text=True, timeout=300)
    assert full.returncode == 3, full.stderr
    assert "No space left on device" in full.stderr and "run the same command again" in full.stderr
    assert "Traceback" not in full.stderr
    visible = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    assert visible == [], "no file under a final name"
    assert not list(out.glob(".cleaner-stage-*")) and (out / ".cleaner-state").is_dir()
    rerun = _cli("clean", str(root), "-o", str(out), *flags[:-2], "-j", "1")
    assert rerun.returncode == 0 and "resumed" in rerun.stderr, rerun.stderr
    files = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    expected = {p.relative_to(reference): p.read_bytes() for p in reference.rglob("*") if p.is_file()}
    assert files == expected


@pytest.mark.slow
def test_a_100_mb_line_and_a_50_mb_page(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    paragraph = "<p>" + PROSE * 4 + "</p>"
    with open(root / "big.html", "w") as f:
        f.write("<html><head><title>Big page</title></head><body><article>")
        for _ in range(50_000_000 // len(paragraph)):
            f.write(paragraph)
        f.write("</article></body></html>")
    with open(root / "line.txt", "w") as f:
        for _ in range(100):
            f.write("word " * 200_000)
    with open(root / "line.jsonl", "w") as f:
        f.write('{"text": "' + "word " * 20_000_000 + '"}\n' + json.dumps({"text": ARTICLE}) + "\n")
    out = tmp_path / "out"
    assert main(["clean", str(root), "-o", str(out), "-q", "--no-dedup", "--no-txt"]) == 0
    manifest = check_accounting(out, [root])
    assert manifest["files"]["big.html"]["kept"] == 1
    errors = {(e["path"], e["position"]): e["reason"] for e in _jsonl(out / "errors.jsonl")}
    assert errors == {("line.txt", None): "too-large", ("line.jsonl", "1"): "too-large"}
    assert manifest["files"]["line.jsonl"] == {"in": 2, "kept": 1, "rejected": 0, "errored": 1}


@pytest.mark.slow
def test_soak_benchmark_accounts_for_every_file_with_flat_memory(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--size", "3", "-j", "2",
                             "--work", str(tmp_path / "soak")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "missing none" in result.stdout and "for every file: True" in result.stdout


@pytest.mark.parametrize("failing", ["readability", "readability-lxml"])
def test_an_extractor_failing_on_a_page_is_a_warning_in_the_errors_file_not_noise_on_stderr(
        tmp_path, monkeypatch, capfd, caplog, failing):
    import readability
    from trafilatura import readability_lxml

    from cleaner.parse.html import external
    from test_html_extract import ARTICLE_PARAGRAPHS, article_page

    def broken(self):  # inside readability's summary(); readability-lxml's logs a traceback and raises
        raise ValueError("All strings must be XML compatible")

    if failing == "readability":  # the vote's: trafilatura's fork of readability
        monkeypatch.setattr(readability_lxml.Document, "transform_misused_divs_into_paragraphs", broken)
    else:  # the last resort, when every other path found nothing
        monkeypatch.setattr(readability.Document, "transform_misused_divs_into_paragraphs", broken)
        monkeypatch.setattr(external, "_run_trafilatura", lambda tree, url, config, fast=True: None)
        monkeypatch.setattr(external, "fork_article", lambda tree: None)
        monkeypatch.setattr(external, "safe_justext", lambda tree, config, problems: "")
    root = tmp_path / "in"
    root.mkdir()
    short = article_page()  # one paragraph: too short for trafilatura's text alone
    for paragraph in ARTICLE_PARAGRAPHS[1:]:
        short = short.replace(f"<p>{paragraph}</p>", "")
    (root / "page.html").write_text(short)
    out = tmp_path / "out"
    assert main(["clean", str(root), "-o", str(out), "-q", "-j", "1", "--min-words", "5"]) == 0
    # (outside pytest, a record that reaches the root logger unhandled is printed on stderr)
    assert capfd.readouterr().err == "" and [r.getMessage() for r in caplog.records] == []
    (warning,) = _jsonl(out / "errors.jsonl")
    assert (warning["path"], warning["severity"], warning["reason"]) == ("page.html", "warning", "extractor-failed")
    error = "ValueError" if failing == "readability" else "Unparseable"
    assert warning["message"].startswith(f"{failing}: {error}: All strings must be XML compatible")
    check_accounting(out, [root])
