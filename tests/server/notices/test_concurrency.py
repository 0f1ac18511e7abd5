"""Two drains at once never send one row twice: PostgreSQL's SKIP LOCKED hands each its own rows while both
claim, SQLite's write lock makes the second wait for the first's claim; end to end, every push arrives once."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace

from sqlalchemy import select

from server.database import db
from server.notices.jobs import drain_outbox
from server.notices.models import NoticeOutbox, OutboxStatus
from server.notices.operations import queue_notice
from server.notices.outbox import claim_due
from server.notices.settings import NotifierSettings
from server.notices.settings_ops import save_preferences
from tests.factories import SYSTEM
from tests.server.notices.conftest import SUBJECT, guardian_actor, push_channel, sealer


def _many_notices(world, clock, receiver, count):  # type: ignore[no-untyped-def]
    channel = push_channel(world, receiver, clock.now())
    for who in ("mama", "baba"):
        save_preferences(world[who], language="", quiet_start="", quiet_end="", addresses={channel.id: who},
                         languages=["zh_Hans_CN", "en"], actor=guardian_actor(world[f"{who}_login"]), now=clock.now())
    for _ in range(count):
        queue_notice(centre_id=world["alpha"].id, child_id=world["child"].id, kind="health_check.abnormal",
                     subject=SUBJECT, detail={}, actor=SYSTEM, now=clock.now())
    db.session.commit()


def test_two_claims_at_once_take_disjoint_rows(app, world, clock, receiver):
    _many_notices(world, clock, receiver, 5)  # 20 rows: 10 portal, 10 push
    settings = replace(NotifierSettings.from_config({}), batch=8)
    first = claim_due(clock.now(), settings=settings, sealer=sealer())  # holds its rows: not committed yet
    second: list[int] = []

    def other_process() -> None:
        with app.app_context():
            second.extend(item.outbox_id for item in claim_due(clock.now(), settings=settings, sealer=sealer()))
            db.session.commit()

    thread = threading.Thread(target=other_process)
    thread.start()
    if db.session.get_bind().dialect.name == "postgresql":
        thread.join(timeout=30)  # SKIP LOCKED: it claims the rows the first does not hold, without waiting
        assert not thread.is_alive()
        db.session.commit()
    else:
        db.session.commit()  # SQLite: the second waits for the write lock, then sees the first's rows taken
        thread.join(timeout=30)
    mine = [item.outbox_id for item in first]
    assert len(mine) == 8 and len(second) == 8 and not set(mine) & set(second)
    claimed = db.session.execute(select(NoticeOutbox.id).where(NoticeOutbox.status == OutboxStatus.SENDING)).scalars()
    assert set(claimed) == set(mine) | set(second)


def test_two_drains_at_once_deliver_every_push_exactly_once(app, world, clock, receiver):
    _many_notices(world, clock, receiver, 10)  # 20 pushes
    settings = replace(NotifierSettings.from_config({}), batch=3)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                drain_outbox(clock.now(), settings=settings, sealer=sealer())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.expire_all()
    pushes = list(db.session.execute(select(NoticeOutbox).where(NoticeOutbox.channel != "portal")).scalars())
    assert {p.status for p in pushes} == {OutboxStatus.SENT} and {p.attempts for p in pushes} == {1}
    assert len(receiver.requests) == 20
    per_recipient = Counter(path for path, _ in receiver.delivered)
    assert per_recipient == {"/hook/mama": 10, "/hook/baba": 10}
