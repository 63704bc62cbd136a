"""Language identification behind one interface, with identifiers registered by name.

A :data:`LanguageIdentifier` maps a text to its language code (or None) and that guess's
probability (or None). Another identifier (fastText, CLD3, ...) is one module that calls
:func:`register_identifier`; the language step takes it by name.
"""
from __future__ import annotations

from typing import Callable

LanguageIdentifier = Callable[[str], tuple[str | None, float | None]]
DEFAULT_IDENTIFIER = "langdetect"
IDENTIFIERS: dict[str, LanguageIdentifier] = {}


def register_identifier(name: str, identify: LanguageIdentifier) -> LanguageIdentifier:
    IDENTIFIERS[name] = identify
    return identify


def identifier(name: str) -> LanguageIdentifier:
    """The identifier registered under ``name``; a name nobody registered fails, listing the known ones."""
    try:
        return IDENTIFIERS[name]
    except KeyError:
        raise ValueError(f"no language identifier {name!r}; registered: {', '.join(IDENTIFIERS)}") from None
