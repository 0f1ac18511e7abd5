"""The fridge's evidence over each sample's keeping period (min/max, count, gaps, excursions), the register rows,
the monthly summary and the evidence the evaluator reads (missing dish through the app factory's menu hook)."""

from __future__ import annotations

from datetime import date, timedelta

from compliance import Period
from compliance.food.samples import ServedDishRecord
from server.centre.records import centre_record
from server.database import db
from server.environment.models import Exceedance
from server.food.operations import dispose_sample
from server.food.registers import MONTHLY_SUMMARY, SAMPLES_REGISTER, food_sample_evidence, kept_samples
from tests.server.food.conftest import actor_of

SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))


def _stats(world, row, now):  # type: ignore[no-untyped-def]
    [kept] = kept_samples(world.centre, [row], now)
    return kept


def test_readings_count_only_within_the_keeping_period(world) -> None:  # type: ignore[no-untyped-def]
    world.fridge(world.now - timedelta(hours=1), 60, celsius=9.5)  # before sealing: not this sample's
    world.fridge(world.now, 120, celsius=3.5)
    row = world.sample()
    kept = _stats(world, row, world.now + timedelta(hours=2))
    assert (kept.monitored, kept.stats.readings, kept.stats.min_c, kept.stats.max_c) == (True, 120, 3.5, 3.5)
    assert kept.stats.gaps == 0


def test_the_period_ends_at_the_disposal(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    world.fridge(world.now, 49 * 60, celsius=4.0)
    dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=48))
    db.session.commit()
    kept = _stats(world, row, world.now + timedelta(hours=49))
    assert kept.stats.readings == 48 * 60 and kept.stats.end == world.now + timedelta(hours=48)


def test_a_stretch_without_data_longer_than_the_window_is_a_gap(world) -> None:  # type: ignore[no-untyped-def]
    row = world.sample()
    world.fridge(world.now, 60)
    world.fridge(world.now + timedelta(minutes=100), 20)  # 40 minutes without a reading: > the 30-minute window
    world.fridge(world.now + timedelta(minutes=140), 20)  # 20 minutes: not a gap
    kept = _stats(world, row, world.now + timedelta(minutes=160))
    assert (kept.stats.gaps, kept.stats.gap_minutes, kept.stats.readings) == (1, 40, 100)


def test_no_reading_at_all_is_reported_for_a_monitored_fridge(world) -> None:  # type: ignore[no-untyped-def]
    world.fridge(world.now - timedelta(days=3), 10)  # the centre monitors the fridge; silent since
    row = world.sample()
    kept = _stats(world, row, world.now + timedelta(hours=3))
    assert kept.monitored and kept.stats.readings == 0 and kept.stats.min_c is None


def test_an_exceedance_while_kept_is_an_excursion(world) -> None:  # type: ignore[no-untyped-def]
    world.fridge(world.now, 180)
    row = world.sample()
    db.session.add(Exceedance(centre_id=world.centre.id, point="fridge-sample", quantity="fridge_c",
                              rule_id="environment.fridge", bound="upper", limit_value=8.0, window_min=30,
                              started_at=world.now + timedelta(minutes=60), ended_at=world.now + timedelta(minutes=95),
                              worst_mean=10.2, recorded_at=world.now + timedelta(minutes=96)))
    db.session.commit()
    [x] = _stats(world, row, world.now + timedelta(hours=3)).stats.excursions
    assert (x.bound, x.limit_c, x.worst_c) == ("upper", 8.0, 10.2)


def test_the_register_has_a_row_per_sample_with_fridge_and_disposal(world) -> None:  # type: ignore[no-untyped-def]
    world.fridge(world.now, 49 * 60, celsius=4.2)
    row = world.sample(weight_g=110)
    dispose_sample(row, actor=actor_of(world.kitchen), now=world.now + timedelta(hours=49))
    db.session.commit()
    [line] = list(SAMPLES_REGISTER.rows(centre_record(world.centre), SEPTEMBER))
    values = dict(zip([c.key for c in SAMPLES_REGISTER.columns], line, strict=True))
    assert SAMPLES_REGISTER.name == "食品留样记录"
    assert (values["day"], values["meal"], values["dish"], values["weight_g"], values["underweight"]) == (
        "2026-09-07", "午餐", "番茄炒蛋", 110, "是")
    assert (values["min_c"], values["max_c"], values["sealed_at"], values["disposed_at"], values["disposed_by"]) == (
        "4.2", "4.2", "2026-09-07 09:30", "2026-09-09 10:30", "cook")


def test_the_monthly_summary_counts_the_month(world) -> None:  # type: ignore[no-untyped-def]
    world.menu(ServedDishRecord(date(2026, 9, 7), "lunch", "番茄炒蛋"),
               ServedDishRecord(date(2026, 9, 7), "lunch", "清蒸鲈鱼"))
    world.sample(weight_g=110)
    [row] = list(MONTHLY_SUMMARY.rows(centre_record(world.centre), SEPTEMBER))
    assert row[:5] == ("2026-09", 1, 2, 1, 1)


def test_the_evidence_holds_samples_menu_and_kitchen_certificates(world, clock) -> None:  # type: ignore[no-untyped-def]
    world.menu(ServedDishRecord(date(2026, 9, 7), "lunch", "番茄炒蛋"))
    world.fridge(world.now, 30)
    world.sample()
    clock.advance(hours=1)
    evidence = food_sample_evidence(world.centre, SEPTEMBER)
    [record] = evidence.samples
    assert (record.dish, record.weight_g, record.fridge_monitored, record.fridge_stats.readings) == (
        "番茄炒蛋", 130, True, 30)
    assert evidence.served == (ServedDishRecord(date(2026, 9, 7), "lunch", "番茄炒蛋"),) and evidence.has_menu
    [cert] = evidence.kitchen_certificates
    assert cert.name == "郑师傅" and cert.held
