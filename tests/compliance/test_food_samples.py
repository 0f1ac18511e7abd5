"""food.sample: a missing dish, an underweight sample (124 vs 125 g; 100 g when configured), a sample disposed of
before 48 h, a fridge excursion or no fridge data while kept; judged as recorded at the period's end; kitchen
food-handler certificates under the food area."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from compliance import CentreRecord, ComplianceInputs, FilingStatus, InspectionArea, LegalForm, Period
from compliance.evaluators.food_samples import evaluate_food_samples
from compliance.food.samples import (
    FoodSampleEvidence,
    FoodSampleRecord,
    FridgeExcursion,
    FridgeStats,
    KitchenCertificateRecord,
    SampleAmendmentRecord,
    ServedDishRecord,
)
from compliance.rulebook import effective_rulebook

CENTRE = CentreRecord("A-1", "阳光托育", LegalForm.FOR_PROFIT, "市场监管局", FilingStatus.FILED, date(2024, 1, 1),
                      40, 20)
RULES = effective_rulebook(None, None, date(2026, 9, 1))
RULES_100 = effective_rulebook(None, {"food.sample": {"min_weight": 100}}, date(2026, 9, 1))
SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))
DAY = date(2026, 9, 8)
SEALED = datetime(2026, 9, 8, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
AS_OF = datetime(2026, 10, 2, tzinfo=UTC)
GOOD_FRIDGE = FridgeStats(SEALED, SEALED + timedelta(hours=49), readings=2940, min_c=2.1, max_c=5.8)


def sample(**changes: object) -> FoodSampleRecord:
    values: dict[str, object] = dict(id=1, day=DAY, meal="lunch", dish="番茄炒蛋", weight_g=125, sealed_at=SEALED,
                                     fridge="fridge-sample", recorded_at=SEALED + timedelta(minutes=1),
                                     sampled_by="郑师傅", disposed_at=SEALED + timedelta(hours=49),
                                     fridge_monitored=True, fridge_stats=GOOD_FRIDGE)
    values.update(changes)
    return FoodSampleRecord(**values)  # type: ignore[arg-type]


def findings(*samples: FoodSampleRecord, served: tuple[ServedDishRecord, ...] = (), rules=RULES,
             certificates: tuple[KitchenCertificateRecord, ...] = (), as_of: datetime = AS_OF):  # type: ignore[no-untyped-def]
    evidence = FoodSampleEvidence(samples=samples, served=served, monitored_fridges=frozenset({"fridge-sample"}),
                                  has_menu=bool(served), kitchen_certificates=certificates)
    return evaluate_food_samples(ComplianceInputs(centre=CENTRE, as_of=as_of, food_samples=evidence), rules,
                                 SEPTEMBER)


def test_a_good_sample_is_no_finding() -> None:
    assert findings(sample(), served=(ServedDishRecord(DAY, "lunch", "番茄炒蛋"),)) == []


def test_no_evidence_is_no_finding() -> None:
    assert evaluate_food_samples(ComplianceInputs(centre=CENTRE, as_of=AS_OF), RULES, SEPTEMBER) == []


def test_124_grams_is_underweight() -> None:
    [finding] = findings(sample(weight_g=124))
    assert finding.rule_id == "food.sample" and finding.inspection_area is InspectionArea.FOOD
    assert "只有 124 克，少于 125 克" in finding.message_zh and finding.evidence == ("food_sample:1",)


def test_125_grams_is_enough() -> None:
    assert findings(sample(weight_g=125)) == []


def test_a_centre_at_100_grams_accepts_100() -> None:
    assert findings(sample(weight_g=100), rules=RULES_100) == []


def test_a_centre_at_100_grams_refuses_99() -> None:
    [finding] = findings(sample(weight_g=99), rules=RULES_100)
    assert "少于 100 克" in finding.message_zh


def test_a_served_dish_without_a_sample_is_missing() -> None:
    served = (ServedDishRecord(DAY, "lunch", "番茄炒蛋"), ServedDishRecord(DAY, "lunch", "清蒸鲈鱼"))
    [finding] = findings(sample(), served=served)
    assert finding.message_zh == "2026-09-08午餐的「清蒸鲈鱼」没有留样。"


def test_a_dish_name_with_other_spacing_is_the_same_dish() -> None:
    assert findings(sample(dish="番茄 炒蛋"), served=(ServedDishRecord(DAY, "lunch", "番茄炒蛋"),)) == []


def test_a_sample_recorded_days_later_does_not_cover_the_dish() -> None:
    late = sample(recorded_at=SEALED + timedelta(days=3))
    [finding] = findings(late, served=(ServedDishRecord(DAY, "lunch", "番茄炒蛋"),))
    assert "没有留样" in finding.message_zh


def test_a_dish_served_outside_the_period_is_not_judged() -> None:
    assert findings(served=(ServedDishRecord(date(2026, 10, 1), "lunch", "番茄炒蛋"),)) == []


def test_disposed_at_47_hours_59_is_too_early() -> None:
    [finding] = findings(sample(disposed_at=SEALED + timedelta(hours=47, minutes=59)))
    assert "不足 48 小时" in finding.message_zh


def test_disposed_at_48_hours_is_in_time() -> None:
    assert findings(sample(disposed_at=SEALED + timedelta(hours=48))) == []


def test_a_fridge_excursion_while_kept_is_a_finding() -> None:
    excursion = FridgeExcursion(SEALED + timedelta(hours=20), SEALED + timedelta(hours=21), "upper", 8.0, 11.4)
    [finding] = findings(sample(fridge_stats=replace(GOOD_FRIDGE, excursions=(excursion,), max_c=11.9)))
    assert finding.message_zh.startswith("冰箱（fridge-sample）2026-09-09 08:00至2026-09-09 09:00温度超出 8 °C 的限值"
                                         "（最高 11.4 °C），期间留存的 1 份留样受影响")


def test_samples_kept_through_one_excursion_are_one_finding() -> None:
    excursion = FridgeExcursion(SEALED + timedelta(hours=20), SEALED + timedelta(hours=21), "upper", 8.0, 11.4)
    stats = replace(GOOD_FRIDGE, excursions=(excursion,))
    [finding] = findings(sample(fridge_stats=stats), sample(id=2, dish="米饭", fridge_stats=stats))
    assert finding.evidence == ("food_sample:1", "food_sample:2") and "2 份留样" in finding.message_zh


def test_no_fridge_data_while_kept_is_a_finding_where_the_fridge_is_monitored() -> None:
    [finding] = findings(sample(fridge_stats=FridgeStats(SEALED, SEALED + timedelta(hours=49))))
    assert "在 1 份留样留存期间没有任何温度记录" in finding.message_zh


def test_an_unmonitored_fridge_without_data_is_no_finding() -> None:
    assert findings(sample(fridge="fridge-2", fridge_monitored=False, fridge_stats=None)) == []


def test_a_weight_corrected_after_the_judged_instant_does_not_count() -> None:
    fix = SampleAmendmentRecord("weight_g", 110, 130, "称重时输错", recorded_at=AS_OF + timedelta(days=1))
    [finding] = findings(sample(weight_g=110, amendments=(fix,)))
    assert "只有 110 克" in finding.message_zh


def test_a_weight_corrected_before_the_judged_instant_counts() -> None:
    fix = SampleAmendmentRecord("weight_g", 110, 130, "称重时输错", recorded_at=SEALED + timedelta(minutes=5))
    assert findings(sample(weight_g=110, amendments=(fix,))) == []


def test_a_sample_recorded_after_the_judged_instant_is_not_seen() -> None:
    assert findings(sample(weight_g=10, recorded_at=AS_OF + timedelta(hours=1))) == []


def test_an_expired_kitchen_certificate_is_a_food_finding() -> None:
    cert = KitchenCertificateRecord(7, "郑师傅", True, date(2026, 9, 20), date(2025, 1, 1))
    [finding] = findings(certificates=(cert,))
    assert finding.rule_id == "staff.food_handler_certificate" and finding.inspection_area is InspectionArea.FOOD
    assert finding.message_zh == "厨房工作人员郑师傅有 10 天健康证明已于 2026-09-20 过期（首日 2026-09-21）。"


def test_a_kitchen_worker_without_a_certificate_is_a_finding() -> None:
    [finding] = findings(certificates=(KitchenCertificateRecord(7, "郑师傅", False, None, date(2025, 1, 1)),))
    assert "有 30 天没有食品从业人员健康证明" in finding.message_zh


def test_a_certificate_in_force_all_month_is_no_finding() -> None:
    assert findings(certificates=(KitchenCertificateRecord(7, "郑师傅", True, date(2027, 3, 1), date(2025, 1, 1)),)) == []


def test_a_weight_corrected_after_its_day_does_not_erase_the_finding() -> None:
    """A slip fixed at the scale counts (the test above); "110 g was a typo" written two days later does not."""
    fix = SampleAmendmentRecord("weight_g", 110, 130, "称重时输错", recorded_at=SEALED + timedelta(days=2))
    [finding] = findings(sample(weight_g=110, amendments=(fix,)))
    assert "只有 110 克" in finding.message_zh


def test_a_sealing_time_moved_back_after_its_day_does_not_hide_an_early_disposal() -> None:
    back = SampleAmendmentRecord("sealed_at", SEALED.isoformat(), (SEALED - timedelta(days=1)).isoformat(),
                                 "封存时间记错", recorded_at=SEALED + timedelta(days=3))
    [finding] = findings(sample(disposed_at=SEALED + timedelta(hours=30), amendments=(back,)))
    assert "30.0 h after sealing" in finding.message_en
