"""Bounds on a JSON document checked on its text, before it is parsed into Python objects: a body nested a
hundred thousand levels deep would exhaust the parser's recursion (a 500), one of many megabytes its memory.
``API_JSON_MAX_BYTES`` and ``API_JSON_MAX_DEPTH`` (settings) say how far; the API's parser and every field
that takes JSON text check them."""

from django.conf import settings
from django.utils.translation import gettext as _


class TooLarge(ValueError):
    """The document exceeds a bound; the message says which, in the user's language."""


def depth(text: str | bytes) -> int:
    """How deeply objects and arrays nest in ``text`` (brackets inside strings do not count)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    opening = text.count("{") + text.count("[")
    if opening <= 1:
        return opening
    deepest = level = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            level += 1
            deepest = max(deepest, level)
        elif char in "}]":
            level -= 1
    return deepest


def check(text: str | bytes) -> None:
    """Raise ``TooLarge`` when ``text`` is longer or nests deeper than the settings allow."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > settings.API_JSON_MAX_BYTES:
        raise TooLarge(_("The JSON document is too large: at most %(kb)s kB.") % {
            "kb": settings.API_JSON_MAX_BYTES // 1024})
    if depth(text) > settings.API_JSON_MAX_DEPTH:
        raise TooLarge(_("The JSON document nests objects and lists more than %(depth)s levels deep.") % {
            "depth": settings.API_JSON_MAX_DEPTH})
