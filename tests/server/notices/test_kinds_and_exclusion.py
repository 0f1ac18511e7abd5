"""Kinds as data: unknown kinds and bad shapes refused; an exclusion recorded in health queues its notice with the
disease and the return condition (and a correction that adds an exclusion does too, once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.database import db
from server.health.illness.operations import amend_case, report_case
from server.notices.kinds import KINDS, kind_of
from server.notices.models import GuardianNotice
from server.notices.operations import queue_notice
from tests.factories import SYSTEM
from tests.server.notices.conftest import SUBJECT, TODAY


def test_the_kinds_say_which_need_an_acknowledgement_and_which_are_urgent():
    table = {key: (kind.needs_ack, kind.urgent) for key, kind in KINDS.items()}
    assert table == {"health_check.abnormal": (True, False), "exclusion": (True, False),
                     "medication_consent.to_sign": (True, False), "consent.to_sign": (True, False),
                     "message.new": (False, False), "complaint.answered": (False, False),
                     "incident.report": (True, True), "emergency.notice": (False, True),
                     "menu.published": (False, False), "meal_fee.published": (False, False)}
    with pytest.raises(ValueError):
        kind_of("gossip")


@pytest.mark.parametrize("detail", [{"link": {"args": {}}}, {"link": "elsewhere"}, {"body": ""}, {"params": [1]}])
def test_a_notice_of_an_unknown_kind_or_a_bad_detail_is_refused(world, clock, detail):
    with pytest.raises(ValueError):
        queue_notice(centre_id=world["alpha"].id, child_id=world["child"].id, kind="gossip", subject=SUBJECT,
                     detail={}, actor=SYSTEM, now=clock.now())
    with pytest.raises(ValueError):
        queue_notice(centre_id=world["alpha"].id, child_id=world["child"].id, kind="exclusion", subject=SUBJECT,
                     detail=detail, actor=SYSTEM, now=clock.now())
    assert db.session.execute(select(GuardianNotice)).first() is None


def _exclusions():  # type: ignore[no-untyped-def]
    return db.session.execute(select(GuardianNotice).where(GuardianNotice.kind == "exclusion")).scalars().all()


def test_an_exclusion_tells_the_guardians_the_disease_and_the_return_condition(world, clock):
    case = report_case(world["child"], disease="手足口病", onset_on=TODAY, reported_on=TODAY, excluded_from=TODAY,
                       excluded_until=TODAY + timedelta(days=7), actor=SYSTEM, now=clock.now())
    [notice] = _exclusions()
    assert (notice.child_id, notice.detail["case_id"], notice.detail["disease"], notice.detail["return_condition"],
            notice.detail["excluded_from"], notice.detail["expected_return"]) == (
        world["child"].id, case.id, "手足口病", "certificate", "2026-09-07", "2026-09-14")
    assert notice.detail["params"] == {"disease": "手足口病", "start": "2026-09-07"}


def test_a_case_without_exclusion_tells_nothing_until_a_correction_adds_one(world, clock):
    case = report_case(world["child"], disease="湿疹", infectious=False, onset_on=TODAY, reported_on=TODAY,
                       excluded_from=None, actor=SYSTEM, now=clock.now())
    assert _exclusions() == []
    fixed = amend_case(case, {"infectious": True, "disease": "水痘", "excluded_from": TODAY}, reason="复诊确诊",
                       actor=SYSTEM, now=clock.now())
    amend_case(fixed, {"excluded_until": TODAY + timedelta(days=10)}, reason="补充预计返园日期", actor=SYSTEM,
               now=clock.now())
    assert [n.detail["disease"] for n in _exclusions()] == ["水痘"]
