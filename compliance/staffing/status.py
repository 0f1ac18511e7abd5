"""Is a credential valid on a day, and is a person certified for their role / 证件有效性与持证状态.

A credential counts from ``issued_on`` through its effective expiry, both included: expiring today still counts
today, expired yesterday does not. The effective expiry is the earlier of the printed expiry and ``issued_on`` plus
the validity rule's ``max_validity`` months, so a regional overlay that shortens the validity takes effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from compliance.period import add_months
from compliance.rulebook.model import Rulebook, Text
from compliance.staffing.catalogue import VALIDITY_PARAMETER, CredentialCatalogue, CredentialKind, Requirement
from compliance.staffing.records import HeldCredential

WARNING_RULE = "staff.credential_expiry_warning"
WARNING_STAGES = ("first", "second", "final")


class CredentialState(StrEnum):
    """证件状态 / state of one credential on one day."""

    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"

    @property
    def zh(self) -> str:
        """Chinese label."""
        return _STATE_ZH[self]

    @property
    def counts(self) -> bool:
        """True when the credential is in force that day (valid or about to expire)."""
        return self in (CredentialState.VALID, CredentialState.EXPIRING)


_STATE_ZH = {
    CredentialState.VALID: "有效",
    CredentialState.EXPIRING: "即将到期",
    CredentialState.EXPIRED: "已过期",
    CredentialState.NOT_YET_VALID: "尚未生效",
}


def effective_expiry(cred: HeldCredential, catalogue: CredentialCatalogue, rules: Rulebook) -> date | None:
    """The last valid day; None = never expires.

    The earlier of the printed expiry and the day before issue + the rule's months (a year's certificate issued
    2025-01-10 lasts through 2026-01-09).
    """
    expiry = cred.expires_on
    kind = catalogue.types.get(cred.type_code)
    rule = rules.get(kind.validity_rule) if kind is not None and kind.validity_rule else None
    if rule is not None and VALIDITY_PARAMETER in rule.parameters:
        capped = add_months(cred.issued_on, int(rule.value(VALIDITY_PARAMETER))) - timedelta(days=1)
        expiry = capped if expiry is None else min(expiry, capped)
    return expiry


def warning_figures(rules: Rulebook) -> tuple[int, ...]:
    """The warning figures in days, largest first (60, 30, 7 by default); () when the rule is not in force."""
    rule = rules.get(WARNING_RULE)
    if rule is None:
        return ()
    return tuple(sorted({int(rule.value(name)) for name in WARNING_STAGES if name in rule.parameters}, reverse=True))


def warning_stage(cred: HeldCredential, day: date, catalogue: CredentialCatalogue, rules: Rulebook) -> int | None:
    """The smallest warning figure the day has reached (60, 30 or 7), 0 once expired, None before the first."""
    expiry = effective_expiry(cred, catalogue, rules)
    if expiry is None:
        return None
    left = (expiry - day).days
    if left < 0:
        return 0
    reached = [figure for figure in warning_figures(rules) if left <= figure]
    return min(reached) if reached else None


def credential_state(cred: HeldCredential, day: date, catalogue: CredentialCatalogue, rules: Rulebook) -> CredentialState:
    """Valid, expiring (within the first warning figure), expired (from the day after expiry) or not yet valid."""
    if day < cred.issued_on:
        return CredentialState.NOT_YET_VALID
    expiry = effective_expiry(cred, catalogue, rules)
    if expiry is not None and day > expiry:
        return CredentialState.EXPIRED
    if warning_stage(cred, day, catalogue, rules) is not None:
        return CredentialState.EXPIRING
    return CredentialState.VALID


@dataclass(frozen=True)
class StaffStatus:
    """Whether one person is certified for their role on one day, and why not.

    ``expired`` holds, for each requirement not met, the latest expired credential of it; ``expiring`` the
    credential that meets a requirement but is within the warning figures; ``expiries`` their effective expiry.
    """

    staff_id: int
    role: str
    day: date
    certified: bool
    missing: tuple[Requirement, ...]
    expired: tuple[HeldCredential, ...]
    expiring: tuple[HeldCredential, ...]
    background_ok: bool
    expiries: tuple[tuple[int, date], ...] = ()
    not_yet_valid: tuple[HeldCredential, ...] = ()

    def expiry_of(self, cred: HeldCredential) -> date | None:
        """The effective expiry of an expired or expiring credential of this status."""
        return dict(self.expiries).get(cred.credential_id)

    def reasons(self, catalogue: CredentialCatalogue) -> tuple[Text, ...]:
        """Why the person is not certified, one text per requirement not met (empty when certified)."""
        texts = []
        for requirement in self.missing:
            title = catalogue.title_of(requirement)
            expired = [c for c in self.expired if c.type_code in requirement.codes]
            pending = [c for c in self.not_yet_valid if c.type_code in requirement.codes]
            if expired:
                cred = expired[0]
                name = catalogue.types[cred.type_code].title
                on = self.expiry_of(cred)
                when = on.isoformat() if on else "?"
                texts.append(Text(f"{name.zh}已于 {when} 过期", f"{name.en} expired on {when}"))
            elif pending:
                cred = pending[0]
                name = catalogue.types[cred.type_code].title
                since = cred.issued_on.isoformat()
                texts.append(Text(f"{name.zh}自 {since} 起才生效", f"{name.en} is valid only from {since}"))
            else:
                texts.append(Text(f"缺少{title.zh}", f"no {title.en} on file"))
        return tuple(texts)


def _best(creds: Iterable[HeldCredential], catalogue: CredentialCatalogue, rules: Rulebook) -> HeldCredential | None:
    """The credential that lasts longest (no expiry beats any date)."""
    return max(creds, key=lambda c: effective_expiry(c, catalogue, rules) or date.max, default=None)


def staff_status(
    staff_id: int,
    role: str,
    credentials: Iterable[HeldCredential],
    day: date,
    catalogue: CredentialCatalogue,
    rules: Rulebook,
) -> StaffStatus:
    """The person's status on ``day``: a requirement is met when any credential of its codes is in force that day."""
    held = [c for c in credentials if c.staff_id == staff_id]
    missing: list[Requirement] = []
    expired: list[HeldCredential] = []
    expiring: list[HeldCredential] = []
    pending: list[HeldCredential] = []
    expiries: dict[int, date] = {}
    background_ok = True
    for requirement in catalogue.requirements(role):
        mine = [c for c in held if c.type_code in requirement.codes]
        states = {c.credential_id: credential_state(c, day, catalogue, rules) for c in mine}
        in_force = [c for c in mine if states[c.credential_id].counts]
        best = _best(in_force, catalogue, rules)
        if best is not None:
            if states[best.credential_id] is CredentialState.EXPIRING:
                expiring.append(best)
                expiries[best.credential_id] = effective_expiry(best, catalogue, rules) or date.max
            continue
        missing.append(requirement)
        if catalogue.kind_of(requirement) is CredentialKind.BACKGROUND:
            background_ok = False
        lapsed = _best([c for c in mine if states[c.credential_id] is CredentialState.EXPIRED], catalogue, rules)
        if lapsed is not None:
            expired.append(lapsed)
            expiries[lapsed.credential_id] = effective_expiry(lapsed, catalogue, rules) or date.max
        future = [c for c in mine if states[c.credential_id] is CredentialState.NOT_YET_VALID]
        if future:
            pending.append(min(future, key=lambda c: c.issued_on))
    return StaffStatus(
        staff_id=staff_id,
        role=role,
        day=day,
        certified=not missing,
        missing=tuple(missing),
        expired=tuple(expired),
        expiring=tuple(expiring),
        background_ok=background_ok,
        expiries=tuple(sorted(expiries.items())),
        not_yet_valid=tuple(pending),
    )


def mask_number(number: str | None) -> str:
    """``440102199001011234`` → ``4401**********1234``: at most the first and last 4 shown, at least 2 hidden."""
    text = (number or "").strip()
    if not text:
        return ""
    keep = max(0, min(4, (len(text) - 2) // 2))
    if keep == 0:
        return "*" * len(text)
    return text[:keep] + "*" * (len(text) - 2 * keep) + text[-keep:]
