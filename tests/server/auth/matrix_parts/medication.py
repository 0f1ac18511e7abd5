"""Medication's routes in the policy matrix and the isolation test: consents, withdrawals, doses, signatures."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from PIL import Image, ImageDraw

from server.auth.actor import Actor
from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, perm


def signature_png() -> bytes:
    """A drawn-looking signature: a dark stroke on a transparent 400×150 pad."""
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(30, 100), (120, 40), (200, 110), (300, 50), (370, 90)], fill=(0, 0, 0, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


SIGNATURE = base64.b64encode(signature_png()).decode()
CONSENT_BODY = {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "times": ["09:30"],
                "first_day": "2026-09-07", "last_day": "2026-09-14", "signed_by_contact_id": "{contact_id}",
                "signature_png": SIGNATURE}
DOSE_BODY = {"consent_id": "{consent_id}", "drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服",
             "witness_id": "{staff_id}", "witness_pin": "739146"}

NEEDS = {
    "medication_api.list_consents": perm(Perm.HEALTH_READ, family=True),
    "medication_api.record_consent": perm(Perm.CARE_WRITE),
    "medication_api.amend_consent": perm(Perm.CARE_WRITE),
    "medication_api.withdraw_consent": perm(Perm.CARE_WRITE),
    "medication_api.signature": perm(Perm.HEALTH_READ, family=True),
    "medication_api.give_dose": perm(Perm.CARE_WRITE),
    "medication_api.list_doses": perm(Perm.HEALTH_READ, family=True),
    "medication.child_medication": perm(Perm.HEALTH_READ, family=True),
    "medication.consent_form": perm(Perm.CARE_WRITE),
    "medication.record_consent": perm(Perm.CARE_WRITE),
    "medication.dose_form": perm(Perm.CARE_WRITE),
    "medication.give_dose": perm(Perm.CARE_WRITE),
    "medication.withdraw": perm(Perm.CARE_WRITE),
    "medication.signature": perm(Perm.HEALTH_READ, family=True),
}
JSON_BODIES = {
    "medication_api.record_consent": CONSENT_BODY,
    "medication_api.amend_consent": {**CONSENT_BODY, "reason": "剂量更正"},
    "medication_api.withdraw_consent": {"reason": "已痊愈"},
    "medication_api.give_dose": DOSE_BODY,
}
FORMS = {
    "medication.record_consent": {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服",
                                  "times": "09:30", "first_day": "2026-09-07", "last_day": "2026-09-14",
                                  "signed_by_contact_id": "{contact_id}",
                                  "signature_png": "data:image/png;base64," + SIGNATURE},
    "medication.give_dose": {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服",
                             "witness_id": "{staff_id}", "witness_pin": "739146"},
    "medication.withdraw": {"reason": "已痊愈"},
}
LAST = ("medication_api.amend_consent", "medication_api.withdraw_consent", "medication.withdraw")
ISOLATION_BODIES = {
    ("POST", "/api/v1/children/<child_id>/medication-consents"): CONSENT_BODY,
    ("POST", "/api/v1/medication-consents/<consent_id>/amend"): {**CONSENT_BODY, "reason": "剂量更正"},
    ("POST", "/api/v1/medication-consents/<consent_id>/withdraw"): {"reason": "已痊愈"},
    ("POST", "/api/v1/children/<child_id>/medication-doses"): DOSE_BODY,
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A consent the family's guardian signed for the family's child."""
    from server.care.medication.consents import record_consent

    consent = record_consent(ctx.child, drug="布洛芬混悬液", dose="2.5", dose_unit="ml", route="口服",  # type: ignore[arg-type]
                             times=["09:30"], first_day=ctx.now.date(), last_day=ctx.now.date() + timedelta(days=7),
                             signed_by=ctx.contact, signature_png=signature_png(), actor=Actor.system(), now=ctx.now)
    return {"consent_id": consent.id}
