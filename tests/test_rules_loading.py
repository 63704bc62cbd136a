"""The built-in rules are read by libyaml's parser where PyYAML has it: the same rules as the
pure-Python parser gives, and user rule files keep the pure-Python parser's messages."""
from __future__ import annotations

import pytest
import yaml

from cleaner.rules import model
from cleaner.rules.model import RuleError, RuleSet, builtin_rules_dir


@pytest.mark.parametrize("path", sorted(builtin_rules_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_builtin_file_reads_the_same_with_either_parser(path):
    text = path.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=model._BUILTIN_LOADER) == yaml.safe_load(text)


def test_builtin_rules_are_the_same_with_the_pure_python_parser(monkeypatch):
    fast = RuleSet.load()
    monkeypatch.setattr(model, "_BUILTIN_LOADER", yaml.SafeLoader)
    plain = RuleSet.load()
    assert fast.digest == plain.digest
    assert [(r.id, r.pattern.pattern, r.guards, r.strip, r.keep) for r in fast.rules] == \
        [(r.id, r.pattern.pattern, r.guards, r.strip, r.keep) for r in plain.rules]


def test_a_broken_user_file_is_reported_by_the_pure_python_parser(tmp_path):
    (tmp_path / "mine.yaml").write_text("rules:\n  - id: AB001\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleError) as err:
        RuleSet.load([tmp_path])
    expected = None
    try:
        yaml.safe_load((tmp_path / "mine.yaml").read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        expected = str(exc)
    assert expected and expected in str(err.value)
