"""The kinds of guardian notice, as data: which need an acknowledgement, which are urgent, which rule times them.

A kind that needs an acknowledgement is overdue when its rule's deadline passes unacknowledged, and is reminded
at the rule's intervals until acknowledged. An urgent kind is pushed through the guardian's quiet hours. A domain
that needs a kind adds a line here (incidents, issue #17, may name a rule of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ACK_RULE = "families.notice_acknowledgement"


class Kind(StrEnum):
    HEALTH_CHECK_ABNORMAL = "health_check.abnormal"
    EXCLUSION = "exclusion"
    MEDICATION_CONSENT_TO_SIGN = "medication_consent.to_sign"
    CONSENT_TO_SIGN = "consent.to_sign"
    MESSAGE_NEW = "message.new"
    COMPLAINT_ANSWERED = "complaint.answered"
    INCIDENT_REPORT = "incident.report"
    EMERGENCY_NOTICE = "emergency.notice"
    MENU_PUBLISHED = "menu.published"
    MEAL_FEE_PUBLISHED = "meal_fee.published"


@dataclass(frozen=True)
class NoticeKind:
    """One kind: does a guardian acknowledge it, is it urgent, which rule sets its deadline and reminders."""

    key: Kind
    needs_ack: bool
    urgent: bool = False
    ack_rule: str | None = None


KINDS: dict[str, NoticeKind] = {k.key.value: k for k in (
    NoticeKind(Kind.HEALTH_CHECK_ABNORMAL, needs_ack=True, ack_rule=ACK_RULE),
    # The detail carries the disease and the return condition (a certificate from a medical institution).
    NoticeKind(Kind.EXCLUSION, needs_ack=True, ack_rule=ACK_RULE),
    # Acknowledged by the guardian's signature (care/medication calls `operations.acknowledge`).
    NoticeKind(Kind.MEDICATION_CONSENT_TO_SIGN, needs_ack=True, ack_rule=ACK_RULE),
    NoticeKind(Kind.CONSENT_TO_SIGN, needs_ack=True, ack_rule=ACK_RULE),
    NoticeKind(Kind.MESSAGE_NEW, needs_ack=False),
    NoticeKind(Kind.COMPLAINT_ANSWERED, needs_ack=False),
    NoticeKind(Kind.INCIDENT_REPORT, needs_ack=True, urgent=True, ack_rule=ACK_RULE),
    # A live emergency (server/emergencies): "all children are safe", "please collect your child"; through quiet hours.
    NoticeKind(Kind.EMERGENCY_NOTICE, needs_ack=False, urgent=True),
    # The week's menu (带量食谱) and the month's 膳食费 account, published to the families (server/meals).
    NoticeKind(Kind.MENU_PUBLISHED, needs_ack=False),
    NoticeKind(Kind.MEAL_FEE_PUBLISHED, needs_ack=False),
)}

LABELS: dict[StrEnum, tuple[str, str]] = {
    Kind.HEALTH_CHECK_ABNORMAL: ("健康检查异常", "Abnormal health check"),
    Kind.EXCLUSION: ("传染病隔离", "Exclusion (infectious disease)"),
    Kind.MEDICATION_CONSENT_TO_SIGN: ("喂药委托待签字", "Medication consent to sign"),
    Kind.CONSENT_TO_SIGN: ("同意书待签署", "Consent to sign"),
    Kind.MESSAGE_NEW: ("新消息", "New message"),
    Kind.COMPLAINT_ANSWERED: ("投诉已答复", "Complaint answered"),
    Kind.INCIDENT_REPORT: ("伤害事故报告", "Incident report"),
    Kind.EMERGENCY_NOTICE: ("突发事件通知", "Emergency notice"),
    Kind.MENU_PUBLISHED: ("每周食谱已公布", "Weekly menu published"),
    Kind.MEAL_FEE_PUBLISHED: ("膳食费收支公示", "Meal-fee account published"),
}


def kind_of(key: str) -> NoticeKind:
    """The kind named `key`; ValueError for a kind this table does not know."""
    found = KINDS.get(key)
    if found is None:
        raise ValueError(f"unknown notice kind {key!r} (server/notices/kinds.py lists them)")
    return found
