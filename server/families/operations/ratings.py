"""Parents' ratings (用户评价): one anonymous questionnaire per family and calendar month, and its aggregates.

The items, the scale and the anonymity threshold are the rule `families.parent_rating` and its items file
(`compliance/feedback`). A response stores the month, the scores, an optional comment and a respondent key:
HMAC-SHA256(the app's secret, centre|family|month), which refuses the family's second response that month and
names nobody. A family is the guardians of a child: the key is on the smallest id among the guardian's children
enrolled at the centre, so two parents of one child are one family. The row holds no contact, child or time of day,
and its audit entry names no actor.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from compliance.feedback import (
    LOWEST_SCORE,
    ItemSummary,
    RatingResponseRecord,
    item_keys,
    min_responses,
    month_of,
    scale_max,
    summarise,
)
from compliance.period import add_months
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today
from server.database import db
from server.errors import Conflict, ProblemCollector
from server.families.family import guardian_children
from server.families.models import RatingResponse

MAX_COMMENT = 1000
RESPONSE_FIELDS = ("month", "answers", "comment")
ANONYMOUS = Actor(kind="anonymous")  # a response's audit entry names nobody


def respondent_key(secret: str, centre_id: int, family_child_id: int, month: date) -> str:
    """HMAC-SHA256(secret, "centre|family|month") in hex: the same family and month give the same key."""
    message = f"{centre_id}|{family_child_id}|{month.isoformat()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def family_child_id(actor: Actor, centre: Centre, month: date) -> int | None:
    """The child that names the actor's family this month: the smallest id of their children enrolled then."""
    children = [c for c in guardian_children(actor, centre.id)
                if c.enrolled_on < add_months(month, 1) and (c.left_on is None or c.left_on >= month)]
    return children[0].id if children else None


@dataclass(frozen=True)
class Survey:
    """The current month's questionnaire for a guardian: the scale, and whether their family has answered it."""

    month: date
    top: int | None  # the scale's top; None when the rule is not in force
    is_family: bool  # the actor is a guardian of a child enrolled this month
    answered: bool


def survey(centre: Centre, *, secret: str, actor: Actor, now: datetime) -> Survey:
    """The current month's questionnaire and whether the actor's family has answered it."""
    authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
    today = centre_today(centre, now)
    month = month_of(today)
    family = family_child_id(actor, centre, month)
    answered = family is not None and db.session.execute(select(RatingResponse.id).where(
        RatingResponse.centre_id == centre.id, RatingResponse.month == month,
        RatingResponse.respondent_key == respondent_key(secret, centre.id, family, month))).first() is not None
    return Survey(month, scale_max(effective_rules(centre, today)), family is not None, answered)


def submit_rating(centre: Centre, *, answers: Mapping[str, object], comment: str | None, secret: str, actor: Actor,
                  now: datetime) -> RatingResponse:
    """Record this month's questionnaire of the actor's family; 409 `already_rated` for a second one."""
    authorise(actor, Perm.FAMILY_WRITE, centre.id, now)
    today = centre_today(centre, now)
    month = month_of(today)
    top = scale_max(effective_rules(centre, today))
    family = family_child_id(actor, centre, month)
    problems = ProblemCollector()
    if top is None:
        problems.add("ratings_off", _l("Ratings are not in use at this centre"), None)
    if family is None:
        problems.add("not_a_guardian", _l("Only a guardian of a child of this centre may answer"), None)
    scores: dict[str, int] = {}
    for key in item_keys() if top is not None else ():
        value = answers.get(key)
        if value is None or value == "":
            problems.add("required", _l("Choose a score"), f"answers.{key}")
        elif isinstance(value, bool) or not isinstance(value, int) or not LOWEST_SCORE <= value <= top:
            problems.add("bad_score", _l("A score from %(low)s to %(high)s", low=LOWEST_SCORE, high=top),
                         f"answers.{key}")
        else:
            scores[key] = value
    for key in answers:
        if key not in item_keys():
            problems.add("unknown_item", _l("No such item"), f"answers.{key}")
    text = (comment or "").strip() or None
    if text is not None and len(text) > MAX_COMMENT:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_COMMENT), "comment")
    problems.raise_if_any()
    assert family is not None
    key = respondent_key(secret, centre.id, family, month)
    if db.session.execute(select(RatingResponse.id).where(
            RatingResponse.centre_id == centre.id, RatingResponse.month == month,
            RatingResponse.respondent_key == key)).first() is not None:
        raise Conflict(_l("Your family has already answered this month's questionnaire"), code="already_rated")
    row = RatingResponse(centre_id=centre.id, month=month, respondent_key=key, answers=scores, comment=text)
    try:
        with db.session.begin_nested():  # the other parent at the same moment: the unique key lets one through
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("Your family has already answered this month's questionnaire"),
                       code="already_rated") from None
    audit_record(row, "rating_response.submit", None, RESPONSE_FIELDS, actor=ANONYMOUS, now=now)
    return row


@dataclass(frozen=True)
class MonthSummary:
    """One month's aggregates per item, and its comments (both only when enough families answered)."""

    month: date
    shown: bool
    responses: int  # 0 when hidden: even the count is not shown below the minimum
    items: list[ItemSummary]
    comments: list[str]  # sorted, so their order says nothing of who answered when


def responses_of(centre: Centre, first: date, last: date) -> list[RatingResponse]:
    """The responses of the months from `first` to `last` (first days of months), oldest month first."""
    return list(db.session.execute(select(RatingResponse).where(
        RatingResponse.centre_id == centre.id, RatingResponse.month >= month_of(first),
        RatingResponse.month <= month_of(last)).order_by(RatingResponse.month, RatingResponse.id)).scalars())


def month_summaries(centre: Centre, first: date, last: date) -> list[MonthSummary]:
    """Per month from `first` to `last` that has responses: the aggregates, hidden below the rule's minimum.

    No authorisation: for the pack's register and the summary page, which authorised their own read.
    """
    rows = responses_of(centre, first, last)
    out = []
    for month in sorted({r.month for r in rows}):
        rules = effective_rules(centre, month)
        top, minimum = scale_max(rules), min_responses(rules)
        if top is None or minimum is None:
            continue
        of_month = [r for r in rows if r.month == month]
        items = summarise([RatingResponseRecord(r.month, r.answers) for r in of_month], top=top, minimum=minimum)
        shown = len(of_month) >= minimum
        out.append(MonthSummary(month, shown, len(of_month) if shown else 0, items,
                                sorted(r.comment for r in of_month if r.comment) if shown else []))
    return out


def rating_summary(centre: Centre, *, first: date, last: date, actor: Actor, now: datetime) -> list[MonthSummary]:
    """The aggregates of the months from `first` to `last`, for those who read feedback (director, inspector)."""
    authorise(actor, Perm.FEEDBACK_READ, centre.id, now)
    return month_summaries(centre, first, last)
