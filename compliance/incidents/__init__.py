"""Injuries and incidents (表9 儿童伤害登记表) / 儿童伤害登记.

The injury types are data (``injury_types.yaml`` beside this module); the body map's regions are a table here
(the server draws them); the deadlines are the rules ``incidents.report_deadline`` and
``incidents.signatures_and_acknowledgement``. The records are what the server maps its rows onto; the same
functions answer the server's screens and the evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from compliance.rulebook.model import Rulebook

TYPES_FILE = Path(__file__).resolve().parent / "injury_types.yaml"
DEADLINE_RULE = "incidents.report_deadline"
SIGNATURES_RULE = "incidents.signatures_and_acknowledgement"
ACK_RULE = "families.notice_acknowledgement"
CCTV_RULE = "security.cctv_retention"
Id = int | str


@dataclass(frozen=True)
class InjuryType:
    """One category of the 伤害预防指南: its stable key and names."""

    key: str
    zh: str
    en: str


@lru_cache(maxsize=1)
def injury_types() -> tuple[InjuryType, ...]:
    """The injury types, in file order (checked: each has both names; `other` is last)."""
    data = yaml.safe_load(TYPES_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("kind") != "injury_types" or not isinstance(data.get("types"), dict):
        raise ValueError(f"{TYPES_FILE}: kind injury_types with a types mapping expected")
    found = []
    for key, names in data["types"].items():
        if not isinstance(names, dict) or not names.get("zh") or not names.get("en"):
            raise ValueError(f"{TYPES_FILE}: type {key!r} needs zh and en")
        found.append(InjuryType(str(key), str(names["zh"]), str(names["en"])))
    return tuple(found)


def injury_type(key: str) -> InjuryType | None:
    """The type with this key, or None."""
    return next((t for t in injury_types() if t.key == key), None)


@dataclass(frozen=True)
class BodyRegion:
    """A region of the body map: a stable id (stored on records), its side and names."""

    key: str
    side: str  # front | back
    zh: str
    en: str


def _regions() -> tuple[BodyRegion, ...]:
    parts = (("head", "头部", "head"), ("face", "面部", "face"), ("neck", "颈部", "neck"),
             ("chest", "胸部", "chest"), ("belly", "腹部", "belly"), ("left_arm", "左上肢", "left arm"),
             ("right_arm", "右上肢", "right arm"), ("left_hand", "左手", "left hand"),
             ("right_hand", "右手", "right hand"), ("left_leg", "左大腿", "left thigh"),
             ("right_leg", "右大腿", "right thigh"), ("left_knee", "左膝", "left knee"),
             ("right_knee", "右膝", "right knee"), ("left_foot", "左脚", "left foot"),
             ("right_foot", "右脚", "right foot"))
    back = (("head", "后脑", "back of the head"), ("neck", "后颈", "back of the neck"),
            ("upper_back", "上背部", "upper back"), ("lower_back", "腰背部", "lower back"),
            ("bottom", "臀部", "bottom"), ("left_arm", "左上肢（背面）", "left arm (back)"),
            ("right_arm", "右上肢（背面）", "right arm (back)"), ("left_hand", "左手背", "back of the left hand"),
            ("right_hand", "右手背", "back of the right hand"), ("left_leg", "左腿（背面）", "left leg (back)"),
            ("right_leg", "右腿（背面）", "right leg (back)"), ("left_foot", "左脚跟", "left heel"),
            ("right_foot", "右脚跟", "right heel"))
    return (tuple(BodyRegion(f"{k}_front", "front", zh, en) for k, zh, en in parts if k != "face")
            + (BodyRegion("face", "front", "面部", "face"),)
            + tuple(BodyRegion(f"{k}_back", "back", zh, en) for k, zh, en in back))


BODY_REGIONS: tuple[BodyRegion, ...] = _regions()
REGION_KEYS = frozenset(r.key for r in BODY_REGIONS)


def region_names(keys: list[str] | tuple[str, ...], *, chinese: bool = True) -> list[str]:
    """The names of some region ids, in the order given (unknown ids as they are)."""
    names = {r.key: (r.zh if chinese else r.en) for r in BODY_REGIONS}
    return [names.get(k, k) for k in keys]


@dataclass(frozen=True)
class IncidentLimits:
    """How long after the event the reporter must sign, and the witness and review after that."""

    report_within: timedelta
    witness_within: timedelta
    review_within: timedelta
    acknowledge_within: timedelta | None  # the notifier's deadline for the guardian's acknowledgement


def _hours(rules: Rulebook, rule_id: str, name: str) -> timedelta | None:
    rule = rules.get(rule_id)
    if rule is None:
        return None
    value = rule.value(name)
    return timedelta(hours=float(Decimal(value))) if value is not None else None


def incident_limits(rules: Rulebook) -> IncidentLimits | None:
    """The limits in force, or None when the deadline rule is not."""
    report = _hours(rules, DEADLINE_RULE, "max_hours")
    if report is None:
        return None
    sign = rules.get(SIGNATURES_RULE)
    witness = timedelta(days=float(sign.value("witness_within_days"))) if sign else timedelta(days=3)
    review = timedelta(days=float(sign.value("review_within_days"))) if sign else timedelta(days=3)
    return IncidentLimits(report, witness, review, _hours(rules, ACK_RULE, "deadline_hours"))


@dataclass(frozen=True)
class IncidentRecord:
    """One 表9 report as the evaluator reads it: the child, the event and each step's time (None: not yet)."""

    id: Id
    child_id: Id
    child_name: str
    injury_type: str
    occurred_at: datetime
    reporter_signed_at: datetime | None = None
    witness_signed_at: datetime | None = None
    reviewed_at: datetime | None = None
    notice_queued_at: datetime | None = None
    acknowledged_at: datetime | None = None


@dataclass(frozen=True)
class IncidentEvidence:
    """The reports that could be outstanding in a period, and the CCTV retention recorded by its end."""

    incidents: tuple[IncidentRecord, ...] = ()
    cctv_retention_days: int | None = None  # None: never recorded
    cctv_recorded: bool = True  # False: the centre keeps no incident records here (no CCTV judgement either)


@dataclass(frozen=True)
class IncidentTiming:
    """Each step's due time and whether it is late (done after it) or overdue (still missing past it) at `at`."""

    report_due: datetime
    report_late: bool
    report_overdue: bool
    witness_due: datetime | None
    witness_overdue: bool
    review_due: datetime | None
    review_overdue: bool
    acknowledge_due: datetime | None
    acknowledge_overdue: bool

    @property
    def missing_anything(self) -> bool:
        return self.report_overdue or self.witness_overdue or self.review_overdue or self.acknowledge_overdue


def incident_timing(record: IncidentRecord, limits: IncidentLimits, at: datetime) -> IncidentTiming:
    """Where a report stands against its deadlines at `at`.

    The report from the event, the witness and the review from the reporter's signature, the acknowledgement
    from the notice (the notifier's deadline).
    """
    report_due = record.occurred_at + limits.report_within
    signed = record.reporter_signed_at
    report_late = signed is not None and report_due < signed <= at
    report_overdue = not _done_by(signed, at) and at > report_due
    witness_due = signed + limits.witness_within if signed else None
    review_due = signed + limits.review_within if signed else None
    ack_due = (record.notice_queued_at + limits.acknowledge_within
               if record.notice_queued_at is not None and limits.acknowledge_within is not None else None)
    return IncidentTiming(
        report_due, report_late, report_overdue,
        witness_due, witness_due is not None and not _done_by(record.witness_signed_at, at) and at > witness_due,
        review_due, review_due is not None and not _done_by(record.reviewed_at, at) and at > review_due,
        ack_due, ack_due is not None and not _done_by(record.acknowledged_at, at) and at > ack_due)


def _done_by(done_at: datetime | None, at: datetime) -> bool:
    """Done by `at` (a step done later was still missing then: a past period is judged as it stood)."""
    return done_at is not None and done_at <= at


def footage_probably_overwritten(until: datetime, retention_days: int | None, now: datetime) -> bool:
    """A referenced range older than the recorded retention: the recorder has probably overwritten it."""
    return retention_days is not None and until < now - timedelta(days=retention_days)
