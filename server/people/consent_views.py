"""Consent pages: the guardian's phone page (read, sign, withdraw) and the office's texts and overview.

`consents.family_consents` is where a `consent.to_sign` notice leads: per child and purpose the status, the
current text (in the reader's language) and one form — sign (tick "I have read", type one's name) or withdraw
(one tap, confirmed). `consents.documents` is the office's page: every child's statuses, the texts and their
versions, and (the director, CENTRE_MANAGE) the form that publishes a new version. Each form calls the same
operation as the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.auth.session import current_actor, refuse_form
from server.centre.models import Centre, Room
from server.centre.operations import get_centre
from server.centre.timezones import centre_today, centre_zone
from server.clock import utcnow
from server.database import db
from server.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed, problems_by_field
from server.i18n import is_chinese
from server.people import consents
from server.people import operations as ops
from server.people.consent_models import ConsentChoice, ConsentDecision, ConsentPurpose
from server.people.models import Child, Contact
from server.people.views import PROBLEM_TEXTS

bp = Blueprint("consents", __name__)

TEXTS = {
    **PROBLEM_TEXTS,
    "must_read": _l("Tick the box to say you have read the text."),
    "required": _l("This is required."),
    "not_guardian": _l("Only a guardian of the child can decide on its consents."),
    "name_mismatch": _l("Type your name as the centre has it on file."),
    "unchanged": _l("The text is the same as the current version."),
}


def _local(centre: Centre, instant: datetime | None) -> str:
    return "" if instant is None else instant.astimezone(centre_zone(centre)).strftime("%Y-%m-%d %H:%M")


def _names(centre_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(Contact.id, Contact.name).where(Contact.centre_id == centre_id)).all())


def _by_child(rows: list[ConsentDecision]) -> dict[tuple[int, ConsentPurpose], list[ConsentDecision]]:
    out: dict[tuple[int, ConsentPurpose], list[ConsentDecision]] = {}
    for row in rows:
        out.setdefault((row.child_id, row.purpose), []).append(row)
    return out


# --- the guardian's phone ---------------------------------------------------------------------------------


def _family_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, Any] | None = None,
                 errors: dict[str, list[str]] | None = None, failed: tuple[int, str] | None = None,
                 status: int = 200) -> ResponseReturnValue:
    authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
    mine = consents.guardian_children(centre, actor)
    ids = [child.id for child, _ in mine]
    return render_template(
        "consents/family.html", centre=centre, children=mine, statuses=consents.consent_statuses(ids, now),
        documents=consents.current_documents(centre, now), history=_by_child(consents.history(ids)),
        names=_names(centre.id), chinese=is_chinese(), local=lambda i: _local(centre, i),
        purposes=list(ConsentPurpose), form=form or {}, errors=errors or {}, failed=failed,
        retention_days=consents.photo_retention_days(centre, centre_today(centre, now)),
    ), status


@bp.get("/centres/<string:code>/family/consents")
@login_required
def family_consents(code: str) -> ResponseReturnValue:
    """A guardian's consents for each of their children: status, the text, sign or withdraw, the history."""
    actor, now = current_actor(), utcnow()
    return _family_page(get_centre(code, actor=actor, now=now), actor, now)


@bp.post("/centres/<string:code>/family/consents/children/<int:child_id>")
@login_required
def family_decide(code: str, child_id: int) -> ResponseReturnValue:
    """Sign (ticked, name typed) or withdraw (confirmed) one purpose for one's own child; in force at once."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("consents.family_consents", code=centre.code)
    child = ops.get_child(child_id, actor=actor, now=now, log=False)
    if child.centre_id != centre.id or (not actor.can(Perm.CHILDREN_ALL, centre.id, now)
                                        and consents.guardian_contact(child, actor) is None):
        raise NotFound()
    purpose_raw = request.form.get("purpose", "")
    try:
        authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
        problems: list[Problem] = []
        purpose = ConsentPurpose(purpose_raw) if purpose_raw in set(ConsentPurpose) else None
        decision = ConsentChoice(request.form["decision"]) if request.form.get("decision") in set(ConsentChoice) \
            else None
        version = request.form.get("version", "")
        if purpose is None or decision is None or not version.isdigit() or not 1 <= int(version) <= 10_000:
            problems.append(Problem("bad_choice", "", ""))
        elif decision is ConsentChoice.GIVEN and request.form.get("has_read") != "y":
            problems.append(Problem("must_read", "", "has_read"))
        if problems:
            raise ValidationFailed(problems)
        assert purpose is not None and decision is not None
        consents.decide(child, purpose=purpose, version=int(version), decision=decision,
                        signed_name=request.form.get("signed_name"), actor=actor, now=now,
                        notices=current_app.extensions.get(consents.NOTICE_HANDS_KEY))
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _family_page(centre, actor, now, form=request.form.to_dict(),
                            errors=problems_by_field(exc.problems, TEXTS), failed=(child.id, purpose_raw),
                            status=422)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message))
        return redirect(f"{back}#consent-{child.id}-{purpose_raw}")
    flash(_("Signed: the consent is in force.") if decision is ConsentChoice.GIVEN
          else _("Withdrawn: this takes effect now."))
    return redirect(f"{back}#consent-{child.id}-{purpose.value}")


# --- the office ---------------------------------------------------------------------------------------------


def _documents_page(centre: Centre, actor: Actor, now: datetime, *, form: dict[str, Any] | None = None,
                    errors: dict[str, list[str]] | None = None, failed: str | None = None,
                    status: int = 200) -> ResponseReturnValue:
    authorise(actor, Perm.CHILDREN_READ, centre.id, now)
    authorise(actor, Perm.CHILDREN_ALL, centre.id, now)  # every child of the centre: never a guardian's page
    today = centre_today(centre, now)
    children = list(db.session.execute(select(Child).where(
        Child.centre_id == centre.id, Child.enrolled_on <= today,
        Child.left_on.is_(None) | (Child.left_on >= today)).order_by(Child.room_id, Child.name, Child.id)).scalars())
    rooms = dict(db.session.execute(select(Room.id, Room.name).where(Room.centre_id == centre.id)).all())
    statuses = consents.consent_statuses([c.id for c in children], now)
    return render_template(
        "consents/documents.html", centre=centre, children=children, rooms=rooms, statuses=statuses,
        documents=consents.current_documents(centre, now), versions=consents.document_history(centre.id),
        purposes=list(ConsentPurpose), chinese=is_chinese(), local=lambda i: _local(centre, i),
        may_publish=actor.can(Perm.CENTRE_MANAGE, centre.id, now), form=form or {}, errors=errors or {},
        failed=failed, retention_days=consents.photo_retention_days(centre, today),
    ), status


@bp.get("/centres/<string:code>/consents")
@login_required
def documents(code: str) -> ResponseReturnValue:
    """The office's consents: each enrolled child's statuses, the texts in force and their versions."""
    actor, now = current_actor(), utcnow()
    return _documents_page(get_centre(code, actor=actor, now=now), actor, now)


@bp.post("/centres/<string:code>/consents/documents")
@login_required
def publish(code: str) -> ResponseReturnValue:
    """Publish a new version of a purpose's text (the director); the guardians of every child are asked to sign."""
    actor, now = current_actor(), utcnow()
    centre = get_centre(code, actor=actor, now=now)
    back = url_for("consents.documents", code=centre.code)
    purpose_raw = request.form.get("purpose", "")
    try:
        if purpose_raw not in set(ConsentPurpose):
            raise ValidationFailed([Problem("bad_choice", "", "purpose")])
        purpose = ConsentPurpose(purpose_raw)
        row = consents.publish_version(centre, purpose, text_zh=request.form.get("text_zh", ""),
                                       text_en=request.form.get("text_en", ""),
                                       notify=current_app.extensions[consents.QUEUE_NOTICE_KEY], actor=actor, now=now)
    except Forbidden as exc:
        return refuse_form(exc, back=back)
    except ValidationFailed as exc:
        db.session.rollback()
        return _documents_page(centre, actor, now, form=request.form.to_dict(),
                               errors=problems_by_field(exc.problems, TEXTS), failed=purpose_raw, status=422)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message))
        return redirect(back)
    flash(_("Version %(version)s published; the guardians are asked to sign it.", version=row.version))
    return redirect(f"{back}#text-{purpose.value}")
