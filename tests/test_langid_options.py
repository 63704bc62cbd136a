"""Language identifiers behind the registry: langdetect by default, faster ones as options,
checked on the multilingual check set (tests/data/langid-check.yaml)."""
import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from cleaner.commands.cli import main
from cleaner.config import Config, ConfigError, build_config
from cleaner.langid.base import DEFAULT_IDENTIFIER, IDENTIFIERS, identifier

CHECK_SET = yaml.safe_load((Path(__file__).parent / "data" / "langid-check.yaml").read_text(encoding="utf-8"))
OPTIONS = ("cld2", "fasttext-lite", "py3langid")


def test_the_check_set_has_twenty_languages_with_short_and_long_texts():
    assert len(CHECK_SET) >= 20
    assert all(len(texts["short"]) == 2 and len(texts["long"]) > 100 for texts in CHECK_SET.values())


def test_langdetect_stays_the_default():
    assert DEFAULT_IDENTIFIER == "langdetect" == Config().identifier()
    assert set(OPTIONS) <= set(IDENTIFIERS)


@pytest.mark.parametrize("name", OPTIONS)
def test_option_agrees_with_langdetect_on_every_long_text(name):
    """What let an identifier into a profile: on every long text of the check set it answers
    what langdetect answers, in langdetect's codes (zh-cn, he, no)."""
    identify, reference = identifier(name), identifier(DEFAULT_IDENTIFIER)
    answers = {lang: (identify(texts["long"])[0], reference(texts["long"])[0]) for lang, texts in CHECK_SET.items()}
    assert {lang: got for lang, (got, want) in answers.items() if got != want} == {}
    assert answers["zh-cn"][0] == "zh-cn" and answers["he"][0] == "he" and answers["no"][0] == "no"


@pytest.mark.parametrize("name", [DEFAULT_IDENTIFIER, *OPTIONS])
def test_identifier_answers_nothing_without_letters_and_a_probability_otherwise(name):
    identify = identifier(name)
    assert identify("") == (None, None) and identify("12 345 -- 67.8 %") == (None, None)
    lang, prob = identify("Der Stadtrat hat am Dienstagabend beschlossen, die Bibliothek offen zu lassen.")
    assert lang == "de" and 0.0 < prob <= 1.0


def test_cld2_survives_control_characters_and_surrogates():
    assert identifier("cld2")("The council met on Tuesday \x85\x9f and voted \ud800 to keep the library open.")[0] == "en"


def test_chosen_identifier_decides_the_language_filter_through_the_cli(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "de.txt").write_text(CHECK_SET["de"]["long"], encoding="utf-8")
    (corpus / "en.txt").write_text(CHECK_SET["en"]["long"], encoding="utf-8")
    out = tmp_path / "out"
    assert main(["clean", str(corpus), "-o", str(out), "-q", "--language-identifier", "cld2", "--languages", "de"]) == 0
    kept = [json.loads(line) for line in (out / "documents" / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    rejected = [json.loads(line) for line in (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(d["source"]["path"], d["lang"]) for d in kept] == [("de.txt", "de")]
    assert [(d["source"]["path"], d["reason"], d["lang"]) for d in rejected] == [("en.txt", "language", "en")]
    assert json.loads((out / "manifest.json").read_text())["config"]["language_identifier"] == "cld2"


def test_unknown_or_missing_identifier_fails_before_any_work(monkeypatch):
    with pytest.raises(ConfigError, match="language_identifier must be one of .*langdetect"):
        build_config({"language_identifier": "franc"})
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "py3langid" else real(name, *a))
    with pytest.raises(ConfigError, match=r"needs the py3langid package: pip install 'cleaner\[langid\]'"):
        build_config({"language_identifier": "py3langid"})
