"""Reading JSON that comes from outside (platform callbacks, the ingest API) so that a malformed body is a
`BadPayload` with a reason the sender can act on, never an exception deep inside a handler (pure).

Refused: bytes that are not UTF-8, text that is not JSON, nesting deeper than `MAX_DEPTH` (Python's
parser would raise RecursionError near 1,000 levels, and anything deep would slow what walks it), and
strings holding NUL, which PostgreSQL's text and jsonb cannot store.
"""

from __future__ import annotations

import json

MAX_DEPTH = 64  # the platforms' deepest payloads (Slack modals' state) nest about 10 levels


class BadPayload(ValueError):
    """A body that cannot be used; str() is the reason, fit to send back."""


def load_json(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> object:
    """The parsed JSON value of `raw`, or BadPayload saying what is wrong with it."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadPayload(f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadPayload(f"the JSON is nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise BadPayload(f"the body is not JSON: {exc}") from None
    _check(value, max_depth)
    return value


def load_object(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> dict:
    """Like `load_json`, for a body that must be one JSON object."""
    value = load_json(raw, max_depth=max_depth)
    if not isinstance(value, dict):
        raise BadPayload(f"the body must be a JSON object, not {json_type(value)}")
    return value


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _check(value: object, max_depth: int) -> None:
    """Depth and NUL checks, iteratively (the value may be too deep for recursion)."""
    stack: list[tuple[object, int, tuple]] = [(value, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise BadPayload(f"the text at {_where(path)} holds a NUL character (\\u0000)")
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > max_depth:
            raise BadPayload(f"the JSON is nested deeper than {max_depth} levels (at {_where(path)})")
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if isinstance(key, str) and "\x00" in key:
                raise BadPayload(f"a key at {_where(path)} holds a NUL character (\\u0000)")
            stack.append((child, depth + 1, (*path, key)))


def _where(path: tuple) -> str:
    """`$[0].customer`: where in the body a value is."""
    return "$" + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path)
