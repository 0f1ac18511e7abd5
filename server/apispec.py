"""The OpenAPI document and request validation (spectree + pydantic), and shared API shapes."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
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
            message=f"输入无效 / Invalid input: {err['msg']}",
            field=_field_of(tuple(err.get("loc", ()))),
        )
        for err in req_validation_error.errors(include_url=False, include_input=False)
    ] or [Problem("invalid", "输入无效 / Invalid input")]
    raise ValidationFailed(problems)


spec = SpecTree(
    "flask",
    title="托育运营套件 API / Childcare operations suite API",
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
)


class Schema(BaseModel):
    """Base of API schemas: no unknown fields accepted, build from ORM objects."""

    model_config = ConfigDict(extra="forbid", from_attributes=True, str_strip_whitespace=True)


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
        return jsonify(spec.spec)
