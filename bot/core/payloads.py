"""Reading JSON that comes from outside (platform callbacks, the ingest API) so that a malformed body is a
`BadPayload` with a reason the sender can act on, never an exception deep inside a handler (pure).

Refused: bytes that are not UTF-8, text that is not JSON, nesting deeper than `MAX_DEPTH` (Python's
parser would raise RecursionError near 1,000 levels, and anything deep would slow what walks it), and
strings holding NUL, which PostgreSQL's text and jsonb cannot store. `misshapen` then says whether the
fields a reader relies on have the types it expects, before a library trips over them.
"""

from __future__ import annotations

import json

MAX_DEPTH = 64  # the platforms' deepest payloads (Slack modals' state) nest about 10 levels
NULL = type(None)
OPT = (str, NULL)  # a string or null
KINDS = {str: "a string", int: "a number", bool: "a boolean", NULL: "null"}


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


class Each:
    """In a shape: a JSON object whose every value (under keys of the sender's choosing) has `shape`."""

    def __init__(self, shape):
        self.shape = shape


def misshapen(value, shape, where: str = "") -> str | None:
    """Where a parsed JSON `value` departs from `shape` and how (`event.user must be a string or an
    object`), or None. A shape is a type, a tuple of alternatives, `[shape]` for an array of them,
    `Each(shape)` for an object of them, or a dict of the fields that matter (others are not looked at)."""
    options = shape if isinstance(shape, tuple) else (shape,)
    kinds, deeper = [], None  # what `value` could have been; a problem further down
    for option in options:
        if isinstance(option, type):
            if isinstance(value, option) and not (option is int and isinstance(value, bool)):
                return None
            kinds.append(KINDS[option])
        elif isinstance(option, list):
            if not isinstance(value, list):
                kinds.append("an array")
                continue
            deeper = next(filter(None, (misshapen(v, option[0], f"{where}[{i}]") for i, v in enumerate(value))), None)
            if deeper is None:
                return None
        else:  # an object: known fields, or Each value
            if not isinstance(value, dict):
                kinds.append("an object")
                continue
            fields = ((k, option.shape) for k in value) if isinstance(option, Each) else (
                (k, s) for k, s in option.items() if k in value)
            deeper = next(filter(None, (misshapen(value[k], s, f"{where}.{k}".lstrip(".")) for k, s in fields)), None)
            if deeper is None:
                return None
    return deeper or f"{where or 'the body'} must be {' or '.join(kinds)}"


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
