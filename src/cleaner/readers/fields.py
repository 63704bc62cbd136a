"""Records from JSON objects (a JSON Lines line, a Parquet row): the text or HTML field, the url
and id, and every other field passed through as metadata; field names may be dotted paths."""
from __future__ import annotations

from typing import Any, Callable

from cleaner.readers.record import Record


def object_record(obj: dict, rel: str, position: str, container: str, fields: tuple[str, str, str, str],
                  fail: Callable[[str, str], Record]) -> Record:
    """The record of one JSON Lines object or Parquet row: its HTML or text field (dotted paths
    reach into nested objects, :func:`field_value`), its url and id, and every other field as
    ``metadata`` (:func:`passed_through`). ``fail(reason, message)`` makes the error record."""
    html_field, text_field, url_field, id_field = fields
    html, text = field_value(obj, html_field), field_value(obj, text_field)
    if isinstance(html, str):
        data, kind = html, "html"
    elif isinstance(text, str):
        data, kind = text, "text"
    else:
        found = ", ".join(f"{name!r} is {json_type(value)}" for name in (html_field, text_field)
                          if (value := field_value(obj, name, _MISSING)) is not _MISSING)
        return fail("no-text-field", f"no string field {html_field!r} or {text_field!r}"
                    f"{' (' + found + ')' if found else ''}; fields present: {', '.join(map(repr, obj)) or 'none'}. "
                    "Name the fields with --html-field / --text-field (dotted paths such as metadata.text reach "
                    "into nested objects)")
    url, record_id = field_value(obj, url_field), field_value(obj, id_field)
    url = url if isinstance(url, str) else None
    record_id = str(record_id) if isinstance(record_id, (str, int)) and not isinstance(record_id, bool) else None
    if record_id == "":
        record_id = None
    used = [html_field, text_field] + ([url_field] if url is not None else []) \
        + ([id_field] if record_id is not None else [])
    metadata = passed_through(obj, used)
    return Record(rel, data.encode("utf-8", "surrogatepass"), kind, url=url, position=position,
                  container=container, record_id=record_id, metadata=metadata or None)


_MISSING = object()


def field_value(obj: dict, path: str, default: Any = None) -> Any:
    """The value at a field name or dotted path (``metadata.url``); a key that itself holds the
    dots wins over the path.

    >>> record = {"metadata": {"url": "u", "a.b": 1}, "x.y": 2}
    >>> field_value(record, "metadata.url"), field_value(record, "x.y"), field_value(record, "metadata.z")
    ('u', 2, None)
    """
    if path in obj:
        return obj[path]
    node: Any = obj
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def passed_through(obj: dict, used: list[str]) -> dict:
    """A record's fields that are not the text, HTML, url or id: what becomes the document's
    ``metadata``. A nested ``metadata`` object (datatrove's and dolma's records) is the user's
    metadata already: its fields join the others instead of nesting as ``metadata.metadata``
    (unless one of its names is also a top-level field: then nothing is merged, so nothing is lost).

    >>> passed_through({"text": "t", "lang": "en", "metadata": {"url": "u", "date": "d"}}, ["text", "metadata.url"])
    {'lang': 'en', 'date': 'd'}
    """
    rest = _without(obj, [path.split(".") if path not in obj else [path] for path in used])
    nested = rest.get("metadata")
    if isinstance(nested, dict) and not set(nested) & set(rest):
        rest = {**{k: v for k, v in rest.items() if k != "metadata"}, **nested}
    return rest


def _without(obj: dict, paths: list[list[str]]) -> dict:
    """A copy of ``obj`` without the fields at ``paths``; objects emptied by that go too."""
    out = {}
    for key, value in obj.items():
        inner = [path[1:] for path in paths if path[0] == key]
        if not inner:
            out[key] = value
        elif all(inner) and isinstance(value, dict):
            value = _without(value, inner)
            if value:
                out[key] = value
    return out


def json_type(value: Any) -> str:
    """How JSON calls the value's type.

    >>> json_type(None), json_type([1]), json_type(2.5), json_type("s")
    ('null', 'an array', 'a number', 'a string')
    """
    return "null" if value is None else {dict: "an object", list: "an array", bool: "a boolean", str: "a string",
                                         int: "a number", float: "a number"}.get(type(value), "a value")
