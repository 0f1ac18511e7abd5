"""kiosk.staff_notice: the wording of a member of staff's own credential notice, counted on the kiosk's day."""

from __future__ import annotations

from datetime import date

from devices.wire.roster import CredentialNotice, NoticeKind
from kiosk.staff_notice import ShownKind, shown_notice

TODAY = date(2026, 12, 7)
BACKGROUND = ("无犯罪记录证明", "Certificate of no criminal record")


def test_the_issue_example_reads_as_written() -> None:
    notice = CredentialNotice(NoticeKind.EXPIRING, "托幼机构工作人员健康合格证", "Childcare staff health certificate",
                              "health", date(2026, 12, 27), 20)
    assert shown_notice(notice, TODAY).message_zh == "您的托幼机构工作人员健康合格证将于 2026-12-27 到期（还有 20 天），请及时复检"


def test_a_credential_that_is_not_a_health_certificate_is_renewed_not_re_examined() -> None:
    notice = CredentialNotice(NoticeKind.EXPIRING, *BACKGROUND, "background", date(2026, 12, 27), 20)
    assert shown_notice(notice, TODAY).message_zh.endswith("，请及时续办")


def test_one_day_left_is_singular_in_english() -> None:
    notice = CredentialNotice(NoticeKind.EXPIRING, *BACKGROUND, "background", date(2026, 12, 8), 1)
    assert "(1 day left)" in shown_notice(notice, TODAY).message_en


def test_a_flag_from_a_server_whose_day_is_ahead_of_the_kiosk_is_trusted() -> None:
    notice = CredentialNotice(NoticeKind.NOT_CERTIFIED, *BACKGROUND, "background", date(2026, 12, 7), -1)
    shown = shown_notice(notice, TODAY)
    assert (shown.kind, shown.message_zh) == (
        ShownKind.EXPIRED, "您的无犯罪记录证明已失效：签到已记录，但不计入师幼比，已通知负责人")


def test_no_notice_shows_nothing() -> None:
    assert shown_notice(None, TODAY) is None
