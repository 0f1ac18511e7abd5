"""食品留样 operations: record a sample, correct it (an amendment), dispose of it once its keeping time has passed.

Every change is one row and one audit entry; nothing is edited in place. The keeping time and the weight come from
the centre's effective rulebook (food.sample min_hours, min_weight): a disposal before `sealed_at + min_hours` is
refused (409 `kept_too_short`, the message says until when). An underweight sample is recorded as weighed (the
record must say what happened); the evaluator and the tablet flag it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from compliance.food.samples import RULE_ID, Meal
from compliance.rulebook import Rulebook
from server.audit.operations import audit_record
from server.auth.actor import Actor, authorise
from server.auth.models import User
from server.auth.roles import Perm
from server.centre.models import Centre
from server.centre.operations import centre_by_id
from server.centre.rules import effective_rules
from server.centre.timezones import centre_today, centre_zone
from server.database import db
from server.errors import Conflict, NotFound, ProblemCollector
from server.food.fridge import monitored_fridges
from server.food.models import FoodSample, FoodSampleAmendment, FoodSampleDisposal

SAMPLE_FIELDS = ("day", "meal", "dish", "weight_g", "sealed_at", "fridge", "sampled_by", "recorded_at")
AMENDMENT_FIELDS = ("sample_id", "field", "old_value", "new_value", "reason", "amended_at", "amended_by")
DISPOSAL_FIELDS = ("sample_id", "disposed_at", "disposed_by")
AMENDABLE = ("meal", "dish", "weight_g", "sealed_at", "fridge")
MAX_DISH = 80
MAX_REASON = 500
MOST_GRAMS = 2000  # a typing slip, not a sample
FUTURE_SKEW = timedelta(minutes=5)
DEFAULT_MIN_WEIGHT = 125
DEFAULT_MIN_HOURS = 48


@dataclass(frozen=True)
class SampleLimits:
    """What the centre's rulebook asks of a sample on a day."""

    min_weight_g: int
    min_hours: float

    @classmethod
    def of(cls, rules: Rulebook) -> SampleLimits:
        rule = rules.get(RULE_ID)
        if rule is None:
            return cls(DEFAULT_MIN_WEIGHT, DEFAULT_MIN_HOURS)
        return cls(int(rule.value("min_weight")), float(rule.value("min_hours")))


def limits_for(centre: Centre, day: date) -> SampleLimits:
    """The centre's sample limits on a day (its effective rulebook)."""
    return SampleLimits.of(effective_rules(centre, day))


@dataclass
class SampleLine:
    """A sample as it stands: current values (amendments applied), its history and its disposal."""

    sample: FoodSample
    values: dict[str, Any]
    amendments: list[FoodSampleAmendment] = field(default_factory=list)
    disposal: FoodSampleDisposal | None = None
    keep_until: datetime | None = None
    limits: SampleLimits | None = None

    @property
    def underweight(self) -> bool:
        return self.limits is not None and self.values["weight_g"] < self.limits.min_weight_g

    def may_dispose(self, now: datetime) -> bool:
        return self.disposal is None and self.keep_until is not None and now >= self.keep_until


def _name(actor: Actor) -> str:
    if actor.user_id is None:
        return "系统"
    user = db.session.get(User, actor.user_id)
    return (user.display_name or user.username) if user else str(actor.user_id)


def _plain(key: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Meal):
        return value.value
    return value


def _check(centre: Centre, values: dict[str, Any], problems: ProblemCollector, now: datetime) -> dict[str, Any]:
    """Validate the given fields (any of AMENDABLE and day); returns them parsed."""
    out: dict[str, Any] = {}
    if "meal" in values:
        try:
            out["meal"] = Meal(values["meal"])
        except (TypeError, ValueError):
            problems.add("unknown_meal", _l("Choose a meal"), "meal")
    if "dish" in values:
        dish = " ".join(values["dish"].split()) if isinstance(values["dish"], str) else ""
        if not dish:
            problems.add("required", _l("Name the dish"), "dish")
        elif len(dish) > MAX_DISH:
            problems.add("too_long", _l("At most %(most)s characters.", most=MAX_DISH), "dish")
        out["dish"] = dish
    if "weight_g" in values:
        raw = values["weight_g"]
        try:
            grams = int(str(raw).strip())
        except (TypeError, ValueError):
            grams = None
        if grams is None or grams <= 0 or isinstance(raw, bool):
            problems.add("bad_weight", _l("Weigh the sample: grams, a whole number"), "weight_g")
        elif grams > MOST_GRAMS:
            problems.add("too_heavy", _l("At most %(most)s g.", most=MOST_GRAMS), "weight_g")
        else:
            out["weight_g"] = grams
    if "sealed_at" in values:
        at = values["sealed_at"]
        if isinstance(at, str):
            try:
                at = datetime.fromisoformat(at)
            except ValueError:
                at = None
        if not isinstance(at, datetime) or at.tzinfo is None:
            problems.add("bad_time", _l("Give the time it was sealed"), "sealed_at")
        elif at > now + FUTURE_SKEW:
            problems.add("in_future", _l("The sealing time is in the future"), "sealed_at")
        else:
            out["sealed_at"] = at
    if "fridge" in values:
        fridge = values["fridge"].strip() if isinstance(values["fridge"], str) else ""
        known = monitored_fridges(centre.id)
        if not fridge or len(fridge) > 48 or (known and fridge not in known):
            problems.add("unknown_fridge", _l("Choose one of the centre's fridges"), "fridge")
        out["fridge"] = fridge
    return out


def record_sample(centre: Centre, *, meal: str, dish: str, weight_g: Any, sealed_at: datetime | None,
                  fridge: str, day: date | None = None, actor: Actor, now: datetime) -> FoodSample:
    """Record one dish's sample (weighed, sealed, put in a fridge); the day defaults to the sealing day."""
    authorise(actor, Perm.FOOD_WRITE, centre.id, now)
    problems = ProblemCollector()
    values = _check(centre, {"meal": meal, "dish": dish, "weight_g": weight_g, "sealed_at": sealed_at or now,
                             "fridge": fridge}, problems, now)
    sealed = values.get("sealed_at", now)
    the_day = day or sealed.astimezone(centre_zone(centre)).date()
    if day is not None and abs((day - centre_today(centre, now)).days) > 1:
        problems.add("bad_day", _l("Samples are recorded on the day of the meal"), "day")
    problems.raise_if_any()
    row = FoodSample(centre_id=centre.id, day=the_day, meal=values["meal"], dish=values["dish"],
                     weight_g=values["weight_g"], sealed_at=sealed, fridge=values["fridge"], sampled_by=_name(actor),
                     recorded_at=now, recorded_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "food_sample.record", None, SAMPLE_FIELDS, actor=actor, now=now)
    return row


def get_sample(sample_id: int, *, actor: Actor, now: datetime, perm: Perm = Perm.FOOD_READ) -> FoodSample:
    """A sample the actor may read (404 when there is none)."""
    row = db.session.get(FoodSample, sample_id)
    if row is None:
        raise NotFound()
    authorise(actor, perm, row.centre_id, now)
    return row


def _values(sample: FoodSample, amendments: list[FoodSampleAmendment]) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(sample, f) for f in AMENDABLE}
    for a in amendments:
        values[a.field] = datetime.fromisoformat(a.new_value) if a.field == "sealed_at" else (
            Meal(a.new_value) if a.field == "meal" else a.new_value)
    return values


def sample_lines(samples: list[FoodSample]) -> list[SampleLine]:
    """The samples as they stand, with their amendments, disposals and keep-until times."""
    ids = [s.id for s in samples]
    amendments: dict[int, list[FoodSampleAmendment]] = {i: [] for i in ids}
    disposals: dict[int, FoodSampleDisposal] = {}
    if ids:
        for a in db.session.execute(select(FoodSampleAmendment).where(FoodSampleAmendment.sample_id.in_(ids))
                                    .order_by(FoodSampleAmendment.amended_at, FoodSampleAmendment.id)).scalars():
            amendments[a.sample_id].append(a)
        for d in db.session.execute(select(FoodSampleDisposal).where(FoodSampleDisposal.sample_id.in_(ids))).scalars():
            disposals[d.sample_id] = d
    lines, limits_cache = [], {}
    for s in samples:
        key = (s.centre_id, s.day)
        if key not in limits_cache:
            limits_cache[key] = limits_for(centre_by_id(s.centre_id), s.day)
        values = _values(s, amendments[s.id])
        lim = limits_cache[key]
        # Kept from its sealing, but never from before it was recorded: a sealing time typed (or corrected) into the
        # past cannot shorten the keeping.
        kept_from = max(values["sealed_at"], s.recorded_at)
        lines.append(SampleLine(s, values, amendments[s.id], disposals.get(s.id),
                                kept_from + timedelta(hours=lim.min_hours), lim))
    return lines


def samples_between(centre_id: int, start: date, end: date) -> list[FoodSample]:
    """The centre's samples of days start..end (inclusive), in the order they were taken."""
    return list(db.session.execute(select(FoodSample).where(
        FoodSample.centre_id == centre_id, FoodSample.day >= start, FoodSample.day <= end)
        .order_by(FoodSample.day, FoodSample.sealed_at, FoodSample.id)).scalars())


def samples_kept(centre_id: int) -> list[FoodSample]:
    """The centre's samples not yet disposed of (oldest first): the fridge's contents."""
    disposed = select(FoodSampleDisposal.sample_id).where(FoodSampleDisposal.centre_id == centre_id)
    return list(db.session.execute(select(FoodSample).where(
        FoodSample.centre_id == centre_id, FoodSample.id.not_in(disposed))
        .order_by(FoodSample.sealed_at, FoodSample.id)).scalars())


def amend_sample(sample: FoodSample, *, field: str, value: Any, reason: str, actor: Actor,
                 now: datetime) -> FoodSampleAmendment:
    """Correct one field of a sample with the reason (422 on a bad value; 409 `no_change` when nothing changes)."""
    authorise(actor, Perm.FOOD_WRITE, sample.centre_id, now)
    problems = ProblemCollector()
    why = " ".join((reason or "").split())
    if not why:
        problems.add("required", _l("Say why it is corrected"), "reason")
    elif len(why) > MAX_REASON:
        problems.add("too_long", _l("At most %(most)s characters.", most=MAX_REASON), "reason")
    if field not in AMENDABLE:
        problems.add("not_amendable", _l("This field cannot be corrected"), "field")
        problems.raise_if_any()
    checked = _check(centre_by_id(sample.centre_id), {field: value}, problems, now)
    problems.raise_if_any()
    [line] = sample_lines([sample])
    if line.disposal is not None:  # its record closed with the disposal
        raise Conflict(_l("This sample was already disposed of"), code="already_disposed")
    old, new = _plain(field, line.values[field]), _plain(field, checked[field])
    if old == new:
        raise Conflict(_l("The new value is the same as the current one"), code="no_change")
    row = FoodSampleAmendment(centre_id=sample.centre_id, sample_id=sample.id, field=field, old_value=old,
                              new_value=new, reason=why, amended_at=now, amended_by_id=actor.user_id,
                              amended_by=_name(actor))
    db.session.add(row)
    db.session.flush()
    audit_record(row, "food_sample.amend", None, AMENDMENT_FIELDS, actor=actor, now=now)
    return row


def dispose_sample(sample: FoodSample, *, actor: Actor, now: datetime) -> FoodSampleDisposal:
    """Log the sample's disposal; 409 `kept_too_short` before its keep-until time, `already_disposed` twice."""
    authorise(actor, Perm.FOOD_WRITE, sample.centre_id, now)
    [line] = sample_lines([sample])
    if line.disposal is not None:
        raise Conflict(_l("This sample was already disposed of"), code="already_disposed")
    assert line.keep_until is not None
    if now < line.keep_until:
        until = line.keep_until.astimezone(centre_zone(centre_by_id(sample.centre_id))).strftime("%Y-%m-%d %H:%M")
        raise Conflict(_l("Keep this sample until %(until)s: it may not be disposed of before", until=until),
                       code="kept_too_short")
    row = FoodSampleDisposal(centre_id=sample.centre_id, sample_id=sample.id, disposed_at=now,
                             disposed_by=_name(actor), disposed_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit_record(row, "food_sample.dispose", None, DISPOSAL_FIELDS, actor=actor, now=now)
    return row
