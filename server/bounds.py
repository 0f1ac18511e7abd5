"""Bounds every request meets before anything parses or stores it: ids, body size, JSON depth and shape.

A value outside these bounds used to reach Python's recursive JSON parser (RecursionError), the database
(an id past the integer column) or spectree, which reads an unreadable body as `{}` — so an empty, invalid,
`[]` or `null` PATCH was taken for an empty change. Here each is refused with a 4xx in the one error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic_core
from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from server.apispec import MAX_ID
from server.errors import error_response

MAX_JSON_DEPTH = 32  # our deepest body is 4 levels; a device batch is parsed by its own bounded parser
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
OWN_BODY_PARSER = "_tuoyu_parses_own_body"


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 1 … 2**31 − 1, so a larger number is a 404, never a database error.

    Out-of-range values raise NotFound rather than werkzeug's ValidationError, which would make the router
    try the other rules and answer 405 for a path that no method serves.
    """

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise NotFound()
        return number


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, parsed by pydantic-core (iterative, depth-limited) instead of the recursive stdlib parser."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return pydantic_core.from_json(s)


def parses_own_body(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that reads its body with a bounded parser of its own (the device event batch)."""
    setattr(view, OWN_BODY_PARSER, True)
    return view


def _depth(value: Any, limit: int) -> int:
    """The nesting depth of a parsed JSON value, counted without recursion and stopping past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def check_api_body() -> ResponseReturnValue | None:
    """Refuse an API write whose body is too big, not JSON, too deep or not an object; cache the parsed body."""
    if not request.path.startswith("/api/") or request.method not in WRITE_METHODS:
        return None
    view = request.url_rule and _view(request.url_rule.endpoint)
    if view is None or getattr(view, OWN_BODY_PARSER, False):
        return None
    length = request.content_length
    limit = _body_limit()
    if length is not None and length > limit:
        return error_response(413, "too_large", _l("Request body too large"))
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        return error_response(413, "too_large", _l("Request body too large"))
    if not raw.strip():
        if request.method in ("PUT", "PATCH"):
            return error_response(400, "body_required", _l("A JSON object is required"))
        return None
    if not request.is_json:
        return error_response(415, "unsupported_media_type", _l("Send JSON (Content-Type: application/json)"))
    try:
        body = request.get_json()
    except Exception:  # noqa: BLE001 - werkzeug's BadRequest or pydantic-core's ValueError: both mean unreadable
        return error_response(400, "invalid_json", _l("The body is not valid JSON"))
    if not isinstance(body, dict):
        return error_response(422, "body_not_object", _l("The body must be a JSON object"))
    if _depth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return error_response(400, "too_deep", _l("The JSON is nested too deeply"))
    return None


def arg_ids(name: str) -> list[int]:
    """Ids from a query string (`?staff=3`, repeatable) for the HTML pages; 400 if one is not an id."""
    from flask import abort

    values = request.args.getlist(name)
    if not all(v.isdigit() and 1 <= int(v) <= MAX_ID for v in values):
        abort(400)
    return [int(v) for v in values]


def arg_id(name: str) -> int | None:
    """One optional id from the query string; 400 if it is not one."""
    ids = arg_ids(name)
    return ids[0] if ids else None


def _view(endpoint: str) -> Callable[..., Any] | None:
    from flask import current_app

    return current_app.view_functions.get(endpoint)


def _body_limit() -> int:
    from flask import current_app

    return int(current_app.config["API_MAX_BODY_BYTES"])


def register_bounds(app: Flask) -> None:
    """Install the id converter (before any blueprint), the bounded JSON parser and the body check."""
    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)
    app.before_request(check_api_body)
