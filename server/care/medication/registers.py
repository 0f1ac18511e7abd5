"""The 服药记录 register for the pack, and medication's part of the care evidence (consents and doses).

`medication_evidence_part(centre, period)` gives the consents and doses `compliance.CareEvidence` holds; the
`"care"` evidence provider (server/care, with naps and outdoor time) merges it in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import or_, select

from compliance import CentreRecord, Column, InspectionArea, Period, RegisterSource, Responsibility
from compliance.care import DoseRecord, MedicationConsentRecord, dose_allowed
from server.care.medication.consents import consent_record, dose_record, withdrawals
from server.care.medication.models import LABELS, MedicationConsent, MedicationDose, SigningChannel
from server.centre.models import Centre
from server.centre.registers import centre_of
from server.centre.timezones import centre_zone
from server.database import db
from server.people.models import Child, Contact, Staff

# Where the guardian signed, as the register says it (Chinese: the pack's registers are in Chinese).
CHANNELS = {str(c): LABELS[c][0] for c in SigningChannel}


@dataclass(frozen=True)
class MedicationEvidence:
    """The consents and doses of a period, as the library's records."""

    consents: tuple[MedicationConsentRecord, ...]
    doses: tuple[DoseRecord, ...]


def _doses(centre: Centre, period: Period) -> list[MedicationDose]:
    tz = centre_zone(centre)
    start = datetime.combine(period.start, time(), tzinfo=tz)
    end = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=tz)
    return list(db.session.execute(select(MedicationDose).where(
        MedicationDose.centre_id == centre.id, MedicationDose.at >= start, MedicationDose.at < end)
        .order_by(MedicationDose.at, MedicationDose.id)).scalars())


def _consents(centre: Centre, period: Period, doses: list[MedicationDose]) -> list[MedicationConsent]:
    dosed = {d.consent_id for d in doses}
    overlapping = (MedicationConsent.first_day <= period.end) & (MedicationConsent.last_day >= period.start)
    condition = or_(overlapping, MedicationConsent.id.in_(dosed)) if dosed else overlapping
    return list(db.session.execute(select(MedicationConsent).where(MedicationConsent.centre_id == centre.id, condition)
                                   .order_by(MedicationConsent.id)).scalars())


def medication_evidence_part(centre: Centre, period: Period) -> MedicationEvidence:
    """The centre's consents in force during the period (or dosed under) and the doses given in it."""
    doses = _doses(centre, period)
    consents = _consents(centre, period, doses)
    gone = withdrawals(c.id for c in consents)
    return MedicationEvidence(consents=tuple(consent_record(c, gone.get(c.id)) for c in consents),
                              doses=tuple(dose_record(d) for d in doses))


def _names(model: type[Child] | type[Contact] | type[Staff], centre_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(model.id, model.name).where(model.centre_id == centre_id)).all())  # type: ignore[arg-type]


def _dose_rows(record: CentreRecord, period: Period) -> Iterator[tuple[object, ...]]:
    centre = centre_of(record)
    tz = centre_zone(centre)
    doses = _doses(centre, period)
    consents = {c.id: c for c in _consents(centre, period, doses)}
    gone = withdrawals(consents)
    records = {i: consent_record(c, gone.get(i)) for i, c in consents.items()}
    given = [dose_record(d) for d in doses]
    children, contacts, staff = _names(Child, centre.id), _names(Contact, centre.id), _names(Staff, centre.id)
    for dose, as_record in zip(doses, given, strict=True):
        consent = consents.get(dose.consent_id)
        local = dose.at.astimezone(tz)
        refusals = dose_allowed(records.get(dose.consent_id), given, dose.at, as_record, tz=tz)
        signed = (f"{contacts.get(consent.signed_by_contact_id, '')}（{consent.signed_at.astimezone(tz):%Y-%m-%d %H:%M}）"
                  if consent else "")
        via = CHANNELS.get(str(consent.signed_via), str(consent.signed_via)) if consent else ""
        yield (local.date(), local.strftime("%H:%M"), dose.child_id, children.get(dose.child_id, ""), dose.drug,
               f"{dose.dose.normalize():f}{dose.dose_unit}", dose.route, dose.consent_id,
               consent.request_id if consent and consent.request_id is not None else "", signed, via,
               staff.get(dose.given_by_id, ""), staff.get(dose.witnessed_by_id, ""), "；".join(r.zh for r in refusals))


MEDICATION_REGISTER = RegisterSource(
    "服药记录",
    (Column("on", "日期", "date"), Column("at", "时间", "time"), Column("child_id", "幼儿编号", "child id"),
     Column("name", "姓名", "name"), Column("drug", "药名", "drug"), Column("dose", "剂量", "dose"),
     Column("route", "途径", "route"), Column("consent", "委托单编号", "consent no."),
     Column("request", "委托申请编号", "request no."), Column("signed_by", "家长签字", "signed by (guardian)"),
     Column("signed_via", "签字方式", "signed on"), Column("given_by", "喂药人", "given by"),
     Column("witness", "见证人", "witness"), Column("refusals", "不符项", "does not match the consent")),
    Responsibility.QUALITY_SAFETY, InspectionArea.HEALTH, _dose_rows, "Medication given",
)
