"""Render an evaluation set's HTML pages as text dumps in the styles real scrapers write.

    python benchmarks/dump_styles.py [--set dev|train] [--styles ...] [--cache /tmp/cleaner-dump-styles]

One folder per style under ``<cache>/<set>/<style>/<id>.txt`` (never in the repo: the pages'
licence), rendered once and reused. The styles:

* ``one-line``: the set's own ``.dump.txt`` (one line per visible block);
* ``inscriptis``: layout-preserving text (inscriptis);
* ``w3m``: ``w3m -dump``, hard-wrapped at 80 columns;
* ``lynx``: ``lynx -dump``, hard-wrapped, ``[12]`` link numbers and a References list;
* ``html2text``: markdown (``#`` headings, ``* `` lists, ``[text](url)`` links), wrapped at 78;
* ``markdownify``: markdown without wrapping;
* ``trafilatura-md``: trafilatura's markdown output (an extracted article, not a page dump);
* ``newswire``: the page's *gold* text written as news-agency copy (:func:`newswire`): control
  characters, a slug line, paragraphs hard-wrapped at 69 columns and ended by `` <``, plus a
  few boilerplate lines of the page's own dump around the story (we have no agency corpus).

Needs ``lynx`` and ``w3m`` on PATH (Debian packages) and ``pip install html2text inscriptis
markdownify`` (the ``bench`` extra); a style whose tool is missing is skipped with a message.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

# ../shared/eval beside the checkout (a worktree one level deeper finds it further up)
EVAL = next((p / "shared" / "eval" for p in Path(__file__).resolve().parents[1:]
             if (p / "shared" / "eval").is_dir()), Path(__file__).resolve().parents[2] / "shared" / "eval")
CACHE = Path(tempfile.gettempdir()) / "cleaner-dump-styles"
STYLES = ("one-line", "inscriptis", "w3m", "lynx", "html2text", "markdownify", "trafilatura-md", "newswire")
NEWSWIRE_WIDTH = 69  # agency copy's column limit
NEWSWIRE_CHROME = 3  # boilerplate lines of the dump before and after the story
TOOL_TIMEOUT = 60  # seconds a browser may take on one page


def _html(page: Path) -> str:
    from cleaner.parse.decode import decode_html

    return decode_html(page.read_bytes())[0]


def _browser(cmd: list[str], html: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".html", encoding="utf-8") as f:
        f.write(html)
        f.flush()
        out = subprocess.run([*cmd, f.name], capture_output=True, timeout=TOOL_TIMEOUT)
    return out.stdout.decode("utf-8", "replace")


def newswire(gold: str, dump: str) -> str:
    """Agency copy of a story: a slug line and a headline between control characters, the
    paragraphs indented, hard-wrapped at NEWSWIRE_WIDTH and ended by ' <', a dateline, an
    end-of-story control; around it the first and last NEWSWIRE_CHROME lines of the page's dump
    that are not in the story (its menus and footer, the boilerplate a feed carries too).

    >>> newswire("Ferry strike ends\\n\\nThe strike is over, the union said.", "Home\\nFerry strike ends").split("\\n")
    ['Home', '\\x16\\x01\\x02C-Ferry-strike-ends,0054 <', '\\x02^Ferry strike ends <', \
'   NEWSROOM (Wire) - The strike is over, the union said. <', '\\x03(Compiled by the desk) <', '\\x1f\\x04', '']
    """
    import textwrap

    paragraphs = [p.strip() for p in gold.split("\n") if p.strip()]
    title, body = (paragraphs[0], paragraphs[1:]) if len(paragraphs) > 1 else ("Story", paragraphs)
    story = set(paragraphs)
    chrome = [line.strip() for line in dump.split("\n") if line.strip() and line.strip() not in story]
    slug = "-".join(title.split()[:4])
    lines = chrome[:NEWSWIRE_CHROME] + [f"\x16\x01\x02C-{slug},{len(gold) % 10000:04d} <", f"\x02^{title} <"]
    for i, paragraph in enumerate(body):
        text = ("NEWSROOM (Wire) - " if i == 0 else "") + paragraph
        wrapped = textwrap.wrap(text, NEWSWIRE_WIDTH, initial_indent="   ", break_on_hyphens=False)
        lines += wrapped[:-1] + [wrapped[-1] + " <"]
    lines += ["\x03(Compiled by the desk) <", "\x1f\x04"] + chrome[NEWSWIRE_CHROME:][-NEWSWIRE_CHROME:]
    return "\n".join(lines) + "\n"


def render(style: str, page: Path) -> str:
    """The page as the style's tool writes it."""
    dump = page.with_name(page.name[: -len(".html")] + ".dump.txt")
    if style == "one-line":
        return dump.read_text(encoding="utf-8")
    if style == "newswire":
        gold = page.with_name(page.name[: -len(".html")] + ".gold.txt").read_text(encoding="utf-8")
        return newswire(gold, dump.read_text(encoding="utf-8"))
    html = _html(page)
    if style == "inscriptis":
        from inscriptis import get_text

        return get_text(html)
    if style == "w3m":
        return _browser(["w3m", "-dump", "-T", "text/html", "-I", "UTF-8", "-O", "UTF-8", "-cols", "80"], html)
    if style == "lynx":
        return _browser(["lynx", "-dump", "-force_html", "-assume_charset=utf-8", "-display_charset=utf-8",
                         "-width=80"], html)
    if style == "html2text":
        import html2text

        return html2text.html2text(html)
    if style == "markdownify":
        from markdownify import markdownify

        return markdownify(html)
    if style == "trafilatura-md":
        import trafilatura

        return trafilatura.extract(html, output_format="markdown", deduplicate=False) or ""
    raise ValueError(f"unknown style {style!r}; choose from {', '.join(STYLES)}")


def available(style: str) -> str | None:
    """None when the style can be rendered here, else why not."""
    tool = {"w3m": "w3m", "lynx": "lynx"}.get(style)
    if tool and shutil.which(tool) is None:
        return f"{tool} not on PATH (apt-get install {tool})"
    module = {"inscriptis": "inscriptis", "html2text": "html2text", "markdownify": "markdownify"}.get(style)
    if module:
        try:
            __import__(module)
        except ImportError:
            return f"{module} not installed (pip install {module})"
    return None


def _render_one(job: tuple[str, Path, Path]) -> str | None:
    style, page, target = job
    try:
        text = render(style, page)
    except Exception as exc:  # a tool failing on one page leaves that page empty, counted
        text = ""
        problem = f"{style} {page.name}: {type(exc).__name__}: {exc}"
    else:
        problem = None
    tmp = target.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    failed = target.with_suffix(".failed")
    if problem:  # the empty page scores as lost; the marker makes the next build retry it
        failed.write_text(problem + "\n", encoding="utf-8")
    else:
        failed.unlink(missing_ok=True)
    return problem


def _rendered(target: Path) -> bool:
    return target.exists() and not target.with_suffix(".failed").exists()


def build(set_name: str, styles: tuple[str, ...] = STYLES, cache: Path = CACHE, jobs: int = 2,
          log=print) -> dict[str, Path]:
    """Render every missing page of every available style; style -> its folder."""
    data = EVAL / f"dragnet-{set_name}"
    pages = sorted(data.glob("*.html"))
    folders, work = {}, []
    for style in styles:
        cached = all(_rendered(cache / set_name / style / (p.name[: -len(".html")] + ".txt")) for p in pages)
        why = None if cached else available(style)
        if why:
            log(f"{style}: skipped, {why}")
            continue
        folder = cache / set_name / style
        folder.mkdir(parents=True, exist_ok=True)
        folders[style] = folder
        work += [(style, p, folder / (p.name[: -len(".html")] + ".txt")) for p in pages
                 if not _rendered(folder / (p.name[: -len(".html")] + ".txt"))]
    if work:
        log(f"rendering {len(work)} page dumps into {cache / set_name}")
        with ProcessPoolExecutor(jobs) as pool:
            for problem in pool.map(_render_one, work, chunksize=8):
                if problem:
                    log(f"  failed (left empty): {problem}")
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="set_name", choices=("dev", "train"), default="dev")
    parser.add_argument("--styles", nargs="+", choices=STYLES, default=list(STYLES))
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    if not (EVAL / f"dragnet-{args.set_name}").is_dir():
        print(f"skipped: {EVAL / f'dragnet-{args.set_name}'} not found")
        return 0
    for style, folder in build(args.set_name, tuple(args.styles), args.cache, args.jobs).items():
        print(f"{style:<15} {len(list(folder.glob('*.txt')))} files in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
