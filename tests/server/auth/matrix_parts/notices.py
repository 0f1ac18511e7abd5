"""The notifier's routes in the policy matrix and the isolation test: the family's inbox, a notice, read and
acknowledge, the family's settings; the centre's notices (staff only) and its push channels (the director)."""

from __future__ import annotations

from flask import current_app

from server.auth.actor import Actor
from server.auth.roles import Perm
from tests.server.auth.matrix_parts._base import PartContext, perm, staff_only

# A receiver nobody listens on: a test send fails at once (connection refused), never leaves the machine.
DEAD_URL = "json://127.0.0.1:9/hook/{address}"

NEEDS = {
    "notices_api.list_notices": perm(Perm.NOTICES_READ),  # a guardian: their own children's only
    "notices_api.get_notice": perm(Perm.NOTICES_READ, family=True),
    "notices_api.mark_read": perm(Perm.NOTICES_READ, family=True),  # staff: 409, they are nobody's guardian
    "notices_api.acknowledge": perm(Perm.FAMILY_WRITE, family=True),
    "notices_pages.family_inbox": perm(Perm.NOTICES_READ),
    "notices_pages.family_notice": perm(Perm.NOTICES_READ, family=True),
    "notices_pages.family_acknowledge": perm(Perm.FAMILY_WRITE, family=True),
    "notices_pages.family_settings": perm(Perm.FAMILY_WRITE),
    "notices_pages.save_family_settings": perm(Perm.FAMILY_WRITE),
    "notices_pages.centre_notices": staff_only(Perm.NOTICES_READ),  # every family's: never a guardian
    "notices_pages.channels": perm(Perm.CENTRE_MANAGE),
    "notices_pages.add_channel": perm(Perm.CENTRE_MANAGE),
    "notices_pages.disable_channel": perm(Perm.CENTRE_MANAGE),
    "notices_pages.test_channel": perm(Perm.CENTRE_MANAGE),
}
FORMS = {
    "notices_pages.save_family_settings": {"language": "en", "quiet_start": "21:30", "quiet_end": "07:00"},
    "notices_pages.add_channel": {"name": "邮件", "url": DEAD_URL},
    "notices_pages.test_channel": {"address": "probe"},
    "notices_pages.disable_channel": {},
    "notices_pages.family_acknowledge": {},
}
# Acknowledging (once, then 409) and disabling change what later requests see: after the reads.
LAST = ("notices_api.acknowledge", "notices_pages.family_acknowledge", "notices_pages.disable_channel")
ISOLATION_BODIES = {
    ("POST", "/api/v1/notices/<notice_id>/read"): None,
    ("POST", "/api/v1/notices/<notice_id>/acknowledge"): None,
}


def objects(ctx: PartContext) -> dict[str, int]:
    """A notice to acknowledge about the family's child, and a push channel of the centre."""
    from server.notices.operations import queue_notice
    from server.notices.sealing import Sealer
    from server.notices.settings_ops import add_channel

    now = ctx.now
    notice = queue_notice(centre_id=ctx.centre.id, child_id=ctx.child.id, kind="consent.to_sign",
                          subject="A new version of a consent is waiting for your signature", detail={},
                          actor=Actor.system(), now=now)
    channel = add_channel(ctx.centre, name=f"推送{ctx.tag}{ctx.n}", url_template=DEAD_URL,
                          sealer=Sealer(str(current_app.config["SECRET_KEY"])), actor=Actor.system(), now=now)
    return {"notice_id": notice.id, "channel_id": channel.id}
