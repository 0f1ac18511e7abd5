"""The 表6 operations: ticks, amendments with a reason, signing, and changes after signing; all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.audit.models import AuditEntry
from server.database import db
from server.errors import Conflict, NotFound, ValidationFailed
from server.hygiene import checklist
from server.hygiene.models import CheckItem, HygieneCheck
from tests.server.hygiene.conftest import CAREGIVER_PIN, DAY, PASSWORD, World, actor_of, at


def _codes(exc: ValidationFailed) -> set[str]:
    return {p.code for p in exc.problems}


def test_a_tick_is_a_row_with_who_and_when_from_the_clock(world: World) -> None:
    row = checklist.tick(world.room, DAY, item="ventilation", minutes=15, started_at=at("09:00"), actor=world.actor,
                         now=world.now)
    assert (row.item, row.minutes, row.by_name, row.recorded_at, row.staff_id) == (
        CheckItem.VENTILATION, 15, "张老师", world.now, world.carer.id)
    assert row.started_at == at("09:00")
    audit = db.session.execute(select(AuditEntry).where(AuditEntry.object_type == "hygiene_check")).scalars().all()
    assert [a.action for a in audit] == ["hygiene_check.tick"]


@pytest.mark.parametrize(("values", "code", "field"), [
    ({"item": "ventilation"}, "required", "minutes"),
    ({"item": "ventilation", "minutes": 0}, "out_of_range", "minutes"),
    ({"item": "tableware"}, "required", "method"),
    ({"item": "tableware", "method": "boil"}, "required", "minutes"),
    ({"item": "tableware", "method": "fry", "minutes": 3}, "unknown_method", "method"),
    ({"item": "mopping"}, "unknown_item", "item"),
    ({"item": "ventilation", "minutes": 10, "started_at_h": "10:00"}, "in_the_future", "started_at"),
])
def test_bad_ticks_are_refused_with_the_field(world: World, values: dict, code: str, field: str) -> None:
    values = dict(values)
    if "started_at_h" in values:
        values["started_at"] = at(values.pop("started_at_h"))
    with pytest.raises(ValidationFailed) as exc:
        checklist.tick(world.room, DAY, actor=world.actor, now=world.now, **values)
    assert (exc.value.code, exc.value.field) == (code, field)


def test_a_typed_start_on_another_day_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        checklist.tick(world.room, DAY, item="ventilation", minutes=10, started_at=at("09:00", DAY - timedelta(1)),
                       actor=world.actor, now=world.now)
    assert exc.value.code == "not_that_day"


def test_a_future_day_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        checklist.tick(world.room, DAY + timedelta(days=1), item="toys", actor=world.actor, now=world.now)
    assert exc.value.code == "in_the_future"


def test_an_amendment_references_the_original_and_needs_a_reason(world: World) -> None:
    row = checklist.tick(world.room, DAY, item="ventilation", minutes=9, actor=world.actor, now=world.now)
    with pytest.raises(ValidationFailed) as exc:
        checklist.amend(row, minutes=12, reason=" ", actor=world.actor, now=world.now)
    assert exc.value.code == "reason_required"
    later = world.now + timedelta(minutes=5)
    fix = checklist.amend(row, minutes=12, reason="看错了计时器", actor=world.actor, now=later)
    assert (fix.amends_id, fix.minutes, fix.reason, fix.recorded_at) == (row.id, 12, "看错了计时器", later)
    again = checklist.amend(fix, done=False, reason="重复登记", actor=world.actor, now=later)
    assert again.amends_id == row.id  # amendments always reference the original
    day = checklist.load_day(world.room, DAY)
    (entry,) = day.entries
    assert entry.current.done is False and [a.id for a in entry.amendments] == [fix.id, again.id]
    assert db.session.get(HygieneCheck, row.id).minutes == 9  # the original is never changed
    with pytest.raises(Conflict) as conflict:
        checklist.amend(row, done=False, reason="再撤销", actor=world.actor, now=later)
    assert conflict.value.code == "no_change"


def test_sign_with_the_pin_then_changes_need_a_reason(world: World) -> None:
    with pytest.raises(Conflict) as exc:
        checklist.sign_day(world.room, DAY, pin=CAREGIVER_PIN, actor=world.actor, now=world.now)
    assert exc.value.code == "nothing_to_sign"
    checklist.tick(world.room, DAY, item="toys", actor=world.actor, now=world.now)
    with pytest.raises(ValidationFailed) as wrong:
        checklist.sign_day(world.room, DAY, pin="000000", actor=world.actor, now=world.now)
    assert wrong.value.code == "wrong_pin"
    signature = checklist.sign_day(world.room, DAY, pin=CAREGIVER_PIN, actor=world.actor, now=world.now)
    assert (signature.by_name, signature.signed_with.value) == ("张老师", "pin")
    with pytest.raises(Conflict) as twice:
        checklist.sign_day(world.room, DAY, password=PASSWORD, actor=world.actor, now=world.now)
    assert twice.value.code == "already_signed"
    with pytest.raises(ValidationFailed) as late:
        checklist.tick(world.room, DAY, item="toilets", actor=world.actor, now=world.now)
    assert late.value.code == "reason_required"
    added = checklist.tick(world.room, DAY, item="toilets", reason="签字后补登", actor=world.actor, now=world.now)
    assert added.reason == "签字后补登"
    withdrawn = checklist.amend(added, done=False, reason="其实未做", actor=world.actor, now=world.now)
    assert withdrawn.amends_id == added.id and checklist.load_day(world.room, DAY).signature is not None
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.action.like("hygiene%"))
                                 .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["hygiene_check.tick", "hygiene_signature.sign", "hygiene_check.tick", "hygiene_check.amend"]


def test_sign_with_the_password(world: World) -> None:
    checklist.tick(world.room, DAY, item="toys", actor=world.actor, now=world.now)
    row = checklist.sign_day(world.room, DAY, password=PASSWORD, actor=world.actor, now=world.now)
    assert row.signed_with.value == "password"


def test_guardians_and_other_centres_may_not_tick(world: World) -> None:
    with pytest.raises(Exception) as exc:
        checklist.tick(world.room, DAY, item="toys", actor=actor_of(world.parent), now=world.now)
    assert getattr(exc.value, "status", None) == 403
    with pytest.raises(NotFound):
        checklist.tick(world.room, DAY, item="toys", actor=actor_of(world.beta_director), now=world.now)


def test_the_kitchen_may_tick_any_class(world: World) -> None:
    row = checklist.tick(world.other_room, DAY, item="tableware", method="cabinet", actor=actor_of(world.kitchen),
                         now=world.now)
    assert row.by_name == "刘师傅" and row.minutes is None
