"""Medication's routes in the policy matrix and the isolation test: requests, consents, withdrawals, doses,
signatures; the family's phone pages (guardians only, their own children's requests and consents)."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from PIL import Image, ImageDraw

from server.auth.actor import Actor
from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, guardian_only, perm


def signature_png() -> bytes:
    """A drawn-looking signature: a dark stroke on a transparent 400×150 pad."""
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(30, 100), (120, 40), (200, 110), (300, 50), (370, 90)], fill=(0, 0, 0, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


SIGNATURE = base64.b64encode(signature_png()).decode()
REQUEST_BODY = {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "times": ["09:30"],
                "first_day": "2026-09-07", "last_day": "2026-09-14"}
REQUEST_FORM = {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "times": "09:30",
                "first_day": "2026-09-07", "last_day": "2026-09-14"}
DOSE_BODY = {"consent_id": "{consent_id}", "drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服",
             "witness_id": "{staff_id}", "witness_pin": "739146"}

NEEDS = {
    "medication_api.list_consents": perm(Perm.HEALTH_READ, family=True),
    "medication_api.create_request": perm(Perm.CARE_WRITE),
    "medication_api.list_requests": perm(Perm.HEALTH_READ, family=True),
    "medication_api.amend_consent": perm(Perm.CARE_WRITE),
    "medication_api.withdraw_consent": perm(Perm.CARE_WRITE),
    "medication_api.signature": perm(Perm.HEALTH_READ, family=True),
    "medication_api.give_dose": perm(Perm.CARE_WRITE),
    "medication_api.list_doses": perm(Perm.HEALTH_READ, family=True),
    "medication.child_medication": perm(Perm.HEALTH_READ, family=True),
    "medication.request_form": perm(Perm.CARE_WRITE),
    "medication.create_request": perm(Perm.CARE_WRITE),
    "medication.dose_form": perm(Perm.CARE_WRITE),
    "medication.give_dose": perm(Perm.CARE_WRITE),
    "medication.withdraw": perm(Perm.CARE_WRITE),
    "medication.signature": perm(Perm.HEALTH_READ, family=True),
    # the family's phone: guardians only (staff use the tablet), their own children's requests and consents
    "medication.family_medication": guardian_only(Perm.FAMILY_WRITE),
    "medication.family_request": guardian_only(Perm.FAMILY_WRITE),
    "medication.family_sign": guardian_only(Perm.FAMILY_WRITE),
    "medication.family_submit_signature": guardian_only(Perm.FAMILY_WRITE),
    "medication.family_decline": guardian_only(Perm.FAMILY_WRITE),
    "medication.family_withdraw": guardian_only(Perm.FAMILY_WRITE),
}
JSON_BODIES = {
    "medication_api.create_request": REQUEST_BODY,
    "medication_api.amend_consent": {**REQUEST_BODY, "reason": "剂量更正"},
    "medication_api.withdraw_consent": {"reason": "已痊愈"},
    "medication_api.give_dose": DOSE_BODY,
}
FORMS = {
    "medication.create_request": REQUEST_FORM,
    # Bodies a guardian's phone sends (a request signed at once; a signature; a reason): valid, so only who asks
    # decides the answer.
    "medication.family_request": {**REQUEST_FORM, "child_id": "{child_id}",
                                  "signature_png": "data:image/png;base64," + SIGNATURE},
    "medication.family_submit_signature": {"signature_png": "data:image/png;base64," + SIGNATURE},
    "medication.family_decline": {"reason": "剂量写错了"},
    "medication.family_withdraw": {"reason": "已痊愈"},
    "medication.give_dose": {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服",
                             "witness_id": "{staff_id}", "witness_pin": "739146"},
    "medication.withdraw": {"reason": "已痊愈"},
}
LAST = ("medication_api.amend_consent", "medication_api.withdraw_consent", "medication.withdraw",
        "medication.family_submit_signature", "medication.family_decline", "medication.family_withdraw")
ISOLATION_BODIES = {
    ("POST", "/api/v1/children/<child_id>/medication-requests"): REQUEST_BODY,
    ("POST", "/api/v1/medication-consents/<consent_id>/amend"): {**REQUEST_BODY, "reason": "剂量更正"},
    ("POST", "/api/v1/medication-consents/<consent_id>/withdraw"): {"reason": "已痊愈"},
    ("POST", "/api/v1/children/<child_id>/medication-doses"): DOSE_BODY,
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A consent the family's guardian signed for the family's child, and a request still waiting to be signed."""
    from server.care.medication.requests import request_consent, sign_request

    system = Actor.system()
    terms = {"drug": "布洛芬混悬液", "dose": "2.5", "dose_unit": "ml", "route": "口服", "times": ["09:30"],
             "first_day": ctx.now.date(), "last_day": ctx.now.date() + timedelta(days=7)}
    signed = request_consent(ctx.child, **terms, actor=system, now=ctx.now)  # type: ignore[arg-type]
    consent = sign_request(signed, contact=ctx.contact, signature_png=signature_png(), actor=system, now=ctx.now)
    waiting = request_consent(ctx.child, **{**terms, "drug": "蒙脱石散"}, actor=system, now=ctx.now)  # type: ignore[arg-type]
    return {"consent_id": consent.id, "request_id": waiting.id}
