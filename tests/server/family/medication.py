"""Medication through care's own operations: the class asks (a request), the mother signs it on her phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.auth.actor import Actor
from server.auth.operations import actor_for
from server.care.medication.models import MedicationConsent, MedicationRequest
from server.people.models import Child
from server.people.operations import contacts_of_user
from tests.factories import SYSTEM
from tests.server.auth.matrix_parts.medication import signature_png
from tests.server.family.conftest import Family


def mothers_actor(family: Family) -> Actor:
    return actor_for(family.mum.user, contacts_of_user)


def request(child: Child, clock: Any) -> MedicationRequest:
    """The class types 布洛芬混悬液 2.5 ml at 15:00 for a week from today, for the guardians to sign."""
    from server.care.medication.requests import request_consent

    now = clock.now()
    return request_consent(child, drug="布洛芬混悬液", dose="2.5", dose_unit="ml", route="口服", times=["15:00"],
                           first_day=now.date(), last_day=now.date() + timedelta(days=7), actor=SYSTEM, now=now)


def signed_consent(family: Family, child: Child, clock: Any) -> MedicationConsent:
    """The class's request, signed by the mother on her phone."""
    from server.care.medication.requests import sign_request

    return sign_request(request(child, clock), contact=family.mother, signature_png=signature_png(),
                        actor=mothers_actor(family), now=clock.now())
