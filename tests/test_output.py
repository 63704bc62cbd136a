"""Output layouts (shards, gzip/zstd, Parquet), resuming a killed run, workers, config discovery."""
import gzip
import json
import os
import pickle
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cleaner.commands.cli import main

FINAL = ("documents", "rejects", "errors", "manifest", "report", "dedup-index")
GLUE = ("the", "of", "and", "in", "that", "it", "was", "for", "on", "with", "as", "they", "at", "by", "from")
CHROME = ("Share this:", "• facebook", "• twitter", "Leave a Reply", "Sign up for our free weekly newsletter",
          "Most popular", "Related stories")


def make_corpus(folder: Path, n: int, seed: int = 7) -> None:
    """``n`` pages on four sites with menus and share widgets, some too short, some copied,
    one binary file: every route (kept, rejected, duplicate, errored) is taken."""
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice("bdgklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4)))
                    for _ in range(5000)})
    for i in range(n):
        body = []
        for _ in range(rng.randint(3, 6)):
            sentences = [" ".join(w for _ in range(rng.randint(6, 12)) for w in (rng.choice(GLUE), rng.choice(vocab)))
                         .capitalize() + ", officials said." for _ in range(rng.randint(2, 4))]
            body.append(" ".join(sentences))
        title = "Story " + " ".join(rng.choice(vocab) for _ in range(4)).title()
        page = "\n".join(["Home | News | Sport | Weather", "Advertisement", "", title, "", *body, "",
                          *rng.sample(CHROME, 4)]) + "\n"
        if i % 50 == 7:
            page = "Advertisement\n\nToo short to keep.\n"
        site = folder / f"site-{i % 4}"
        site.mkdir(parents=True, exist_ok=True)
        (site / f"page-{i:04d}.txt").write_text(page, encoding="utf-8")
        if i % 40 == 3:  # a copy with other chrome: a duplicate after cleaning
            (site / f"page-{i:04d}-copy.txt").write_text(page.replace("Advertisement", "Most popular"), encoding="utf-8")
    (folder / "site-0" / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    make_corpus(folder, 150)  # 155 records: three chunks of work
    return folder


@pytest.fixture(scope="module")
def plain(corpus, tmp_path_factory) -> Path:
    """The default layout: one documents.jsonl, uncompressed."""
    out = tmp_path_factory.mktemp("plain")
    assert main(["clean", str(corpus), "-o", str(out), "-q", "-j", "1"]) == 0
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _jsonl(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def _decompress(path: Path) -> bytes:
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes())
    if path.suffix == ".zst":
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(path.read_bytes())
    return path.read_bytes()


@pytest.mark.parametrize("compression", ["none", "gz", "zst"])
def test_shards_concatenate_to_the_unsharded_documents(corpus, plain, tmp_path, compression):
    if compression == "zst":
        pytest.importorskip("zstandard")
    out = tmp_path / "out"
    args = ["clean", str(corpus), "-o", str(out), "-q", "-j", "1", "--shard-size", "40", "--compression", compression]
    assert main(args) == 0
    suffix = {"none": "", "gz": ".gz", "zst": ".zst"}[compression]
    manifest = json.loads((out / "manifest.json").read_text())
    kept = manifest["counts"]["kept"]
    shards = manifest["outputs"]["documents"]
    assert [s["file"] for s in shards] == [f"documents/documents-{i:05d}.jsonl{suffix}" for i in range(len(shards))]
    assert [s["documents"] for s in shards] == [40] * (kept // 40) + ([kept % 40] if kept % 40 else [])
    assert sorted(f"documents/{p.name}" for p in (out / "documents").iterdir()) == [s["file"] for s in shards]
    joined = b"".join(_decompress(out / s["file"]) for s in shards)
    assert joined == (plain / "documents" / "documents.jsonl").read_bytes()
    assert _decompress(out / f"rejects.jsonl{suffix}") == (plain / "rejects.jsonl").read_bytes()
    assert _decompress(out / f"removed.jsonl{suffix}") == (plain / "removed.jsonl").read_bytes()
    assert (out / "errors.jsonl").read_bytes() == (plain / "errors.jsonl").read_bytes()  # errors stay plain
    assert manifest["counts"] == json.loads((plain / "manifest.json").read_text())["counts"]
    if compression == "gz":
        head = (out / shards[0]["file"]).read_bytes()[:10]
        assert head[3] & 0x08 == 0 and head[4:8] == b"\0\0\0\0"  # no file name, mtime 0
        again = tmp_path / "again"
        assert main(args[:3] + [str(again)] + args[4:]) == 0
        assert _files(again) == _files(out)  # byte-identical, compressed too


def test_parquet_has_the_documents_of_the_jsonl(corpus, plain, tmp_path, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    from cleaner.output.sinks import parquet_record

    out = tmp_path / "out"
    assert main(["clean", str(corpus), "-o", str(out), "-q", "-j", "1", "--output-format", "parquet",
                 "--shard-size", "50", "--compression", "zst"]) == 0
    shards = sorted((out / "documents").glob("documents-*.parquet"))
    assert len(shards) == 3 and sorted((out / "documents").iterdir()) == shards
    rows = [row for shard in shards for row in pq.read_table(shard).to_pylist()]
    expected = _jsonl((plain / "documents" / "documents.jsonl").read_bytes())
    assert [parquet_record(row) for row in rows] == expected
    assert any(row["duplicates"] for row in rows)  # nested lists of structs survive
    schema = pq.read_schema(shards[0])
    assert schema.field("source").type.num_fields == 8 and str(schema.field("duplicates").type).startswith("list<")
    assert _decompress(out / "rejects.jsonl.zst") == (plain / "rejects.jsonl").read_bytes()  # still JSONL
    assert (out / "errors.jsonl").read_bytes() == (plain / "errors.jsonl").read_bytes()

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    try:
        import datasets
    except ImportError:
        return  # datasets is optional; pyarrow above reads the same files
    ds = datasets.load_dataset("parquet", data_files=[str(p) for p in shards], split="train",
                               cache_dir=str(tmp_path / "hf-cache"))
    assert len(ds) == len(expected) and ds[0]["id"] == expected[0]["id"]
    assert ds[0]["source"]["path"] == expected[0]["source"]["path"]
    assert [d["id"] for d in ds[0]["duplicates"] or []] == [d["id"] for d in expected[0].get("duplicates", [])]


def test_workers_give_identical_sharded_output(corpus, tmp_path):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        assert main(["clean", str(corpus), "-o", str(out), "-q", "-j", jobs, "--shard-size", "30",
                     "--compression", "gz"]) == 0
        outs.append(_files(out))
    assert outs[0] == outs[1]  # every file, the manifest and report included
    assert len([name for name in outs[0] if name.startswith("documents/documents-")]) >= 5


def test_a_new_layout_replaces_the_old_files(corpus, tmp_path):
    out = tmp_path / "out"
    assert main(["clean", str(corpus), "-o", str(out), "-q", "-j", "1", "--shard-size", "20", "--compression", "gz"]) == 0
    assert len(list((out / "documents").glob("documents-*.jsonl.gz"))) > 5
    (out / "documents.jsonl").write_text("{}\n")  # where versions before documents/ wrote them
    (out / "texts").mkdir()  # .txt files of an earlier run with --txt
    assert main(["clean", str(corpus), "-o", str(out), "-q", "-j", "1"]) == 0
    assert sorted(p.name for p in (out / "documents").iterdir()) == ["documents.jsonl"]
    assert sorted(p.name for p in out.glob("documents*")) == ["documents"]
    assert sorted(p.name for p in out.glob("rejects*")) == ["rejects.jsonl"]
    assert sorted(p.name for p in out.glob("removed*")) == ["removed.jsonl"] and not (out / "texts").exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no stage, no state left


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from cleaner.commands.cli import main; sys.exit(main())", *args]


def _final_files(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(FINAL) or p.name == "texts"] if out.exists() else []


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["recurring", "clean"])
def test_killed_run_resumes_to_the_uninterrupted_output(tmp_path, phase):
    corpus = tmp_path / "in"
    make_corpus(corpus, 400, seed=11)  # 411 records: 7 chunks
    flags = ["--shard-size", "60", "--compression", "gz", "-j", "2"]
    reference = tmp_path / "reference"
    assert main(["clean", str(corpus), "-o", str(reference), "-q", "-j", "1", *flags[:4]]) == 0

    out = tmp_path / "out"
    command = _cli("clean", str(corpus), "-o", str(out), *flags)
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    chunks = out / ".cleaner-state" / phase
    deadline = time.monotonic() + 180
    try:
        while not (chunks.is_dir() and any(p.suffix == ".pkl" for p in chunks.iterdir())):
            assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read().decode()}"
            assert _final_files(out) == [], "an output file is visible before the run finished"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the main process and its workers, like a crash
        proc.wait()
    assert _final_files(out) == []  # nothing under a final name: stage and state only
    for chunk in chunks.glob("*.pkl"):  # what is under a chunk's final name is complete
        with open(chunk, "rb") as f:
            pickle.load(f), pickle.load(f)

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "resumed" in rerun.stderr and "finished chunk(s)" in rerun.stderr
    assert int(rerun.stderr.split("resumed ")[1].split()[0]) >= 1  # finished chunks were not redone
    assert _files(out) == _files(reference)  # every file, byte for byte
    assert not (out / ".cleaner-state").exists() and not list(out.glob(".cleaner-stage-*"))


def test_state_of_another_configuration_is_discarded(corpus, plain, tmp_path, capsys):
    out = tmp_path / "out"
    state = out / ".cleaner-state"
    (state / "clean").mkdir(parents=True)
    (state / "manifest.json").write_text(json.dumps({"format": 1, "config_digest": "other", "inputs_digest": "x"}))
    (state / "clean" / "0000000.pkl").write_bytes(b"not a chunk of this run")
    assert main(["clean", str(corpus), "-o", str(out), "-j", "1"]) == 0
    err = capsys.readouterr().err
    assert "configuration, rules or versions and inputs changed" in err and "starting fresh" in err
    assert (out / "documents" / "documents.jsonl").read_bytes() == (plain / "documents" / "documents.jsonl").read_bytes()
    assert not state.exists()


def test_config_file_is_found_in_the_working_directory(corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("cleaner.toml").write_text('shard_size = 50\ncompression = "gz"\njobs = 1\nquiet = true\n')
    assert main(["clean", str(corpus), "-o", "out"]) == 0
    assert capsys.readouterr().err == ""  # quiet came from the file
    manifest = json.loads(Path("out/manifest.json").read_text())
    assert manifest["config_file"] == "cleaner.toml"
    assert manifest["config"]["shard_size"] == 50 and "jobs" not in manifest["config"]  # -j never shapes output
    assert [s["file"] for s in manifest["outputs"]["documents"]][:2] == ["documents/documents-00000.jsonl.gz",
                                                                         "documents/documents-00001.jsonl.gz"]
    Path("other.toml").write_text("shard_size = 0\nquiet = true\njobs = 1\n")
    assert main(["clean", str(corpus), "-o", "out2", "--config", "other.toml"]) == 0
    manifest = json.loads(Path("out2/manifest.json").read_text())
    assert manifest["config_file"] == "other.toml" and (tmp_path / "out2" / "documents" / "documents.jsonl").is_file()
    Path("cleaner.toml").write_text("shard_sise = 50\n")
    assert main(["clean", str(corpus), "-o", "out3"]) == 2
    err = capsys.readouterr().err
    assert "cleaner.toml: unknown key(s) shard_sise" in err and "shard_size" in err and "compression" in err


def test_progress_bars_only_on_a_terminal(tmp_path):
    corpus = tmp_path / "in"
    make_corpus(corpus, 20)
    import pty

    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))  # a new pty is 0x0
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    tty = subprocess.run(_cli("clean", str(corpus), "-o", str(tmp_path / "tty"), "-j", "1"),
                         stdout=subprocess.DEVNULL, stderr=slave, timeout=120)
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert tty.returncode == 0
    assert "cleaning" in shown and "doc/s" in shown and "MB/s" in shown and "kept=" in shown and "rejected=" in shown
    piped = subprocess.run(_cli("clean", str(corpus), "-o", str(tmp_path / "pipe"), "-j", "1"),
                           capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and "doc/s" not in piped.stderr and "in," in piped.stderr
    quiet = subprocess.run(_cli("clean", str(corpus), "-o", str(tmp_path / "quiet"), "-q"),
                           capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_missing_parquet_dependency_fails_before_any_work(corpus, tmp_path, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    assert main(["clean", str(corpus), "-o", str(tmp_path / "out"), "-q", "--output-format", "parquet"]) == 2
    assert "pip install 'cleaner[parquet]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_text_files_of_inputs_with_one_stem_are_kept_apart_by_id(tmp_path):
    body = " ".join(["The council approved the budget for the new school after a long debate."] * 6)
    (tmp_path / "in" / "a").mkdir(parents=True)
    (tmp_path / "in" / "a" / "story.txt").write_text(f"First Story\n\n{body} One.\n")
    (tmp_path / "in" / "story.txt").write_text(f"Second Story\n\n{body} Two.\n")
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--no-dedup", "--txt"]) == 0
    docs = [json.loads(line) for line in (tmp_path / "out" / "documents" / "documents.jsonl").read_text().splitlines()]
    assert [d["source"]["path"] for d in docs] == ["a/story.txt", "story.txt"]
    texts = tmp_path / "out" / "texts"
    assert sorted(p.name for p in texts.iterdir()) == ["story.txt", f"story_{docs[1]['id']}.txt"]
    assert (texts / "story.txt").read_text() == f"{docs[0]['title']}\n\n{docs[0]['text']}\n"
    assert (texts / f"story_{docs[1]['id']}.txt").read_text().startswith("Second Story\n\n")



def test_a_duplicate_gives_its_text_file_name_to_the_next_kept_document_of_that_stem(tmp_path):
    """.txt files are written before deduplication decides; a duplicate's file is withdrawn and
    the names are those of writing the kept documents' files alone."""
    body = " ".join(["The council approved the budget for the new school after a long debate."] * 6)
    for folder, text in (("a", f"First Story\n\n{body} One.\n"), ("b", f"First Story\n\n{body} One.\n"),
                         ("c", "Second Story\n\n" + " ".join(["Rain is expected in the hills by the weekend, "
                                                                "forecasters said on Friday."] * 6) + "\n")):
        (tmp_path / "in" / folder).mkdir(parents=True)
        (tmp_path / "in" / folder / ("first.txt" if folder == "a" else "story.txt")).write_text(text)
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q", "--txt"]) == 0
    docs = [json.loads(line) for line in (tmp_path / "out" / "documents" / "documents.jsonl").read_text().splitlines()]
    assert [d["source"]["path"] for d in docs] == ["a/first.txt", "c/story.txt"]  # b/story.txt: a duplicate
    texts = tmp_path / "out" / "texts"
    assert sorted(p.name for p in texts.iterdir()) == ["first.txt", "story.txt"]
    assert (texts / "story.txt").read_text().startswith("Second Story\n\n")

def test_chunks_are_handed_over_in_input_order_while_later_ones_are_still_cleaned(tmp_path):
    """The main process writes chunk i while the workers clean the chunks after it (the writing
    overlaps the cleaning), and takes them in input order whichever worker finishes first."""
    from cleaner.config import Config
    from cleaner.engines.local import ChunkRunner, CLEAN
    from cleaner.engines.progress import Progress
    from cleaner.readers.record import Record
    from cleaner.engines.state import CHUNK, RunState

    n_chunks = 12
    text = ("The council met on Monday and approved the budget for the new school after a long debate "
            "about its costs, officials said. ") * 5
    read: list[Record] = []

    def records():
        for i in range(n_chunks * CHUNK):
            record = Record(f"{i}.txt", f"{text}\nPage {i}.".encode(), "text")
            read.append(record)
            yield record

    state = RunState(tmp_path / "out", {"test": 1}, [], None)
    runner = ChunkRunner(Config(recurring=False), 2, state, Progress(False))
    order, read_at_first, done_at_first = [], None, None
    try:
        for index in runner.finished_in_order(CLEAN, records()):
            if read_at_first is None:
                read_at_first = len(read)
                done_at_first = sum(state.done(CLEAN, i) for i in range(n_chunks))
            finished = runner.payload(CLEAN, index)[0]
            assert [item.path for item in finished] == [f"{i}.txt" for i in range(index * CHUNK, (index + 1) * CHUNK)]
            order.append(index)
    finally:
        runner.close()
        state.close(success=True)
    assert order == list(range(n_chunks))
    # what is read is what has finished plus at most 2 x jobs chunks in flight (and one record
    # looked ahead); how many finish before chunk 0 depends on the machine's load, not the runner
    assert read_at_first <= (done_at_first + 2 * 2) * CHUNK + 1, (read_at_first, done_at_first)
