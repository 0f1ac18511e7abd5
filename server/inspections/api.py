"""JSON API for findings, inspector grants, public keys and compliance packs."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO

from flask import Blueprint
from pydantic import Field
from sqlalchemy import select

from server.apispec import Day, Instant, Schema, responses, spec
from server.auth.session import current_actor
from server.centre import keys
from server.centre.models import Centre
from server.centre.operations import get_centre
from server.clock import utcnow
from server.database import db
from server.inspections import operations as ops
from server.inspections.sources import app_sources

bp = Blueprint("inspections_api", __name__, url_prefix="/api/v1")


class FindingOut(Schema):
    rule_id: str
    severity: str
    period_from: date
    period_to: date
    evidence: list[str]
    message_zh: str
    message_en: str
    responsibility: str
    inspection_area: str


class RunOut(Schema):
    id: int
    at: datetime
    trigger: str
    rulebook_version: str
    period_from: date
    period_to: date
    findings: int


class FindingList(Schema):
    run: RunOut | None
    items: list[FindingOut]


class InspectorIn(Schema):
    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field(min_length=1, max_length=80)
    expires_at: Instant


class InspectorOut(Schema):
    username: str
    expires_at: datetime
    initial_password: str | None


class KeyOut(Schema):
    centre_code: str
    key_id: str
    public_key: str
    created_at: str | None
    retired_at: str | None
    current: bool


class KeyList(Schema):
    items: list[KeyOut]


class PackQuery(Schema):
    from_: Day = Field(alias="from")
    to: Day


@bp.get("/centres/<string:code>/findings")
@spec.validate(resp=responses(HTTP_200=FindingList), tags=["compliance"])
def list_findings(code: str):
    """Current findings of the centre (re-evaluated first when stale), most serious first."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    run, findings = ops.fresh_findings(centre, sources=app_sources(), actor=actor, now=now)
    return FindingList(run=RunOut.model_validate(run), items=[FindingOut.model_validate(f) for f in findings])


@bp.post("/centres/<string:code>/evaluations")
@spec.validate(resp=responses(HTTP_201=RunOut), tags=["compliance"])
def run_evaluation(code: str):
    """Re-evaluate the centre now (the nightly job does the same)."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    return RunOut.model_validate(ops.evaluate_centre(centre, sources=app_sources(), trigger="manual", actor=actor, now=now)), 201


@bp.post("/centres/<string:code>/inspectors")
@spec.validate(json=InspectorIn, resp=responses(HTTP_201=InspectorOut), tags=["compliance"])
def grant_inspector(code: str, json: InspectorIn):
    """Grant an inspector read-only access to this centre until a set time."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    user, password = ops.grant_inspector(centre, username=json.username, display_name=json.display_name,
                                         expires_at=json.expires_at, actor=actor, now=now)
    return InspectorOut(username=user.username, expires_at=json.expires_at, initial_password=password), 201


@bp.get("/keys")
@spec.validate(resp=responses(HTTP_200=KeyList), tags=["compliance"], security={})
def public_keys():
    """Every centre's pack-signing public keys, current and retired (public: packs are verified offline)."""
    items = []
    for centre in db.session.execute(select(Centre).order_by(Centre.code)).scalars():
        keyset = keys.keyset(centre)
        for record in keyset.keys if keyset else ():
            data = record.to_json()
            items.append(KeyOut(centre_code=centre.code, current=record.key_id == keyset.current, **data))
    return KeyList(items=items)


@bp.get("/centres/<string:code>/packs")
@spec.validate(query=PackQuery, resp=responses("HTTP_200"), tags=["compliance"])
def download_pack(code: str, query: PackQuery):
    """A signed compliance pack (ZIP) of the period; the download is logged in the pack itself."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    period = ops.check_period(query.from_, query.to)
    # Built into a temporary file (memory stays flat whatever the period), then streamed out.
    spool = tempfile.TemporaryFile()
    try:
        ops.write_pack(centre, period, spool, sources=app_sources(), actor=actor, now=now)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    name = f"tuoyu-pack-{centre.code}-{period.start}-{period.end}.zip"
    headers = {"Content-Type": "application/zip", "Content-Length": str(size),
               "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"}
    # A (generator, status, headers) tuple: spectree passes it through; a Response would be buffered whole.
    return _chunks(spool), 200, headers


def _chunks(spool: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    try:
        while block := spool.read(size):
            yield block
    finally:
        spool.close()
