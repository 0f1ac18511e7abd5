"""PIPL consents a guardian gives for a child: versioned texts per centre and purpose, and the decisions.

个人信息保护法 第31条 (a guardian consents for a child under 14), 第28/29条 (sensitive data: a separate consent),
第15条 (withdrawal at any time, effective at once, not retroactive). Both tables are append-only: a new text is a
new version, a change of mind is a new decision; the latest decision of any guardian of the child is in force.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.centre.models import str_enum
from server.database import UTCDateTime, db


class ConsentPurpose(StrEnum):
    """What a consent is for. Each is a separate consent (PIPL Art. 29: sensitive data, separately)."""

    DATA_PROCESSING = "data_processing"  # the child's personal and health data, for care
    PHOTOS = "photos"  # photos of the child: the pick-up check photo, photos in messages to the family


class ConsentChoice(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"  # a withdrawal, or a refusal when nothing was given before


class ConsentMethod(StrEnum):
    PORTAL = "portal"  # the guardian on their phone, logged in
    PAPER = "paper"  # a signed paper form, recorded by the office


class ConsentState(StrEnum):
    """What a (child, purpose) stands at, derived from the decisions."""

    GIVEN = "given"
    WITHDRAWN = "withdrawn"  # given once, then withdrawn
    REFUSED = "refused"  # declined without ever giving it
    NONE = "none"  # no decision yet


# One table per closed set: a decision and a state share values ("given"), and equal StrEnum values are one dict key.
LABELS: tuple[dict[StrEnum, tuple[str, str]], ...] = (
    {ConsentPurpose.DATA_PROCESSING: ("个人信息处理", "Processing of personal data"),
     ConsentPurpose.PHOTOS: ("拍摄照片", "Photos")},
    {ConsentChoice.GIVEN: ("同意", "Given"),
     ConsentChoice.WITHDRAWN: ("撤回/不同意", "Withdrawn / declined")},
    {ConsentMethod.PORTAL: ("家长手机签署", "Signed on the phone"),
     ConsentMethod.PAPER: ("纸质签署", "Signed on paper")},
    {ConsentState.GIVEN: ("已同意", "Consented"),
     ConsentState.WITHDRAWN: ("同意已撤回", "Consent withdrawn"),
     ConsentState.REFUSED: ("不同意", "Declined"),
     ConsentState.NONE: ("未签署", "Not signed")},
)


class ConsentDocument(db.Model):
    """One published version of a centre's consent text for one purpose, in Chinese and English.

    The text is data, not a catalogue entry: a legal text is shown as published, in the reader's language.
    """

    __tablename__ = "consent_document"
    __table_args__ = (UniqueConstraint("centre_id", "purpose", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, 20))
    version: Mapped[int]
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))  # of both texts: what was signed, checkable in the pack
    is_default: Mapped[bool]  # the product's default text (consent_texts.yaml), put on file at its first use
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ConsentDecision(db.Model):
    """A guardian's decision for one child and one purpose under one version: given or withdrawn, when, how."""

    __tablename__ = "consent_decision"
    __table_args__ = (Index("ix_consent_decision_child_purpose_at", "child_id", "purpose", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))  # the guardian who decided
    document_id: Mapped[int] = mapped_column(ForeignKey("consent_document.id"))
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, 20))  # the document's, for queries
    version: Mapped[int]  # the document's
    decision: Mapped[ConsentChoice] = mapped_column(str_enum(ConsentChoice, 12))
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # in force from (a paper form: the day it was signed)
    method: Mapped[ConsentMethod] = mapped_column(str_enum(ConsentMethod, 8))
    signed_name: Mapped[str | None] = mapped_column(String(60))  # the name the guardian typed to sign
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
