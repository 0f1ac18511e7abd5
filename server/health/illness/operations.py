"""表4 cases: report, correct, the return certificate, and who is excluded on a day.

The only place that writes illness records: one audit entry per row. Exclusion is the compliance library's
`is_excluded` (from the first day of exclusion until the day a return certificate is recorded); the outbreak
alert is `server.health.illness.outbreak`, checked right after each case is recorded or corrected.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from server.audit.operations import audit_record, log_access
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.centre.timezones import centre_today_by_id
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.health.illness.cases import (
    CaseView,
    certificate_of,
    chain_of,
    current_cases,
    excluded_children,
    exclusion_of,
    is_amended,
)
from server.health.illness.models import IllnessCase, ReturnCertificate
from server.health.illness.outbreak import after_case_change
from server.notices.operations import queue_notice
from server.people.links import linked_child_ids
from server.people.models import Child, ChildContact
from server.people.operations import get_child

CASE_FIELDS = ("child_id", "class_id", "disease", "infectious", "onset_on", "reported_on", "reported_to",
               "excluded_from", "excluded_until", "amends_id", "reason", "recorded_by_id")
CERTIFICATE_FIELDS = ("case_id", "on", "issuer", "recorded_by_id")
AMENDABLE = ("disease", "infectious", "onset_on", "reported_on", "reported_to", "excluded_from", "excluded_until")
__all__ = ["CaseView", "amend_case", "excluded_children", "exclusion_of", "get_case", "list_cases", "record_return_certificate",
           "report_case"]
MAX_DISEASE, MAX_REPORTED_TO, MAX_ISSUER, MAX_REASON = 80, 120, 120, 2000
# How far back a case may start (a late report of an old illness is still 表4's business).
MAX_ONSET_AGE = timedelta(days=366)


# ---- writes -------------------------------------------------------------------------------------------------

def _clean(values: dict[str, Any]) -> dict[str, Any]:
    for key in ("disease", "reported_to"):
        if isinstance(values.get(key), str):
            values[key] = " ".join(values[key].split())
    values["reported_to"] = values.get("reported_to") or ""
    return values


def _check(values: dict[str, Any], child: Child, today: date, problems: ProblemCollector) -> None:
    disease = values.get("disease") or ""
    if not disease:
        problems.add("required", _l("The disease name is required"), "disease")
    elif len(disease) > MAX_DISEASE:
        problems.add("too_long", _l("The disease name is longer than %(n)s characters", n=MAX_DISEASE), "disease")
    if len(values.get("reported_to") or "") > MAX_REPORTED_TO:
        problems.add("too_long", _l("Longer than %(n)s characters", n=MAX_REPORTED_TO), "reported_to")
    onset, reported = values.get("onset_on"), values.get("reported_on")
    excluded_from, excluded_until = values.get("excluded_from"), values.get("excluded_until")
    if onset is None:
        problems.add("required", _l("The day of onset is required"), "onset_on")
    elif onset > today:
        problems.add("in_future", _l("The day of onset is in the future"), "onset_on")
    elif onset < today - MAX_ONSET_AGE or onset < child.enrolled_on - MAX_ONSET_AGE:
        problems.add("onset_too_old", _l("The day of onset is more than a year ago"), "onset_on")
    if reported is None:
        problems.add("required", _l("The day of the report is required"), "reported_on")
    elif reported > today:
        problems.add("in_future", _l("The day of the report is in the future"), "reported_on")
    elif onset is not None and reported < onset:
        problems.add("before_onset", _l("Reported before the onset"), "reported_on")
    if excluded_from is None:
        if values.get("infectious"):
            problems.add("exclusion_required", _l("An infectious case needs the first day of exclusion"),
                         "excluded_from")
    elif onset is not None and excluded_from < onset:
        problems.add("before_onset", _l("The exclusion starts before the onset"), "excluded_from")
    elif excluded_from > today + timedelta(days=1):
        problems.add("in_future", _l("The exclusion starts later than tomorrow"), "excluded_from")
    if excluded_until is not None:
        if excluded_from is None:
            if not values.get("infectious"):  # (an infectious case was told so already)
                problems.add("exclusion_required", _l("An expected return needs the first day of exclusion"),
                             "excluded_from")
        elif excluded_until <= excluded_from:
            problems.add("before_exclusion", _l("The expected return is not after the start of the exclusion"),
                         "excluded_until")


def report_case(
    child: Child, *, disease: str, infectious: bool = True, onset_on: date, reported_on: date, reported_to: str = "",
    excluded_from: date | None, excluded_until: date | None = None, actor: Actor, now: datetime,
) -> IllnessCase:
    """Record a 表4 case of a child (class at onset: the child's class now); then check for an outbreak.

    An infectious case must name the first day of exclusion; `excluded_until` is the doctor's expected day
    of return only (the exclusion ends with `record_return_certificate`). Bad input → ValidationFailed, every
    problem at once, nothing stored.
    """
    authorise(actor, Perm.HEALTH_WRITE, child.centre_id, now)
    today = centre_today_by_id(child.centre_id, now)
    values = _clean({"disease": disease, "infectious": bool(infectious), "onset_on": onset_on,
                     "reported_on": reported_on, "reported_to": reported_to, "excluded_from": excluded_from,
                     "excluded_until": excluded_until})
    problems = ProblemCollector()
    _check(values, child, today, problems)
    problems.raise_if_any()
    row = _insert(child, {**values, "class_id": child.room_id}, None, None, actor=actor, now=now)
    if row.excluded_from is not None:
        _notify_exclusion(row, actor=actor, now=now)
    after_case_change(centre_by_id(child.centre_id), now=now)
    return row


def amend_case(original: IllnessCase, changes: dict[str, Any], *, reason: str, actor: Actor,
               now: datetime) -> IllnessCase:
    """Correct a case: a new row replacing `original` (the latest of its chain), with the reason.

    `changes` may hold any of AMENDABLE; the rest is carried over. A row already corrected → Conflict
    `already_amended` (amend the latest). Checked like a new case; then the outbreak check runs again.
    """
    authorise(actor, Perm.HEALTH_WRITE, original.centre_id, now)
    unknown = set(changes) - set(AMENDABLE)
    if unknown:
        raise ValueError(f"not amendable: {sorted(unknown)}")
    if is_amended(original):
        raise Conflict(_l("Already corrected: amend the latest record"), code="already_amended")
    child = db.session.get(Child, original.child_id)
    assert child is not None
    values = _clean({**{key: getattr(original, key) for key in AMENDABLE}, **changes})
    problems = ProblemCollector()
    reason = (reason or "").strip()
    if not reason:
        problems.add("required", _l("Say why it is corrected"), "reason")
    elif len(reason) > MAX_REASON:
        problems.add("too_long", _l("The reason is too long"), "reason")
    _check(values, child, centre_today_by_id(child.centre_id, now), problems)
    problems.raise_if_any()
    row = _insert(child, {**values, "class_id": original.class_id}, original.id, reason, actor=actor, now=now)
    if row.excluded_from is not None and original.excluded_from is None:
        _notify_exclusion(row, actor=actor, now=now)
    after_case_change(centre_by_id(child.centre_id), now=now)
    return row


def _insert(child: Child, values: dict[str, Any], amends_id: int | None, reason: str | None, *, actor: Actor,
            now: datetime) -> IllnessCase:
    row = IllnessCase(centre_id=child.centre_id, child_id=child.id, amends_id=amends_id, reason=reason,
                      recorded_at=now, recorded_by_id=actor.user_id, **values)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "illness_case.amend" if amends_id else "illness_case.report", None, CASE_FIELDS,
                 actor=actor, now=now)
    return row


EXCLUSION_SUBJECT = "Your child must stay at home for now (infectious disease)"
EXCLUSION_BODY = ("Because of %(disease)s, your child stays at home from %(start)s. Your child may come back with a "
                  "certificate from a medical institution that they have recovered.")
_l("Your child must stay at home for now (infectious disease)")  # the msgids are translated when shown
_l("Because of %(disease)s, your child stays at home from %(start)s. Your child may come back with a "
   "certificate from a medical institution that they have recovered.")


def _notify_exclusion(row: IllnessCase, *, actor: Actor, now: datetime) -> None:
    """The guardians are told of the exclusion and its return condition (a notice they acknowledge)."""
    queue_notice(centre_id=row.centre_id, child_id=row.child_id, kind="exclusion", subject=EXCLUSION_SUBJECT,
                 detail={"case_id": row.id, "disease": row.disease, "excluded_from": row.excluded_from.isoformat()
                         if row.excluded_from else None,
                         "expected_return": row.excluded_until.isoformat() if row.excluded_until else None,
                         "return_condition": "certificate", "body": EXCLUSION_BODY,
                         "params": {"disease": row.disease, "start": row.excluded_from.isoformat()
                                    if row.excluded_from else ""}},
                 actor=actor, now=now)


def record_return_certificate(case: IllnessCase, *, on: date, issuer: str, actor: Actor,
                              now: datetime) -> ReturnCertificate:
    """Record the return certificate (返园证明) of a case: from `on` the child may come back.

    `case` may be any row of the case's chain. Refused: a case without exclusion (409 `not_excluded`), a second
    certificate (409 `already_certified`); `on` before the exclusion or in the future, an empty issuer (422).
    """
    authorise(actor, Perm.HEALTH_WRITE, case.centre_id, now)
    case_id, latest = chain_of(case)
    if latest.excluded_from is None:
        raise Conflict(_l("This case has no exclusion to end"), code="not_excluded")
    if certificate_of(case_id) is not None:
        raise Conflict(_l("A return certificate is already recorded for this case"), code="already_certified")
    problems = ProblemCollector()
    issuer = " ".join((issuer or "").split())
    if not issuer:
        problems.add("required", _l("The issuer is required"), "issuer")
    elif len(issuer) > MAX_ISSUER:
        problems.add("too_long", _l("Longer than %(n)s characters", n=MAX_ISSUER), "issuer")
    if on is None:
        problems.add("required", _l("The date is required"), "on")
    elif on > centre_today_by_id(case.centre_id, now):
        problems.add("in_future", _l("The certificate is dated in the future"), "on")
    elif on < latest.excluded_from:
        problems.add("before_exclusion", _l("The certificate is dated before the exclusion"), "on")
    problems.raise_if_any()
    certificate = ReturnCertificate(centre_id=case.centre_id, case_id=case_id, on=on, issuer=issuer, recorded_at=now,
                                    recorded_by_id=actor.user_id)
    db.session.add(certificate)
    db.session.flush()
    audit_record(certificate, "illness_case.return_certificate", None, CERTIFICATE_FIELDS, actor=actor, now=now)
    return certificate


# ---- reads for people (authorised, logged) ------------------------------------------------------------------

def get_case(case_id: int, perm: Perm, *, actor: Actor, now: datetime) -> IllnessCase:
    """One case row, if the actor holds `perm` at its centre (and, for a guardian, it is their child's)."""
    row = db.session.get(IllnessCase, case_id)
    if row is None:
        raise NotFound()
    authorise(actor, perm, row.centre_id, now)
    if not actor.can(Perm.CHILDREN_ALL, row.centre_id, now):
        get_child(row.child_id, actor=actor, now=now, log=False)  # NotFound unless the guardian's own child
    return row


def list_cases(centre: Centre, *, actor: Actor, now: datetime, onset_from: date | None = None,
               onset_to: date | None = None, child_id: int | None = None) -> list[CaseView]:
    """The 表4 of the centre (a guardian: their own children's cases only); the read is logged."""
    authorise(actor, Perm.HEALTH_READ, centre.id, now)
    child_ids: list[int] | None = None
    if child_id is not None:
        child = get_child(child_id, actor=actor, now=now, log=False)
        if child.centre_id != centre.id:
            raise NotFound()
        child_ids = [child.id]
    elif not actor.can(Perm.CHILDREN_ALL, centre.id, now):
        child_ids = _own_children(actor, centre.id)
    views = current_cases(centre.id, child_ids=child_ids, onset_from=onset_from, onset_to=onset_to)
    log_access(centre_id=centre.id, user_id=actor.user_id, action="read",
               object_type="child" if child_id is not None else "illness_register",
               object_id=child_id if child_id is not None else centre.id, now=now,
               detail=f"illness cases: {len(views)}")
    return views


def _own_children(actor: Actor, centre_id: int) -> list[int]:
    return list(db.session.execute(linked_child_ids(actor, guardians_only=False)
                                   .where(ChildContact.centre_id == centre_id)).scalars())
