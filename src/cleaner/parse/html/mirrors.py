"""The check behind code mirrored from trafilatura (``metadata``, ``trafilatura_text``): each
mirror is pinned by the sha256 of the trafilatura code it follows, and where the installed
trafilatura's code differs, trafilatura's own function runs instead (same result, slower)."""
from __future__ import annotations

import hashlib
import logging
from typing import Callable

LOGGER = logging.getLogger(__name__)


def mirror_matches(mirrored_code: Callable[[], str], digest: str, mirror: str, fallback: str) -> bool:
    """Whether ``mirrored_code()`` (the installed trafilatura's code that module ``mirror``
    follows) still has the sha256 ``digest``; if not, a warning says that ``fallback`` runs."""
    try:
        current = hashlib.sha256(mirrored_code().encode()).hexdigest() == digest
    except Exception:  # noqa: BLE001 - a renamed function or XPath list: not the code mirrored
        current = False
    if not current:
        LOGGER.warning("the installed trafilatura's code differs from what %s mirrors: using "
                       "trafilatura's %s (same result, slower)", mirror, fallback)
    return current
