"""One error shape for the whole API: {"error": {"code", "message", "field"}}.

Messages are lazy catalogue strings (msgid English, Chinese by default): an operation may build one outside a
request (a job, the CLI), and it is put into words in the caller's language only when serialised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

Text = str | LazyString  # a message: plain, or a catalogue string translated when rendered


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: a machine code, a message in the catalogue and the field."""

    code: str
    message: Text
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "field": self.field}


def problems_by_field(problems: list[Problem], texts: dict[str, Text] | None = None) -> dict[str, list[str]]:
    """Each field's problems for a form, in the current language; problems of no field under "".

    A form may word a code its own way with `texts`.
    """
    fields: dict[str, list[str]] = {}
    for p in problems:
        fields.setdefault(p.field or "", []).append(str((texts or {}).get(p.code, p.message)))
    return fields


class ApiError(Exception):
    """An error a caller can act on; rendered in the one error shape."""

    status = 400
    code = "bad_request"
    message: Text = _l("Bad request")

    def __init__(self, message: Text | None = None, *, code: str | None = None, field: str | None = None):
        self.message = self.message if message is None else message
        super().__init__(self.message)
        self.code = code or self.code
        self.field = field

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": str(self.message), "field": self.field}}


class NotFound(ApiError):
    status = 404
    code = "not_found"
    message = _l("Not found")


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    message = _l("You are not allowed to do this")


class Unauthorised(ApiError):
    status = 401
    code = "unauthorised"
    message = _l("Authentication required")


class Conflict(ApiError):
    status = 409
    code = "conflict"
    message = _l("Conflicts with an existing record")


class ValidationFailed(ApiError):
    """Every problem of one input at once; the first one fills the top-level fields."""

    status = 422
    code = "invalid"

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("ValidationFailed needs at least one problem")
        first = problems[0]
        super().__init__(first.message, code=first.code, field=first.field)
        self.problems = problems

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["error"]["details"] = [p.as_dict() for p in self.problems]
        return body


class ProblemCollector:
    """Collect validation problems, then raise once (STYLE.md convention 6)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: str, message: Text, field: str | None = None) -> None:
        self.problems.append(Problem(code, message, field))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationFailed(self.problems)


# Messages for plain HTTP errors raised by Flask/Werkzeug themselves (routing, methods, limits).
_HTTP_MESSAGES = {
    400: ("bad_request", _l("Bad request")),
    401: ("unauthorised", _l("Authentication required")),
    403: ("forbidden", _l("You are not allowed to do this")),
    404: ("not_found", _l("No such address or record")),
    405: ("method_not_allowed", _l("Method not allowed")),
    409: ("conflict", _l("Conflict")),
    413: ("too_large", _l("Request body too large")),
    415: ("unsupported_media_type", _l("Send JSON")),
    429: ("rate_limited", _l("Too many attempts, try again later")),
    500: ("internal_error", _l("Internal server error")),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, code: str, message: Text, field: str | None = None) -> Response:
    response = jsonify({"error": {"code": code, "message": str(message), "field": field}})
    response.status_code = status
    return response


def render_error_page(status: int) -> Any:
    """The HTML UI's error page, in the layout: what happened and what to do next (templates/error.html)."""
    try:
        return render_template("error.html", status=status), status
    except Exception:  # the layout itself failed: still answer, in plain text
        return f"{status} {_HTTP_MESSAGES.get(status, ('', ''))[1]}", status


def render_api_error(exc: ApiError) -> Any:
    """JSON in the one shape for the API; an error page in the layout for the HTML UI."""
    if not _wants_json():
        return render_error_page(exc.status)
    response = jsonify(exc.body())
    response.status_code = exc.status
    return response


def register_error_handlers(app: Flask) -> None:
    """Render ApiError and HTTP errors in the one shape for API paths."""
    app.register_error_handler(ApiError, render_api_error)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if not _wants_json():
            return exc if (exc.code or 500) < 400 else render_error_page(exc.code or 500)
        # spectree aborts with a ready JSON response; ours is raised earlier, so this is a fallback.
        status = exc.code or 500
        code, message = _HTTP_MESSAGES.get(status, ("http_error", exc.name))
        return error_response(status, code, message)

    @app.errorhandler(IntegrityError)
    def _constraint(exc: IntegrityError) -> Any:
        # A concurrent twin won a unique row (a nap's end, a follow-up's closing, an idempotency key): the
        # request's session is rolled back by the unit of work (an answer >= 400), and the caller may retry.
        app.logger.warning("write refused by a constraint", exc_info=True)
        if not _wants_json():
            return render_error_page(409)
        return error_response(409, "conflict", _l("Conflicts with a concurrent change, retry"))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        app.logger.exception("unhandled error")
        if not _wants_json():
            return render_error_page(500)
        code, message = _HTTP_MESSAGES[500]
        return error_response(500, code, message)
