"""The output records' JSON is the standard library's, byte for byte, whichever encoder wrote it."""
import json
import shutil
from pathlib import Path

from hypothesis import given, settings, strategies as st

from cleaner.commands.cli import main
from cleaner.output import records
from cleaner.output.records import dumps

ROOT = Path(__file__).resolve().parents[1]


def stdlib(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# Every JSON value Python can hold, with the ones orjson writes otherwise or refuses on purpose:
# small and special floats, integers past 64 bits, non-string keys, lone surrogates.
_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e-05, -3.5e-07, 1e-4, 9.99e-05, 1e16])
_SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63, max_value=2**70)
            | _FLOATS | st.text() | st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_dumps_writes_what_json_dumps_writes(value):
    assert dumps(value) == stdlib(value)


def test_dumps_takes_the_fast_path_for_records():
    record = {"id": "a", "title": None, "text": "Café \"x\"\n\t\u2028", "lang": "fr", "lang_prob": 0.99999,
              "removed": [{"rule": "AD001", "start": 0, "end": 12, "reason": ""}]}
    assert records._orjson_writes_alike(record)
    assert not records._orjson_writes_alike({**record, "lang_prob": 1e-05})
    assert dumps(record) == stdlib(record)


def test_clean_output_is_identical_with_the_standard_library_encoder(tmp_path, monkeypatch):
    """Through the CLI: the sample corpus plus a JSONL file whose passed-through fields hold the
    values the fast encoder writes otherwise (they must reach the output as the stdlib writes them)."""
    corpus = tmp_path / "raw"
    shutil.copytree(ROOT / "corpora" / "raw", corpus)
    body = " ".join(["The council met on Tuesday and voted to keep the library open for another year."] * 6)
    rows = [{"id": "tiny", "text": body, "score": 1e-05, "big": 2**70, "nan": float("nan")},
            {"id": "plain", "text": body.replace("Tuesday", "Monday"), "score": 0.5, "ok": True}]
    (corpus / "extra.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["clean", str(corpus), "-o", str(tmp_path / "fast"), "-q"]) == 0
    monkeypatch.setattr(records, "_orjson_writes_alike", lambda obj: False)
    assert main(["clean", str(corpus), "-o", str(tmp_path / "slow"), "-q"]) == 0
    documents = (tmp_path / "fast" / "documents" / "documents.jsonl").read_text(encoding="utf-8")
    assert '"score":1e-05' in documents and '"big":1180591620717411303424' in documents
    for name in ("documents/documents.jsonl", "removed.jsonl", "rejects.jsonl", "errors.jsonl"):
        assert (tmp_path / "fast" / name).read_bytes() == (tmp_path / "slow" / name).read_bytes(), name
