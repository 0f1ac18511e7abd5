"""Recording, correcting and disposing of samples: the 48-hour refusal at the minute (injected clock), the weight
limits from the centre's rulebook, amendments beside the original, every change audited, the problems collected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.actor import AccessRefused
from server.database import db
from server.errors import Conflict, ValidationFailed
from server.food.models import FoodSample, FoodSampleAmendment
from server.food.operations import amend_sample, dispose_sample, record_sample, sample_lines
from tests.server.food.conftest import FRIDGE, actor_of


def _codes(exc: ValidationFailed) -> list[tuple[str, str | None]]:
    return [(p.code, p.field) for p in exc.problems]


def test_a_sample_is_recorded_with_who_and_when(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    assert (row.day.isoformat(), row.meal.value, row.dish, row.weight_g, row.fridge, row.sampled_by) == (
        "2026-09-07", "lunch", "番茄炒蛋", 130, FRIDGE, "cook")
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "food_sample")).scalars()
    assert list(actions) == ["food_sample.record"]


def test_every_problem_of_a_sample_at_once(world) -> None:  # type: ignore[no-untyped-def]
    world.fridge(world.now - timedelta(minutes=5), 5)  # the centre monitors fridge-sample: another key is unknown
    with pytest.raises(ValidationFailed) as caught:
        record_sample(world.centre, meal="supper", dish=" ", weight_g="十", sealed_at=world.now + timedelta(hours=1),
                      fridge="fridge-beer", actor=actor_of(world.kitchen), now=world.now)
    assert _codes(caught.value) == [("unknown_meal", "meal"), ("required", "dish"), ("bad_weight", "weight_g"),
                                    ("in_future", "sealed_at"), ("unknown_fridge", "fridge")]


def test_a_caregiver_may_not_record_a_sample(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AccessRefused):
        record_sample(world.centre, meal="lunch", dish="米饭", weight_g=130, sealed_at=None, fridge=FRIDGE,
                      actor=actor_of(world.caregiver), now=world.now)


def test_the_health_worker_may_record_a_sample(world) -> None:  # type: ignore[no-untyped-def]
    row = record_sample(world.centre, meal="breakfast", dish="小米粥", weight_g=125, sealed_at=None, fridge=FRIDGE,
                        actor=actor_of(world.health), now=world.now)
    assert row.sealed_at == world.now


def test_disposal_at_47_hours_59_is_refused_with_the_time(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    with pytest.raises(Conflict) as caught:
        dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=47, minutes=59))
    assert caught.value.code == "kept_too_short"
    assert "2026-09-09 09:30" in str(caught.value.message)


def test_disposal_at_48_hours_is_logged(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    done = dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=48))
    assert (done.disposed_at, done.disposed_by) == (world.now + timedelta(hours=48), "cook")
    assert db.session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "food_sample_disposal")
                              ).scalar_one() == "food_sample.dispose"


def test_a_sample_is_disposed_of_once(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=50))
    with pytest.raises(Conflict) as caught:
        dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=51))
    assert caught.value.code == "already_disposed"


def test_a_corrected_sealing_time_moves_the_keep_until_time(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    amend_sample(row, field="sealed_at", value=(world.now + timedelta(hours=1)).isoformat(), reason="封存时间记错",
                 actor=actor_of(world.kitchen), now=world.now + timedelta(hours=2))
    with pytest.raises(Conflict):
        dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=48, minutes=59))
    dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=49))


def test_a_wrong_weight_is_corrected_beside_the_original(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample(weight_g=13)
    amend_sample(row, field="weight_g", value="130", reason="少输了一个 0", actor=actor_of(world.kitchen),
                 now=world.now + timedelta(minutes=3))
    [line] = sample_lines([row])
    assert line.values["weight_g"] == 130 and db.session.get(FoodSample, row.id).weight_g == 13
    [fix] = db.session.execute(select(FoodSampleAmendment)).scalars()
    assert (fix.old_value, fix.new_value, fix.reason, fix.amended_by) == (13, 130, "少输了一个 0", "cook")
    assert db.session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "food_sample_amendment")
                              ).scalar_one() == "food_sample.amend"


def test_an_amendment_needs_a_reason_and_a_good_value(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    with pytest.raises(ValidationFailed) as caught:
        amend_sample(row, field="weight_g", value="-5", reason="", actor=actor_of(world.kitchen), now=world.now)
    assert _codes(caught.value) == [("required", "reason"), ("bad_weight", "weight_g")]


def test_an_amendment_changing_nothing_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    with pytest.raises(Conflict) as caught:
        amend_sample(row, field="dish", value="番茄炒蛋", reason="核对", actor=actor_of(world.kitchen), now=world.now)
    assert caught.value.code == "no_change"


def test_who_sampled_cannot_be_amended(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    with pytest.raises(ValidationFailed) as caught:
        amend_sample(row, field="sampled_by", value="别人", reason="x", actor=actor_of(world.kitchen), now=world.now)
    assert _codes(caught.value) == [("not_amendable", "field")]


def test_the_underweight_flag_follows_the_centre_rulebook(world) -> None:  # type: ignore[no-untyped-def]
    light = world.sample(weight_g=110)
    [line] = sample_lines([light])
    assert line.underweight and line.limits.min_weight_g == 125
    world.centre.rule_policy = {"food.sample": {"min_weight": 100}}
    db.session.commit()
    [line] = sample_lines([light])
    assert not line.underweight and line.limits.min_weight_g == 100


def test_a_sealing_time_corrected_into_the_past_does_not_shorten_the_keeping(world) -> None:  # type: ignore[no-untyped-def]
    """Kept from its sealing but never from before it was recorded: moving the sealing back a day buys no time."""
    row = world.sample()
    amend_sample(row, field="sealed_at", value=(world.now - timedelta(days=1)).isoformat(), reason="封存时间记错",
                 actor=actor_of(world.kitchen), now=world.now + timedelta(hours=1))
    with pytest.raises(Conflict) as caught:
        dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=30))
    assert caught.value.code == "kept_too_short"


def test_a_disposed_sample_can_no_longer_be_corrected(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=49))
    with pytest.raises(Conflict) as caught:
        amend_sample(row, field="weight_g", value="130", reason="补记", actor=actor_of(world.kitchen),
                     now=world.now + timedelta(hours=50))
    assert caught.value.code == "already_disposed"
