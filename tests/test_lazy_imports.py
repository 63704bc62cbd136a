"""What a run imports only when its input needs it (start-up is a fixed cost of every run and
every spawned worker). Each check runs in a fresh interpreter, whose modules are its own."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def _python(code: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_ftfy_is_imported_at_the_first_text_that_may_need_repair() -> None:
    assert _python("""
        import sys
        from cleaner import clean_html, clean_text

        prose = "The council approved the budget for the new school on Monday after a long debate. " * 3
        clean_html(f"<html><body><article><h1>Budget</h1><p>{prose}</p><p>Café owners agreed.</p></article></body></html>")
        clean_text(prose + "\\nNaïve readers were not convinced.\\n")
        print("ftfy" in sys.modules)
        repaired = clean_text(prose + "\\nThe Kremlin\\u00e2\\u20ac\\u2122s goals were not stated.\\n").normalised
        print(repaired.splitlines()[-1])
        print("ftfy" in sys.modules)
    """) == ["False", "The Kremlin’s goals were not stated.", "True"]
