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
    """The sample corpus cleaned with the default profile, with --profile fast, and with
    --profile fast at full provenance."""
    tmp = tmp_path_factory.mktemp("profiles")
    corpus = tmp / "raw"
    shutil.copytree(ROOT / "corpora" / "raw", corpus)
    out = {}
    for name, flags in {"exact": [], "fast": ["--profile", "fast"],
                        "fast-full": ["--profile", "fast", "--provenance", "full"]}.items():
        out[name] = tmp / name
        assert main(["clean", str(corpus), "-o", str(out[name]), "-q", *flags]) == 0
    return out


def test_fast_profile_gives_the_default_clean_text(runs):
    exact, fast = (_records(runs[p] / "documents" / "documents.jsonl") for p in ("exact", "fast"))
    assert [(d["id"], d["title"], d["text"], d["lang"]) for d in fast] == \
           [(d["id"], d["title"], d["text"], d["lang"]) for d in exact]
    assert [r["id"] for r in _records(runs["fast"] / "rejects.jsonl")] == \
           [r["id"] for r in _records(runs["exact"] / "rejects.jsonl")]


def test_fast_profile_names_removals_by_their_heuristic_unless_full_provenance_is_asked(runs):
    exact, fast, full = (_records(runs[p] / "removed.jsonl") for p in ("exact", "fast", "fast-full"))
    first = lambda removed: {line["id"]: line["removed"][0]["rule"] for line in removed}
    # the sample's first page starts with "Advertisement": the heuristics remove it before the
    # body, and crediting names the rule that would have removed it
    assert "AD001" in first(exact).values() and "AD001" in first(full).values()
    assert "AD001" not in first(fast).values() and "H-HEAD" in first(fast).values()
    rules = lambda removed: {r["rule"] for line in removed for r in line["removed"] if not r["rule"].startswith("H-")}
    assert rules(fast) < rules(full)  # fewer rule names: those of the lines the heuristics left


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
