"""Each person's credential state per requirement of their role (valid / expiring / expired / missing), for screens.

Read-only: the staff list and a person's file show one badge per requirement; the worst state sorts first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from compliance.rulebook.model import Rulebook, Text
from compliance.staffing import (
    CredentialCatalogue,
    CredentialState,
    HeldCredential,
    credential_state,
    default_catalogue,
    effective_expiry,
)
from server.centre.models import Centre
from server.centre.rules import effective_rules
from server.people.models import Staff
from server.staff.operations.eligibility import held_by_person

STATES = ("expired", "missing", "expiring", "valid")  # the filter's choices, worst first
_RANK = {"expired": 0, "missing": 0, "not_yet_valid": 0, "expiring": 1, "valid": 2}


@dataclass(frozen=True)
class Badge:
    """One requirement of a person's role and how it stands on a day."""

    title: Text  # the requirement (any one of its credentials satisfies it)
    state: str  # valid | expiring | expired | missing | not_yet_valid
    until: date | None = None  # the effective expiry of the credential that decides the state
    days_left: int | None = None

    @property
    def rank(self) -> int:
        return _RANK[self.state]


def requirement_badges(role: str, creds: Sequence[HeldCredential], day: date, catalogue: CredentialCatalogue,
                       rules: Rulebook) -> list[Badge]:
    """One badge per requirement of the role: the best credential in force, else the latest expired, else missing."""
    if role not in catalogue.roles:
        return []
    badges = []
    for requirement in catalogue.requirements(role):
        mine = [c for c in creds if c.type_code in requirement.codes]
        title = catalogue.title_of(requirement)
        states = {c.credential_id: credential_state(c, day, catalogue, rules) for c in mine}
        in_force = [c for c in mine if states[c.credential_id].counts]
        expired = [c for c in mine if states[c.credential_id] is CredentialState.EXPIRED]

        def expiry(c: HeldCredential) -> date:
            return effective_expiry(c, catalogue, rules) or date.max

        if in_force:
            best = max(in_force, key=expiry)
            until = effective_expiry(best, catalogue, rules)
            badges.append(Badge(title, states[best.credential_id].value, until,
                                (until - day).days if until else None))
        elif expired:
            until = expiry(max(expired, key=expiry))
            badges.append(Badge(title, "expired", until, (until - day).days))
        elif mine:
            badges.append(Badge(title, "not_yet_valid"))
        else:
            badges.append(Badge(title, "missing"))
    return badges


def badges_by_person(centre: Centre, people: Sequence[Staff], day: date) -> dict[int, list[Badge]]:
    """Each person's badges on the centre's day."""
    rules, catalogue = effective_rules(centre, day), default_catalogue()
    creds = held_by_person(centre.id, [p.id for p in people])
    return {p.id: requirement_badges(str(p.role.value if hasattr(p.role, "value") else p.role),
                                     creds.get(p.id, []), day, catalogue, rules) for p in people}


def matches(badges: list[Badge], state: str | None) -> bool:
    """Whether a person belongs under the filter: any badge in that state (valid: every badge valid)."""
    if not state:
        return True
    if state == "valid":
        return bool(badges) and all(b.state == "valid" for b in badges)
    if state == "expired":
        return any(b.state in ("expired", "not_yet_valid") for b in badges)
    return any(b.state == state for b in badges)


def staff_list_badges(centre: Centre, people: Sequence[Staff], day: date,
                      state: str | None) -> tuple[list[Staff], dict[int, list[Badge]]]:
    """The staff list ordered overdue first (people who left at the end), filtered by state, with the badges.

    Handed down to the people floor's staff page by the app factory (`app.extensions["tuoyu.staff_file_badges"]`).
    """
    badges = badges_by_person(centre, people, day)
    chosen = [p for p in people if matches(badges[p.id], state)]

    def order(person: Staff) -> tuple[int, int]:
        gone = person.left_on is not None and person.left_on < day
        return (int(gone), min((b.rank for b in badges[person.id]), default=2))
    return sorted(chosen, key=order), badges
