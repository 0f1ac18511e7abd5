"""The family's phone in the policy matrix and the isolation test: the home, a child's day, the threads' chooser.

Guardians only (`guardian_only`): their own children's day; another family's child is not found; staff, the
director among them, are refused (they read a child's day on the room tablet).
"""

from __future__ import annotations

from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import guardian_only

NEEDS = {
    "family.home": guardian_only(Perm.CHILDREN_READ),
    "family.day": guardian_only(Perm.CARE_READ),
    "family.messages": guardian_only(Perm.CHILDREN_READ),
    "family_api.family_day": guardian_only(Perm.CARE_READ),
}
