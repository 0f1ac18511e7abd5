"""Closed-set labels: two sets sharing a value keep their own names."""

from __future__ import annotations

from enum import StrEnum

from server.i18n import LABELS_KEY, label, label_table


class Role(StrEnum):
    HEALTH = "health"


class Kind(StrEnum):
    HEALTH = "health"


def test_values_shared_by_two_sets_keep_their_own_names(app) -> None:
    with app.test_request_context():
        app.extensions[LABELS_KEY] = label_table({Role.HEALTH: ("保健员", "Health officer")},
                                                 {Kind.HEALTH: ("健康证明", "Health certificate")})
        assert (label(Role.HEALTH), label(Kind.HEALTH)) == ("保健员", "健康证明")
        # A plain string (from JSON or a query) takes the first table's name; an unknown value shows itself.
        assert (label("health"), label("unknown")) == ("保健员", "unknown")


def test_the_apps_tables_hold_the_staff_role_and_the_credential_kind_apart(app) -> None:
    from compliance.staffing import CredentialKind
    from server.people.models import StaffRole

    with app.test_request_context():
        assert label(StaffRole.HEALTH) != label(CredentialKind.HEALTH)
