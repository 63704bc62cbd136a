"""benchmarks/dump_styles.py renders the evaluation pages the way scrapers do: it must keep
working as the package moves (a broken import once left every browser style empty, scored
as 0.000), and a page it fails on must be retried, not cached as an empty dump."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import dump_styles  # noqa: E402

ARTICLE = ("The harbour board voted on Tuesday to rebuild the old ferry pier before the winter "
           "storms, after engineers found the pilings had rotted through in three places. ")


def _page(tmp_path: Path) -> Path:
    page = tmp_path / "1.html"
    page.write_text("<html><head><title>Pier</title></head><body><nav><a href='/'>Home</a></nav>"
                    f"<article><h1>Pier to be rebuilt</h1><p>{ARTICLE * 3}</p><p>{ARTICLE}</p></article>"
                    "</body></html>", encoding="utf-8")
    return page


def test_a_page_renders_through_the_packages_decoder(tmp_path):
    text = dump_styles.render("trafilatura-md", _page(tmp_path))
    assert "rotted through in three places" in text


def test_a_page_that_fails_to_render_is_retried_by_the_next_build(tmp_path):
    target = tmp_path / "1.txt"
    problem = dump_styles._render_one(("no-such-style", _page(tmp_path), target))
    assert "unknown style" in problem
    assert target.read_text() == "" and not dump_styles._rendered(target)
    assert dump_styles._render_one(("trafilatura-md", _page(tmp_path), target)) is None
    assert dump_styles._rendered(target) and "ferry pier" in target.read_text()
