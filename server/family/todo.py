"""What waits for the family: a table of providers, one per page of the parent loop.

Notices to acknowledge, medication requests and consents to sign, this month's survey, unread messages.

Each provider counts for the guardian's children through the domain that keeps the records and names the page that
does the thing; it shows only when that page exists in this app (`endpoint in app.view_functions`) and something
waits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_pgettext

from server.auth.actor import Actor
from server.care.medication.requests import waiting_requests
from server.centre.models import Centre
from server.centre.timezones import centre_today
from server.families.operations.ratings import survey
from server.families.settings import app_secret
from server.families.threads import family_unread
from server.notices.status import family_inbox
from server.people.consents import consent_statuses
from server.people.models import Child

# How many wait: a number, or for a page of one child each child's number (the link then opens the child that has
# something waiting, when only one has).
Counter = Callable[[Centre, Sequence[Child], Actor, datetime], "int | dict[int, int]"]


@dataclass(frozen=True)
class Todo:
    """One thing waiting: its key, how many, the words (with `%(count)s`) and where to do it."""

    key: str
    count: int
    text: str
    url: str


@dataclass(frozen=True)
class Provider:
    key: str
    endpoint: str
    text: Any  # a lazy catalogue string with %(count)s
    count: Counter
    per_child: bool = False  # the page is one child's: the child with something waiting, else a chooser of ours


# Notices that ask to sign something are counted where the signing is (medication requests, consents), not twice.
SIGNED_ELSEWHERE = frozenset({"medication_consent.to_sign", "consent.to_sign"})


def _notices(centre: Centre, children: Sequence[Child], actor: Actor, now: datetime) -> int:
    """The family's notices waiting for their acknowledgement (the notifier's inbox)."""
    return sum(1 for line in family_inbox(centre, actor=actor, now=now)
               if line.waiting_for_ack and line.notice.kind not in SIGNED_ELSEWHERE)


def _medication(centre: Centre, children: Sequence[Child], actor: Actor, now: datetime) -> int:
    """Medication requests the class typed from the bottle's label, waiting for a guardian's signature."""
    waiting = waiting_requests([c.id for c in children], centre_today(centre, now))
    return sum(len(rows) for rows in waiting.values())


def _consents(centre: Centre, children: Sequence[Child], actor: Actor, now: datetime) -> int:
    """Each child's consents (data processing, photos) not decided yet, or in force under an older version."""
    statuses = consent_statuses([c.id for c in children], now)
    return sum(1 for purposes in statuses.values() for status in purposes.values() if status.to_sign)


def _survey(centre: Centre, children: Sequence[Child], actor: Actor, now: datetime) -> int:
    """1 when this month's questionnaire is open to the family and not answered yet."""
    month = survey(centre, secret=app_secret(), actor=actor, now=now)
    return 1 if month.is_family and month.top is not None and not month.answered else 0


def _messages(centre: Centre, children: Sequence[Child], actor: Actor, now: datetime) -> dict[int, int]:
    """Messages from the class the family has not read yet, child by child."""
    return family_unread(centre, actor=actor)


PROVIDERS: tuple[Provider, ...] = (
    Provider("notices", "notices_pages.family_inbox",
             lazy_pgettext("family", "%(count)s notices to acknowledge"), _notices),
    Provider("medication", "medication.family_medication",
             lazy_pgettext("family", "%(count)s medication requests to sign"), _medication),
    Provider("consents", "consents.family_consents", lazy_pgettext("family", "%(count)s consents to sign"), _consents),
    Provider("survey", "families.survey", lazy_pgettext("family", "This month's questionnaire is waiting"), _survey),
    Provider("messages", "families.family_messages", lazy_pgettext("family", "%(count)s unread messages"), _messages,
             per_child=True),
)


def _url(provider: Provider, centre: Centre, children: Sequence[Child], waiting: dict[int, int] | None) -> str:
    if not provider.per_child:
        return url_for(provider.endpoint, code=centre.code)
    ids = [child_id for child_id, count in (waiting or {}).items() if count] or [c.id for c in children]
    if len(ids) == 1:
        return url_for(provider.endpoint, code=centre.code, child_id=ids[0])
    return url_for("family.messages", code=centre.code)


def todos(centre: Centre, children: Sequence[Child], *, actor: Actor, now: datetime) -> list[Todo]:
    """What waits for the family at the centre, in the table's order; nothing for a family without children."""
    if not children:
        return []
    out = []
    for provider in PROVIDERS:
        if provider.endpoint not in current_app.view_functions:
            continue
        found = provider.count(centre, children, actor, now)
        per_child = found if isinstance(found, dict) else None
        count = sum(per_child.values()) if per_child is not None else found
        if not count:
            continue
        out.append(Todo(provider.key, count, str(provider.text) % {"count": count},
                        _url(provider, centre, children, per_child)))
    return out
