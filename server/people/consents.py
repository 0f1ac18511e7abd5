"""PIPL consents signed by a guardian: versioned texts per centre and purpose, decisions given or withdrawn.

What other domains ask (exact names, stable): `photos_allowed(child_id, at)` before a photo of a child is stored
or sent, `data_processing_consented(child_id, at)`, and `consent_statuses(child_ids, at)` for lists. The status of
a (child, purpose) at an instant is the latest decision at or before it, whichever guardian made it (个人信息保护法
第15条: a withdrawal takes effect at once and is not retroactive, so the past keeps its answers). A consent under
an older version stays in force; the guardian is shown a new version to sign.

The writes: `publish_version` (the director; queues a `consent.to_sign` notice per enrolled child through a
callable the caller hands down, since `notices` sits above `people`), `decide` (a guardian on their phone) and
`record_paper` (the office, from a signed paper form). Each is audited. A centre's first version of each purpose is
the product's default text (`consent_texts.yaml`), put on file the first time it is signed.

Before versions existed the office kept one date (`Child.consent_on`); a child with no data-processing decision
falls back on it (a paper consent), and every data-processing decision keeps it in step.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.audit.operations import audit_record, snapshot
from server.auth.actor import Actor, authorise
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.errors import Conflict, ProblemCollector
from server.people.consent_models import (
    ConsentChoice,
    ConsentDecision,
    ConsentDocument,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
)
from server.people.models import Child, ChildContact, Contact

QUEUE_NOTICE_KEY = "tuoyu.queue_notice"  # app.extensions: server.notices.operations.queue_notice (a floor above)
NOTICE_HANDS_KEY = "tuoyu.consent_notices"  # app.extensions: NoticeHands (notices' open_notice_for, acknowledge)
NOTICE_KIND = "consent.to_sign"
NOTICE_SUBJECT = "A new consent text is ready for you to read and sign"
_l("A new consent text is ready for you to read and sign")  # the msgid is translated when delivered
PHOTO_RULE = "privacy.photo_consent"
MAX_TEXT = 20_000
MAX_OPEN_NOTICES = 100  # a bound on the acknowledging loop: one notice per published version
TEXTS_FILE = Path(__file__).with_name("consent_texts.yaml")
DOCUMENT_FIELDS = ("purpose", "version", "sha256", "is_default", "published_at", "published_by_id")
DECISION_FIELDS = ("child_id", "contact_id", "document_id", "purpose", "version", "decision", "at", "method",
                   "signed_name", "recorded_by_id", "recorded_at")


class QueueNotice(Protocol):
    """`server.notices.operations.queue_notice`, handed down by the app factory (people may not import it)."""

    def __call__(self, *, centre_id: int, child_id: int, kind: str, subject: str, detail: dict[str, Any],
                 actor: Actor, now: datetime) -> object: ...


class OpenNoticeFor(Protocol):
    def __call__(self, child_id: int, kind: str, link_args: dict[str, Any]) -> Any: ...


class Acknowledge(Protocol):
    def __call__(self, notice: Any, *, contact_id: int, actor: Actor, now: datetime) -> object: ...


@dataclass(frozen=True)
class NoticeHands:
    """What a guardian's decision does to the notices (a floor above), handed down by the app factory.

    `open_notice_for` and `acknowledge` are `server.notices.operations`': a decision on the phone acknowledges the
    child's open `consent.to_sign` notices of that purpose, so their reminders stop.
    """

    open_notice_for: OpenNoticeFor
    acknowledge: Acknowledge


# --- texts --------------------------------------------------------------------------------------------------


@cache
def _default_texts() -> dict[str, dict[str, str]]:
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


def photo_retention_days(centre: Centre, day: date) -> int | None:
    """Days a child's photos are kept after the child leaves (rulebook `privacy.photo_consent`); None: no rule."""
    rule = effective_rules(centre, day).get(PHOTO_RULE)
    if rule is None or "photo_retention_after_leaving" not in rule.parameters:
        return None
    return int(rule.value("photo_retention_after_leaving"))


def default_text(centre: Centre, purpose: ConsentPurpose, day: date) -> tuple[str, str]:
    """The product's default text of a purpose for this centre, (zh, en), with the rulebook's figures filled in."""
    days = photo_retention_days(centre, day)
    values = {"centre": centre.name, "photo_retention_days": "—" if days is None else str(days)}
    texts = _default_texts()[purpose.value]
    return texts["zh"].format_map(values).strip(), texts["en"].format_map(values).strip()


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def _digest(text_zh: str, text_en: str) -> str:
    return hashlib.sha256(f"{text_zh}\n\x1e\n{text_en}".encode()).hexdigest()


@dataclass(frozen=True)
class DocumentView:
    """A version as a reader sees it: one on file, or the default text not on file yet (`id` None)."""

    purpose: ConsentPurpose
    version: int
    text_zh: str
    text_en: str
    id: int | None = None
    is_default: bool = False
    published_at: datetime | None = None
    published_by_id: int | None = None

    def text(self, chinese: bool) -> str:
        """The text in the reader's language."""
        return self.text_zh if chinese else self.text_en

    @classmethod
    def of(cls, row: ConsentDocument) -> DocumentView:
        return cls(row.purpose, row.version, row.text_zh, row.text_en, row.id, row.is_default, row.published_at,
                   row.published_by_id)


def _latest_rows(centre_id: int) -> dict[ConsentPurpose, ConsentDocument]:
    rows = db.session.execute(select(ConsentDocument).where(ConsentDocument.centre_id == centre_id)
                              .order_by(ConsentDocument.version)).scalars()
    return {row.purpose: row for row in rows}


def current_documents(centre: Centre, now: datetime) -> dict[ConsentPurpose, DocumentView]:
    """The current version of every purpose at the centre (the default text as version 1 when none is on file)."""
    on_file = _latest_rows(centre.id)
    out = {}
    for purpose in ConsentPurpose:
        if purpose in on_file:
            out[purpose] = DocumentView.of(on_file[purpose])
        else:
            zh, en = default_text(centre, purpose, centre_today(centre, now))
            out[purpose] = DocumentView(purpose, 1, zh, en, is_default=True)
    return out


def document_history(centre_id: int) -> list[ConsentDocument]:
    """Every version on file at the centre, newest first per purpose."""
    return list(db.session.execute(select(ConsentDocument).where(ConsentDocument.centre_id == centre_id)
                                   .order_by(ConsentDocument.purpose, ConsentDocument.version.desc())).scalars())


def _insert_document(row: ConsentDocument, *, actor: Actor, now: datetime) -> ConsentDocument:
    try:
        with db.session.begin_nested():  # two publications at once: the unique version lets one through
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("Another version was published at the same time: reload and try again."),
                       code="version_conflict", field="version") from None
    audit_record(row, "consent_document.publish", None, DOCUMENT_FIELDS, actor=actor, now=now)
    return row


def _on_file(centre: Centre, purpose: ConsentPurpose, *, actor: Actor, now: datetime) -> ConsentDocument:
    """The current version's row; the default text is put on file as version 1 at its first use."""
    current = _latest_rows(centre.id).get(purpose)
    if current is not None:
        return current
    zh, en = default_text(centre, purpose, centre_today(centre, now))
    return _insert_document(ConsentDocument(
        centre_id=centre.id, purpose=purpose, version=1, text_zh=zh, text_en=en, sha256=_digest(zh, en),
        is_default=True, published_at=now, published_by_id=None), actor=actor, now=now)


def publish_version(centre: Centre, purpose: ConsentPurpose, *, text_zh: str, text_en: str, notify: QueueNotice,
                    actor: Actor, now: datetime) -> ConsentDocument:
    """Publish a new version of a purpose's text (the director) and ask every enrolled child's guardians to sign it.

    One `consent.to_sign` notice per child enrolled today, through `notify` (notices sit above people). Consents
    under older versions stay in force until the guardian signs the new one or withdraws.
    """
    authorise(actor, Perm.CENTRE_MANAGE, centre.id, now)
    purpose = ConsentPurpose(purpose)
    zh, en = _clean(text_zh or ""), _clean(text_en or "")
    problems = ProblemCollector()
    for name, text in (("text_zh", zh), ("text_en", en)):
        if not text:
            problems.add("required", _l("The text is required in both languages."), name)
        elif len(text) > MAX_TEXT:
            problems.add("too_long", _l("At most %(most)s characters.", most=MAX_TEXT), name)
    current = current_documents(centre, now)[purpose]
    if not problems.problems and (zh, en) == (current.text_zh, current.text_en):
        problems.add("unchanged", _l("The text is the same as the current version."), "text_zh")
    problems.raise_if_any()
    previous = _on_file(centre, purpose, actor=actor, now=now)
    row = _insert_document(ConsentDocument(
        centre_id=centre.id, purpose=purpose, version=previous.version + 1, text_zh=zh, text_en=en,
        sha256=_digest(zh, en), is_default=False, published_at=now, published_by_id=actor.user_id),
        actor=actor, now=now)
    today = centre_today(centre, now)
    enrolled = db.session.execute(select(Child.id).where(
        Child.centre_id == centre.id, Child.enrolled_on <= today,
        Child.left_on.is_(None) | (Child.left_on >= today)).order_by(Child.id)).scalars().all()
    for child_id in enrolled:
        notify(centre_id=centre.id, child_id=child_id, kind=NOTICE_KIND, subject=NOTICE_SUBJECT,
               detail={"purpose": purpose.value, "version": row.version,
                       "link": {"endpoint": "consents.family_consents",
                                "args": {"code": centre.code, "purpose": purpose.value}}},
               actor=actor, now=now)
    return row


# --- status -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentStatus:
    """Where one purpose of one child stands at an instant: the latest decision and the current version."""

    purpose: ConsentPurpose
    state: ConsentState
    latest: ConsentDecision | None
    current_version: int
    legacy_on: date | None = None  # a consent date kept before versions existed (Child.consent_on), no decision

    @property
    def in_force(self) -> bool:
        return self.state is ConsentState.GIVEN

    @property
    def version(self) -> int | None:
        """The version the latest decision was made under."""
        return self.latest.version if self.latest is not None else None

    @property
    def new_version_to_sign(self) -> bool:
        """In force under an older version (or a date from before versions): the current one is to sign."""
        return self.in_force and (self.latest is None or self.latest.version < self.current_version)

    @property
    def to_sign(self) -> bool:
        """Nothing decided yet, or a new version to sign (a withdrawal or a refusal is a decision: not to do)."""
        return self.state is ConsentState.NONE or self.new_version_to_sign


def _state(rows: list[ConsentDecision], legacy_on: date | None) -> ConsentState:
    if not rows:
        return ConsentState.GIVEN if legacy_on is not None else ConsentState.NONE
    if rows[-1].decision is ConsentChoice.GIVEN:
        return ConsentState.GIVEN
    ever = legacy_on is not None or any(r.decision is ConsentChoice.GIVEN for r in rows)
    return ConsentState.WITHDRAWN if ever else ConsentState.REFUSED


def _current_versions(centre_ids: Iterable[int]) -> dict[tuple[int, ConsentPurpose], int]:
    ids = list(set(centre_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(ConsentDocument.centre_id, ConsentDocument.purpose,
                                     func.max(ConsentDocument.version))
                              .where(ConsentDocument.centre_id.in_(ids))
                              .group_by(ConsentDocument.centre_id, ConsentDocument.purpose)).all()
    return {(centre_id, purpose): version for centre_id, purpose, version in rows}


def consent_statuses(child_ids: Iterable[int], at: datetime) -> dict[int, dict[ConsentPurpose, ConsentStatus]]:
    """Every purpose's status of each child at instant `at`, in three queries (for lists)."""
    ids = sorted(set(child_ids))
    if not ids:
        return {}
    children = db.session.execute(select(Child.id, Child.centre_id, Child.consent_on).where(Child.id.in_(ids))).all()
    zones = {c.id: centre_zone(c) for c in db.session.execute(
        select(Centre).where(Centre.id.in_({row.centre_id for row in children}))).scalars()}
    rows: dict[tuple[int, ConsentPurpose], list[ConsentDecision]] = defaultdict(list)
    for row in db.session.execute(select(ConsentDecision).where(ConsentDecision.child_id.in_(ids),
                                                                ConsentDecision.at <= at)
                                  .order_by(ConsentDecision.at, ConsentDecision.id)).scalars():
        rows[(row.child_id, row.purpose)].append(row)
    versions = _current_versions(row.centre_id for row in children)
    out: dict[int, dict[ConsentPurpose, ConsentStatus]] = {}
    for child_id, centre_id, consent_on in children:
        local_day = at.astimezone(zones[centre_id]).date()
        statuses = {}
        for purpose in ConsentPurpose:
            decided = rows.get((child_id, purpose), [])
            legacy = (consent_on if purpose is ConsentPurpose.DATA_PROCESSING and consent_on is not None
                      and consent_on <= local_day and not decided else None)
            statuses[purpose] = ConsentStatus(purpose, _state(decided, legacy), decided[-1] if decided else None,
                                              versions.get((centre_id, purpose), 1), legacy)
        out[child_id] = statuses
    return out


def _latest_choice(child_id: int, purpose: ConsentPurpose, at: datetime) -> ConsentChoice | None:
    return db.session.execute(select(ConsentDecision.decision).where(
        ConsentDecision.child_id == child_id, ConsentDecision.purpose == purpose, ConsentDecision.at <= at)
        .order_by(ConsentDecision.at.desc(), ConsentDecision.id.desc()).limit(1)).scalar_one_or_none()


def photos_allowed(child_id: int, at: datetime) -> bool:
    """May a photo of the child be taken, stored or sent at instant `at`? Only under a photos consent in force."""
    return _latest_choice(child_id, ConsentPurpose.PHOTOS, at) is ConsentChoice.GIVEN


def data_processing_consented(child_id: int, at: datetime) -> bool:
    """Is a guardian's consent to process the child's data in force at instant `at`?"""
    choice = _latest_choice(child_id, ConsentPurpose.DATA_PROCESSING, at)
    if choice is not None:
        return choice is ConsentChoice.GIVEN
    status = consent_statuses([child_id], at).get(child_id)  # no decision yet: the date kept before versions
    return status is not None and status[ConsentPurpose.DATA_PROCESSING].in_force


def history(child_ids: Iterable[int]) -> list[ConsentDecision]:
    """Every decision about these children, newest first (who, when, which version, how)."""
    ids = list(set(child_ids))
    if not ids:
        return []
    return list(db.session.execute(select(ConsentDecision).where(ConsentDecision.child_id.in_(ids))
                                   .order_by(ConsentDecision.at.desc(), ConsentDecision.id.desc())).scalars())


# --- guardians ------------------------------------------------------------------------------------------------


def guardian_contact(child: Child, actor: Actor) -> Contact | None:
    """The actor's contact that is a guardian of the child (None: the actor is not one of its guardians)."""
    if not actor.contact_ids:
        return None
    return db.session.execute(
        select(Contact).join(ChildContact, ChildContact.contact_id == Contact.id)
        .where(ChildContact.child_id == child.id, ChildContact.is_guardian,
               Contact.id.in_(actor.contact_ids)).order_by(Contact.id).limit(1)).scalar_one_or_none()


def guardian_children(centre: Centre, actor: Actor) -> list[tuple[Child, Contact]]:
    """The children of the centre the actor is a guardian of, with the actor's contact for each."""
    if not actor.contact_ids:
        return []
    rows = db.session.execute(
        select(Child, Contact).join(ChildContact, ChildContact.child_id == Child.id)
        .join(Contact, Contact.id == ChildContact.contact_id)
        .where(Child.centre_id == centre.id, ChildContact.is_guardian, Contact.id.in_(actor.contact_ids))
        .order_by(Child.id, Contact.id)).all()
    seen: dict[int, tuple[Child, Contact]] = {}
    for child, contact in rows:
        seen.setdefault(child.id, (child, contact))
    return list(seen.values())


def _is_guardian(child: Child, contact: Contact) -> bool:
    return db.session.execute(select(ChildContact.id).where(
        ChildContact.child_id == child.id, ChildContact.contact_id == contact.id, ChildContact.is_guardian)
    ).first() is not None


def _same_name(typed: str, on_file: str) -> bool:
    return "".join(typed.split()).casefold() == "".join(on_file.split()).casefold()


# --- decisions ----------------------------------------------------------------------------------------------


def _sync_child(child: Child, *, actor: Actor, now: datetime) -> None:
    """Keep Child.consent_on / consent_by_contact_id in step with the data-processing decision in force."""
    from server.people.operations import CHILD_FIELDS  # operations imports this module: read at call time

    status = consent_statuses([child.id], now)[child.id][ConsentPurpose.DATA_PROCESSING]
    if status.in_force and status.latest is None:
        return  # a date from before versions: nothing decided since
    if status.in_force and status.latest is not None:
        centre = centre_by_id(child.centre_id)
        values = (status.latest.at.astimezone(centre_zone(centre)).date(), status.latest.contact_id)
    else:
        values = (None, None)
    if (child.consent_on, child.consent_by_contact_id) == values:
        return
    before = snapshot(child, CHILD_FIELDS)
    child.consent_on, child.consent_by_contact_id = values
    db.session.flush()
    audit_record(child, "child.update", before, CHILD_FIELDS, actor=actor, now=now)


def _record(child: Child, contact: Contact, document: ConsentDocument, decision: ConsentChoice, *, at: datetime,
            method: ConsentMethod, signed_name: str | None, actor: Actor, now: datetime) -> ConsentDecision:
    row = ConsentDecision(
        centre_id=child.centre_id, child_id=child.id, contact_id=contact.id, document_id=document.id,
        purpose=document.purpose, version=document.version, decision=decision, at=at, method=method,
        signed_name=signed_name, recorded_by_id=actor.user_id, recorded_at=now)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "consent_decision.record", None, DECISION_FIELDS, actor=actor, now=now)
    if document.purpose is ConsentPurpose.DATA_PROCESSING:
        _sync_child(child, actor=actor, now=now)
    return row


def _document_for(centre: Centre, status: ConsentStatus, decision: ConsentChoice, version: int | None, *,
                  actor: Actor, now: datetime) -> ConsentDocument:
    """The version a decision is recorded under: the one named; a withdrawal, the one in force; else the current."""
    current = _on_file(centre, status.purpose, actor=actor, now=now)
    wanted = version
    if wanted is None and decision is ConsentChoice.WITHDRAWN and status.latest is not None:
        wanted = status.latest.version
    if wanted is None or wanted == current.version:
        return current
    return db.session.execute(select(ConsentDocument).where(
        ConsentDocument.centre_id == centre.id, ConsentDocument.purpose == status.purpose,
        ConsentDocument.version == wanted)).scalar_one()


def decide(child: Child, *, purpose: ConsentPurpose, version: int, decision: ConsentChoice,
           signed_name: str | None, actor: Actor, now: datetime, notices: NoticeHands | None = None) -> ConsentDecision:
    """A guardian signs (gives) or withdraws a consent on their phone; in force from `now`, at once.

    Signing names the version read (the current one: an older one is 409 `stale_version`) and the guardian's
    name as typed (as on file). Withdrawing needs no name (one confirmed tap); withdrawing where nothing was ever
    given is a refusal. The caller has scoped the child to the actor's family (another family: 404). Either way
    the guardian has answered the child's open `consent.to_sign` notices of that purpose: `notices` acknowledges
    them.
    """
    authorise(actor, Perm.FAMILY_WRITE, child.centre_id, now)
    purpose, decision = ConsentPurpose(purpose), ConsentChoice(decision)
    contact = guardian_contact(child, actor)
    name = " ".join((signed_name or "").split())
    problems = ProblemCollector()
    if contact is None:
        problems.add("not_guardian", _l("Only a guardian of the child can decide on its consents."), "child_id")
    elif decision is ConsentChoice.GIVEN and not name:
        problems.add("required", _l("Type your name to sign."), "signed_name")
    elif decision is ConsentChoice.GIVEN and not _same_name(name, contact.name):
        problems.add("name_mismatch", _l("Type your name as the centre has it on file."), "signed_name")
    problems.raise_if_any()
    assert contact is not None
    centre = centre_by_id(child.centre_id)
    current = current_documents(centre, now)[purpose].version
    status = consent_statuses([child.id], now)[child.id][purpose]
    if decision is ConsentChoice.GIVEN:
        if version != current:
            raise Conflict(_l("A newer version of this text has been published: read it, then sign."),
                           code="stale_version", field="version")
        if status.in_force and status.latest is not None and status.latest.version == current:
            raise Conflict(_l("This consent is already given."), code="already_given", field="decision")
        document = _document_for(centre, status, decision, current, actor=actor, now=now)
    else:
        if not 1 <= version <= current:
            raise Conflict(_l("No such version of this text."), code="stale_version", field="version")
        if status.state in (ConsentState.WITHDRAWN, ConsentState.REFUSED):
            raise Conflict(_l("This consent is already withdrawn."), code="already_withdrawn", field="decision")
        document = _document_for(centre, status, decision, None, actor=actor, now=now)
    row = _record(child, contact, document, decision, at=now, method=ConsentMethod.PORTAL,
                  signed_name=name if decision is ConsentChoice.GIVEN else None, actor=actor, now=now)
    if notices is not None:
        for _ in range(MAX_OPEN_NOTICES):
            notice = notices.open_notice_for(child.id, NOTICE_KIND, {"purpose": purpose.value})
            if notice is None:
                break
            notices.acknowledge(notice, contact_id=contact.id, actor=actor, now=now)
    return row


def record_paper(child: Child, contact: Contact, *, purpose: ConsentPurpose, decision: ConsentChoice, on: date,
                 version: int | None = None, actor: Actor, now: datetime) -> ConsentDecision:
    """The office records a guardian's signed paper form (given or withdrawn) dated `on`.

    In force from that day's start (from `now` when dated today, so it follows today's earlier decisions);
    under the version named (default: a withdrawal, the one in force; a consent, the current one).
    """
    authorise(actor, Perm.CHILDREN_WRITE, child.centre_id, now)
    purpose, decision = ConsentPurpose(purpose), ConsentChoice(decision)
    centre = centre_by_id(child.centre_id)
    today = centre_today(centre, now)
    current = current_documents(centre, now)[purpose].version
    problems = ProblemCollector()
    if contact.centre_id != child.centre_id or not _is_guardian(child, contact):
        problems.add("not_guardian", _l("Only a guardian can give consent."), "contact_id")
    if on > today:
        problems.add("consent_in_future", _l("The consent date is in the future."), "consent_on")
    if version is not None and not 1 <= version <= current:
        problems.add("unknown_version", _l("No such version of this text."), "version")
    problems.raise_if_any()
    at = now if on == today else datetime.combine(on, time(), tzinfo=centre_zone(centre))
    status = consent_statuses([child.id], now)[child.id][purpose]
    document = _document_for(centre, status, decision, version, actor=actor, now=now)
    return _record(child, contact, document, decision, at=at, method=ConsentMethod.PAPER, signed_name=None,
                   actor=actor, now=now)
