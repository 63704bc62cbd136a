"""``--engine ray`` gives the local engine's output, byte for byte, on a local Ray instance.

The corpus is the sample corpus (corpora/raw) plus a few hundred generated documents on three
sites with planted exact and near duplicates (so LSH buckets, verification, connected
components and the keep policy all decide something), recurring site chrome (the distributed
line counts), a JSONL file with a blank and a broken line (skipped and errors), a clashing id
and nested metadata, a Parquet file and an unreadable binary file. Deselect with ``-m 'not ray'``; CI runs it.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner.commands.cli import main


ROOT = Path(__file__).resolve().parents[1]
WORDS = ("report council market river winter station teacher village budget harbour museum doctor "
         "garden bridge factory election weather airport farmer library railway festival hospital "
         "minister student company police journey summer football orchestra painter ancient modern "
         "quiet rapid bright narrow heavy gentle said found built opened closed announced expected "
         "the of and to in that for with on as by at from after before during because while").split()


def _article(rng: random.Random, words: int) -> str:
    sentences, current = [], []
    for _ in range(words):
        current.append(rng.choice(WORDS))
        if len(current) >= rng.randint(9, 16):
            sentences.append(" ".join(current).capitalize() + ".")
            current = []
    if current:
        sentences.append(" ".join(current).capitalize() + ".")
    return "\n\n".join(" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4))


def _edit(rng: random.Random, text: str, share: float) -> str:
    words = text.split(" ")
    for i in rng.sample(range(len(words)), int(len(words) * share)):
        words[i] = rng.choice(WORDS)
    return " ".join(words)


def _corpus(folder: Path) -> Path:
    """corpora/raw plus generated sites; returns the input root."""
    rng = random.Random(6)
    shutil.copytree(ROOT / "corpora" / "raw", folder / "raw")
    originals = []
    for site in ("alpha", "beta", "gamma"):
        for i in range(90):
            if originals and rng.random() < 0.25:  # a planted copy of an earlier document
                body = rng.choice(originals)
                body = body if rng.random() < 0.4 else _edit(rng, body, rng.choice((0.03, 0.08)))
            else:
                body = _article(rng, rng.randint(60, 260))
                originals.append(body)
            chrome = f"Sign in\nSubscribe to {site.title()} Daily\nHome | World | Sport\n"
            paragraphs = body.split("\n\n")  # a recurring line inside the body: only cross-document counts find it
            body = "\n\n".join(paragraphs[:1] + [f"{site.title()} weekly edition"] + paragraphs[1:])
            page = f"{chrome}Headline number {i} from {site}\n{body}\nShare this story\n© {site} media\n"
            (folder / site).mkdir(exist_ok=True)
            (folder / site / f"{i:03d}.txt").write_text(page, encoding="utf-8")
    lines = [json.dumps({"id": n, "url": f"https://delta.example/{n}", "text": _article(rng, 80)}) for n in range(20)]
    lines[5] = json.dumps({"id": 5, "url": "https://delta.example/5", "text": json.loads(lines[3])["text"]})
    lines[7] = "{not json"
    # an id taken by an earlier record (rejected as duplicate-id), and a nested metadata object
    lines[11] = json.dumps({"id": 2, "text": _article(rng, 80), "metadata": {"url": "https://delta.example/x",
                                                                            "crawl": "2024"}})
    lines.insert(9, "")
    (folder / "delta.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [f"e{n}" for n in range(6)], "text": [_article(rng, 70) for _ in range(6)],
                             "metadata": [{"url": f"https://epsilon.example/{n}"} for n in range(6)]}),
                   folder / "epsilon.parquet")
    (folder / "zz-image.txt").write_bytes(b"\x89PNG\x00\x00binary")
    return folder


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install -e '.[test]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _files(folder: Path) -> dict[str, bytes]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "manifest.json":
                manifest = json.loads(data)
                manifest.pop("versions")
                data = json.dumps(manifest, sort_keys=True).encode()
            out[path.relative_to(folder).as_posix()] = data
    return out


def _assert_same(local: Path, on_ray: Path) -> dict:
    a, b = _files(local), _files(on_ray)
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert not different, f"files differ between the engines: {different}"
    return json.loads((local / "manifest.json").read_text())


@pytest.mark.ray
@pytest.mark.slow
def test_ray_engine_output_is_byte_identical_to_local(tmp_path, local_ray):
    corpus = _corpus(tmp_path / "in")
    assert main(["clean", str(corpus), "-o", str(tmp_path / "local"), "-q", "-j", "2"]) == 0
    assert main(["clean", str(corpus), "-o", str(tmp_path / "ray"), "-q", "--engine", "ray"]) == 0
    manifest = _assert_same(tmp_path / "local", tmp_path / "ray")
    # the comparison means something: every kind of outcome and both kinds of duplicate occur
    assert manifest["dedup"]["dropped_exact"] > 5 and manifest["dedup"]["dropped_near"] > 5
    assert manifest["counts"]["errored"] >= 2 and manifest["skipped"]["total"] == 1
    assert manifest["reasons"]["duplicate-id"] == 1 and manifest["files"]["epsilon.parquet"]["kept"] == 6
    report = json.loads((tmp_path / "ray" / "report.json").read_text())
    assert report["removals"]["by_rule"]["H-RECURRING"]["spans"] > 0  # the distributed line counts
    assert "engine" not in manifest["config"]  # how a run executes is not part of what it produced


@pytest.mark.ray
@pytest.mark.slow
def test_ray_engine_with_dedup_against_parquet_shards_and_config_file(tmp_path, local_ray):
    pytest.importorskip("pyarrow")
    corpus = _corpus(tmp_path / "in")
    assert main(["clean", str(corpus / "alpha"), "-o", str(tmp_path / "old"), "-q"]) == 0
    (tmp_path / "cleaner.toml").write_text('engine = "ray"\noutput_format = "parquet"\nshard_size = 40\n'
                                           f'compression = "zst"\ndedup_against = ["{tmp_path / "old"}"]\n')
    flags = ["-q", "--config", str(tmp_path / "cleaner.toml")]
    assert main(["clean", str(corpus), "-o", str(tmp_path / "ray"), *flags]) == 0
    assert main(["clean", str(corpus), "-o", str(tmp_path / "local"), *flags, "--engine", "local"]) == 0
    manifest = _assert_same(tmp_path / "local", tmp_path / "ray")
    # every alpha document is already in the index: dropped as its exact duplicate
    assert manifest["dedup"]["indexed"] > 0 and manifest["dedup"]["dropped_exact"] >= manifest["dedup"]["indexed"]
    assert len(manifest["outputs"]["documents"]) > 2


@pytest.mark.ray
@pytest.mark.slow
def test_ray_engine_shards_are_written_by_ray_tasks(tmp_path, local_ray, monkeypatch):
    """With --shard-size the driver routes, Ray tasks write: the driver may not even open a
    document file, and the shards are still the local engine's, byte for byte."""
    import cleaner.output.folder

    corpus = _corpus(tmp_path / "in")
    # with every removal's text, the datatrove record shape and the .txt files too
    flags = ["-q", "--shard-size", "30", "--compression", "gz", "--provenance", "full", "--schema", "datatrove", "--txt"]
    assert main(["clean", str(corpus), "-o", str(tmp_path / "local"), *flags]) == 0

    def driver_sink(*args, **kwargs):
        raise AssertionError("the driver opened a document file")

    monkeypatch.setattr(cleaner.output.folder, "make_document_sink", driver_sink)
    assert main(["clean", str(corpus), "-o", str(tmp_path / "ray"), *flags, "--engine", "ray"]) == 0
    manifest = _assert_same(tmp_path / "local", tmp_path / "ray")
    shards = manifest["outputs"]["documents"]
    assert len(shards) > 3 and shards[0]["file"] == "documents/documents-00000.jsonl.gz"
    assert not [p for p in (tmp_path / "ray").iterdir() if p.name.startswith(".")]  # no stage or scratch left
    assert (tmp_path / "ray" / "removed.jsonl.gz").is_file() and (tmp_path / "ray" / "texts").is_dir()


@pytest.mark.ray
@pytest.mark.slow
def test_ray_engine_streams_the_local_engines_documents_to_stdout(tmp_path, local_ray, capsysbinary):
    corpus = _corpus(tmp_path / "in")
    outputs = []
    for engine in ("local", "ray"):
        side = tmp_path / engine
        assert main(["clean", str(corpus), "-o", "-", "-q", "--side-output", str(side), "--engine", engine]) == 0
        outputs.append(capsysbinary.readouterr().out)
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") > 100
    _assert_same(tmp_path / "local", tmp_path / "ray")  # the side files too


def test_engine_ray_without_ray_installed_fails_before_any_work_with_the_install_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # as if the extra were not installed
    assert main(["clean", str(ROOT / "corpora" / "raw"), "-o", str(tmp_path / "out"), "--engine", "ray"]) == 2
    assert "pip install 'cleaner[ray]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_ray_address_needs_engine_ray(tmp_path, capsys):
    assert main(["clean", str(ROOT / "corpora" / "raw"), "-o", str(tmp_path / "out"), "--address", "auto"]) == 2
    assert "ray_address needs engine" in capsys.readouterr().err


# Installed through PYTHONPATH, so it also runs in the Ray workers the subprocess starts.
HANG_HOOK = """
import cleaner.parse.html.extract as extract

real = extract.extract_html

def hanging_extractor(html, *args, **kwargs):
    if b"HANG-HERE" in (html if isinstance(html, bytes) else html.encode()):
        while True:  # a pathological page: pure Python that never returns
            pass
    return real(html, *args, **kwargs)

extract.extract_html = hanging_extractor
"""


def _clean_with_both_engines(corpus: Path, tmp_path: Path, hooks: Path) -> None:
    """``cleaner clean`` with each engine into ``tmp_path/<engine>``, the hooks on the path
    (so they also run in the Ray workers the subprocess starts)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")])}
    for engine in ("local", "ray"):
        result = subprocess.run([sys.executable, "-c", "import sys; from cleaner.commands.cli import main; sys.exit(main())",
                                 "clean", str(corpus), "-o", str(tmp_path / engine), "-q", "--engine", engine,
                                 "--doc-timeout", "2", "-j", "2"],
                                capture_output=True, text=True, timeout=900, env=env)
        assert result.returncode == 0, result.stderr


@pytest.mark.ray
@pytest.mark.slow
def test_a_document_over_its_time_budget_on_ray_is_the_local_timeout_error(tmp_path):
    pytest.importorskip("ray", reason="the ray extra is not installed: pip install -e '.[test]'")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HANG_HOOK)
    corpus = tmp_path / "in"
    shutil.copytree(ROOT / "corpora" / "raw", corpus)
    page = ("<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>"
            + "".join(f"<p>{_article(random.Random(i), 80)}</p>" for i in range(3)) + "</article></body></html>")
    (corpus / "fine.html").write_text(page)
    (corpus / "hangs.html").write_text(page.replace("</article>", "<p>HANG-HERE</p></article>"))
    _clean_with_both_engines(corpus, tmp_path, hooks)
    _assert_same(tmp_path / "local", tmp_path / "ray")
    errors = [json.loads(line) for line in (tmp_path / "ray" / "errors.jsonl").read_text().splitlines()]
    assert [(e["path"], e["reason"]) for e in errors] == [("hangs.html", "timeout")]
    assert "2 s budget" in errors[0]["message"]


@pytest.mark.ray
@pytest.mark.slow
def test_engines_write_the_same_folder_on_near_duplicates_and_timeouts_together(tmp_path):
    """Both at once: the planted exact and near duplicates of the generated sites, and a page
    among them that never finishes (a timeout error)."""
    pytest.importorskip("ray", reason="the ray extra is not installed: pip install -e '.[test]'")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HANG_HOOK)
    corpus = _corpus(tmp_path / "in")
    page = ("<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>"
            + "".join(f"<p>{_article(random.Random(i), 80)}</p>" for i in range(3)) + "</article></body></html>")
    (corpus / "alpha" / "hangs.html").write_text(page.replace("</article>", "<p>HANG-HERE</p></article>"))
    _clean_with_both_engines(corpus, tmp_path, hooks)
    manifest = _assert_same(tmp_path / "local", tmp_path / "ray")
    assert manifest["dedup"]["dropped_exact"] > 5 and manifest["dedup"]["dropped_near"] > 5
    errors = [json.loads(line) for line in (tmp_path / "ray" / "errors.jsonl").read_text().splitlines()]
    assert ("alpha/hangs.html", "timeout") in [(e["path"], e["reason"]) for e in errors]
