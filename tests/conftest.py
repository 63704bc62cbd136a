import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session", autouse=True)
def _derived_cache(tmp_path_factory):
    """The cache of derived data (cleaner.derived) in a folder of this session's, never the user's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("CLEANER_CACHE_DIR", str(tmp_path_factory.mktemp("derived-cache")))
    yield
    patch.undo()


@pytest.fixture
def mixed_inputs(tmp_path) -> Path:
    """A folder of the repository's text dumps, sample corpus and multilingual HTML pages."""
    inp = tmp_path / "in"
    inp.mkdir()
    sources = (sorted((ROOT / "corpora" / "raw").glob("*.txt")) + sorted((ROOT / "tests" / "data" / "dumps").glob("*"))
               + sorted((ROOT / "tests" / "data" / "multilingual").glob("*.html")))
    for i, source in enumerate(sources):
        (inp / f"{i:02d}_{source.name}").write_bytes(source.read_bytes())
    return inp


def clean_folder(inp: Path, out: Path, env: dict[str, str]) -> dict[str, bytes]:
    """Every file ``cleaner clean INP -o OUT -j 1 --provenance full --txt`` writes, by name, run
    in a process of its own with ``env``."""
    code = "import sys; from cleaner.commands.cli import main; sys.exit(main())"
    done = subprocess.run([sys.executable, "-c", code, "clean", str(inp), "-o", str(out), "-q", "-j", "1",
                           "--provenance", "full", "--txt"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def clean_outputs():
    """:func:`clean_folder`, with ``env`` given as changes to this process's environment."""
    return lambda inp, out, **changes: clean_folder(inp, out, {**os.environ, **changes})
