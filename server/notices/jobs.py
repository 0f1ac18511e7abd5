"""Two jobs: every minute the outbox is drained; every hour the reminders that fell due are issued.

The drain is the outbox's entry point and commits itself: the claim before anything is sent (no lock is held over
the network), then each result as it comes (a crash loses at most the row being sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from server.database import db
from server.notices.channels import Message, SendResult, build_channel
from server.notices.outbox import Claimed, claim_due, record_result
from server.notices.reminders import issue_reminders
from server.notices.sealing import Sealer
from server.notices.settings import NotifierSettings, app_settings
from server.scheduling.operations import ScheduledJob

MAX_BATCHES = 20  # per run: what is left waits for the next minute


@dataclass(frozen=True)
class DrainReport:
    sent: int
    failed: int


def send(item: Claimed, settings: NotifierSettings) -> SendResult:
    """Send one claimed row through its channel; a channel that raises is a failed attempt, never a lost row."""
    try:
        channel = build_channel(item.channel_kind, item.url_template)
        return channel.send(Message(title=item.title, body=item.body, address=item.address),
                            timeout_s=settings.send_timeout_s)
    except Exception as exc:  # noqa: BLE001 - any library failure is logged on the row and retried
        return SendResult(ok=False, error=f"{type(exc).__name__}")


def drain_outbox(now: datetime, *, settings: NotifierSettings | None = None,
                 sealer: Sealer | None = None) -> DrainReport:
    """Send what is due: claim a batch (committed), send each, record each result (committed), repeat."""
    settings = settings or app_settings()
    sealer = sealer or Sealer(str(current_app.config["SECRET_KEY"]))
    sent = failed = 0
    for _ in range(MAX_BATCHES):
        claimed = claim_due(now, settings=settings, sealer=sealer)
        db.session.commit()
        for item in claimed:
            result = send(item, settings)
            record_result(item, result, now=now, settings=settings)
            db.session.commit()
            sent, failed = sent + result.ok, failed + (not result.ok)
        if len(claimed) < settings.batch:
            break
    return DrainReport(sent=sent, failed=failed)


def remind(now: datetime) -> None:
    """Issue the reminders that fell due (the hourly job), committed fifty at a time."""
    issue_reminders(now, after_each=db.session.commit)
    db.session.flush()


DRAIN_OUTBOX = ScheduledJob("notices.drain_outbox", run=drain_outbox, cron={"minute": "*"},
                            slot_format="%Y-%m-%dT%H:%M")
REMINDERS = ScheduledJob("notices.reminders", run=remind, cron={"minute": 5}, slot_format="%Y-%m-%dT%H")
