"""The OpenAPI document and request validation (spectree + pydantic), and shared API shapes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from flask_babel import lazy_gettext as _l
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.page import PAGE_TEMPLATES as SPECTREE_PAGES
from sqlalchemy import Select, func, select

from server.database import db
from server.errors import Problem, ValidationFailed


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    """The one error shape of the API."""

    error: ErrorBody


def _field_of(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query")]
    return ".".join(parts) or None


def _raise_validation_error(req: Any, resp: Any, req_validation_error: Any, instance: Any, *args: Any) -> None:
    """Spectree `before` hook: turn pydantic's errors into our one error shape."""
    if req_validation_error is None:
        return
    problems = [
        Problem(
            code=f"invalid_{err['type']}".replace(".", "_")[:40],
            message=_l("Invalid input: %(detail)s", detail=err["msg"]),
            field=_field_of(tuple(err.get("loc", ()))),
        )
        for err in req_validation_error.errors(include_url=False, include_input=False)
    ] or [Problem("invalid", _l("Invalid input"))]
    raise ValidationFailed(problems)


# ReDoc 3, as spectree bundles it, reports usage to Redocly unless told not to (the CSP would block it anyway).
_REDOC_TAG = "<redoc spec-url='{spec_url}'>"
PAGE_TEMPLATES = {**SPECTREE_PAGES, "redoc": SPECTREE_PAGES["redoc"].replace(
    _REDOC_TAG, _REDOC_TAG.replace(">", " disable-telemetry='true'>"))}

spec = SpecTree(
    "flask",
    title="托育运营套件 API",  # generated once, not per request: Chinese first, like the product
    version="1",
    # spectree leaves every route under its own path out of the document, so its pages live
    # under /api/v1/docs and /api/v1/openapi.json is served by register_openapi below.
    path="api/v1/docs",
    mode="strict",
    before=_raise_validation_error,
    validation_error_status=422,
    validation_error_model=ErrorResponse,
    security_schemes=[
        SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer")),
    ],
    security={"bearer": []},
    page_templates=PAGE_TEMPLATES,
)


# Bounds every input shares, so no value reaches the database or date arithmetic out of range.
MAX_ID = 2**31 - 1  # ids are PostgreSQL `integer` columns
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # a sane calendar for any period or record date
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Instant = Annotated[AwareDatetime, Field(ge=datetime(2000, 1, 1, tzinfo=UTC), le=datetime(2100, 12, 31, tzinfo=UTC))]


class Schema(BaseModel):
    """Base of API schemas: no unknown fields accepted, build from ORM objects, no NUL in any text."""

    model_config = ConfigDict(extra="forbid", from_attributes=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold U+0000; refuse it here rather than fail at the INSERT.
        texts = value if isinstance(value, list | tuple) else (value,)
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("text must not contain NUL (U+0000)")
        return value


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=200)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


def paginate(stmt: Select[Any], query: PageQuery, item: type[BaseModel]) -> dict[str, Any]:
    """One page of a query, serialised with `item`."""
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(stmt.limit(query.per_page).offset((query.page - 1) * query.per_page)).scalars()
    return {
        "items": [item.model_validate(row).model_dump(mode="json") for row in rows],
        "page": query.page, "per_page": query.per_page, "total": total,
    }


def responses(*bare_codes: str, **ok: Any) -> Any:
    """A spectree Response with the success model(s) and the standard error shapes.

    `bare_codes` (e.g. "HTTP_200") are documented without a JSON body (binary downloads).
    """
    from spectree import Response

    errors = {f"HTTP_{code}": ErrorResponse for code in (400, 401, 403, 404, 409, 422, 429)}
    return Response(*bare_codes, **errors, **ok)


def register_openapi(app: Any) -> None:
    """Serve the generated document at /api/v1/openapi.json (and spectree's pages at /api/v1/docs)."""
    from flask import jsonify

    spec.register(app)

    @app.get("/api/v1/openapi.json")
    def openapi_document() -> Any:
        return jsonify(_with_id_bounds(spec.spec))


def _with_id_bounds(document: dict[str, Any]) -> dict[str, Any]:
    """Path ids carry the bounds of the app's `int` converter (spectree reads only bounds written in a rule)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 1)
                    schema.setdefault("maximum", MAX_ID)
    return document
