"""Formats and backends are registered, not branched on: a reader, an output format, a
language identifier and an engine registered through the public API run through ``cleaner
clean`` without a line of dispatch code changed."""
import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from cleaner.commands.cli import main
from cleaner.config import Config, ConfigError
from cleaner.dedup.stage import dedup_config
from cleaner.engines import registry as engines_registry
from cleaner.engines.budget import within_budget
from cleaner.engines.phases import clean_chunk, count_chunk, write_outputs
from cleaner.engines.progress import Progress
from cleaner.engines.registry import Engine, register_engine
from cleaner.engines.state import chunks
from cleaner.heuristics.recurring import RecurringLines
from cleaner.langid import base as langid_base
from cleaner.langid.base import register_identifier
from cleaner.output import sinks
from cleaner.output.sinks import DocumentSink, OutputFormat, register_output_format
from cleaner.pipeline import Pipeline, load_rules
from cleaner.readers import base as readers_base
from cleaner.readers.base import Reader, register_reader
from cleaner.readers.record import Record, error_record
from cleaner.readers.walk import read_files

ARTICLE = ("The river council met on Tuesday evening to discuss the new footbridge, which engineers say "
           "will carry walkers and cyclists across the water from the spring onwards. Residents asked "
           "about the cost, the noise of the works and the trees on the north bank; the council promised "
           "a public meeting in March and a report on the options before the summer holidays begin.")
OTHER = ("Boats on the old canal will pay a smaller fee from next year, the harbour office said in a letter "
         "to owners this week. The office expects more visitors in the warm months and wants the quays to "
         "stay busy; owners of house boats keep their present contracts, and a new mooring plan is due soon.")

THIRD = ("The school choir will sing at the town hall on Sunday afternoon, and tickets are free for "
         "children under twelve. The choir master said the songs come from four countries; parents "
         "who want to help with the chairs and the coffee can write to the school office before Friday.")


@pytest.fixture(autouse=True)
def _restore_registries():
    """Registrations made by a test are undone after it, so other tests see the built-in ones only."""
    saved = [(registry, dict(registry)) for registry in
             (readers_base.READERS, sinks.OUTPUT_FORMATS, langid_base.IDENTIFIERS, engines_registry.ENGINES)]
    yield
    for registry, before in saved:
        registry.clear()
        registry.update(before)


def read_csv(path: Path, rel: str, config, skipped: Counter):
    """A tiny CSV reader: columns id,text; one record per row, a row without text an error."""
    with open(path, newline="", encoding="utf-8") as f:
        for row_no, row in enumerate(csv.DictReader(f), 1):
            if not row.get("text"):
                yield error_record(rel, "no-text", f"{rel} row {row_no}: no text column", row_no, "csv")
                continue
            yield Record(rel, row["text"].encode("utf-8"), "text", position=str(row_no), container="csv",
                         record_id=row["id"])


class TsvSink(DocumentSink):
    """Documents as id<TAB>text lines."""

    extension = ".tsv"

    def _open(self, path: Path) -> None:
        self._out = open(path, "w", encoding="utf-8", newline="\n")

    def _write(self, line: str) -> None:
        record = json.loads(line)
        self._out.write(f"{record['id']}\t{record['text'].replace(chr(9), ' ').replace(chr(10), ' ')}\n")

    def _close_current(self) -> None:
        self._out.close()


def _csv_input(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([("id", "text"), ("first", ARTICLE), ("second", ""), ("third", OTHER)])
    (folder / "articles.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return folder


def test_a_registered_reader_reads_its_suffix_through_the_cli(tmp_path):
    register_reader(Reader("csv", (".csv",), read_csv))
    out = tmp_path / "out"
    assert main(["clean", str(_csv_input(tmp_path)), "-o", str(out), "-q", "-j", "1"]) == 0
    documents = [json.loads(line) for line in (out / "documents" / "documents.jsonl").read_text().splitlines()]
    assert [(d["source"]["record_id"], d["source"]["format"], d["text"]) for d in documents] \
        == [("first", "csv", ARTICLE), ("third", "csv", OTHER)]
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert [e["error"]["reason"] if isinstance(e.get("error"), dict) else e.get("reason") for e in errors] \
        == ["no-text"], errors
    # forced for every file too, by its registered name
    assert Config(input_format="csv").input_format == "csv"


def test_a_reader_registered_with_own_ids_gives_its_documents_their_ids(tmp_path):
    register_reader(Reader("csv", (".csv",), read_csv, own_ids=True))
    out, inputs = tmp_path / "out", _csv_input(tmp_path)
    (inputs / "later.csv").write_text(f'id,text\nfirst,"{THIRD}"\n', encoding="utf-8")
    assert main(["clean", str(inputs), "-o", str(out), "-q", "-j", "1"]) == 0
    documents = [json.loads(line) for line in (out / "documents" / "documents.jsonl").read_text().splitlines()]
    assert [(d["id"], "record_id" in d["source"], d["text"]) for d in documents] \
        == [("first", False, ARTICLE), ("third", False, OTHER)]
    # an own id is the user's: a second document under it is rejected, as for JSON Lines
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert [(r["id"], r["reason"], r["source"]["path"]) for r in rejects] == [("first", "duplicate-id", "later.csv")]


def test_an_unregistered_format_is_refused_listing_the_registered_ones():
    with pytest.raises(ConfigError, match="input_format must be one of auto, text, html, jsonl, warc, parquet"):
        Config(input_format="csv")
    with pytest.raises(ConfigError, match="output_format must be one of"):
        Config(output_format="tsv")


def test_a_registered_output_format_writes_the_documents(tmp_path):
    register_reader(Reader("csv", (".csv",), read_csv))
    register_output_format(OutputFormat("tsv", (".tsv",), lambda folder, shard_size, compression, first_shard:
                                        TsvSink(folder, shard_size, first_shard=first_shard)))
    out, inputs = tmp_path / "out", _csv_input(tmp_path)
    assert main(["clean", str(inputs), "-o", str(out), "-q", "-j", "1",
                 "--output-format", "tsv", "--shard-size", "1"]) == 0
    assert sorted(p.name for p in (out / "documents").iterdir()) == ["documents-00000.tsv", "documents-00001.tsv"]
    first_id = (out / "documents" / "documents-00000.tsv").read_text().split("\t")[0]
    assert (out / "documents" / "documents-00000.tsv").read_text() == f"{first_id}\t{ARTICLE}\n"
    assert (out / "documents" / "documents-00001.tsv").read_text().endswith(f"\t{OTHER}\n")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["outputs"]["format"] == "tsv"
    # a later run knows the registered format's files as its own: a documents file of the old
    # layout (beside the side files) goes, another file stays
    (out / "documents-00003.tsv").write_text("old\n")
    (out / "notes.tsv").write_text("mine\n")
    assert main(["clean", str(inputs), "-o", str(out), "-q", "-j", "1"]) == 0
    assert sorted(p.name for p in (out / "documents").iterdir()) == ["documents.jsonl"]
    assert not (out / "documents-00003.tsv").exists() and (out / "notes.tsv").exists()


def test_a_registered_language_identifier_decides_the_language_filter(tmp_path):
    register_reader(Reader("csv", (".csv",), read_csv))
    register_identifier("canal-is-dutch", lambda text: ("nl", 0.99) if "canal" in text else ("en", 0.98))
    out = tmp_path / "out"
    assert main(["clean", str(_csv_input(tmp_path)), "-o", str(out), "-q", "-j", "1",
                 "--language-identifier", "canal-is-dutch", "--languages", "en"]) == 0
    documents = [json.loads(line) for line in (out / "documents" / "documents.jsonl").read_text().splitlines()]
    assert [(d["source"]["record_id"], d["lang"]) for d in documents] == [("first", "en")]
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert [r["source"]["record_id"] for r in rejects] == ["third"]


def run_serial(inputs, out_dir, config, *, jobs=None, progress=False, config_file=None, log=None, stream=None):
    """A tiny engine: the phases of every engine, mapped over the chunks in this process, one by one."""
    def each(chunk):
        return lambda process: within_budget(chunk, process, config.doc_timeout, {}, [])

    recurring = None
    if config.heuristics and config.recurring:
        recurring = RecurringLines.merged(count_chunk(each(chunk)) for chunk in chunks(read_files(inputs, config)))
    pipeline = Pipeline(config, load_rules(config), recurring=recurring)
    skipped: Counter = Counter()
    dedup = dedup_config(config) if config.dedup else None

    def cleaned():
        for chunk in chunks(read_files(inputs, config, skipped)):
            done = clean_chunk(pipeline, each(chunk), dedup, config)
            yield done.finished, done.stats, done.report, done.fingerprints

    return write_outputs(Path(out_dir), config, cleaned(), pipeline, skipped, config_file, Progress(False),
                         stream=stream)


def test_a_registered_engine_runs_the_clean_command_with_the_local_engines_output(tmp_path, capsys):
    pytest.importorskip("pyarrow")  # the corpus has a Parquet file
    from test_ray_engine import _assert_same, _corpus

    with pytest.raises(SystemExit):  # not an --engine choice before it is registered
        main(["clean", str(tmp_path), "-o", str(tmp_path / "x"), "--engine", "serial"])
    assert main(["clean", str(tmp_path), "-o", str(tmp_path / "x"), "--config", str(_engine_file(tmp_path))]) == 2
    assert "engine must be one of local, ray, not 'serial'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()  # refused before any work
    register_engine(Engine("serial", run_serial))
    corpus = _corpus(tmp_path / "in")
    assert main(["clean", str(corpus), "-o", str(tmp_path / "local"), "-q", "-j", "2"]) == 0
    assert main(["clean", str(corpus), "-o", str(tmp_path / "serial"), "-q", "--engine", "serial"]) == 0
    manifest = _assert_same(tmp_path / "local", tmp_path / "serial")
    assert manifest["dedup"]["dropped_near"] > 5 and manifest["counts"]["errored"] >= 2  # it means something
    assert not (tmp_path / "serial" / ".cleaner-state").exists()  # the local engine's state: not used


def _engine_file(tmp_path: Path) -> Path:
    path = tmp_path / "engine.toml"
    path.write_text('engine = "serial"\n')
    return path
