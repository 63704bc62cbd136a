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
