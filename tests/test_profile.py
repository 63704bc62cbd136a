"""--profile fast: the default's clean text, a coarser audit (heuristic ids), the cld2 identifier."""
import json
import shutil
from pathlib import Path

import pytest

from cleaner.commands.cli import main
from cleaner.config import ConfigError, build_config

ROOT = Path(__file__).resolve().parents[1]


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The sample corpus cleaned with the default profile and with --profile fast."""
    tmp = tmp_path_factory.mktemp("profiles")
    corpus = tmp / "raw"
    shutil.copytree(ROOT / "corpora" / "raw", corpus)
    out = {}
    for profile in ("exact", "fast"):
        out[profile] = tmp / profile
        assert main(["clean", str(corpus), "-o", str(out[profile]), "-q", "--profile", profile]) == 0
    return out


def test_fast_profile_gives_the_default_clean_text(runs):
    exact, fast = (_records(runs[p] / "documents.jsonl") for p in ("exact", "fast"))
    assert [(d["id"], d["title"], d["text"], d["lang"]) for d in fast] == \
           [(d["id"], d["title"], d["text"], d["lang"]) for d in exact]
    assert _records(runs["fast"] / "rejects.jsonl") == [] or \
        [r["id"] for r in _records(runs["fast"] / "rejects.jsonl")] == [r["id"] for r in _records(runs["exact"] / "rejects.jsonl")]
    for name in ("texts",):
        assert sorted(p.read_bytes() for p in (runs["fast"] / name).iterdir()) == \
               sorted(p.read_bytes() for p in (runs["exact"] / name).iterdir())


def test_fast_profile_names_removals_by_their_heuristic(runs):
    exact, fast = (_records(runs[p] / "documents.jsonl") for p in ("exact", "fast"))
    credited = [r for d in exact for r in d["removed"] if r.get("reason", "").startswith("H-")]
    assert credited, "the default credits heuristic removals to rules (AD001 for 'Advertisement')"
    assert not [r for d in fast for r in d["removed"] if r.get("reason", "").startswith("H-")]
    spans = {(d["id"], r["start"], r["end"]) for d in exact for r in d["removed"]}
    assert {(d["id"], r["start"], r["end"]) for d in fast for r in d["removed"]} == spans
    heuristic = {(r["start"], r["end"]): r["rule"] for d in fast for r in d["removed"]}
    assert all(heuristic[(r["start"], r["end"])] == r["reason"].split(":")[0] for r in credited if
               (r["start"], r["end"]) in heuristic)


def test_profile_is_recorded_and_picks_the_identifier(runs):
    for profile in ("exact", "fast"):
        config = json.loads((runs[profile] / "manifest.json").read_text())["config"]
        assert config["profile"] == profile and config["language_identifier"] == ""
    assert build_config({"profile": "fast"}).identifier() == "cld2"
    assert build_config({}).identifier() == "langdetect"
    assert build_config({"profile": "fast", "language_identifier": "langdetect"}).identifier() == "langdetect"
    with pytest.raises(ConfigError, match="profile must be one of exact, fast"):
        build_config({"profile": "quick"})


def test_profile_from_a_config_file_and_explain_still_credits(tmp_path, monkeypatch, capsys):
    """explain always names the rule behind a heuristic removal, whatever the profile."""
    (tmp_path / "cleaner.toml").write_text('profile = "fast"\n')
    monkeypatch.chdir(tmp_path)
    page = sorted((ROOT / "corpora" / "raw").iterdir())[0]
    assert main(["explain", str(page), "--color", "never"]) == 0
    assert "AD001" in capsys.readouterr().out
